"""The rule coder as a spaCy pipeline component: ``nlp.add_pipe("sysreview_coder")``."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc, Span

from .rules import RuleCoder

__all__ = ["SysreviewCoder", "SPANS_KEY"]

#: The ``doc.spans`` key the component writes to.
SPANS_KEY = "sysreview"

for _name in ("valence", "score"):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)


class SysreviewCoder:
    """spaCy component writing one span per code to ``doc.spans["sysreview"]``.

    Each span covers the sentence carrying the code's evidence; its label is
    the code id, ``span._.valence`` the valence and ``span._.score`` the
    evidence score.

    Examples
    --------
    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> _ = nlp.add_pipe("sentencizer")
    >>> _ = nlp.add_pipe("sysreview_coder")
    >>> doc = nlp("GPs had an equal voice on the board. Guidance kept changing.")
    >>> [(s.label_, s._.valence) for s in doc.spans["sysreview"]]
    [('sector_inclusion', 'enabler'), ('national_guidance', 'barrier')]
    >>> from spacy import displacy
    >>> html = displacy.render(doc, style="span", options={"spans_key": "sysreview"}, jupyter=False)
    """

    def __init__(self, nlp: Language, name: str, codebook: str | None, min_score: float):
        self.name = name
        # the component needs lemmas: with a blank pipeline, use the default one
        self._nlp = nlp
        self._coder_cfg = {"codebook": codebook, "min_score": min_score}
        self._coder: RuleCoder | None = None

    def _get_coder(self) -> RuleCoder:
        if self._coder is None:
            has_lemmas = any(
                p in self._nlp.pipe_names for p in ("lemmatizer", "trainable_lemmatizer")
            )
            if has_lemmas:
                from ._nlp import _lower_lemma  # noqa: F401 - registers the component

                tagger = self._nlp
            else:
                from ._nlp import default_nlp

                tagger = default_nlp()
            self._coder = RuleCoder(
                self._coder_cfg["codebook"], nlp=tagger, min_score=self._coder_cfg["min_score"]
            )
            self._needs_retag = not has_lemmas
        return self._coder

    def __call__(self, doc: Doc) -> Doc:
        coder = self._get_coder()
        work = coder.nlp_(doc.text) if self._needs_retag else doc
        if not work.has_annotation("SENT_START"):
            raise ValueError(
                "sysreview_coder needs sentence boundaries: add a 'sentencizer' "
                "(or a parser) before it in the pipeline."
            )
        spans = []
        for c in coder.code_doc(work):
            span = doc.char_span(c["start"], c["end"], label=c["code"], alignment_mode="expand")
            if span is None:
                continue
            span._.valence = c["valence"]
            span._.score = c["score"]
            spans.append(span)
        doc.spans[SPANS_KEY] = spans
        return doc


@Language.factory(
    "sysreview_coder",
    default_config={"codebook": None, "min_score": 0.6},
)
def make_sysreview_coder(nlp: Language, name: str, codebook: str | None, min_score: float):
    """Factory of the ``sysreview_coder`` component (``codebook`` is a file path or None)."""
    return SysreviewCoder(nlp, name, codebook, min_score)
