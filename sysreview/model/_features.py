"""Features and targets for the learned coder: text n-grams, rule scores, label matrices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

__all__ = [
    "as_segments",
    "code_ids",
    "heading_words",
    "lemma_texts",
    "make_vectorizer",
    "rule_scores",
    "run_rules",
    "targets_from_codings",
    "to_targets",
]

#: Target value of a segment that has a code but no recorded valence.
CODED = "coded"

#: Columns of a segments table passed on to the rule coder (the others, such as
#: start/end offsets into the original documents, would not fit its own texts).
_RULE_COLUMNS = ("segment_id", "doc_id", "text", "area", "sector", "speaker")


def as_segments(X: Any) -> pd.DataFrame:
    """Return ``X`` as a segments DataFrame with string ``segment_id`` and ``text``.

    ``X`` may be a segments table (needs ``text``; ``segment_id`` defaults to
    the row position), a Series of texts (ids from its index) or a list of texts.
    """
    if isinstance(X, pd.DataFrame):
        if "text" not in X.columns:
            raise ValueError(
                "the segments passed to the model need a 'text' column; found "
                f"{list(X.columns)}. Pass corpus.segments or a table with 'text'."
            )
        df = X.copy()
        if "segment_id" not in df.columns:
            df["segment_id"] = [str(i) for i in range(len(df))]
    elif isinstance(X, pd.Series):
        df = pd.DataFrame({"segment_id": X.index.astype(str), "text": X.to_numpy()})
    elif isinstance(X, str):
        raise ValueError("pass a list of texts or a segments table, not a single string.")
    else:
        texts = list(X)
        df = pd.DataFrame({"segment_id": [str(i) for i in range(len(texts))], "text": texts})
    df["segment_id"] = df["segment_id"].astype(str)
    df["text"] = df["text"].fillna("").astype(str)
    return df.reset_index(drop=True)


def code_ids(codes: Any) -> list[str] | None:
    """The code ids of ``codes`` (a Codebook, a list of ids, or None)."""
    if codes is None:
        return None
    if hasattr(codes, "ids"):
        return list(codes.ids)
    if isinstance(codes, str):
        return [codes]
    return [str(c) for c in codes]


def _strings(values: Any) -> list[str]:
    """Values as strings, with None and NaN as empty strings."""
    return ["" if v is None or v != v else str(v) for v in values]


def lemma_texts(texts: Any) -> list[str]:
    """Texts as lower-case lemmas separated by spaces, punctuation dropped.

    Uses the rule coder's spaCy pipeline (``spacy.blank("en")`` with the lookup
    lemmatizer from ``spacy-lookups-data``): nothing is downloaded.

    Examples
    --------
    >>> lemma_texts(["Boards weren't meeting."])
    ['board be not meet']
    """
    from ..coding._nlp import default_nlp

    nlp = default_nlp()
    texts = _strings(texts)
    with nlp.select_pipes(enable=["lemmatizer", "sysreview_lower_lemma"]):
        docs = nlp.pipe(texts, batch_size=256)
        return [
            " ".join((t.lemma_ or t.lower_).lower() for t in doc if not (t.is_punct or t.is_space))
            for doc in docs
        ]


def heading_words(sections: Any, *, lemmatize: bool = False) -> list[str]:
    """Section headings as features of their own: each word prefixed ``sec_``.

    Examples
    --------
    >>> heading_words(["Sharing information", None])
    ['sec_sharing sec_information', '']
    >>> heading_words(["Sharing information"], lemmatize=True)
    ['sec_share sec_information']
    """
    import re

    heads = _strings(sections)
    # a document repeats a few headings over many segments: read each once
    unique = list(dict.fromkeys(heads))
    read = lemma_texts(unique) if lemmatize else [h.lower() for h in unique]
    words = {
        h: " ".join(f"sec_{w}" for w in re.findall(r"\w+", r))
        for h, r in zip(unique, read, strict=True)
    }
    return [words[h] for h in heads]


def make_vectorizer(
    *, ngram_range: tuple[int, int] = (1, 2), char_ngrams: bool = True, min_df: int = 1
) -> TfidfVectorizer | FeatureUnion:
    """Word n-gram TF-IDF, plus character 3-5 grams within word boundaries if asked."""
    words = TfidfVectorizer(
        ngram_range=tuple(ngram_range),
        min_df=min_df,
        sublinear_tf=True,
        lowercase=True,
        strip_accents="unicode",
    )
    if not char_ngrams:
        return words
    chars = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        min_df=min_df,
        sublinear_tf=True,
        lowercase=True,
        strip_accents="unicode",
    )
    return FeatureUnion([("words", words), ("chars", chars)])


def _rule_coder() -> Any:
    """``code(corpus, codebook)`` with the rule coder (never the default combined coder)."""
    from ..coding import code

    def rules(corpus, codebook=None):
        return code(corpus, codebook, coder="rules", progress=False)

    return rules


def run_rules(segments: pd.DataFrame, codebook: Any = None) -> pd.DataFrame:
    """Code segments with the rule coder; offsets refer to the segments' own documents.

    The rule coder runs on a corpus built from the segments' texts
    (``Corpus.from_segments``); when ``segments`` has ``start`` offsets, the
    codings' ``start``/``end`` are moved back into the original documents.
    """
    from ..coding._schema import CODING_COLUMNS
    from ..corpus import Corpus

    table = segments[[c for c in _RULE_COLUMNS if c in segments.columns]]
    corpus = Corpus.from_segments(table)
    codings = _rule_coder()(corpus, codebook)
    codings = codings.assign(
        segment_id=codings["segment_id"].astype(str), code=codings["code"].astype(str)
    )
    if "start" in segments.columns and len(codings):
        rebuilt = corpus.segments.assign(segment_id=corpus.segments["segment_id"].astype(str))
        shift = segments.set_index("segment_id")["start"].astype("Float64") - rebuilt.set_index(
            "segment_id"
        )["start"].astype("Float64")
        delta = codings["segment_id"].map(shift)
        for col in ("start", "end"):
            if col in codings.columns:
                codings[col] = (pd.to_numeric(codings[col]) + delta).astype("Int64")
    for col in CODING_COLUMNS:
        if col not in codings.columns:
            codings[col] = pd.NA
    return codings[CODING_COLUMNS].reset_index(drop=True)


def rule_scores(segments: pd.DataFrame, codes: Sequence[str], codebook: Any = None) -> np.ndarray:
    """The rule coder's score of each segment for each code, 0 where no rule fired.

    Returns
    -------
    ndarray of shape (n_segments, n_codes)
    """
    codings = run_rules(segments[[c for c in _RULE_COLUMNS if c in segments.columns]], codebook)
    out = np.zeros((len(segments), len(codes)))
    if len(codings) == 0:
        return out
    score = pd.to_numeric(codings["score"], errors="coerce").fillna(1.0)
    best = codings.assign(score=score).groupby(["segment_id", "code"])["score"].max()
    rows = pd.Index(segments["segment_id"]).get_indexer(best.index.get_level_values(0))
    cols = pd.Index(list(codes)).get_indexer(best.index.get_level_values(1))
    ok = (rows >= 0) & (cols >= 0)
    out[rows[ok], cols[ok]] = best.to_numpy()[ok]
    return out


def to_targets(codings: pd.DataFrame, segments: Any, *, codes: Any = None) -> pd.DataFrame:
    """Turn a codings table into targets aligned with ``segments``, for ``fit(X, y)``.

    Cross-validation (``GridSearchCV``, ``cross_val_score``) splits ``X`` and
    ``y`` by row, so ``y`` must have one row per segment. This builds that
    table: index and order of ``segments``, one column per code, holding the
    valence where the segment has the code and ``""`` where it does not
    (``"coded"`` where the coding has no valence). Without a ``valence``
    column the table holds 1/0 instead.

    Parameters
    ----------
    codings : DataFrame
        Gold codings with ``segment_id``, ``code`` and optionally ``valence``.
    segments : DataFrame or list of str
        The segments table (or ids) that ``X`` will be.
    codes : list of str or Codebook, optional
        Columns, in this order; default the codes found, sorted.

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({"segment_id": ["a"], "code": ["workforce"], "valence": ["barrier"]})
    >>> to_targets(codings, ["a", "b"]).to_dict("list")
    {'workforce': ['barrier', '']}
    """
    if isinstance(segments, pd.DataFrame):
        ids = as_segments(segments)["segment_id"].tolist()
        index = segments.index
    else:
        ids = [str(s) for s in segments]
        index = pd.RangeIndex(len(ids))
    for col in ("segment_id", "code"):
        if col not in codings.columns:
            raise ValueError(f"the codings need a {col!r} column; found {list(codings.columns)}.")
    df = codings.assign(
        segment_id=codings["segment_id"].astype(str), code=codings["code"].astype(str)
    )
    unknown = sorted(set(df["segment_id"]) - set(ids))
    if unknown:
        raise ValueError(
            f"{len(unknown)} coded segment id(s) are not in the segments: {unknown[:5]}. "
            "Pass the segments the codings were made on, or filter the codings first."
        )
    wanted = code_ids(codes)
    found = sorted(df["code"].unique())
    if wanted is None:
        wanted = found
    extra = sorted(set(found) - set(wanted))
    if extra:
        raise ValueError(
            f"the codings use code(s) {extra[:5]} that are not in `codes`; add them or filter "
            "the codings first (codings[codings.code.isin(codes)])."
        )
    from ..agreement import _collapse

    one = _collapse(df)
    if "valence" not in codings.columns:
        out = pd.DataFrame(0, index=pd.Index(ids), columns=wanted, dtype=int)
        for seg, code in one[["segment_id", "code"]].itertuples(index=False):
            out.loc[seg, code] = 1
    else:
        out = pd.DataFrame("", index=pd.Index(ids), columns=wanted, dtype=object)
        for seg, code, val in one[["segment_id", "code", "valence"]].itertuples(index=False):
            out.loc[seg, code] = CODED if pd.isna(val) else str(val)
    out.index = index
    return out


def targets_from_codings(
    y: Any, segments: pd.DataFrame, codes: list[str] | None
) -> tuple[np.ndarray, pd.DataFrame | None, list[str]]:
    """Presence matrix, valence table and code ids from any accepted form of ``y``.

    Accepted: a long codings table (``segment_id`` and ``code`` columns); a
    wide table aligned with ``segments`` (codes as columns, holding valences
    or ``""``/NaN, or 0/1); a 2-D 0/1 array (codes from ``codes`` or numbered).

    Returns
    -------
    presence : ndarray (n_segments, n_codes) of 0/1
    valences : DataFrame of the same shape with valence strings or None
        (``"coded"`` where present without a valence), or None when ``y``
        carries no valence at all.
    codes : list of str
    """
    if isinstance(y, pd.DataFrame) and {"segment_id", "code"} <= set(y.columns):
        y = to_targets(y, segments, codes=codes)
    if isinstance(y, pd.DataFrame):
        cols = [str(c) for c in y.columns]
        if codes is not None and cols != list(codes):
            missing = [c for c in cols if c not in codes]
            if missing:
                raise ValueError(
                    f"the targets have code column(s) {missing[:5]} that are not in `codes`."
                )
            y = y.reindex(columns=list(codes), fill_value="")
            cols = list(codes)
        values = y.to_numpy(dtype=object)
    else:
        values = np.asarray(y.toarray() if sparse.issparse(y) else y, dtype=object)
        if values.ndim == 1:
            values = values.reshape(-1, 1)
        cols = list(codes) if codes is not None else [f"code_{j}" for j in range(values.shape[1])]
        if len(cols) != values.shape[1]:
            raise ValueError(
                f"y has {values.shape[1]} columns but `codes` lists {len(cols)} codes."
            )
    if values.shape[0] != len(segments):
        raise ValueError(
            f"y has {values.shape[0]} rows but there are {len(segments)} segments; pass a "
            "codings table, or targets with one row per segment (see to_targets)."
        )
    is_text = np.vectorize(lambda v: isinstance(v, str), otypes=[bool])(values)
    if is_text.any():
        present = np.vectorize(lambda v: isinstance(v, str) and v.strip() != "", otypes=[bool])(
            values
        )
        valences = pd.DataFrame(np.where(present, values, None), columns=cols)
        return present.astype(int), valences, cols
    numeric = pd.DataFrame(values).apply(pd.to_numeric, errors="coerce").fillna(0).to_numpy()
    if not np.isin(numeric, (0, 1)).all():
        raise ValueError("y as a matrix must hold 0/1 presence indicators (or valence strings).")
    return numeric.astype(int), None, cols


def stack_valence_features(text_features: Any, code_index: np.ndarray, n_codes: int) -> Any:
    """Text features plus a one-hot block of the code, for the global valence model."""
    onehot = sparse.csr_matrix(
        (np.ones(len(code_index)), (np.arange(len(code_index)), code_index)),
        shape=(len(code_index), n_codes),
    )
    return sparse.hstack([sparse.csr_matrix(text_features), onehot]).tocsr()
