"""Aggregate codings by area, sector or any other column: the tables behind the charts.

Every function takes the tidy codings table (one row per segment x code, see
:data:`sysreview.coding.CODING_COLUMNS`) and returns a table:

- :func:`matrix`: the matrix coding query of QDA tools (rows x codes).
- :func:`valence_balance`: enablers, barriers and neutral codings per area x code,
  with the net balance.
- :func:`cooccurrence`: how often two codes meet in one segment (counts or Jaccard).
- :func:`framework_matrix`: the Framework Method matrix (Gale et al. 2013), cases x
  codes, each cell a short summary with exemplar quotes.
- :func:`quotes`: the segments behind any cell, for reading.

Columns that are not in the codings (``source_type``, ``speaker``, ``participant``,
or ``area`` for human codings that only have ``segment_id`` and ``code``) are looked
up in the corpus passed as ``corpus=``. Counts are of segments (or documents): a
segment coded twice with the same code counts once. Codes come in codebook order,
other values sorted, missing values as ``"(none)"``. Rows without a code (a
segment a coder read and left uncoded) are not codings and are not counted.

References
----------
Gale, N. K., Heath, G., Cameron, E., Rashid, S. and Redwood, S. (2013). Using the
framework method for the analysis of qualitative data in multi-disciplinary health
research. BMC Medical Research Methodology, 13, 117.

Examples
--------
>>> import pandas as pd
>>> codings = pd.DataFrame({
...     "segment_id": ["a1", "a2", "b1"], "doc_id": ["da", "da", "db"],
...     "area": ["Ashdown", "Ashdown", "Brook"], "code": ["leadership"] * 3,
...     "valence": ["enabler", "barrier", "barrier"]})
>>> valence_balance(codings, codebook=["leadership"])[["area", "enabler", "barrier", "net"]]
      area  enabler  barrier  net
0  Ashdown        1        1    0
1    Brook        0        1   -1
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._typing import VALENCES
from .codebook import Codebook
from .coding.rules import INTERVIEWER_LABELS
from .corpus import Corpus

__all__ = ["matrix", "valence_balance", "cooccurrence", "framework_matrix", "quotes"]

#: Label of a missing value (no area, no sector) in every table.
NONE_LABEL = "(none)"
_MATRIX_VALUES = ("segments", "documents", "share")
_COOCCURRENCE_VALUES = ("count", "jaccard")
_UNITS = ("segment", "document")
#: Speaker labels of interviewers (questions, not data); the rule coder's rule.
_INTERVIEWER = re.compile(INTERVIEWER_LABELS, re.IGNORECASE)
_VALENCE_WORDS = {
    "enabler": ("enabler", "enablers"),
    "barrier": ("barrier", "barriers"),
    "neutral": ("neutral", "neutral"),
}


# ------------------------------------------------------------------ checks
def _check_choice(name: str, value: Any, allowed: Sequence[Any]) -> None:
    if value not in allowed:
        raise ValueError(
            f"The value for `{name}` must be one of {list(allowed)}, but {value!r} was passed."
        )


def _check_codings(codings: Any, *, need: Sequence[str] = ("segment_id", "code")) -> pd.DataFrame:
    """Validate a codings table; return a copy with string ids and a default index."""
    if isinstance(codings, Corpus):
        raise TypeError(
            "`codings` must be a codings DataFrame (from sysreview.code), not a Corpus; "
            "pass the corpus as corpus=."
        )
    if not isinstance(codings, pd.DataFrame):
        raise TypeError(f"`codings` must be a codings DataFrame, not {type(codings).__name__}.")
    missing = [c for c in need if c not in codings.columns]
    if missing:
        raise ValueError(
            f"`codings` needs the columns {list(need)}; it lacks {missing} "
            f"(it has {list(codings.columns)})."
        )
    # rows without a code mark segments a coder read and left uncoded (as in the
    # example's gold coding): they are not codings, so nothing counts them
    out = codings[codings["code"].notna()].reset_index(drop=True).copy()
    out["segment_id"] = out["segment_id"].astype(str)
    out["code"] = out["code"].astype(str)
    if "valence" in out.columns:
        values = out["valence"].astype(object)
        bad = values.notna() & ~values.isin(VALENCES)
        if bad.any():
            first = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(
                f"`codings` has valence values outside {list(VALENCES)}: "
                f"{sorted(map(str, values[bad].unique()))[:5]} (first at row {first}). "
                "Fix or remove those rows."
            )
    return out


def _check_valence_present(df: pd.DataFrame) -> None:
    if "valence" not in df.columns:
        raise ValueError(
            "`codings` needs a 'valence' column (enabler, barrier or neutral) to count "
            f"enablers and barriers; it has {list(df.columns)}."
        )
    missing = df["valence"].isna()
    if missing.any():
        first = int(np.flatnonzero(missing.to_numpy())[0])
        raise ValueError(
            f"{int(missing.sum())} coding(s) have no valence (first at row {first}); fill them "
            "(for example with 'neutral') before counting enablers and barriers."
        )


def _as_list(value: Any) -> list | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Iterable):
        return [value]
    return list(value)


# ------------------------------------------------------------------ context
def _context(corpus: Any) -> pd.DataFrame | None:
    """Segments joined with their documents' metadata: one row per segment."""
    if corpus is None:
        return None
    if isinstance(corpus, Corpus):
        segs, docs = corpus.segments, corpus.documents
        extra = ["doc_id"] + [c for c in docs.columns if c not in segs.columns]
        out = segs.merge(docs[extra], on="doc_id", how="left")
        for col in ("area", "sector"):  # segments may lack what the document has
            if col in segs.columns and col in docs.columns:
                fill = segs[["doc_id"]].merge(docs[["doc_id", col]], on="doc_id", how="left")[col]
                out[col] = out[col].where(out[col].notna(), fill.to_numpy())
    elif isinstance(corpus, pd.DataFrame):
        if "segment_id" not in corpus.columns:
            raise ValueError(
                "`corpus` must be a Corpus or a segments table with a 'segment_id' column; "
                f"the table passed has columns {list(corpus.columns)}."
            )
        out = corpus.copy()
    else:
        raise TypeError(
            f"`corpus` must be a Corpus or a segments DataFrame, not {type(corpus).__name__}."
        )
    out = out.reset_index(drop=True)
    out["segment_id"] = out["segment_id"].astype(str)
    return out


def _attach(df: pd.DataFrame, columns: Iterable[str], ctx: pd.DataFrame | None) -> pd.DataFrame:
    """Add ``columns`` missing from the codings, looked up by segment in the corpus."""
    wanted = list(dict.fromkeys(c for c in columns if c not in df.columns))
    if not wanted:
        return df
    if ctx is None:
        raise ValueError(
            f"the codings have no column {wanted}; pass corpus= (the Corpus the codings were "
            f"made on) to look them up, or use one of the codings' columns {list(df.columns)}."
        )
    unknown = [c for c in wanted if c not in ctx.columns]
    if unknown:
        available = sorted(set(df.columns) | set(ctx.columns))
        raise ValueError(
            f"no column {unknown} in the codings or the corpus; choose among {available}."
        )
    _check_known_segments(df, ctx)
    lookup = ctx[["segment_id", *wanted]].drop_duplicates("segment_id")
    return df.merge(lookup, on="segment_id", how="left")


def _check_known_segments(df: pd.DataFrame, ctx: pd.DataFrame) -> None:
    unknown = pd.Index(df["segment_id"].unique()).difference(pd.Index(ctx["segment_id"]))
    if len(unknown):
        shown = ", ".join(repr(s) for s in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise ValueError(
            f"{len(unknown)} segment id(s) in `codings` are not in the corpus: {shown}. "
            "Pass the corpus these codings were made on."
        )


def _labels(values: pd.Series) -> pd.Series:
    """Row labels as strings, missing and blank values as ``"(none)"``."""
    out = values.astype(object).where(values.notna(), NONE_LABEL).astype(str)
    return out.where(out.str.strip() != "", NONE_LABEL)


def _sorted_levels(values: Iterable[str]) -> list[str]:
    levels = sorted(set(values) - {NONE_LABEL}, key=lambda v: (v.casefold(), v))
    return levels + ([NONE_LABEL] if NONE_LABEL in set(values) else [])


# --------------------------------------------------------------- codebooks
@dataclass
class _Codes:
    """Code ids in order, with display names and colours."""

    ids: list[str]
    names: dict[str, str]
    colors: dict[str, str]


def _codes(codebook: Any, seen: Iterable[str] = ()) -> _Codes:
    """Resolve the codebook argument shared by every function.

    ``None`` is the default codebook when every code seen belongs to it, else
    the codes seen, sorted. Codes seen but not in the codebook are added at the
    end (never dropped), named by their id and drawn in grey.
    """
    from .codebooks import default

    seen = list(dict.fromkeys(str(s) for s in seen))
    if codebook is None:
        cb = default()
        codebook = cb if set(seen) <= set(cb.ids) else sorted(seen)
    elif isinstance(codebook, str) or hasattr(codebook, "__fspath__"):
        codebook = Codebook.load(codebook)
    if isinstance(codebook, Codebook):
        ids, names, colors = list(codebook.ids), dict(codebook.names), dict(codebook.colors)
    else:
        ids = _as_list(codebook) or []
        ids = [str(c) for c in ids]
        names, colors = {}, {}
        from .codebook._codebook import _DEFAULT_COLORS

        for i, cid in enumerate(ids):
            colors[cid] = _DEFAULT_COLORS[i % len(_DEFAULT_COLORS)]
    for cid in seen:
        if cid not in ids:
            ids.append(cid)
            colors.setdefault(cid, "#8c8c8c")
    for cid in ids:
        names.setdefault(cid, cid.replace("_", " ").capitalize())
    return _Codes(ids, names, colors)


def _levels(column: str, df: pd.DataFrame, ctx: pd.DataFrame | None, codes: _Codes) -> list[str]:
    """The order of the values of ``column`` in every table and chart."""
    if column == "code":
        return list(codes.ids)
    if column == "valence":
        return list(VALENCES)
    values = set(_labels(df[column]))
    if ctx is not None and column in ctx.columns:
        values |= set(_labels(ctx[column]))
    return _sorted_levels(values)


# -------------------------------------------------------------------- matrix
def matrix(
    codings: pd.DataFrame,
    *,
    rows: str = "area",
    cols: str = "code",
    value: str = "segments",
    valence: str | Sequence[str] | None = None,
    corpus: Any = None,
    codebook: Any = None,
) -> pd.DataFrame:
    """The matrix coding query: how much of each code in each area (or sector, ...).

    Parameters
    ----------
    codings : DataFrame
        The codings table (``segment_id``, ``code``; ``doc_id``, ``area``,
        ``sector``, ``valence`` where used).
    rows : str, default="area"
        The column whose values make the rows: a column of the codings, or of
        the corpus's segments or documents (``sector``, ``source_type``,
        ``speaker``, ``participant``, ...) when ``corpus`` is given.
    cols : str, default="code"
        The column whose values make the columns; codes come in codebook order.
    value : {"segments", "documents", "share"}, default="segments"
        "segments": number of segments coded; "documents": number of documents
        with at least one coded segment; "share": segments coded divided by the
        row's segments in the corpus (0-1; needs ``corpus``). Interviewers'
        turns (speaker labels such as "Interviewer") are not counted in the
        denominator, as the rule coder does not code them.
    valence : str or list of str, optional
        Count only codings with this valence ("enabler", "barrier", "neutral").
    corpus : Corpus or DataFrame, optional
        The corpus the codings were made on. Needed for ``value="share"`` and
        for rows or columns that are not in the codings; its rows with no
        codings then show as zeros.
    codebook : Codebook, list of str, path or None, default=None
        The codes and their order; ``None`` is the default codebook (or the
        codes found, sorted, if some are not in it).

    Returns
    -------
    DataFrame
        One row per value of ``rows`` (index named ``rows``), one column per
        value of ``cols`` (code ids for codes), zeros where nothing was coded.
        Missing values show as ``"(none)"``.

    See Also
    --------
    quotes : the segments behind a cell.
    sysreview.plots.heatmap : this table as a chart.

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({"segment_id": ["s1", "s1", "s2", "s3"],
    ...     "doc_id": ["d1", "d1", "d1", "d2"], "area": ["Ashdown", "Ashdown", "Ashdown", "Brook"],
    ...     "code": ["leadership", "workforce", "leadership", "workforce"]})
    >>> matrix(codings, codebook=["leadership", "workforce"])  # doctest: +NORMALIZE_WHITESPACE
    code     leadership  workforce
    area
    Ashdown           2          1
    Brook             0          1
    >>> docs = matrix(codings, value="documents", codebook=["leadership", "workforce"])
    >>> docs.loc["Ashdown"].tolist()
    [1, 1]
    """
    _check_choice("value", value, _MATRIX_VALUES)
    if rows == cols:
        raise ValueError(f"`rows` and `cols` must be different columns, but both are {rows!r}.")
    df = _check_codings(codings)
    ctx = _context(corpus)
    if value == "share" and ctx is None:
        raise ValueError(
            "value='share' divides by the number of segments in each row, so it needs the "
            "corpus: pass corpus= (the Corpus the codings were made on)."
        )
    df = _filter_valence(df, valence)
    unit = "doc_id" if value == "documents" else "segment_id"
    df = _attach(df, [rows, cols, unit], ctx)
    if ctx is not None:
        _check_known_segments(df, ctx)
    codes = _codes(codebook, df["code"] if "code" in (rows, cols) else ())
    row_levels = _levels(rows, df, ctx, codes)
    col_levels = _levels(cols, df, ctx, codes)
    keyed = pd.DataFrame(
        {
            "r": _labels(df[rows]) if rows != "code" else df[rows],
            "c": _labels(df[cols]) if cols != "code" else df[cols],
            "u": df[unit].astype(str),
        }
    )
    counts = keyed.drop_duplicates().groupby(["r", "c"]).size()
    table = counts.unstack("c", fill_value=0) if len(counts) else pd.DataFrame()
    table = table.reindex(index=row_levels, columns=col_levels, fill_value=0).fillna(0).astype(int)
    if value == "share":
        table = table.astype(float).div(_row_sizes(df, ctx, rows).reindex(row_levels), axis=0)
    table.index.name = rows
    table.columns.name = cols
    return table


def _filter_valence(df: pd.DataFrame, valence: Any) -> pd.DataFrame:
    wanted = _as_list(valence)
    if wanted is None:
        return df
    for v in wanted:
        _check_choice("valence", v, VALENCES)
    _check_valence_present(df)
    return df[df["valence"].isin(wanted)].reset_index(drop=True)


def _row_sizes(df: pd.DataFrame, ctx: pd.DataFrame, rows: str) -> pd.Series:
    """Number of (codable) segments of the corpus in each row."""
    if rows not in ctx.columns:
        raise ValueError(
            f"value='share' needs the column {rows!r} in the corpus, to count each row's "
            f"segments; the corpus has {sorted(ctx.columns)}."
        )
    label = pd.Series(_labels(ctx[rows]).to_numpy(), index=ctx["segment_id"])
    coded = df.drop_duplicates("segment_id").set_index("segment_id")[rows]
    label.update(_labels(coded))  # an area detected by the coder wins over no area
    if "speaker" in ctx.columns:
        speaker = ctx["speaker"].fillna("").astype(str).to_numpy()
        asks = np.array([bool(_INTERVIEWER.match(s)) for s in speaker], dtype=bool)
        label = label[~asks]
    return label.groupby(label).size().astype(float)


# ------------------------------------------------------------------- balance
def valence_balance(
    codings: pd.DataFrame,
    *,
    by: str | Sequence[str] = "area",
    corpus: Any = None,
    codebook: Any = None,
) -> pd.DataFrame:
    """Enablers, barriers and neutral codings of each code in each area.

    Parameters
    ----------
    codings : DataFrame
        The codings table with ``segment_id``, ``code`` and ``valence``.
    by : str or list of str, default="area"
        The column(s) to group by: ``area``, ``sector``, ``["area", "sector"]``,
        or any column of the corpus when ``corpus`` is given.
    corpus : Corpus or DataFrame, optional
        Needed when a ``by`` column is not in the codings.
    codebook : Codebook, list of str, path or None, default=None
        The codes and their order.

    Returns
    -------
    DataFrame
        One row per group x code (every code of the codebook, zeros included),
        with the ``by`` column(s), ``code``, then ``enabler``, ``barrier``,
        ``neutral`` (numbers of segments coded with that valence), ``total``
        (segments coded with the code), ``net`` (enablers minus barriers) and
        ``balance`` (net divided by enablers plus barriers, from -1 = all
        barriers to 1 = all enablers; NaN when there are neither).

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({"segment_id": ["s1", "s2", "s3"],
    ...     "area": ["Ashdown", "Ashdown", "Brook"], "code": ["governance_clarity"] * 3,
    ...     "valence": ["enabler", "enabler", "barrier"]})
    >>> table = valence_balance(codings)
    >>> table.query("code == 'governance_clarity'")[["area", "enabler", "barrier", "balance"]]
    ...     # doctest: +NORMALIZE_WHITESPACE
           area  enabler  barrier  balance
    0   Ashdown        2        0      1.0
    13    Brook        0        1     -1.0
    """
    by = _as_list(by)
    if not by or not all(isinstance(b, str) for b in by):
        raise ValueError(
            f"`by` must be a column name or a list of column names, but {by!r} was passed."
        )
    if "code" in by or "valence" in by:
        raise ValueError("`by` cannot include 'code' or 'valence'; they are columns of the result.")
    df = _check_codings(codings)
    _check_valence_present(df)
    ctx = _context(corpus)
    df = _attach(df, by, ctx)
    codes = _codes(codebook, df["code"])
    keys = pd.DataFrame({b: _labels(df[b]) for b in by})
    keyed = keys.assign(
        code=df["code"].to_numpy(),
        valence=df["valence"].astype(str).to_numpy(),
        segment_id=df["segment_id"].to_numpy(),
    )
    per_valence = (
        keyed.drop_duplicates().groupby([*by, "code", "valence"]).size().unstack("valence")
        if len(keyed)
        else pd.DataFrame(columns=list(VALENCES))
    )
    per_valence = per_valence.reindex(columns=list(VALENCES)).fillna(0).astype(int)
    total = keyed.drop_duplicates([*by, "code", "segment_id"]).groupby([*by, "code"]).size()
    groups = keys.drop_duplicates()
    if ctx is not None and all(b in ctx.columns for b in by):
        groups = pd.concat(
            [groups, pd.DataFrame({b: _labels(ctx[b]) for b in by})]
        ).drop_duplicates()
    for b in reversed(by):
        order = {v: i for i, v in enumerate(_sorted_levels(groups[b]))}
        groups = groups.sort_values(b, key=lambda s, o=order: s.map(o), kind="stable")
    grid = groups.merge(pd.DataFrame({"code": codes.ids}), how="cross")
    index = pd.MultiIndex.from_frame(grid)
    out = grid.copy()
    for v in VALENCES:
        out[v] = per_valence[v].reindex(index, fill_value=0).to_numpy() if len(per_valence) else 0
    out["total"] = total.reindex(index, fill_value=0).to_numpy() if len(total) else 0
    out["net"] = out["enabler"] - out["barrier"]
    both = out["enabler"] + out["barrier"]
    out["balance"] = (out["net"] / both.where(both > 0)).astype(float)
    return out.reset_index(drop=True)


# -------------------------------------------------------------- co-occurrence
def cooccurrence(
    codings: pd.DataFrame,
    *,
    value: str = "count",
    unit: str = "segment",
    codebook: Any = None,
) -> pd.DataFrame:
    """How often two codes are applied to the same segment (or document).

    Parameters
    ----------
    codings : DataFrame
        The codings table (``segment_id``, ``code``; ``doc_id`` for
        ``unit="document"``).
    value : {"count", "jaccard"}, default="count"
        "count": number of units coded with both codes (the diagonal holds the
        units coded with the code); "jaccard": that number divided by the
        number of units coded with either code (1 on the diagonal, NaN for a
        code never used).
    unit : {"segment", "document"}, default="segment"
        Whether codes meet within a segment or within a document.
    codebook : Codebook, list of str, path or None, default=None
        The codes and their order.

    Returns
    -------
    DataFrame
        A square table, codes x codes (index ``code_a``, columns ``code_b``),
        symmetric.

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({"segment_id": ["s1", "s1", "s2", "s3"],
    ...                         "code": ["leadership", "workforce", "leadership", "workforce"]})
    >>> cooccurrence(codings, codebook=["leadership", "workforce"])
    ...     # doctest: +NORMALIZE_WHITESPACE
    code_b      leadership  workforce
    code_a
    leadership           2          1
    workforce            1          2
    >>> cooccurrence(codings, value="jaccard", codebook=["leadership", "workforce"]).iloc[0, 1]
    np.float64(0.3333333333333333)
    """
    _check_choice("value", value, _COOCCURRENCE_VALUES)
    _check_choice("unit", unit, _UNITS)
    column = "segment_id" if unit == "segment" else "doc_id"
    df = _check_codings(codings, need=("segment_id", "code", column))
    codes = _codes(codebook, df["code"])
    units = pd.Index(df[column].astype(str).unique())
    presence = np.zeros((len(units), len(codes.ids)), dtype=np.int64)
    if len(df):
        presence[
            units.get_indexer(df[column].astype(str)), pd.Index(codes.ids).get_indexer(df["code"])
        ] = 1
    counts = presence.T @ presence
    if value == "count":
        data = counts
    else:
        n = np.diag(counts)
        union = n[:, None] + n[None, :] - counts
        with np.errstate(divide="ignore", invalid="ignore"):
            data = np.where(union > 0, counts / np.where(union > 0, union, 1), np.nan)
    return pd.DataFrame(
        data, index=pd.Index(codes.ids, name="code_a"), columns=pd.Index(codes.ids, name="code_b")
    )


# ------------------------------------------------------------ pseudonymising
def _pseudonymiser(corpus: Any) -> tuple[dict[str, str], Any]:
    """The names to hide (name -> "Person N") and a function replacing them in a text.

    Uses :func:`sysreview.privacy.pseudonymise`: speaker labels (except roles
    such as "Interviewer"), the people of the documents' ``participant``
    column, and the parts of their names.
    """
    if not isinstance(corpus, Corpus):
        raise ValueError(
            "pseudonymise=True needs the corpus, to know the speakers' and participants' "
            "names: pass corpus= (the Corpus the codings were made on)."
        )
    from .privacy import pseudonymise, pseudonymise_text

    _, table = pseudonymise(corpus)
    lookup = dict(zip(table["original"].astype(str), table["pseudonym"].astype(str), strict=True))

    def replace(text: Any) -> Any:
        if not lookup or not isinstance(text, str):
            return text
        return pseudonymise_text(text, lookup)

    return lookup, replace


def _pseudonym(label: Any, mapping: dict[str, str], replace: Any) -> Any:
    """A speaker or case label: its pseudonym if it is a name, else names in it replaced."""
    if not isinstance(label, str):
        return label
    return mapping.get(label.strip(), replace(label))


# ---------------------------------------------------------- framework matrix
def _short(text: str, max_chars: int) -> str:
    text = " ".join(str(text).split())
    if len(text) <= max_chars:
        return text
    cut = (
        text[: max_chars - 1].rsplit(" ", 1)[0]
        if " " in text[: max_chars - 1]
        else text[: max_chars - 1]
    )
    return cut.rstrip(" ,;:.") + "…"


def _counts_line(counts: dict[str, int]) -> str:
    parts = []
    for v in VALENCES:
        n = counts.get(v, 0)
        word = _VALENCE_WORDS[v][0 if n == 1 else 1]
        parts.append(f"{n} {word}")
    return ", ".join(parts)


def _exemplars(cell: pd.DataFrame, n_quotes: int) -> pd.DataFrame:
    """Up to ``n_quotes`` segments, the best-scored first, taking valences in turn."""
    cell = cell.drop_duplicates("segment_id")
    if "score" in cell.columns:
        cell = cell.assign(_s=pd.to_numeric(cell["score"], errors="coerce").fillna(0.0))
    else:
        cell = cell.assign(_s=0.0)
    cell = cell.sort_values(["_s", "segment_id"], ascending=[False, True], kind="stable")
    queues = [cell[cell["valence"].astype(str) == v] for v in VALENCES]
    picked, rank = [], 0
    while len(picked) < n_quotes and any(rank < len(q) for q in queues):
        for q in queues:
            if rank < len(q) and len(picked) < n_quotes:
                picked.append(q.iloc[rank])
        rank += 1
    return pd.DataFrame(picked)


def _quote_text(df: pd.DataFrame, ctx: pd.DataFrame | None) -> pd.Series:
    """The evidence of each coding, or its segment's text when there is none."""
    evidence = (
        df["evidence"].astype(object)
        if "evidence" in df.columns
        else pd.Series(None, index=df.index, dtype=object)
    )
    empty = evidence.isna() | (evidence.astype(str).str.strip() == "")
    if empty.any():
        if ctx is None or "text" not in ctx.columns:
            raise ValueError(
                "some codings have no 'evidence' text; pass corpus= so that the text of "
                "their segments can be quoted."
            )
        text = df["segment_id"].map(
            ctx.drop_duplicates("segment_id").set_index("segment_id")["text"]
        )
        evidence = evidence.where(~empty, text)
    return evidence.astype(object)


def framework_matrix(
    codings: pd.DataFrame,
    *,
    cases: str = "area",
    corpus: Any = None,
    codebook: Any = None,
    n_quotes: int = 2,
    max_chars: int = 160,
    pseudonymise: bool = False,
) -> pd.DataFrame:
    """The Framework Method matrix: cases x codes, each cell a short summary.

    Parameters
    ----------
    codings : DataFrame
        The codings table with ``segment_id``, ``code`` and ``valence``;
        ``evidence`` is quoted (the segment's text where it is missing).
    cases : str, default="area"
        The column whose values are the cases (rows): ``area``, ``doc_id``,
        ``participant``, ``sector``, ... (columns not in the codings are looked
        up in ``corpus``).
    corpus : Corpus or DataFrame, optional
        The corpus the codings were made on: needed for cases that are not a
        column of the codings, for speakers' names and for ``pseudonymise``.
    codebook : Codebook, list of str, path or None, default=None
        The codes and their order; the columns are the codes' names.
    n_quotes : int, default=2
        Exemplar quotes per cell at most: the best-scored first, taking
        enablers, barriers and neutral codings in turn.
    max_chars : int, default=160
        Quotes longer than this are cut at a word boundary and end with "…".
    pseudonymise : bool, default=False
        Replace the names of speakers and of the people in the ``participant``
        column of the documents by "Person 1", "Person 2", ... in the quotes,
        the speakers and the case labels (needs ``corpus``; see
        :func:`sysreview.privacy.pseudonymise`). Names of other people
        mentioned in the text are not detected.

    Returns
    -------
    DataFrame
        One row per case (index named ``cases``) and one column per code
        (named by the code's display name), every cell a string: the counts
        by valence ("2 enablers, 1 barrier, 0 neutral") then one line per
        quote, ``“quote” (speaker, segment_id, valence)``. Empty where a code
        was not applied to a case. Show it with
        :func:`sysreview.highlight.html_table` (which keeps the line breaks
        and escapes the text) or save it with ``to_csv``.

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({"segment_id": ["s1", "s2"], "area": ["Ashdown", "Brook"],
    ...     "code": ["workforce", "workforce"], "valence": ["barrier", "enabler"],
    ...     "evidence": ["We lost three nurses.", "Recruitment went well."]})
    >>> table = framework_matrix(codings, codebook=["workforce"])
    >>> print(table.loc["Ashdown", "Workforce"])
    0 enablers, 1 barrier, 0 neutral
    “We lost three nurses.” (s1, barrier)
    """
    if not isinstance(n_quotes, (int, np.integer)) or n_quotes < 0:
        raise ValueError(
            f"`n_quotes` must be a whole number, 0 or more, but {n_quotes!r} was passed."
        )
    if not isinstance(max_chars, (int, np.integer)) or max_chars < 10:
        raise ValueError(
            f"`max_chars` must be a whole number of 10 or more, but {max_chars!r} was passed."
        )
    df = _check_codings(codings)
    _check_valence_present(df)
    ctx = _context(corpus)
    df = _attach(df, [cases], ctx)
    if ctx is not None:
        _check_known_segments(df, ctx)
    replace = None
    if pseudonymise:
        mapping, replace = _pseudonymiser(corpus)
    codes = _codes(codebook, df["code"])
    df = df.assign(_case=_labels(df[cases]), _quote=_quote_text(df, ctx))
    speaker = None
    if ctx is not None and "speaker" in ctx.columns:
        speaker = df["segment_id"].map(
            ctx.drop_duplicates("segment_id").set_index("segment_id")["speaker"]
        )
    df = df.assign(_speaker=speaker if speaker is not None else None)
    case_levels = _levels("_case", df, None, codes)
    if ctx is not None and cases in ctx.columns:
        case_levels = _sorted_levels(set(case_levels) | set(_labels(ctx[cases])))
    cells: dict[tuple[str, str], str] = {}
    for (case, code), cell in df.groupby(["_case", "code"], sort=False):
        counts = cell.drop_duplicates(["segment_id", "valence"])["valence"].value_counts().to_dict()
        lines = [_counts_line(counts)]
        for row in _exemplars(cell, int(n_quotes)).to_dict("records"):
            quote = _short(row["_quote"], max_chars)
            who = (
                row["_speaker"]
                if isinstance(row["_speaker"], str) and row["_speaker"].strip()
                else None
            )
            if replace is not None:
                quote, who = replace(quote), _pseudonym(who, mapping, replace)
            where = ", ".join(x for x in (who, row["segment_id"], row["valence"]) if x)
            lines.append(f"“{quote}” ({where})")
        cells[(case, code)] = "\n".join(lines)
    table = pd.DataFrame(
        [[cells.get((case, code), "") for code in codes.ids] for case in case_levels],
        index=pd.Index(case_levels, name=cases),
        columns=pd.Index([codes.names[c] for c in codes.ids], name="code"),
        dtype=object,
    )
    if replace is not None and cases in ("speaker", "participant"):
        table.index = pd.Index([_pseudonym(v, mapping, replace) for v in table.index], name=cases)
    return table


# -------------------------------------------------------------------- quotes
def quotes(
    codings: pd.DataFrame,
    *,
    code: str | Sequence[str] | None = None,
    area: str | Sequence[str] | None = None,
    valence: str | Sequence[str] | None = None,
    where: dict[str, Any] | None = None,
    corpus: Any = None,
    codebook: Any = None,
    pseudonymise: bool = False,
) -> pd.DataFrame:
    """The coded segments behind a cell of a matrix, for reading.

    Parameters
    ----------
    codings : DataFrame
        The codings table.
    code, area, valence : str or list of str, optional
        Keep the codings with this code (id), in this area, with this valence.
        A value that appears nowhere in the codings, the corpus or the
        codebook raises an error (a typo would otherwise return nothing).
    where : dict, optional
        Other filters, column -> value or list of values, on any column of the
        codings or of the corpus (``{"sector": "care home"}``,
        ``{"source_type": "interview"}``).
    corpus : Corpus or DataFrame, optional
        The corpus the codings were made on; adds each segment's ``speaker``
        and full ``text``, and is needed for ``where`` columns that are not in
        the codings and for ``pseudonymise``.
    codebook : Codebook, list of str, path or None, default=None
        The codes and their order.
    pseudonymise : bool, default=False
        Replace the names of speakers and participants by "Person N" in the
        ``speaker``, ``participant``, ``evidence`` and ``text`` columns (needs
        ``corpus``; see :func:`sysreview.privacy.pseudonymise`).

    Returns
    -------
    DataFrame
        One row per coding kept, in code then area then document order, with
        the codings' columns plus ``speaker`` and ``text`` when ``corpus`` is
        given.

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({"segment_id": ["s1", "s2", "s3"],
    ...     "area": ["Ashdown", "Ashdown", "Brook"], "code": ["workforce"] * 3,
    ...     "valence": ["barrier", "enabler", "barrier"],
    ...     "evidence": ["Nurses left.", "We hired.", "No cover at night."]})
    >>> quotes(codings, code="workforce", valence="barrier")["evidence"].tolist()
    ['Nurses left.', 'No cover at night.']
    """
    df = _check_codings(codings)
    ctx = _context(corpus)
    filters: dict[str, list] = {}
    for name, val in (("code", code), ("area", area), ("valence", valence)):
        if val is not None:
            filters[name] = _as_list(val)
    if where is not None:
        if not isinstance(where, dict):
            raise TypeError(
                f"`where` must be a dict of column -> value, not {type(where).__name__}."
            )
        for name, val in where.items():
            filters.setdefault(name, []).extend(_as_list(val))
    extra = ["speaker", "text"] if ctx is not None else []
    extra = [c for c in extra if c in ctx.columns] if ctx is not None else []
    df = _attach(df, [*filters, *extra], ctx)
    if ctx is not None:
        _check_known_segments(df, ctx)
    codes = _codes(codebook, df["code"])
    keep = np.ones(len(df), dtype=bool)
    for name, wanted in filters.items():
        if name == "valence":
            for v in wanted:
                _check_choice("valence", v, VALENCES)
            known = set(VALENCES)
        elif name == "code":
            known = set(codes.ids)
        else:
            known = set(df[name].dropna().astype(str))
            if ctx is not None and name in ctx.columns:
                known |= set(ctx[name].dropna().astype(str))
        unknown = [w for w in wanted if str(w) not in known]
        if unknown:
            raise ValueError(
                f"The value for `{name}` must be among {sorted(known)[:30]}, "
                f"but {unknown!r} was passed."
            )
        keep &= df[name].astype(str).isin([str(w) for w in wanted]).to_numpy()
    out = df[keep].copy()
    order_cols, keys = [], {}
    keys["_code"] = out["code"].map({c: i for i, c in enumerate(codes.ids)})
    for col in ("area", "doc_id", "start", "segment_id"):
        if col in out.columns:
            keys[f"_{col}"] = out[col]
    for k, v in keys.items():
        out[k] = v
        order_cols.append(k)
    out = out.sort_values(order_cols, kind="stable", na_position="last").drop(columns=order_cols)
    if pseudonymise:
        mapping, replace = _pseudonymiser(corpus)
        for col in ("evidence", "text"):
            if col in out.columns:
                out[col] = out[col].map(replace)
        for col in ("speaker", "participant"):
            if col in out.columns:
                out[col] = out[col].map(lambda v: _pseudonym(v, mapping, replace))
    return out.reset_index(drop=True)
