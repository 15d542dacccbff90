"""Coding less by hand: which segment to code next, and how many are needed."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from ..exceptions import SysreviewWarning
from ._features import as_segments

__all__ = ["suggest_next", "learning_curve", "uncertainty"]

_STRATEGIES = ("random", "uncertainty")


def uncertainty(proba: pd.DataFrame) -> pd.Series:
    """How unsure a coder is about each segment: 1 - min over codes of ``|2p - 1|``.

    1 means some code's probability is exactly 0.5; 0 means every code is
    certainly present or certainly absent.

    Examples
    --------
    >>> import pandas as pd
    >>> uncertainty(pd.DataFrame({"a": [0.5, 0.9], "b": [0.0, 0.0]})).tolist()
    [1.0, 0.19999999999999996]
    """
    values = proba.to_numpy(dtype=float)
    if values.shape[1] == 0:
        return pd.Series(0.0, index=proba.index)
    return pd.Series(1.0 - np.abs(2 * values - 1).min(axis=1), index=proba.index)


def _excluded_ids(exclude: Any) -> set[str]:
    if exclude is None:
        return set()
    if isinstance(exclude, pd.DataFrame):
        if "segment_id" not in exclude.columns:
            raise ValueError("`exclude` as a table needs a 'segment_id' column.")
        return set(exclude["segment_id"].astype(str))
    if isinstance(exclude, str):
        return {exclude}
    return {str(s) for s in exclude}


def suggest_next(
    model: Any,
    segments: pd.DataFrame,
    *,
    n: int = 20,
    exclude: pd.DataFrame | Iterable[str] | None = None,
    top: int = 3,
) -> pd.DataFrame:
    """Rank segments for a person to code next: the ones the model is least sure about.

    Parameters
    ----------
    model : ModelCoder or CombinedCoder
        A fitted coder with ``predict_proba``.
    segments : DataFrame
        Candidate segments (``segment_id``, ``text``).
    n : int, default=20
        How many to suggest.
    exclude : DataFrame or list of str, optional
        Segments already coded: a codings table or segment ids.
    top : int, default=3
        How many of the likeliest codes to show per segment.

    Returns
    -------
    DataFrame
        ``segment_id``, ``text``, ``uncertainty`` (see :func:`uncertainty`),
        ``uncertain_code`` (the code whose probability is nearest 0.5) and
        ``top_codes`` (the likeliest codes with their probabilities), most
        uncertain first (ties keep the segments' order).

    Examples
    --------
    >>> import pandas as pd
    >>> from sysreview.model import ModelCoder
    >>> segs = pd.DataFrame({"segment_id": list("abcd"),
    ...                      "text": ["staff short", "money tight", "staff gone", "staff money"]})
    >>> gold = pd.DataFrame({"segment_id": ["a", "c"], "code": ["workforce"] * 2})
    >>> coder = ModelCoder(calibration=None).fit(segs.iloc[:3], gold)
    >>> suggest_next(coder, segs, n=2, exclude=["a", "b", "c"])["segment_id"].tolist()
    ['d']
    """
    if not hasattr(model, "predict_proba"):
        raise TypeError(f"`model` must be a fitted coder with predict_proba, not {type(model)}.")
    if int(n) < 1:
        raise ValueError(f"The value for `n` must be at least 1, but {n!r} was passed.")
    segs = as_segments(segments)
    segs = segs[~segs["segment_id"].isin(_excluded_ids(exclude))].reset_index(drop=True)
    if segs.empty:
        return pd.DataFrame(
            columns=["segment_id", "text", "uncertainty", "uncertain_code", "top_codes"]
        )
    proba = model.predict_proba(segs)
    unsure = uncertainty(proba).to_numpy()
    values = proba.to_numpy(dtype=float)
    codes = np.asarray(proba.columns, dtype=object)
    nearest = codes[np.abs(values - 0.5).argmin(axis=1)] if len(codes) else None
    order = np.argsort(-values, axis=1, kind="stable")[:, :top]
    tops = [
        "; ".join(f"{codes[j]} ({values[i, j]:.2f})" for j in row) for i, row in enumerate(order)
    ]
    out = pd.DataFrame(
        {
            "segment_id": segs["segment_id"],
            "text": segs["text"],
            "uncertainty": unsure,
            "uncertain_code": nearest,
            "top_codes": tops,
        }
    )
    out = out.sort_values("uncertainty", ascending=False, kind="stable").head(int(n))
    return out.reset_index(drop=True)


def learning_curve(
    segments: pd.DataFrame,
    gold: pd.DataFrame,
    *,
    test_segments: pd.DataFrame | Sequence[str],
    sizes: Sequence[int] = (50, 100, 200, 400, 800),
    random_state: int = 0,
    strategy: str = "random",
    estimator: Any = None,
    codes: Any = None,
) -> pd.DataFrame:
    """How good a learned coder gets as more segments are coded by hand.

    Trains on growing sets of hand-coded segments from ``segments`` (those not
    in ``test_segments``) and evaluates on ``test_segments``.

    Parameters
    ----------
    segments : DataFrame
        All segments (training pool and test segments), with ``segment_id``
        and ``text``.
    gold : DataFrame
        Hand codings (``segment_id``, ``code``, ``valence``) of all of them.
    test_segments : DataFrame or list of str
        The segments to evaluate on; never trained on.
    sizes : sequence of int, default=(50, 100, 200, 400, 800)
        Numbers of hand-coded training segments; sizes beyond the pool are
        replaced by the whole pool (listed once).
    random_state : int, default=0
        Seed of the random order in which segments are "coded".
    strategy : {"random", "uncertainty"}, default="random"
        "random" codes segments in random order; "uncertainty" starts with
        ``sizes[0]`` random segments, then adds at each step the segments the
        previous model was least sure about (:func:`suggest_next`), as a
        researcher following the suggestions would.
    estimator : estimator, optional
        The coder to train (cloned for each size); default ``ModelCoder()``.
    codes : list of str or Codebook, optional
        The codes; default every code in ``gold``.

    Returns
    -------
    DataFrame
        One row per size: ``size``, ``kappa`` (macro Cohen's kappa on the test
        segments), ``f1`` (micro), ``valence_agreement`` (micro), ``strategy``.
    """
    from ..agreement import evaluate
    from ._coder import ModelCoder

    if strategy not in _STRATEGIES:
        raise ValueError(
            f"The value for `strategy` must be one of {list(_STRATEGIES)}, but {strategy!r} "
            "was passed."
        )
    segs = as_segments(segments)
    test_ids = (
        set(as_segments(test_segments)["segment_id"])
        if isinstance(test_segments, pd.DataFrame)
        else {str(s) for s in test_segments}
    )
    missing = test_ids - set(segs["segment_id"])
    if missing:
        raise ValueError(f"test segments {sorted(missing)[:5]} are not in `segments`.")
    gold = gold.assign(segment_id=gold["segment_id"].astype(str), code=gold["code"].astype(str))
    code_list = (
        list(codes.ids)
        if hasattr(codes, "ids")
        else list(codes)
        if codes is not None
        else sorted(gold["code"].unique())
    )
    test = segs[segs["segment_id"].isin(test_ids)].reset_index(drop=True)
    pool = segs[~segs["segment_id"].isin(test_ids)].reset_index(drop=True)
    test_gold = gold[gold["segment_id"].isin(test_ids)]
    base = estimator if estimator is not None else ModelCoder()
    rng = np.random.default_rng(random_state)
    order = list(rng.permutation(len(pool)))
    steps = sorted({min(int(s), len(pool)) for s in sizes if int(s) > 0})
    if not steps:
        raise ValueError("`sizes` must hold at least one positive number of segments.")
    chosen: list[int] = []
    rows = []
    model = None
    for size in steps:
        need = size - len(chosen)
        if strategy == "uncertainty" and model is not None and need > 0:
            rest = pool.drop(index=chosen)
            unsure = uncertainty(model.predict_proba(rest))
            picked = rest.index[np.argsort(-unsure.to_numpy(), kind="stable")[:need]]
            chosen.extend(int(i) for i in picked)
        else:
            taken = set(chosen)
            chosen.extend([i for i in order if i not in taken][:need])
        train = pool.iloc[chosen]
        train_gold = gold[gold["segment_id"].isin(set(train["segment_id"]))]
        model = (
            clone(base).set_params(codes=code_list) if "codes" in base.get_params() else clone(base)
        )
        with warnings.catch_warnings():
            # small training sets often lack a rare code; the curve shows the cost
            warnings.simplefilter("ignore", SysreviewWarning)
            model.fit(train, train_gold)
        predicted = model.predict(test)
        table = evaluate(test_gold, predicted, segments=test, codes=code_list)
        rows.append(
            {
                "size": size,
                "kappa": table.loc["macro", "kappa"],
                "f1": table.loc["micro", "f1"],
                "valence_agreement": table.loc["micro", "valence_agreement"],
                "strategy": strategy,
            }
        )
    return pd.DataFrame(rows)
