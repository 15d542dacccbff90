"""ModelCoder: a scikit-learn estimator that learns to code segments from human codings."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from .._typing import VALENCES
from ..coding._schema import CODING_COLUMNS
from ..exceptions import NotFittedError, SysreviewWarning
from ._features import (
    as_segments,
    code_ids,
    heading_words,
    lemma_texts,
    make_vectorizer,
    rule_scores,
    stack_valence_features,
    targets_from_codings,
)

__all__ = ["ModelCoder", "codings_from_proba", "macro_kappa"]

#: Calibration folds, and the fewest examples of each class needed to calibrate.
_CALIBRATION_FOLDS = 3
_MIN_PER_CLASS = 2 * _CALIBRATION_FOLDS
#: Fewest valence examples of a code for it to get its own valence classifier.
_MIN_VALENCE_PER_CODE = 30


def codings_from_proba(
    segments: pd.DataFrame,
    proba: pd.DataFrame,
    valences: pd.DataFrame | None,
    *,
    threshold: float | pd.Series,
    coder: str,
) -> pd.DataFrame:
    """Build a codings table from a segment x code probability table.

    One row per (segment, code) with probability >= ``threshold`` (a number or
    a Series by code); ``valences`` is a table of the same shape (or None).
    """
    segs = segments.reset_index(drop=True)
    limit = (
        threshold.reindex(proba.columns).to_numpy()
        if isinstance(threshold, pd.Series)
        else np.full(proba.shape[1], float(threshold))
    )
    hit_u, hit_c = np.nonzero(proba.to_numpy() >= limit[None, :])
    rows = segs.iloc[hit_u]

    def col(name: str) -> Any:
        return rows[name].to_numpy() if name in rows.columns else pd.NA

    out = pd.DataFrame(
        {
            "segment_id": rows["segment_id"].to_numpy(),
            "doc_id": col("doc_id"),
            "area": col("area"),
            "sector": col("sector"),
            "code": np.asarray(proba.columns, dtype=object)[hit_c],
            "valence": valences.to_numpy()[hit_u, hit_c] if valences is not None else pd.NA,
            "start": col("start"),
            "end": col("end"),
            # the whole segment: start/end are its offsets, so the evidence
            # must be exactly that slice of the document
            "evidence": rows["text"].astype(str).to_numpy(),
            "score": proba.to_numpy()[hit_u, hit_c].astype(float),
            "coder": coder,
        },
        columns=CODING_COLUMNS,
    )
    return out.reset_index(drop=True)


def macro_kappa(coder: Any, X: Any, y: Any) -> float:
    """Macro Cohen's kappa of a fitted coder's predictions on ``X`` against targets ``y``."""
    from ..agreement import evaluate

    segments = as_segments(X)
    presence, _, codes = targets_from_codings(y, segments, list(coder.codes_))
    seg_u, code_u = np.nonzero(presence)
    gold = pd.DataFrame(
        {
            "segment_id": segments["segment_id"].to_numpy()[seg_u],
            "code": np.asarray(codes, dtype=object)[code_u],
        }
    )
    predicted = coder.predict(segments)[["segment_id", "code"]]
    kappa = evaluate(gold, predicted, segments=segments, codes=coder.codes_).loc["macro", "kappa"]
    return 0.0 if pd.isna(kappa) else float(kappa)


class _Constant:
    """A stand-in classifier for a code with only one class in the training data."""

    def __init__(self, p: float):
        self.p = float(p)

    def predict_proba(self, X: Any) -> np.ndarray:
        n = X.shape[0]
        return np.column_stack([np.full(n, 1 - self.p), np.full(n, self.p)])


class _ValenceModel:
    """Valence of (segment, code) pairs: a global classifier over text + code,
    averaged with a per-code classifier for codes with enough examples."""

    def __init__(self, *, C: float, random_state: int | None):
        self.C = C
        self.random_state = random_state

    def _lr(self) -> LogisticRegression:
        return LogisticRegression(
            C=self.C, class_weight="balanced", max_iter=2000, random_state=self.random_state
        )

    def fit(self, features: Any, valences: pd.DataFrame, codes: list[str]) -> _ValenceModel:
        values = valences.to_numpy(dtype=object)
        seg_idx, code_idx = np.nonzero(np.isin(values, VALENCES))
        labels = values[seg_idx, code_idx].astype(str)
        self.n_codes_ = len(codes)
        self.classes_ = np.array(sorted(set(labels)))
        self.global_ = None
        self.per_code_ = {}
        if len(self.classes_) == 0:
            return self
        if len(self.classes_) == 1:
            self.global_ = _Constant(1.0)
            return self
        X = stack_valence_features(features[seg_idx], code_idx, self.n_codes_)
        self.global_ = self._lr().fit(X, labels)
        for j in range(len(codes)):
            mine = code_idx == j
            counts = pd.Series(labels[mine]).value_counts()
            if mine.sum() >= _MIN_VALENCE_PER_CODE and len(counts) >= 2:
                self.per_code_[j] = self._lr().fit(features[seg_idx[mine]], labels[mine])
        return self

    def predict_proba(self, features: Any, seg_idx: np.ndarray, code_idx: np.ndarray) -> np.ndarray:
        """Probabilities over ``classes_`` for each (segment, code) pair."""
        out = np.zeros((len(seg_idx), len(self.classes_)))
        if len(seg_idx) == 0 or self.global_ is None:
            return out
        if isinstance(self.global_, _Constant):
            out[:, 0] = 1.0
            return out
        X = stack_valence_features(features[seg_idx], code_idx, self.n_codes_)
        out = self.global_.predict_proba(X)
        for j, model in self.per_code_.items():
            mine = code_idx == j
            if mine.any():
                own = np.zeros((mine.sum(), len(self.classes_)))
                cols = np.searchsorted(self.classes_, model.classes_)
                own[:, cols] = model.predict_proba(features[seg_idx[mine]])
                out[mine] = (out[mine] + own) / 2
        return out

    def predict(self, features: Any, seg_idx: np.ndarray, code_idx: np.ndarray) -> np.ndarray:
        if self.global_ is None:
            return np.full(len(seg_idx), None, dtype=object)
        proba = self.predict_proba(features, seg_idx, code_idx)
        return self.classes_[proba.argmax(axis=1)].astype(object)


class ModelCoder(BaseEstimator):
    """A learned coder: multi-label presence of each code, plus valence.

    Trained on segments that a person has coded; predicts a codings table in
    the same shape as the rule coder's (:data:`CODING_COLUMNS`), with
    calibrated probabilities as scores. A scikit-learn estimator: ``__init__``
    only stores parameters, fitted attributes end in ``_``, and it works in a
    ``Pipeline``, ``GridSearchCV`` and ``clone``.

    Parameters
    ----------
    codes : list of str or Codebook, optional
        The codes to learn, in this order. Default: the codes in the training
        codings, sorted. A code with no positive example is predicted never,
        with a warning.
    C : float, default=16.0
        Inverse regularisation strength of the logistic regressions.
    ngram_range : tuple of int, default=(1, 2)
        Word n-grams of the TF-IDF features.
    char_ngrams : bool, default=True
        Add character 3-5 grams within word boundaries (robust to spelling
        and inflection).
    min_df : int, default=1
        Ignore n-grams found in fewer training segments.
    lemmatize : bool, default=False
        Build the n-grams from lower-case lemmas ("boards weren't meeting" ->
        "board be not meet", spaCy's lookup lemmatizer, as the rule coder
        uses) rather than the words as written: fewer, denser features,
        which helps when the training coding is small.
    sections : bool, default=False
        Add the words of each segment's section heading (the ``section``
        column of ``corpus.segments``, when there is one) as features of their
        own ("Recommendations", "Sharing information"). At training time the
        heading is hidden from a random half of the segments, so the model
        still codes segments that have none (a pre-segmented table).
    average_with : ModelCoder, optional
        A second model, trained on the same coding (presence only), whose
        probabilities are averaged with this one's: a small ensemble of two
        views of the text, e.g. lemmas here and the words as written with
        character n-grams there. Valence stays with this model.
    use_rules : bool, default=False
        Add the rule coder's per-code match scores (``sysreview.code`` with
        ``codebook``) as features.
    codebook : Codebook, optional
        Codebook of the rule coder when ``use_rules=True``; default the
        default codebook.
    threshold : float, default=0.5
        A code is predicted when its calibrated probability is at least this.
    calibration : {"sigmoid", "isotonic"} or None, default="sigmoid"
        Probability calibration (``CalibratedClassifierCV`` with 3 folds) for
        codes with at least 6 positive and 6 negative examples; other codes,
        and all with None, use the logistic regression's own probabilities.
    random_state : int, default=0
        Seed for the calibration folds and the solvers.

    Attributes
    ----------
    codes_ : list of str
        The codes learnt, in order.
    vectorizer_ : FeatureUnion or TfidfVectorizer
        The fitted text features.
    classifiers_ : dict of str to estimator
        One fitted binary classifier per code.
    valence_model_ : object
        The fitted valence classifier (text n-grams plus a one-hot of the
        code, averaged with a per-code classifier where a code has at least 30
        examples); None when the training targets carry no valence.
    sysreview_version_ : str
        The sysreview version that fitted the model (checked on load).

    Notes
    -----
    ``fit(X, y)`` takes ``X`` = a segments table (``segment_id``, ``text``;
    ``doc_id``, ``area``, ``sector``, ``start``, ``end`` are copied into the
    codings when present) and ``y`` in one of these forms:

    - a codings table (``segment_id``, ``code``, ``valence``), simplest for a
      plain ``fit``;
    - a table aligned with ``X`` row by row, one column per code, holding the
      valence or ``""`` (see :func:`sysreview.model.to_targets`). Use this
      form for ``GridSearchCV`` and ``cross_val_score``, which split ``X`` and
      ``y`` by row;
    - a 0/1 indicator matrix of shape (n_segments, n_codes) (no valence model).

    Examples
    --------
    >>> import pandas as pd
    >>> segments = pd.DataFrame({"segment_id": [f"s{i}" for i in range(40)],
    ...     "text": ["Staff shortages hit every ward." if i % 2 else
    ...              "Leaders met weekly and were visible." for i in range(40)]})
    >>> gold = pd.DataFrame({"segment_id": [f"s{i}" for i in range(40)],
    ...     "code": ["workforce" if i % 2 else "leadership" for i in range(40)],
    ...     "valence": ["barrier" if i % 2 else "enabler" for i in range(40)]})
    >>> coder = ModelCoder().fit(segments, gold)
    >>> new = pd.DataFrame({"segment_id": ["n1"], "text": ["Shortages of staff on the ward."]})
    >>> coder.predict(new)[["code", "valence"]].values.tolist()
    [['workforce', 'barrier']]
    """

    def __init__(
        self,
        codes: Any = None,
        *,
        C: float = 16.0,
        ngram_range: tuple[int, int] = (1, 2),
        char_ngrams: bool = True,
        min_df: int = 1,
        lemmatize: bool = False,
        sections: bool = False,
        average_with: Any = None,
        use_rules: bool = False,
        codebook: Any = None,
        threshold: float = 0.5,
        calibration: str | None = "sigmoid",
        random_state: int | None = 0,
    ):
        self.codes = codes
        self.C = C
        self.ngram_range = ngram_range
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.lemmatize = lemmatize
        self.sections = sections
        self.average_with = average_with
        self.use_rules = use_rules
        self.codebook = codebook
        self.threshold = threshold
        self.calibration = calibration
        self.random_state = random_state

    # ---------------------------------------------------------------- internals
    def _check_params(self) -> None:
        if self.calibration not in ("sigmoid", "isotonic", None):
            raise ValueError(
                "The value for `calibration` must be one of ['sigmoid', 'isotonic', None], "
                f"but {self.calibration!r} was passed."
            )
        if not 0.0 <= float(self.threshold) <= 1.0:
            raise ValueError(
                f"The value for `threshold` must be between 0 and 1, but {self.threshold!r} "
                "was passed."
            )
        if float(self.C) <= 0:
            raise ValueError(f"The value for `C` must be positive, but {self.C!r} was passed.")

    def _check_fitted(self) -> None:
        if not hasattr(self, "classifiers_"):
            raise NotFittedError(
                "This ModelCoder is not fitted yet; call fit(segments, codings) first, "
                "or load a saved model with sysreview.model.load_model(path)."
            )

    def _texts(self, segments: pd.DataFrame, *, training: bool = False) -> list[str]:
        """The text the n-grams are built from: as written or lemmatised, plus
        the section heading's words when ``sections`` (hidden from a random
        half of the segments at training time)."""
        lemmatize = getattr(self, "lemmatize", False)
        texts = lemma_texts(segments["text"]) if lemmatize else list(segments["text"])
        if not getattr(self, "sections", False) or "section" not in segments.columns:
            return texts
        heads = heading_words(segments["section"], lemmatize=lemmatize)
        show = np.ones(len(texts), dtype=bool)
        if training:
            show = np.random.default_rng(self.random_state).random(len(texts)) >= 0.5
        rows = zip(texts, heads, show, strict=True)
        return [f"{t} {h}" if h and keep else t for t, h, keep in rows]

    def _features(self, segments: pd.DataFrame, texts: list[str] | None = None) -> Any:
        X = self.vectorizer_.transform(texts if texts is not None else self._texts(segments))
        if self.use_rules:
            X = sparse.hstack([X, sparse.csr_matrix(self._rule_features(segments))]).tocsr()
        return sparse.csr_matrix(X)

    def _rule_features(self, segments: pd.DataFrame) -> np.ndarray:
        codebook = self.codebook
        if codebook is None:
            from .. import codebooks

            codebook = codebooks.default()
        return rule_scores(segments, self.codes_, codebook)

    def _binary_model(self, n_pos: int, n_neg: int) -> Any:
        lr = LogisticRegression(
            C=self.C,
            class_weight="balanced",
            solver="liblinear",
            random_state=self.random_state,
        )
        if self.calibration is None or min(n_pos, n_neg) < _MIN_PER_CLASS:
            return lr
        folds = StratifiedKFold(_CALIBRATION_FOLDS, shuffle=True, random_state=self.random_state)
        return CalibratedClassifierCV(lr, method=self.calibration, cv=folds)

    # --------------------------------------------------------------------- API
    def fit(self, X: Any, y: Any) -> ModelCoder:
        """Learn the codes (and valence) from coded segments.

        Parameters
        ----------
        X : DataFrame
            Segments table with ``text`` (and ``segment_id`` when ``y`` is a
            codings table). A Series or list of texts also works.
        y : DataFrame or array-like
            The human codings; see the class Notes for the accepted forms.
            Segments of ``X`` that ``y`` does not code are negatives for
            every code.

        Returns
        -------
        self
        """
        from .. import __version__

        self._check_params()
        segments = as_segments(X)
        if len(segments) < 2:
            raise ValueError(f"fit needs at least 2 segments, got {len(segments)}.")
        presence, valences, codes = targets_from_codings(y, segments, code_ids(self.codes))
        self.codes_ = codes
        texts = self._texts(segments, training=True)
        self.vectorizer_ = make_vectorizer(
            ngram_range=self.ngram_range, char_ngrams=self.char_ngrams, min_df=self.min_df
        ).fit(texts)
        features = self._features(segments, texts)
        self.classifiers_ = {}
        never = []
        for j, code in enumerate(codes):
            target = presence[:, j]
            n_pos = int(target.sum())
            n_neg = len(target) - n_pos
            if n_pos == 0 or n_neg == 0:
                if n_pos == 0:
                    never.append(code)
                self.classifiers_[code] = _Constant(n_pos / len(target))
                continue
            self.classifiers_[code] = self._binary_model(n_pos, n_neg).fit(features, target)
        if never:
            warnings.warn(
                f"no training segment has the code(s) {never}; the model will never predict "
                "them. Code some examples of them, or leave them out of `codes`.",
                SysreviewWarning,
                stacklevel=2,
            )
        self.partner_ = None
        if self.average_with is not None:
            if not isinstance(self.average_with, ModelCoder):
                raise TypeError(
                    "`average_with` must be a ModelCoder, but "
                    f"{type(self.average_with).__name__} was passed."
                )
            # presence only: the valence is this model's
            self.partner_ = (
                clone(self.average_with)
                .set_params(codes=list(codes))
                .fit(segments, presence.astype(int))
            )
        self.valence_model_ = None
        if valences is not None:
            self.valence_model_ = _ValenceModel(C=self.C, random_state=self.random_state).fit(
                features, valences, codes
            )
        self.sysreview_version_ = __version__
        return self

    def predict_proba(self, X: Any) -> pd.DataFrame:
        """Calibrated probability of each code for each segment.

        Returns
        -------
        DataFrame
            Indexed by segment_id, one column per code (``codes_`` order).
        """
        self._check_fitted()
        segments = as_segments(X)
        return self._proba(segments, self._features(segments))

    def _proba(self, segments: pd.DataFrame, features: Any) -> pd.DataFrame:
        columns = {
            code: self.classifiers_[code].predict_proba(features)[:, 1] for code in self.codes_
        }
        table = pd.DataFrame(columns, index=pd.Index(segments["segment_id"], name="segment_id"))
        table = table.reindex(columns=self.codes_)
        partner = getattr(self, "partner_", None)
        if partner is not None:
            other = partner._proba(segments, partner._features(segments))
            table = (table + other.to_numpy()) / 2
        return table

    def predict_valence(self, X: Any, codes: Any) -> pd.Series:
        """Valence of each segment for a given code (one code per segment).

        Parameters
        ----------
        X : DataFrame
            Segments table.
        codes : sequence of str
            The code of each segment, aligned with ``X``.

        Returns
        -------
        Series
            Valences ("enabler", "barrier", "neutral"), indexed like ``X``'s
            segment ids; None where the model learnt no valence.
        """
        self._check_fitted()
        segments = as_segments(X)
        codes = [str(c) for c in codes]
        unknown = sorted(set(codes) - set(self.codes_))
        if unknown:
            raise ValueError(f"the model was not trained on code(s) {unknown[:5]}.")
        if len(codes) != len(segments):
            raise ValueError("`codes` must give one code per segment of X.")
        features = self._features(segments)
        if self.valence_model_ is None:
            values = np.full(len(segments), None, dtype=object)
        else:
            code_idx = pd.Index(self.codes_).get_indexer(codes)
            values = self.valence_model_.predict(features, np.arange(len(segments)), code_idx)
        return pd.Series(values, index=segments["segment_id"], name="valence")

    def predict(self, X: Any) -> pd.DataFrame:
        """Code segments: a codings table (``CODING_COLUMNS``), coder "model".

        One row per (segment, code) whose probability reaches ``threshold``;
        ``score`` is that probability, ``start``/``end`` are the segment's own
        offsets (when ``X`` has them) and ``evidence`` its text, shortened to
        about 200 characters.
        """
        self._check_fitted()
        segments = as_segments(X)
        features = self._features(segments)
        proba = self._proba(segments, features)
        valences = self._valences(features, proba >= float(self.threshold))
        return codings_from_proba(
            segments, proba, valences, threshold=float(self.threshold), coder="model"
        )

    def _valences(self, features: Any, mask: pd.DataFrame) -> pd.DataFrame | None:
        """Valence for every True cell of a segment x code mask (None elsewhere)."""
        if self.valence_model_ is None:
            return None
        seg_idx, code_idx = np.nonzero(mask.to_numpy())
        table = np.full(mask.shape, None, dtype=object)
        table[seg_idx, code_idx] = self.valence_model_.predict(features, seg_idx, code_idx)
        return pd.DataFrame(table, index=mask.index, columns=mask.columns)

    def score(self, X: Any, y: Any) -> float:
        """Macro Cohen's kappa of the predictions against ``y`` (same forms as in fit).

        Codes whose kappa is undefined (no variation in either coding) are left
        out of the mean; 0.0 when no code has a defined kappa.
        """
        self._check_fitted()
        return macro_kappa(self, X, y)

    def __sklearn_tags__(self):  # scikit-learn >= 1.6
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        return tags
