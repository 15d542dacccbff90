"""Agreement between coders, and evaluation of a coder against a gold standard.

Every function takes tidy codings tables (one row per segment x code, with at
least ``segment_id`` and ``code``; ``valence`` and ``coder`` where they apply)
and returns a tidy DataFrame.

A codings table cannot show the segments that were coded with nothing, so the
segment-level functions take ``segments`` (the segments table or a list of
segment ids): every segment in it is a unit, and a code absent from a unit
counts as "not coded".

Conventions (Krippendorff 2004): a code is reliable ("good") when alpha is at
least 0.8, "acceptable" from 0.667, "tentative" below. Kappa and alpha are
undefined (NaN) when there is nothing to disagree about, such as a code that
no coder used.

Examples
--------
>>> import pandas as pd
>>> codings = pd.DataFrame({
...     "segment_id": ["s1", "s2", "s1", "s3"],
...     "code": ["leadership"] * 4,
...     "valence": ["enabler", "barrier", "enabler", "barrier"],
...     "coder": ["ann", "ann", "bob", "bob"]})
>>> table = agreement(codings, segments=["s1", "s2", "s3", "s4"])
>>> table.loc["leadership", ["kappa", "percent_agreement", "n_units"]].tolist()
[0.0, 50.0, 4.0]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "evaluate",
    "agreement",
    "reliability_table",
    "disagreements",
    "character_agreement",
    "valence_agreement",
    "reliability_label",
    "cohen_kappa",
    "krippendorff_alpha",
]

#: Krippendorff's thresholds: (lower bound of alpha, label), checked from the top.
RELIABILITY_LEVELS = ((0.8, "good"), (0.667, "acceptable"))


# --------------------------------------------------------------------- statistics
def cohen_kappa(a: Sequence[Any], b: Sequence[Any]) -> float:
    """Cohen's kappa between two coders' labels of the same units.

    Parameters
    ----------
    a, b : sequence
        Labels (any hashable values) of each unit by coder A and coder B.

    Returns
    -------
    float
        ``(p_o - p_e) / (1 - p_e)``; NaN when ``p_e == 1`` (both coders gave
        every unit the same single label, so agreement by chance is certain).

    Examples
    --------
    >>> cohen_kappa([1, 1, 0, 0], [1, 0, 0, 0])
    0.5
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(
            f"cohen_kappa needs two 1-D sequences of the same length, got shapes "
            f"{a.shape} and {b.shape}."
        )
    if len(a) == 0:
        return float("nan")
    labels, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
    ia, ib = inv[: len(a)], inv[len(a) :]
    k = len(labels)
    table = np.zeros((k, k))
    np.add.at(table, (ia, ib), 1)
    n = table.sum()
    p_o = np.trace(table) / n
    p_e = float((table.sum(axis=1) / n) @ (table.sum(axis=0) / n))
    if np.isclose(p_e, 1.0):
        return float("nan")
    return float((p_o - p_e) / (1 - p_e))


def krippendorff_alpha(data: Any) -> float:
    """Krippendorff's alpha for nominal data, with missing values allowed.

    Parameters
    ----------
    data : array-like of shape (n_coders, n_units)
        The value each coder gave each unit; ``None`` or NaN where a coder did
        not code the unit. Values may be numbers or strings.

    Returns
    -------
    float
        ``1 - D_o / D_e`` from the coincidence matrix; NaN when fewer than two
        values are pairable or every pairable value is the same (no expected
        disagreement).

    Notes
    -----
    Units coded by fewer than two coders are not pairable and are left out.
    The coincidence matrix is ``o_ck = sum_u (n_uc n_uk - [c == k] n_uc) /
    (m_u - 1)`` with ``n_uc`` the number of coders giving value ``c`` to unit
    ``u`` and ``m_u`` the number of values in unit ``u``.

    Examples
    --------
    >>> krippendorff_alpha([[1, 1, 0, 0], [1, 0, 0, 0]])
    0.5333333333333333
    """
    frame = pd.DataFrame(np.asarray(data, dtype=object))
    if frame.ndim != 2:
        raise ValueError("krippendorff_alpha needs a 2-D table of shape (n_coders, n_units).")
    values = frame.to_numpy(dtype=object).ravel()
    missing = pd.isna(frame.to_numpy(dtype=object)).ravel()
    present = values[~missing]
    if present.size == 0:
        return float("nan")
    labels, inv = np.unique(present.astype(str), return_inverse=True)
    codes_flat = np.full(values.shape, -1)
    codes_flat[~missing] = inv
    codes = codes_flat.reshape(frame.shape)
    n_units = frame.shape[1]
    counts = np.zeros((n_units, len(labels)))
    for coder_row in codes:
        ok = coder_row >= 0
        np.add.at(counts, (np.nonzero(ok)[0], coder_row[ok]), 1)
    m = counts.sum(axis=1)
    pairable = m >= 2
    counts, m = counts[pairable], m[pairable]
    if counts.size == 0:
        return float("nan")
    weights = 1.0 / (m - 1)
    weighted = counts * weights[:, None]
    coincidence = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    observed = coincidence.sum() - np.trace(coincidence)
    expected = (n_c.sum() ** 2 - (n_c**2).sum()) / (n - 1)
    if n <= 1 or np.isclose(expected, 0.0):
        return float("nan")
    return float(1.0 - observed / expected)


def reliability_label(alpha: float) -> str:
    """Krippendorff's label for an alpha: "good", "acceptable", "tentative" or "undefined".

    Examples
    --------
    >>> [reliability_label(a) for a in (0.9, 0.7, 0.5, float("nan"))]
    ['good', 'acceptable', 'tentative', 'undefined']
    """
    if alpha is None or pd.isna(alpha):
        return "undefined"
    for bound, label in RELIABILITY_LEVELS:
        if alpha >= bound:
            return label
    return "tentative"


# ------------------------------------------------------------------ input checks
def _unit_ids(segments: pd.DataFrame | Iterable[str]) -> list[str]:
    if isinstance(segments, pd.DataFrame):
        if "segment_id" not in segments.columns:
            raise ValueError(
                "`segments` must be a segments table with a 'segment_id' column or a list of "
                f"segment ids; the table passed has columns {list(segments.columns)}."
            )
        ids = segments["segment_id"].astype(str).tolist()
    elif isinstance(segments, str):
        raise ValueError("`segments` must be a list of segment ids, not a single string.")
    else:
        ids = [str(s) for s in segments]
    if len(set(ids)) != len(ids):
        dupes = pd.Series(ids)[pd.Series(ids).duplicated()].unique()[:5].tolist()
        raise ValueError(f"`segments` lists some segment ids more than once: {dupes}.")
    return ids


def _check_codings(
    codings: pd.DataFrame, units: list[str], *, name: str, need: Sequence[str] = ()
) -> pd.DataFrame:
    if not isinstance(codings, pd.DataFrame):
        raise TypeError(f"`{name}` must be a codings DataFrame, not {type(codings).__name__}.")
    required = ["segment_id", "code", *need]
    missing = [c for c in required if c not in codings.columns]
    if missing:
        raise ValueError(
            f"`{name}` needs the columns {required}; it lacks {missing} "
            f"(it has {list(codings.columns)})."
        )
    out = codings.copy()
    out["segment_id"] = out["segment_id"].astype(str)
    out["code"] = out["code"].astype(str)
    unknown = pd.Index(out["segment_id"].unique()).difference(pd.Index(units))
    if len(unknown):
        shown = ", ".join(repr(s) for s in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise ValueError(
            f"{len(unknown)} segment id(s) in `{name}` are not among the segments passed as "
            f"`segments`: {shown}. Pass the segments table that these codings were made on, "
            "or filter the codings to those segments first."
        )
    return out


def _code_list(codes: Any, *tables: pd.DataFrame) -> list[str]:
    seen = pd.concat([t["code"] for t in tables], ignore_index=True).unique().tolist()
    if codes is None:
        return sorted(seen)
    ids = list(codes.ids) if hasattr(codes, "ids") else [str(c) for c in codes]
    extra = sorted(set(seen) - set(ids))
    if extra:
        raise ValueError(
            f"codings use code(s) {extra[:5]} that are not in `codes`. Add them to `codes`, "
            "or filter the codings first (codings[codings.code.isin(codes)])."
        )
    return ids


def _collapse(codings: pd.DataFrame) -> pd.DataFrame:
    """One row per (segment, code): the majority valence, ties going to the first seen."""
    df = codings.reset_index(drop=True)
    if "valence" not in df.columns:
        return df[["segment_id", "code"]].drop_duplicates().assign(valence=pd.NA)
    df = df.assign(_order=np.arange(len(df)), valence=df["valence"].astype(object))
    filled = df.assign(valence=df["valence"].where(df["valence"].notna(), "\0"))
    votes = (
        filled.groupby(["segment_id", "code", "valence"], sort=False)
        .agg(n=("_order", "size"), first=("_order", "min"))
        .reset_index()
        .sort_values(["n", "first"], ascending=[False, True])
        .drop_duplicates(["segment_id", "code"])
    )
    votes["valence"] = votes["valence"].replace("\0", pd.NA)
    return votes[["segment_id", "code", "valence"]].reset_index(drop=True)


def _presence(collapsed: pd.DataFrame, units: list[str], codes: list[str]) -> np.ndarray:
    """Binary matrix (n_units, n_codes)."""
    matrix = np.zeros((len(units), len(codes)), dtype=int)
    if collapsed.empty:
        return matrix
    u = pd.Index(units).get_indexer(collapsed["segment_id"])
    c = pd.Index(codes).get_indexer(collapsed["code"])
    matrix[u, c] = 1
    return matrix


def _valence_matrix(collapsed: pd.DataFrame, units: list[str], codes: list[str]) -> np.ndarray:
    matrix = np.full((len(units), len(codes)), None, dtype=object)
    if collapsed.empty:
        return matrix
    u = pd.Index(units).get_indexer(collapsed["segment_id"])
    c = pd.Index(codes).get_indexer(collapsed["code"])
    matrix[u, c] = collapsed["valence"].astype(object).where(collapsed["valence"].notna(), None)
    return matrix


def _coders(codings: pd.DataFrame, *, minimum: int = 2) -> list[str]:
    if "coder" not in codings.columns:
        raise ValueError(
            "the codings need a 'coder' column telling the coders apart; stack each coder's "
            "table with pd.concat after setting table['coder'] = 'name'."
        )
    if codings["coder"].isna().any():
        raise ValueError("some codings have no coder; fill in the 'coder' column.")
    coders = codings["coder"].astype(str).unique().tolist()
    if len(coders) < minimum:
        raise ValueError(
            f"agreement needs at least {minimum} coders in the 'coder' column, found {coders}."
        )
    return coders


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


# --------------------------------------------------------------------- evaluate
def evaluate(
    gold: pd.DataFrame,
    predicted: pd.DataFrame,
    *,
    segments: pd.DataFrame | Iterable[str],
    codes: Any = None,
) -> pd.DataFrame:
    """Compare a coder's codings with gold codings, code by code.

    Parameters
    ----------
    gold, predicted : DataFrame
        Codings tables with ``segment_id`` and ``code`` (and ``valence`` for
        valence agreement). A (segment, code) pair listed more than once counts
        once, with the majority valence (ties: the first listed).
    segments : DataFrame or list of str
        The units: the segments table, or the segment ids, that both coders
        coded. Every segment is a unit even if neither coder coded it.
    codes : list of str or Codebook, optional
        The codes to report, in this order. Default: every code in either
        table, sorted. Codings with a code outside ``codes`` raise an error.

    Returns
    -------
    DataFrame
        Indexed by code, then the rows ``macro`` (mean over codes, skipping
        undefined values) and ``micro`` (all segment x code cells pooled).
        Columns: ``precision``, ``recall``, ``f1``, ``kappa`` (Cohen's, on
        presence per segment), ``valence_agreement`` (share of the pairs both
        coded on which the valence matches), ``support`` (gold positives).
        Undefined ratios are NaN: precision when nothing was predicted,
        recall when the gold has no positive, kappa when neither side varies.

    Examples
    --------
    >>> import pandas as pd
    >>> gold = pd.DataFrame({"segment_id": ["s1", "s2"], "code": ["workforce"] * 2,
    ...                      "valence": ["barrier", "enabler"]})
    >>> pred = pd.DataFrame({"segment_id": ["s1", "s3"], "code": ["workforce"] * 2,
    ...                      "valence": ["barrier", "barrier"]})
    >>> evaluate(gold, pred, segments=["s1", "s2", "s3", "s4"]).loc[
    ...     "workforce", ["precision", "recall", "kappa", "support"]].tolist()
    [0.5, 0.5, 0.0, 2.0]
    """
    units = _unit_ids(segments)
    gold = _collapse(_check_codings(gold, units, name="gold"))
    predicted = _collapse(_check_codings(predicted, units, name="predicted"))
    code_ids = _code_list(codes, gold, predicted)
    g = _presence(gold, units, code_ids)
    p = _presence(predicted, units, code_ids)
    gv = _valence_matrix(gold, units, code_ids)
    pv = _valence_matrix(predicted, units, code_ids)
    both = (g == 1) & (p == 1)
    same_valence = both & (gv == pv) & pd.notna(gv)

    def row(gc: np.ndarray, pc: np.ndarray, bc: np.ndarray, sc: np.ndarray) -> dict:
        tp = int((gc & pc).sum())
        fp = int(((1 - gc) & pc).sum())
        fn = int((gc & (1 - pc)).sum())
        return {
            "precision": _ratio(tp, tp + fp),
            "recall": _ratio(tp, tp + fn),
            "f1": _ratio(2 * tp, 2 * tp + fp + fn),
            "kappa": cohen_kappa(gc, pc),
            "valence_agreement": _ratio(int(sc.sum()), int(bc.sum())),
            "support": int(gc.sum()),
        }

    rows = {
        c: row(g[:, j], p[:, j], both[:, j], same_valence[:, j]) for j, c in enumerate(code_ids)
    }
    columns = ["precision", "recall", "f1", "kappa", "valence_agreement", "support"]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    macro = table.drop(columns="support").mean(axis=0, skipna=True).to_dict()
    macro["support"] = int(table["support"].sum())
    micro = row(g.ravel(), p.ravel(), both.ravel(), same_valence.ravel())
    table = pd.concat([table, pd.DataFrame([macro, micro], index=["macro", "micro"])])
    table["support"] = table["support"].astype(int)
    table.index.name = "code"
    return table


# -------------------------------------------------------------------- agreement
def _agreement_row(stack: np.ndarray) -> dict:
    """Statistics for a (n_coders, n_units) 0/1 matrix."""
    n_coders, n_units = stack.shape
    all_agree = (stack == stack[0]).all(axis=0)
    return {
        "kappa": cohen_kappa(stack[0], stack[1]) if n_coders == 2 else float("nan"),
        "alpha": krippendorff_alpha(stack),
        "percent_agreement": 100.0 * all_agree.mean() if n_units else float("nan"),
        "n_units": int(n_units),
    }


def _coder_matrices(codings, segments, codes):
    """The units, coders and codes, with each coder's presence and valence matrices.

    ``presence`` is a (n_coders, n_units, n_codes) 0/1 array; ``valences``
    holds each coder's valence in the same cells (None where not coded).
    """
    units = _unit_ids(segments)
    checked = _check_codings(codings, units, name="codings")
    coders = _coders(checked)
    per_coder = {c: _collapse(checked[checked["coder"].astype(str) == c]) for c in coders}
    code_ids = _code_list(codes, *per_coder.values())
    presence = np.stack([_presence(per_coder[c], units, code_ids) for c in coders])
    valences = np.stack([_valence_matrix(per_coder[c], units, code_ids) for c in coders])
    return units, coders, code_ids, presence, valences


def agreement(
    codings: pd.DataFrame,
    *,
    segments: pd.DataFrame | Iterable[str],
    codes: Any = None,
) -> pd.DataFrame:
    """Agreement on the presence of each code between the coders in ``codings``.

    Parameters
    ----------
    codings : DataFrame
        The codings of all coders stacked, with ``segment_id``, ``code`` and
        ``coder`` (human or machine coders alike).
    segments : DataFrame or list of str
        The segments every coder coded (the units).
    codes : list of str or Codebook, optional
        Codes to report, in this order; default every code found, sorted.

    Returns
    -------
    DataFrame
        One row per code plus ``overall`` (every segment x code cell pooled),
        with ``kappa`` (Cohen's; only with exactly two coders, else NaN),
        ``alpha`` (Krippendorff's, nominal, any number of coders),
        ``percent_agreement`` (0-100, share of units on which all coders agree),
        ``valence_agreement`` (0-100, share of units all coders coded with the
        code on which they gave the same valence), ``n_units`` and
        ``reliability`` ("good" for alpha >= 0.8, "acceptable" >= 0.667, else
        "tentative"; "undefined" when alpha is).

    See Also
    --------
    reliability_table : the same, formatted for a methods section.
    disagreements : the segments to discuss in a consensus meeting.

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({"segment_id": ["s1", "s1", "s2"],
    ...                         "code": ["workforce"] * 3, "coder": ["ann", "bob", "ann"]})
    >>> table = agreement(codings, segments=["s1", "s2", "s3"])
    >>> table.loc["workforce", "percent_agreement"].round(1)
    np.float64(66.7)
    """
    units, coders, code_ids, presence, valences = _coder_matrices(codings, segments, codes)
    shared = presence.all(axis=0)
    same = shared & (valences == valences[0]).all(axis=0)
    rows = {}
    for j, code in enumerate(code_ids):
        rows[code] = _agreement_row(presence[:, :, j])
        rows[code]["valence_agreement"] = 100 * _ratio(same[:, j].sum(), shared[:, j].sum())
    rows["overall"] = _agreement_row(presence.reshape(len(coders), -1))
    rows["overall"]["valence_agreement"] = 100 * _ratio(same.sum(), shared.sum())
    table = pd.DataFrame.from_dict(rows, orient="index")
    table = table[["kappa", "alpha", "percent_agreement", "valence_agreement", "n_units"]]
    table["reliability"] = table["alpha"].map(reliability_label)
    table.index.name = "code"
    return table


def reliability_table(
    codings: pd.DataFrame,
    *,
    segments: pd.DataFrame | Iterable[str],
    codes: Any = None,
    decimals: int = 2,
) -> pd.DataFrame:
    """The agreement table formatted for the methods section of a report.

    Parameters
    ----------
    codings, segments, codes
        As for :func:`agreement`. When ``codes`` is a Codebook the rows show
        the codes' names.
    decimals : int, default=2
        Rounding of kappa and alpha (percentages get one decimal).

    Returns
    -------
    DataFrame
        Columns "Code", "Segments", "Agreement (%)", "Cohen's kappa" (only
        with two coders), "Krippendorff's alpha", "Valence agreement (%)",
        "Reliability"; the last row is "All codes".

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({"segment_id": ["s1", "s1", "s2", "s3"],
    ...                         "code": ["workforce"] * 4, "coder": ["ann", "bob", "ann", "bob"]})
    >>> reliability_table(codings, segments=["s1", "s2", "s3", "s4"])["Code"].tolist()
    ['workforce', 'All codes']
    """
    table = agreement(codings, segments=segments, codes=codes)
    names = {}
    if hasattr(codes, "names"):
        names = (
            dict(codes.names)
            if isinstance(codes.names, dict)
            else dict(zip(codes.ids, codes.names, strict=True))
        )
    two = not table["kappa"].isna().all()
    out = pd.DataFrame(
        {
            "Code": [names.get(c, c) if c != "overall" else "All codes" for c in table.index],
            "Segments": table["n_units"].to_numpy(),
            "Agreement (%)": table["percent_agreement"].round(1).to_numpy(),
            "Cohen's kappa": table["kappa"].round(decimals).to_numpy(),
            "Krippendorff's alpha": table["alpha"].round(decimals).to_numpy(),
            "Valence agreement (%)": table["valence_agreement"].round(1).to_numpy(),
            "Reliability": table["reliability"].to_numpy(),
        }
    )
    out.loc[out.index[-1], "Segments"] = len(_unit_ids(segments))
    if not two:
        out = out.drop(columns="Cohen's kappa")
    return out


def disagreements(
    codings: pd.DataFrame,
    *,
    segments: pd.DataFrame | Iterable[str],
    codes: Any = None,
) -> pd.DataFrame:
    """The (segment, code) pairs on which coders differ, for a consensus meeting.

    Parameters
    ----------
    codings : DataFrame
        Stacked codings with ``segment_id``, ``code``, ``coder`` and,
        optionally, ``valence``.
    segments : DataFrame or list of str
        The units. When a segments table with a ``text`` column is passed, the
        result shows each segment's text (and ``doc_id`` when present).
    codes : list of str or Codebook, optional
        Codes to consider, in this order.

    Returns
    -------
    DataFrame
        One row per (segment, code) where coders differ in presence or in
        valence, in segment then code order: ``segment_id``, ``code``,
        ``kind`` ("presence" or "valence"), one column per coder holding the
        valence that coder gave (``"(not coded)"`` when the coder did not use
        the code; ``"(coded)"`` when coded without a valence), then
        ``doc_id`` and ``text`` when known.

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({"segment_id": ["s1", "s1", "s2"], "code": ["workforce"] * 3,
    ...                         "valence": ["barrier", "enabler", "barrier"],
    ...                         "coder": ["ann", "bob", "ann"]})
    >>> disagreements(codings, segments=["s1", "s2"])[["segment_id", "kind", "bob"]].values.tolist()
    [['s1', 'valence', 'enabler'], ['s2', 'presence', '(not coded)']]
    """
    units, coders, code_ids, presence, valences = _coder_matrices(codings, segments, codes)
    differ_presence = ~(presence == presence[0]).all(axis=0)
    shared = presence.all(axis=0)
    differ_valence = shared & ~(valences == valences[0]).all(axis=0)
    u_idx, c_idx = np.nonzero(differ_presence | differ_valence)
    out = pd.DataFrame(
        {
            "segment_id": [units[i] for i in u_idx],
            "code": [code_ids[j] for j in c_idx],
            "kind": np.where(differ_presence[u_idx, c_idx], "presence", "valence"),
        }
    )
    for k, coder in enumerate(coders):
        cells = []
        for i, j in zip(u_idx, c_idx, strict=True):
            if not presence[k, i, j]:
                cells.append("(not coded)")
            else:
                cells.append(valences[k, i, j] if valences[k, i, j] is not None else "(coded)")
        out[coder] = pd.Series(cells, dtype=object)
    if isinstance(segments, pd.DataFrame):
        info = segments.assign(segment_id=segments["segment_id"].astype(str))
        extra = [c for c in ("doc_id", "text") if c in info.columns]
        if extra:
            out = out.merge(info[["segment_id", *extra]], on="segment_id", how="left")
    return out.reset_index(drop=True)


def valence_agreement(
    codings: pd.DataFrame,
    *,
    codes: Any = None,
) -> pd.DataFrame:
    """Agreement on valence where coders applied the same code to the same segment.

    Parameters
    ----------
    codings : DataFrame
        Stacked codings with ``segment_id``, ``code``, ``valence``, ``coder``.
    codes : list of str or Codebook, optional
        Codes to report, in this order.

    Returns
    -------
    DataFrame
        One row per code plus ``overall``: ``n_shared`` (segments every coder
        coded with the code), ``percent_agreement`` (0-100, of those, the share
        with one valence from all coders), ``kappa`` (Cohen's on the shared
        segments; two coders only) and ``alpha`` (Krippendorff's nominal over
        the segments at least two coders coded with the code, a coder who did
        not use the code counting as missing).

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({"segment_id": ["s1", "s1", "s2", "s2"],
    ...                         "code": ["workforce"] * 4,
    ...                         "valence": ["barrier", "barrier", "enabler", "barrier"],
    ...                         "coder": ["ann", "bob", "ann", "bob"]})
    >>> valence_agreement(codings).loc["workforce", ["n_shared", "percent_agreement"]].tolist()
    [2.0, 50.0]
    """
    units = pd.Index(codings["segment_id"].astype(str).unique()).tolist() if len(codings) else []
    checked = _check_codings(codings, units, name="codings", need=("valence",))
    coders = _coders(checked)
    per_coder = {c: _collapse(checked[checked["coder"].astype(str) == c]) for c in coders}
    code_ids = _code_list(codes, *per_coder.values())
    valences = np.stack([_valence_matrix(per_coder[c], units, code_ids) for c in coders])

    def row(v: np.ndarray) -> dict:  # v: (n_coders, n_units) with None for "not coded"
        coded = pd.notna(v)
        shared = coded.all(axis=0)
        same = shared & (v == v[0]).all(axis=0)
        kappa = (
            cohen_kappa(v[0, shared].astype(str), v[1, shared].astype(str))
            if (len(coders) == 2 and shared.any())
            else float("nan")
        )
        return {
            "n_shared": int(shared.sum()),
            "percent_agreement": 100 * _ratio(same.sum(), shared.sum()),
            "kappa": kappa,
            "alpha": krippendorff_alpha(v[:, coded.sum(axis=0) >= 2]),
        }

    rows = {c: row(valences[:, :, j]) for j, c in enumerate(code_ids)}
    rows["overall"] = row(valences.reshape(len(coders), -1))
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "code"
    return table


# ------------------------------------------------------------- character level
def _char_kappa(a: np.ndarray, b: np.ndarray) -> float:
    n = len(a)
    if n == 0:
        return float("nan")
    p_o = float((a == b).mean())
    pa, pb = a.mean(), b.mean()
    p_e = float(pa * pb + (1 - pa) * (1 - pb))
    if np.isclose(p_e, 1.0):
        return 1.0  # NVivo's convention: both coders left all of it uncoded, or coded all
    return (p_o - p_e) / (1 - p_e)


def character_agreement(
    codings: pd.DataFrame,
    corpus: Any,
    *,
    codes: Any = None,
    coders: Sequence[str] | None = None,
    by: str = "code",
) -> pd.DataFrame:
    """Character-level agreement between two coders, as NVivo's coding comparison computes it.

    Every character of every document in ``corpus`` is a unit, coded or not by
    each coder with each code; a coding covers the characters from its
    ``start`` to its ``end`` offset in the document text.

    Parameters
    ----------
    codings : DataFrame
        Stacked codings of two coders with ``segment_id``, ``code``, ``coder``,
        ``start`` and ``end``. Rows without offsets (typical of human codings
        made per segment) cover their whole segment.
    corpus : Corpus
        The corpus the codings refer to (for the document texts and segments).
    codes : list of str or Codebook, optional
        Codes to report, in this order.
    coders : pair of str, optional
        The two coders to compare; needed when ``codings`` has more than two.
    by : {"code", "document"}, default="code"
        "code" pools the characters of all documents per code; "document"
        gives one row per (code, doc_id), like NVivo's table.

    Returns
    -------
    DataFrame
        ``kappa``, ``percent_agreement`` (0-100), and the percentages of
        characters in each cell: ``a_and_b``, ``a_not_b``, ``b_not_a``,
        ``neither``; plus ``n_characters``.

    Notes
    -----
    Uncoded text inflates percent agreement: a code used on 2% of a document
    by each coder, never on the same passages, still shows 96% agreement,
    because both coders "agree" on the text neither coded. Report kappa, or
    the segment-level :func:`agreement`, alongside it. As in NVivo, kappa is 1
    when neither coder used a code in a document (nothing to disagree about).

    Examples
    --------
    >>> import pandas as pd, sysreview
    >>> corpus = sysreview.Corpus.from_segments(pd.DataFrame(
    ...     {"doc_id": ["d1"], "text": ["Our leaders were visible every week."]}))
    >>> codings = pd.DataFrame({"segment_id": ["d1:001"] * 2, "code": ["leadership"] * 2,
    ...                         "start": [0, 4], "end": [20, 20], "coder": ["ann", "bob"]})
    >>> character_agreement(codings, corpus).loc["leadership", "percent_agreement"].round(1)
    np.float64(88.9)
    """
    if by not in ("code", "document"):
        raise ValueError(
            f"The value for `by` must be one of ['code', 'document'], but {by!r} was passed."
        )
    segs = corpus.segments.assign(segment_id=corpus.segments["segment_id"].astype(str))
    units = segs["segment_id"].tolist()
    checked = _check_codings(codings, units, name="codings")
    found = _coders(checked)
    if coders is None:
        if len(found) != 2:
            raise ValueError(
                f"character_agreement compares two coders, but the codings have {found}; "
                "pass coders=(first, second)."
            )
        coders = found
    coders = [str(c) for c in coders]
    absent = [c for c in coders if c not in found]
    if len(coders) != 2 or absent:
        raise ValueError(f"`coders` must name two coders among {found}, but {coders} was passed.")
    code_ids = _code_list(codes, checked)
    info = segs.set_index("segment_id")[["doc_id", "start", "end"]]
    rows = checked[checked["coder"].astype(str).isin(coders)].reset_index(drop=True)
    seg_info = info.loc[rows["segment_id"]].reset_index(drop=True)
    start = pd.to_numeric(rows["start"], errors="coerce") if "start" in rows else seg_info["start"]
    end = pd.to_numeric(rows["end"], errors="coerce") if "end" in rows else seg_info["end"]
    no_offsets = start.isna() | end.isna()
    rows = rows.assign(
        doc_id=seg_info["doc_id"].to_numpy(),
        start=start.where(~no_offsets, seg_info["start"]).astype(int),
        end=end.where(~no_offsets, seg_info["end"]).astype(int),
    )
    lengths = {d: len(corpus.text(d)) for d in corpus.documents["doc_id"]}
    bad = rows[
        (rows["start"] < 0)
        | (rows["end"] > rows["doc_id"].map(lengths))
        | (rows["start"] > rows["end"])
    ]
    if len(bad):
        first = bad.iloc[0]
        raise ValueError(
            f"{len(bad)} coding(s) have offsets outside their document, e.g. segment "
            f"{first['segment_id']!r} start={first['start']} end={first['end']} (document "
            f"{first['doc_id']!r} has {lengths[first['doc_id']]} characters). Check that the "
            "codings were made on this corpus."
        )
    spans: dict[tuple, list[tuple[int, int]]] = {}
    for code, doc_id, coder, s, e in rows[["code", "doc_id", "coder", "start", "end"]].itertuples(
        index=False
    ):
        spans.setdefault((code, doc_id, str(coder)), []).append((s, e))
    cells = []
    for code in code_ids:
        for doc_id, n_chars in lengths.items():
            marks = []
            for coder in coders:
                mask = np.zeros(n_chars, dtype=bool)
                for s, e in spans.get((code, doc_id, coder), ()):
                    mask[s:e] = True
                marks.append(mask)
            cells.append((code, doc_id, marks[0], marks[1]))

    def stats(a: np.ndarray, b: np.ndarray) -> dict:
        n = len(a)
        pct = (lambda x: 100.0 * x.sum() / n) if n else (lambda x: float("nan"))
        return {
            "kappa": _char_kappa(a, b),
            "percent_agreement": pct(a == b),
            "a_and_b": pct(a & b),
            "a_not_b": pct(a & ~b),
            "b_not_a": pct(~a & b),
            "neither": pct(~a & ~b),
            "n_characters": int(n),
        }

    if by == "document":
        table = pd.DataFrame([{"code": c, "doc_id": d, **stats(a, b)} for c, d, a, b in cells])
        return table.set_index(["code", "doc_id"])
    records = {}
    for code in code_ids:
        mine = [(a, b) for c, _, a, b in cells if c == code]
        a = np.concatenate([m[0] for m in mine]) if mine else np.zeros(0, bool)
        b = np.concatenate([m[1] for m in mine]) if mine else np.zeros(0, bool)
        records[code] = stats(a, b)
    table = pd.DataFrame.from_dict(records, orient="index")
    table.index.name = "code"
    return table
