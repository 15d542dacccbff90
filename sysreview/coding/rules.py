"""The rule-based coder: codebook phrases and patterns, valence from cues."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from spacy.language import Language
from spacy.tokens import Doc

from ..codebook import Codebook
from ._matching import CompiledCodebook, Hit
from ._schema import CODING_COLUMNS, empty_codings
from .valence import decide_valence

__all__ = ["RuleCoder", "INTERVIEWER_LABELS", "asked_by_interviewer"]

#: Speaker labels whose turns are questions, not data: not coded by default.
INTERVIEWER_LABELS = r"^(interviewer|int|i|q|facilitator|moderator|researcher|reviewer|chair)\b"


def asked_by_interviewer(speakers, pattern: str | None = INTERVIEWER_LABELS):
    """Boolean array: which speaker labels match ``pattern`` (interviewers' turns).

    Examples
    --------
    >>> asked_by_interviewer(["Interviewer", "P01", None]).tolist()
    [True, False, False]
    """
    if not pattern:
        return np.zeros(len(speakers), dtype=bool)
    regex = re.compile(pattern, re.IGNORECASE)
    return np.array(
        [isinstance(s, str) and bool(regex.match(s.strip())) for s in speakers], dtype=bool
    )


class RuleCoder:
    """Code segments against a codebook with spaCy matchers, each code with a valence.

    A code applies to a segment when its evidence score reaches ``min_score``:
    one strong phrase or pattern (weight 0.9), one ``near`` rule (0.8) or two
    weak phrases (0.4 each) combined as ``1 - prod(1 - weight)``. The valence
    comes from the cues around the evidence (see :mod:`sysreview.coding.valence`).

    Parameters
    ----------
    codebook : Codebook, path or None, default=None
        The codebook; ``None`` is :func:`sysreview.codebooks.default`.
    nlp : spacy.Language or None, default=None
        The pipeline to tokenise, split sentences and lemmatise with; ``None``
        builds ``spacy.blank("en")`` with a sentencizer and the lookup
        lemmatizer (nothing is downloaded). Pass your own installed pipeline
        (e.g. ``spacy.load("en_core_web_sm")``) to use its lemmas.
    min_score : float, default=0.7
        Evidence score a code needs to apply.
    valence_threshold : float, default=0.05
        Cue sum needed for a non-neutral valence.
    skip_speakers : str or None, default=INTERVIEWER_LABELS
        Regular expression (case-insensitive) of speaker labels whose turns are
        not coded (interviewers' questions); ``None`` codes every turn.
    name : str, default="rules"
        Written to the ``coder`` column.
    batch_size : int, default=64
        Texts per batch in ``nlp.pipe``.
    question_context : float, default=0.7
        In transcripts, an answer is about the question before it: a code the
        interviewer's question carries counts as evidence of this weight in
        the answer turn (and its continuation paragraphs); its valence comes
        from the answer. 0 turns this off.

    Examples
    --------
    >>> from sysreview.coding import RuleCoder
    >>> coder = RuleCoder()
    >>> found = coder.code_texts(["Nobody knew who was in charge, so decisions stalled."])
    >>> found[["code", "valence"]].to_dict("records")
    [{'code': 'governance_clarity', 'valence': 'barrier'}]
    """

    def __init__(
        self,
        codebook: Codebook | str | None = None,
        *,
        nlp: Language | None = None,
        min_score: float = 0.7,
        valence_threshold: float = 0.05,
        skip_speakers: str | None = INTERVIEWER_LABELS,
        name: str = "rules",
        batch_size: int = 64,
        question_context: float = 0.7,
    ):
        self.codebook = codebook
        self.nlp = nlp
        self.min_score = min_score
        self.valence_threshold = valence_threshold
        self.skip_speakers = skip_speakers
        self.name = name
        self.batch_size = batch_size
        self.question_context = question_context
        self._compiled: CompiledCodebook | None = None

    # ----------------------------------------------------------------- set-up
    @property
    def codebook_(self) -> Codebook:
        """The codebook in use (loaded on first use)."""
        cb = self.codebook
        if cb is None:
            from ..codebooks import default

            cb = default()
        elif not isinstance(cb, Codebook):
            cb = Codebook.load(cb)
        self.codebook = cb
        return cb

    @property
    def nlp_(self) -> Language:
        """The spaCy pipeline in use."""
        if self.nlp is None:
            from ._nlp import default_nlp

            self.nlp = default_nlp()
        return self.nlp

    @property
    def compiled_(self) -> CompiledCodebook:
        if self._compiled is None:
            self._compiled = CompiledCodebook(self.codebook_, self.nlp_)
        return self._compiled

    def _pipe(self, texts: Iterable[str]) -> Iterable[Doc]:
        nlp = self.nlp_
        disable = [p for p in nlp.pipe_names if p == "sysreview_coder"]
        return nlp.pipe(texts, batch_size=self.batch_size, disable=disable)

    # ------------------------------------------------------------------- core
    def question_codes(self, doc: Doc) -> list[str]:
        """Codes a question (an interviewer's turn) is about."""
        return [c["code"] for c in self.code_doc(doc)]

    def code_doc(self, doc: Doc, context_codes=()) -> list[dict]:
        """Codings of one spaCy Doc, offsets relative to the Doc's text.

        ``context_codes`` are codes of the question this text answers; each
        counts as evidence of weight ``question_context``.

        Returns
        -------
        list of dict
            One dict per code with ``code``, ``valence``, ``score``, ``start``,
            ``end`` (characters of the evidence sentence), ``evidence``,
            ``spans`` (token spans of every match) and ``balance`` (cue sum).
        """
        compiled = self.compiled_
        hits = compiled.evidence(doc)
        if context_codes and self.question_context and len(doc):
            first = next(doc.sents) if doc.has_annotation("SENT_START") else doc[:]
            hits = hits + [
                Hit(code, first.start, first.end, self.question_context, "context")
                for code in context_codes
            ]
        if not hits:
            return []
        by_code: dict[str, list[Hit]] = {}
        for h in hits:
            by_code.setdefault(h.code, []).append(h)
        scores = {}
        for code, code_hits in by_code.items():
            miss, seen = 1.0, set()
            for h in code_hits:
                if h.kind == "weak":
                    # a weak word repeated is still one piece of evidence
                    lemma = " ".join(t.lemma_ for t in doc[h.start : h.end])
                    if lemma in seen:
                        continue
                    seen.add(lemma)
                miss *= 1 - h.weight
            scores[code] = 1 - miss
        kept = [h for h in hits if scores[h.code] >= self.min_score]
        if not kept:
            return []
        # valence uses every match (weak ones too) so cue attribution sees all themes
        decisions = decide_valence(doc, hits, compiled, threshold=self.valence_threshold)
        out = []
        order = {cid: i for i, cid in enumerate(compiled.ids)}
        for code in sorted({h.code for h in kept}, key=lambda c: order.get(c, 1e9)):
            code_hits = by_code[code]
            best = max(code_hits, key=lambda h: (h.weight, h.end - h.start))
            sent = doc[best.start].sent if doc.has_annotation("SENT_START") else doc[:]
            # evidence: the sentence carrying the strongest match, trimmed
            start, end = sent.start_char, sent.end_char
            text = doc.text[start:end]
            lead = len(text) - len(text.lstrip())
            trail = len(text) - len(text.rstrip())
            start, end = start + lead, end - trail
            decision = decisions[code]
            out.append(
                {
                    "code": code,
                    "valence": decision.valence,
                    "score": round(scores[code], 3),
                    "start": start,
                    "end": end,
                    "evidence": doc.text[start:end],
                    "spans": [(h.start, h.end) for h in code_hits],
                    "balance": decision.total,
                }
            )
        return out

    def code_texts(self, texts: Sequence[str]) -> pd.DataFrame:
        """Code a list of texts; returns ``text_index`` plus the coding columns.

        Examples
        --------
        >>> found = RuleCoder().code_texts(["Care homes were left out of every discussion."])
        >>> found["code"].tolist()
        ['sector_inclusion']
        """
        rows = []
        for i, doc in enumerate(self._pipe(texts)):
            for c in self.code_doc(doc):
                c.pop("spans")
                c.pop("balance")
                rows.append({"text_index": i, **c, "coder": self.name})
        cols = ["text_index", "code", "valence", "score", "start", "end", "evidence", "coder"]
        return pd.DataFrame(rows, columns=cols)

    def code(self, data, *, progress: bool | None = None) -> pd.DataFrame:
        """Code a corpus (or a segments table) into the tidy codings table.

        Parameters
        ----------
        data : Corpus or DataFrame
            A :class:`~sysreview.Corpus`, or a segments table with at least
            ``segment_id`` and ``text`` (then offsets are within each segment).
        progress : bool or None, default=None
            Show a progress bar; ``None`` shows one for more than 500 segments.

        Returns
        -------
        DataFrame
            Columns :data:`~sysreview.coding.CODING_COLUMNS`: one row per
            segment x code, ``start``/``end`` character offsets of the evidence
            in the document text, so ``corpus.text(doc_id)[start:end] == evidence``.
        """
        segments = _segments_of(data)
        if segments.empty:
            return empty_codings()
        n = len(segments)
        speakers = segments["speaker"].tolist() if "speaker" in segments.columns else [None] * n
        asked = asked_by_interviewer(speakers, self.skip_speakers)
        keep = [c for c in ("segment_id", "doc_id", "area", "sector", "start") if c in segments]
        records = segments[keep].to_dict("records")
        texts = segments["text"].astype(str).tolist()
        docs = self._pipe(texts)
        if progress is None:
            progress = n > 500
        if progress:
            from tqdm.auto import tqdm

            docs = tqdm(docs, total=n, desc="Coding segments", unit="seg")
        rows = []
        context: list[str] = []
        for i, doc in enumerate(docs):
            if asked[i]:
                context = self.question_codes(doc) if self.question_context else []
                continue
            rec = records[i]
            answers_question = (
                i > 0
                and rec.get("doc_id") == records[i - 1].get("doc_id")
                and (asked[i - 1] or (speakers[i] is not None and speakers[i] == speakers[i - 1]))
            )
            if not answers_question:
                context = []
            offset = int(rec.get("start", 0) or 0)
            for c in self.code_doc(doc, context):
                rows.append(
                    {
                        "segment_id": rec["segment_id"],
                        "doc_id": rec.get("doc_id"),
                        "area": rec.get("area"),
                        "sector": rec.get("sector"),
                        "code": c["code"],
                        "valence": c["valence"],
                        "start": c["start"] + offset,
                        "end": c["end"] + offset,
                        "evidence": c["evidence"],
                        "score": c["score"],
                        "coder": self.name,
                    }
                )
        if not rows:
            return empty_codings()
        out = pd.DataFrame(rows, columns=CODING_COLUMNS)
        out["start"] = out["start"].astype("Int64")
        out["end"] = out["end"].astype("Int64")
        return out

    def __repr__(self) -> str:
        cb = self.codebook
        label = getattr(cb, "name", None) or ("default" if cb is None else str(cb))
        return f"RuleCoder(codebook={label!r}, min_score={self.min_score}, name={self.name!r})"


def _segments_of(data) -> pd.DataFrame:
    from ..corpus import Corpus

    if isinstance(data, Corpus):
        return data.segments
    if isinstance(data, pd.DataFrame):
        missing = {"segment_id", "text"} - set(data.columns)
        if missing:
            raise ValueError(
                f"the segments table has no column(s) {sorted(missing)}; it needs "
                "'segment_id' and 'text' (or pass a Corpus)."
            )
        return data
    raise TypeError(
        f"expected a Corpus or a segments DataFrame, got {type(data).__name__}; "
        "load your sources with sysreview.load_corpus(...)."
    )
