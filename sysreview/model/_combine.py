"""CombinedCoder: the rule coder and a learned coder working together."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from ..coding._schema import CODING_COLUMNS
from ..coding.valence import VALENCES
from ..exceptions import NotFittedError
from ._coder import ModelCoder, codings_from_proba, macro_kappa
from ._features import as_segments, code_ids, run_rules, targets_from_codings
from ._valence import fit_stacked, predict_stacked, valence_reading

__all__ = ["CombinedCoder"]

_VALENCE_OPTIONS = ("rules", "model", "stacked")


def _cells(table: pd.DataFrame, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row and column positions in a segment x code ``table`` of each
    ``(segment_id, code)`` of ``rows``."""
    return table.index.get_indexer(rows["segment_id"]), table.columns.get_indexer(rows["code"])


def _mask(table: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """A boolean segment x code table like ``table``, True at the cells of ``rows``."""
    values = np.zeros(table.shape, dtype=bool)
    if len(rows):
        values[_cells(table, rows)] = True
    return pd.DataFrame(values, index=table.index, columns=table.columns)


class CombinedCoder(BaseEstimator):
    """Rules and a learned model together: rule codings, checked and completed by the model.

    For each segment and code:

    1. where the rules fire, the coding is kept (with the rules' valence,
       evidence and offsets), unless ``veto_threshold`` is set and the model's
       probability for that code is below it;
    2. where the rules do not fire, the model adds the code when its
       probability is at least ``model_threshold`` (a high bar: the model only
       adds codings it is confident about), with the model's valence.

    Parameters
    ----------
    codebook : Codebook, optional
        The rule coder's codebook; default the default codebook. Its code ids
        are the codes learnt.
    model : ModelCoder, optional
        The learned coder to train (cloned at fit); default ``ModelCoder()``.
    model_threshold : float, default=0.7
        Probability the model needs to add a code the rules missed.
    unsupported_threshold : float or None, default=None
        Probability the model needs to add a code for which the rules found
        no evidence at all in the segment (not even one weak phrase); None
        applies ``model_threshold`` to every code. A higher bar here keeps
        the model from adding codes on word associations alone ("for
        years" is not funding), which matters most on text unlike its
        training text.
    veto_threshold : float or None, default=None
        Drop rule codings to which the model gives less than this probability;
        None keeps every rule coding.
    valence : {"rules", "model", "stacked"}, default="rules"
        Who decides the valence of the codings: ``"rules"``, the rules' cues
        (codings the model adds get the model's valence); ``"model"``, the
        model's valence classifier (text n-grams, trained on your coding);
        ``"stacked"``, for every coding, a classifier trained on your coding
        that reads the rules' cue analysis, the segment's tone and
        negation-marked n-grams (see :mod:`sysreview.model._valence`),
        averaged with the model's valence classifier.

    Attributes
    ----------
    model_ : ModelCoder
        The fitted model.
    valence_model_ : StackedValence or None
        The fitted valence classifier when ``valence="stacked"``.
    codes_ : list of str
    sysreview_version_ : str

    Examples
    --------
    >>> import pandas as pd
    >>> from sysreview.model import CombinedCoder
    >>> CombinedCoder(model_threshold=0.9).get_params()["model_threshold"]
    0.9
    """

    def __init__(
        self,
        codebook: Any = None,
        *,
        model: Any = None,
        model_threshold: float = 0.7,
        unsupported_threshold: float | None = None,
        veto_threshold: float | None = None,
        valence: str = "rules",
    ):
        self.codebook = codebook
        self.model = model
        self.model_threshold = model_threshold
        self.unsupported_threshold = unsupported_threshold
        self.veto_threshold = veto_threshold
        self.valence = valence

    def _codebook(self) -> Any:
        if self.codebook is not None:
            return self.codebook
        from .. import codebooks

        return codebooks.default()

    def fit(self, X: Any, y: Any) -> CombinedCoder:
        """Fit the model on coded segments (same ``X``, ``y`` forms as :class:`ModelCoder`)."""
        optional = ("veto_threshold", "unsupported_threshold")
        for name in ("model_threshold",) + tuple(
            n for n in optional if getattr(self, n) is not None
        ):
            value = getattr(self, name)
            if not 0.0 <= float(value) <= 1.0:
                raise ValueError(
                    f"The value for `{name}` must be between 0 and 1, but {value!r} was passed."
                )
        if self.valence not in _VALENCE_OPTIONS:
            raise ValueError(
                f"The value for `valence` must be one of {list(_VALENCE_OPTIONS)}, "
                f"but {self.valence!r} was passed."
            )
        model = clone(self.model) if self.model is not None else ModelCoder()
        if model.get_params().get("codes") is None:
            model.set_params(codes=code_ids(self._codebook()))
        if model.get_params().get("use_rules") and model.get_params().get("codebook") is None:
            model.set_params(codebook=self.codebook)
        self.model_ = model.fit(X, y)
        self.codes_ = list(self.model_.codes_)
        self.valence_model_ = None
        if self.valence == "stacked":
            segments = as_segments(X)
            _, valences, _ = targets_from_codings(y, segments, self.codes_)
            if valences is not None:
                seg_idx, code_idx = np.nonzero(np.isin(valences.to_numpy(dtype=object), VALENCES))
                gold = pd.DataFrame(
                    {
                        "segment_id": segments["segment_id"].to_numpy()[seg_idx],
                        "code": np.asarray(self.codes_, dtype=object)[code_idx],
                        "valence": valences.to_numpy(dtype=object)[seg_idx, code_idx],
                    }
                )
                self.valence_model_ = fit_stacked(segments, gold, self.codebook)
        self.sysreview_version_ = self.model_.sysreview_version_
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(
                "This CombinedCoder is not fitted yet; call fit(segments, codings) first."
            )

    def predict_proba(self, X: Any) -> pd.DataFrame:
        """The model's probabilities (segment x code); the rules give none."""
        self._check_fitted()
        return self.model_.predict_proba(X)

    def predict(self, X: Any) -> pd.DataFrame:
        """Code segments: a codings table (``CODING_COLUMNS``) with coder "combined"."""
        self._check_fitted()
        segments = as_segments(X)
        rules = run_rules(segments, self.codebook)  # None: the cached default rule coder
        rules = rules[rules["code"].isin(self.codes_)]
        features = self.model_._features(segments)
        proba = self.model_._proba(segments, features)
        fired = _mask(proba, rules)
        if len(rules) and self.veto_threshold is not None:
            u, c = _cells(proba, rules)
            rules = rules[proba.to_numpy()[u, c] >= float(self.veto_threshold)]
        add = (proba >= float(self.model_threshold)) & ~fired
        stacked = getattr(self, "valence_model_", None) is not None
        unsupported = getattr(self, "unsupported_threshold", None)
        needs_reading = stacked or unsupported is not None
        reading = valence_reading(segments, self.codebook) if needs_reading else None
        if unsupported is not None:
            # a code without any evidence of the rules needs the higher bar
            evidence = _mask(proba, reading[0][reading[0]["code"].isin(self.codes_)])
            add = add & (evidence | (proba >= float(unsupported)))
        if "speaker" in segments.columns:
            # interviewers' questions are not data: the model adds nothing there
            from ..coding.rules import asked_by_interviewer

            add = add & ~asked_by_interviewer(list(segments["speaker"]))[:, None]
        # the stacked classifier decides every valence below: no need for the model's here
        valences = None if stacked else self.model_._valences(features, add)
        added = codings_from_proba(
            segments, proba.where(add, -1.0), valences, threshold=0.0, coder="combined"
        )
        kept = rules.assign(coder="combined")[CODING_COLUMNS]
        if self.valence == "model" and len(kept):
            model_valence = self.model_._valences(features, _mask(proba, kept))
            if model_valence is not None:
                u, c = _cells(proba, kept)
                learned = model_valence.to_numpy()[u, c]
                kept = kept.assign(
                    valence=[
                        v if v is not None else old
                        for v, old in zip(learned, kept["valence"], strict=True)
                    ]
                )
        out = pd.concat([kept, added], ignore_index=True) if len(kept) else added
        if stacked and len(out):
            # averaged with the text model's valence classifier: in 8-fold CV by
            # document on the bundled gold the average beat either alone
            text_model = self.model_.valence_model_
            other = None
            if text_model is not None and text_model.global_ is not None:
                other = (
                    text_model.classes_,
                    text_model.predict_proba(features, *_cells(proba, out)),
                )
            out = out.assign(
                valence=predict_stacked(self.valence_model_, out, reading, average_with=other)
            )
        u, c = _cells(proba, out)
        out = out.assign(_u=u, _c=c).sort_values(["_u", "_c"], kind="stable")
        return out.drop(columns=["_u", "_c"]).reset_index(drop=True)

    def score(self, X: Any, y: Any) -> float:
        """Macro Cohen's kappa of the predictions against ``y`` (see ModelCoder.score)."""
        self._check_fitted()
        return macro_kappa(self, X, y)
