"""Valence learnt on top of the rules' reading of the cues (a stacked classifier).

The rule coder reads valence from cues: their polarity after negation,
their distance to the evidence, the tone of each sentence. Its weighing is
written by hand; this classifier learns it from a hand coding instead. For
each segment and code it sees

- the rules' decision for the code and its cue sum;
- the segment's tone: cue sums of its first sentence, its last sentence and
  the whole, and the share of recommendation sentences;
- word n-grams of the sentences carrying the code's evidence and of the whole
  segment, with every word in a negation's scope marked ``NOT_``
  ("no NOT_clear NOT_process"), so that "clear" and "not clear" are
  different features.

On the bundled gold codings (the example study and four coded sets of
review reports, 2,654 coded pairs, 8-fold cross-validation by document) it
agrees with the gold valence on 0.83 of the pairs the rules found, the
rules' own weighing on 0.73; averaged with the text model's valence
classifier, as the default coder does, 0.86 of the codings it shares with
the gold (see
``benchmarks/evaluate_coders.py --cv``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder

from ..coding.valence import VALENCES, Reading, decide_valence, negation_marked, segment_tones

__all__ = ["valence_reading", "StackedValence"]

#: Rule valence of a code without any evidence in the segment.
NO_EVIDENCE = "none"

_NUMERIC = [
    "total",
    "n_cues",
    "first_has",
    "n_enabler",
    "n_barrier",
    "n_neutral",
    "tone_first",
    "tone_last",
    "tone_all",
    "recommend_share",
    "recommend_first",
]


def valence_reading(
    segments: pd.DataFrame, codebook: Any = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rule coder's reading of valence in each segment.

    Parameters
    ----------
    segments : DataFrame
        ``segment_id`` and ``text``.
    codebook : Codebook, optional
        Default: the default codebook.

    Returns
    -------
    pairs : DataFrame
        One row per segment x code with any evidence (weak evidence too):
        ``segment_id``, ``code``, ``rule_valence``, ``total`` (cue sum),
        ``n_cues``, ``first_has`` (evidence in the first sentence) and
        ``evidence_marked`` (negation-marked words of the sentences carrying
        the evidence).
    per_segment : DataFrame
        One row per segment: ``segment_id``, sentence tones (``tone_first``,
        ``tone_last``, ``tone_all``), ``recommend_share``,
        ``recommend_first``, the number of codes the rules read as
        ``n_enabler`` / ``n_barrier`` / ``n_neutral``, and ``text_marked``.

    Examples
    --------
    >>> import pandas as pd
    >>> seg = pd.DataFrame({"segment_id": ["a"], "text": ["There was no shared care record."]})
    >>> pairs, per_segment = valence_reading(seg)
    >>> pairs[["code", "rule_valence"]].values.tolist()
    [['data_and_digital', 'barrier']]
    >>> per_segment["text_marked"].iloc[0]
    'there was no NOT_shared NOT_care NOT_record'
    """
    from ..coding import _cached_rule_coder

    coder = _cached_rule_coder(codebook)
    compiled = coder.compiled_
    ids = segments["segment_id"].astype(str).tolist()
    texts = segments["text"].fillna("").astype(str).tolist()
    pairs, per_segment = [], []
    for sid, doc in zip(ids, coder._pipe(texts), strict=True):
        reading = Reading(doc, compiled)
        hits = compiled.evidence(doc)
        decisions = decide_valence(
            doc, hits, compiled, threshold=coder.valence_threshold, reading=reading
        )
        tones = segment_tones(reading)
        sents = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
        recommend = reading.neutral_sents
        counts = Counter(d.valence for d in decisions.values())
        per_segment.append(
            {
                "segment_id": sid,
                "tone_first": tones[0] if tones else 0.0,
                "tone_last": tones[-1] if tones else 0.0,
                "tone_all": float(sum(tones)),
                "recommend_share": len(recommend) / max(reading.n_sents, 1),
                "recommend_first": float(0 in recommend),
                "n_enabler": int(counts.get("enabler", 0)),
                "n_barrier": int(counts.get("barrier", 0)),
                "n_neutral": int(counts.get("neutral", 0)),
                "text_marked": negation_marked(reading),
            }
        )
        by_code: dict[str, set[int]] = {}
        for h in hits:
            by_code.setdefault(h.code, set()).add(reading.sent[h.start])
        for code, decision in decisions.items():
            own = sorted(by_code.get(code, ()))
            pairs.append(
                {
                    "segment_id": sid,
                    "code": code,
                    "rule_valence": decision.valence,
                    "total": decision.total,
                    "n_cues": decision.n_cues,
                    "first_has": float(0 in own),
                    "evidence_marked": " ".join(
                        negation_marked(reading, sents[i].start, sents[i].end) for i in own
                    ),
                }
            )
    pair_cols = ["segment_id", "code", "rule_valence", "total", "n_cues", "first_has"]
    pairs_df = pd.DataFrame(pairs, columns=pair_cols + ["evidence_marked"])
    return pairs_df, pd.DataFrame(per_segment)


def _pair_table(wanted: pd.DataFrame, reading: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    """The reading of each wanted (segment_id, code) pair; codes without evidence get zeros."""
    pairs, per_segment = reading
    table = (
        wanted[["segment_id", "code"]]
        .astype(str)
        .merge(pairs, on=["segment_id", "code"], how="left")
        .merge(per_segment, on="segment_id", how="left")
    )
    table["rule_valence"] = table["rule_valence"].fillna(NO_EVIDENCE)
    table["evidence_marked"] = table["evidence_marked"].fillna("")
    table["text_marked"] = table["text_marked"].fillna("")
    table[_NUMERIC] = table[_NUMERIC].astype(float).fillna(0.0)
    return table


class StackedValence:
    """A valence classifier over the rules' reading of the cues plus marked n-grams.

    Used by :class:`~sysreview.model.CombinedCoder` with ``valence="stacked"``.

    Parameters
    ----------
    C : float, default=2.0
        Inverse regularisation strength of the logistic regression.
    random_state : int or None, default=0
    """

    def __init__(self, *, C: float = 2.0, random_state: int | None = 0):
        self.C = C
        self.random_state = random_state

    def _categories(self, table: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "rule": table["rule_valence"],
                "code": table["code"],
                "rule_code": table["rule_valence"] + "|" + table["code"],
            }
        )

    def _numeric(self, table: pd.DataFrame) -> sparse.csr_matrix:
        t = table
        cols = [
            np.tanh(t["total"]),
            np.minimum(t["n_cues"], 5) / 5,
            t["first_has"],
            t["n_enabler"] / 3,
            t["n_barrier"] / 3,
            t["n_neutral"] / 3,
            np.tanh(t["tone_first"] / 2),
            np.tanh(t["tone_last"] / 2),
            np.tanh(t["tone_all"] / 3),
            t["recommend_share"],
            t["recommend_first"],
        ]
        return sparse.csr_matrix(np.column_stack([np.asarray(c, dtype=float) for c in cols]))

    def _matrix(self, table: pd.DataFrame) -> sparse.csr_matrix:
        return sparse.hstack(
            [
                2.0 * self._numeric(table),
                2.0 * self.onehot_.transform(self._categories(table)),
                self.evidence_vec_.transform(table["evidence_marked"]),
                self.text_vec_.transform(table["text_marked"]),
            ]
        ).tocsr()

    def fit(self, table: pd.DataFrame, labels: Any) -> StackedValence:
        """Learn from a pair table (see :func:`valence_reading`) and its gold valences."""
        labels = np.asarray(labels, dtype=object)
        self.classes_ = np.array(sorted(set(labels)))
        if len(self.classes_) < 2:
            self.constant_ = self.classes_[0] if len(self.classes_) else None
            return self
        self.constant_ = None

        def vectorizer() -> TfidfVectorizer:
            return TfidfVectorizer(
                ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"\S+"
            )

        self.onehot_ = OneHotEncoder(handle_unknown="ignore").fit(self._categories(table))
        self.evidence_vec_ = vectorizer().fit(table["evidence_marked"])
        self.text_vec_ = vectorizer().fit(table["text_marked"])
        self.classifier_ = LogisticRegression(
            C=self.C, class_weight="balanced", max_iter=5000, random_state=self.random_state
        ).fit(self._matrix(table), labels)
        return self

    def predict_proba(self, table: pd.DataFrame) -> np.ndarray:
        """Probabilities over ``classes_`` for each pair of the table."""
        if self.constant_ is not None or not hasattr(self, "classifier_"):
            return np.ones((len(table), len(self.classes_)))
        return self.classifier_.predict_proba(self._matrix(table))

    def predict(self, table: pd.DataFrame) -> np.ndarray:
        """Valence of each pair of the table."""
        if len(table) == 0:
            return np.array([], dtype=object)
        if self.constant_ is not None or not hasattr(self, "classifier_"):
            return np.full(len(table), self.constant_, dtype=object)
        return self.classifier_.predict(self._matrix(table)).astype(object)


def fit_stacked(
    segments: pd.DataFrame, gold: pd.DataFrame, codebook: Any, **params
) -> StackedValence:
    """Fit a :class:`StackedValence` on gold ``(segment_id, code, valence)`` rows."""
    gold = gold[gold["valence"].isin(VALENCES)]
    table = _pair_table(gold, valence_reading(segments, codebook))
    return StackedValence(**params).fit(table, gold["valence"].to_numpy())


def predict_stacked(
    model: StackedValence,
    wanted: pd.DataFrame,
    reading: tuple[pd.DataFrame, pd.DataFrame],
    *,
    average_with: tuple[Any, np.ndarray] | None = None,
) -> np.ndarray:
    """Valence of each ``(segment_id, code)`` row of ``wanted``.

    ``reading`` is :func:`valence_reading` of the segments. ``average_with``
    is ``(classes, probabilities)`` of another valence classifier for the
    same rows: the two classifiers' probabilities are averaged.
    """
    if len(wanted) == 0:
        return np.array([], dtype=object)
    table = _pair_table(wanted, reading)
    if average_with is None or model.constant_ is not None:
        return model.predict(table)
    classes = [str(c) for c in model.classes_]
    proba = model.predict_proba(table)
    other = np.zeros_like(proba)
    for k, label in enumerate(average_with[0]):
        if label in classes:
            other[:, classes.index(label)] = average_with[1][:, k]
    return np.asarray(classes, dtype=object)[(proba + other).argmax(axis=1)]
