"""Deductive coding of segments against a codebook, each code with a valence.

- :class:`RuleCoder`: spaCy phrase and token patterns from the codebook,
  valence from the cues around the evidence (negation and contrast aware).
- :func:`code`: code a corpus and get the tidy ``codings`` table.
- The spaCy component ``"sysreview_coder"`` writes the codings to
  ``doc.spans["sysreview"]``.
- :func:`detect_area`: the local area a text is about, from a gazetteer.
"""

from __future__ import annotations

from . import component  # noqa: F401 - registers the "sysreview_coder" factory
from ._nlp import default_nlp
from ._schema import CODING_COLUMNS, empty_codings
from .rules import INTERVIEWER_LABELS, RuleCoder

__all__ = [
    "CODING_COLUMNS",
    "INTERVIEWER_LABELS",
    "RuleCoder",
    "code",
    "default_nlp",
    "empty_codings",
]


def code(corpus, codebook=None, coder=None, *, extra_areas=(), progress=None):
    """Code every segment of a corpus; one row per segment x code.

    Parameters
    ----------
    corpus : Corpus or DataFrame
        A :class:`~sysreview.Corpus` or a segments table (``segment_id``, ``text``).
    codebook : Codebook, path or None, default=None
        The codebook; ``None`` is the default codebook. Ignored when ``coder``
        is an object.
    coder : None, "rules", "default" or object, default=None
        ``None`` or ``"default"``: with the default codebook, the default
        coder (:func:`sysreview.model.default_coder`: the rules, checked and
        completed by a model trained on the bundled gold coding, which also
        decides the valence); with your own codebook, the rule coder.
        ``"rules"``: the rule coder alone (:class:`RuleCoder`). Or anything
        with a ``code(corpus)`` method returning a codings table (e.g. a
        :class:`RuleCoder` with your own settings), or a fitted
        :class:`~sysreview.model.ModelCoder` / ``CombinedCoder`` (their
        ``predict`` is used).
    extra_areas : iterable of str, default=()
        Area names to detect in the text, besides the bundled gazetteer of
        England's local authorities, integrated care systems and the UK
        nations, for segments whose documents have no area in their metadata
        (metadata always wins).
    progress : bool or None, default=None
        Progress bar; ``None`` shows one on large inputs.

    Returns
    -------
    DataFrame
        The codings table: segment_id, doc_id, area, sector, code, valence,
        start, end, evidence, score, coder. ``start``/``end`` are character
        offsets of the evidence in the document text.

    Examples
    --------
    >>> import sysreview
    >>> corpus = sysreview.Corpus.from_segments(
    ...     {"segment_id": ["s1"], "text": ["Care homes were left out of the planning."]})
    >>> sysreview.code(corpus)[["segment_id", "code", "valence"]].to_dict("records")
    [{'segment_id': 's1', 'code': 'sector_inclusion', 'valence': 'barrier'}]
    >>> sysreview.code(corpus, coder="rules")["coder"].tolist()
    ['rules']
    """
    if coder is None or (isinstance(coder, str) and coder == "default"):
        if codebook is None:
            from ..model import default_coder

            coder = default_coder()
        else:
            coder = _cached_rule_coder(codebook)
    elif isinstance(coder, str):
        if coder != "rules":
            raise ValueError(
                f"The value for `coder` must be None, 'default', 'rules' or a coder object, "
                f"but {coder!r} was passed."
            )
        coder = _cached_rule_coder(codebook)
    if hasattr(coder, "code"):
        codings = (
            coder.code(corpus, progress=progress)
            if isinstance(coder, RuleCoder)
            else coder.code(corpus)
        )
    elif hasattr(coder, "predict"):
        from ..corpus import Corpus

        segments = corpus.segments if isinstance(corpus, Corpus) else corpus
        codings = _predict_in_chunks(coder, segments, progress)
    else:
        raise TypeError(
            "coder must have a code(corpus) or predict(segments) method; "
            f"got {type(coder).__name__}."
        )
    return _fill_areas(codings, corpus, extra_areas)


def _predict_in_chunks(coder, segments, progress, chunk: int = 400):
    """``coder.predict`` over whole documents at a time, with a progress bar on large inputs."""
    import pandas as pd

    if progress is None:
        progress = len(segments) > 500
    if not progress or len(segments) <= chunk or "doc_id" not in segments.columns:
        return coder.predict(segments)
    from tqdm.auto import tqdm

    # cut between documents, so answers stay with the questions before them
    doc_ids = segments["doc_id"].astype(str).to_numpy()
    parts, start = [], 0
    for i in range(1, len(segments) + 1):
        if i == len(segments) or (i - start >= chunk and doc_ids[i] != doc_ids[i - 1]):
            parts.append(segments.iloc[start:i])
            start = i
    out = []
    with tqdm(total=len(segments), desc="Coding segments", unit="seg") as bar:
        for part in parts:
            out.append(coder.predict(part))
            bar.update(len(part))
    return pd.concat(out, ignore_index=True)


_CACHE: dict = {}


def _cached_rule_coder(codebook):
    """Reuse compiled rule coders (compiling a codebook takes a second).

    The default coder is kept for the session; a user's codebook is keyed by
    its content, so an edited codebook is compiled afresh, and the last few
    are kept (a model predicting in chunks asks for the same one many times).
    """
    if codebook is None:
        if "default" not in _CACHE:
            _CACHE["default"] = RuleCoder()
        return _CACHE["default"]
    import hashlib
    import json

    try:
        content = json.dumps(codebook.to_dict(), sort_keys=True, default=str)
    except AttributeError:  # not a Codebook: a path or a mapping, resolved by RuleCoder
        return RuleCoder(codebook)
    key = ("codebook", hashlib.sha1(content.encode("utf-8")).hexdigest())
    coder = _CACHE.pop(key, None) or RuleCoder(codebook)
    _CACHE[key] = coder  # most recent last
    user_keys = [k for k in _CACHE if k != "default"]
    for stale in user_keys[:-4]:
        del _CACHE[stale]
    return coder


def _fill_areas(codings, corpus, extra_areas=()):
    """Detect areas for segments whose documents have none (metadata wins)."""
    from .areas import fill_missing_areas

    return fill_missing_areas(codings, corpus, extra_areas=tuple(extra_areas))
