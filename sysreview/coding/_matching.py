"""Compile a codebook into spaCy matchers and find evidence and cues in a Doc.

Everything here works on token indices of one spaCy ``Doc``; turning them
into character offsets of the source document is the rule coder's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

__all__ = ["Hit", "Cue", "CompiledCodebook", "STRONG", "NEAR", "WEAK", "sentence_index"]

#: Evidence weight of one match of each kind; a code applies to a segment when
#: ``1 - prod(1 - weight)`` over its matches reaches the coder's ``min_score``.
STRONG, NEAR, WEAK = 0.9, 0.8, 0.4

#: Words that negate the cue or evidence that follows them (lemmas, lower case).
DEFAULT_NEGATIONS = [
    "no",
    "not",
    "never",
    "without",
    "nobody",
    "no one",
    "none",
    "nothing",
    "neither",
    "nor",
    "hardly",
    "barely",
    "lack of",
    "lack",
    "absence of",
    "failure to",
    "fail to",
    "unable to",
    "little",
    "far from",
    "rather than",
    "instead of",
]
#: Openers of a concessive clause, whose cues weigh less than the main clause's.
DEFAULT_CONTRAST = [
    "although",
    "though",
    "even though",
    "despite",
    "in spite of",
    "whilst",
    "while",
]
#: Negated universals: they turn the enablers of their clause into barriers.
UNIVERSAL_NEGATIONS = [
    "not all",
    "not every",
    "not everyone",
    "not everybody",
    "not always",
    "not each",
    "few",
    "not many",
    "not much",
    "only some",
    "only a few",
    "only one or two",
]
#: Phrases that make a sentence a recommendation or plan (valence neutral).
DEFAULT_RECOMMENDATIONS = [
    "should",
    "recommend",
    "recommendation",
    "we suggest",
    "must",
    "ought to",
    "need to",
    "needs to",
    "will need to",
    "consider",
    "going forward",
    "in future",
    "in the future",
    "plan to",
    "plans to",
    "intend to",
    "propose",
    "it is important that",
    "would benefit",
    "next step",
    "priority for",
    "aim to",
    "aims to",
]
#: After a recommendation word, these make it a regret about the past, not a plan.
COUNTERFACTUAL = [
    "should have",
    "should've",
    "ought to have",
    "could have",
    "would have",
    "must have",
]


@dataclass(frozen=True)
class Hit:
    """One piece of evidence for a code: tokens ``start:end`` of the Doc."""

    code: str
    start: int
    end: int
    weight: float
    kind: str  # "phrase", "pattern", "near", "weak"


@dataclass(frozen=True)
class Cue:
    """A valence cue (+1 enabler, -1 barrier) for one code or for all (``code=None``)."""

    start: int
    end: int
    polarity: int
    code: str | None


def _phrase_docs(nlp: Language, phrases):
    phrases = [p.strip() for p in phrases if p and p.strip()]
    return list(nlp.pipe(phrases)) if phrases else []


class CompiledCodebook:
    """The matchers of one codebook on one spaCy pipeline.

    Phrases are matched on lemmas (lower-cased), so "boards", "Board" and
    "board" match the phrase "board"; token patterns use whatever attributes
    they name (``LOWER``, ``LEMMA``, ...).
    """

    def __init__(self, codebook, nlp: Language):
        self.codebook = codebook
        self.ids = list(codebook.ids)
        vocab = nlp.vocab
        self._evidence = PhraseMatcher(vocab, attr="LEMMA")
        self._lower = PhraseMatcher(vocab, attr="LOWER")
        self._patterns = Matcher(vocab)
        # near-rule terms list their word forms, matched exactly (lower case):
        # lemmas would make "included" match "including"
        self._terms = PhraseMatcher(vocab, attr="LOWER")
        self._cues = PhraseMatcher(vocab, attr="LEMMA")
        self._ops = PhraseMatcher(vocab, attr="LEMMA")
        self._exact_cues = PhraseMatcher(vocab, attr="LOWER")
        self._exact_ops = PhraseMatcher(vocab, attr="LOWER")
        self.near: dict[str, list[tuple[str, str, int, float]]] = {}
        term_keys: dict[tuple, str] = {}

        def add(matcher, exact_matcher, key, phrases, *, also_lower=False):
            """Add phrases to ``matcher`` (lemmas) or ``exact_matcher`` (lower case).

            A one-word phrase written in an inflected form means that form:
            "staffing" must not match every "staff", nor "included"
            "including". Those match exactly (lower case); base forms and
            multi-word phrases match on lemmas, so "board" matches "boards".
            ``also_lower`` adds the lemma phrases in lower case too: lemmas of
            a phrase on its own can differ from in context ("left" is "leave").
            """
            docs = _phrase_docs(nlp, phrases)
            inflected = [len(d) == 1 and d[0].lemma_ != d[0].lower_ for d in docs]
            by_lemma = [d for d, inf in zip(docs, inflected, strict=True) if not inf]
            lower = [d for d, inf in zip(docs, inflected, strict=True) if inf]
            if by_lemma:
                matcher.add(key, by_lemma)
            if also_lower:
                lower += by_lemma
            if lower:
                exact_matcher.add(key, list(nlp.tokenizer.pipe([d.text.lower() for d in lower])))

        def evidence(key, phrases):
            add(self._evidence, self._lower, key, phrases, also_lower=True)

        def cue(key, phrases):
            add(self._cues, self._exact_cues, key, phrases)

        def operator(key, phrases):
            add(self._ops, self._exact_ops, key, phrases)

        for code in codebook:
            evidence(f"{code.id}|phrase", code.phrases)
            evidence(f"{code.id}|weak", code.weak_phrases)
            if code.patterns:
                self._patterns.add(f"{code.id}|pattern", code.patterns)
            if code.weak_patterns:
                self._patterns.add(f"{code.id}|weak", code.weak_patterns)
            for pol, phrases in code.valence.items():
                cue(f"{code.id}|{pol}", phrases)
            rules = []
            for rule in code.near:
                pair = []
                for side in ("a", "b"):
                    phrases = tuple(codebook.expand_terms(rule[side]))
                    if phrases not in term_keys:
                        term_keys[phrases] = f"t{len(term_keys)}"
                        self._terms.add(
                            term_keys[phrases],
                            list(
                                nlp.tokenizer.pipe(
                                    [p.strip().lower() for p in phrases if p.strip()]
                                )
                            ),
                        )
                    pair.append(term_keys[phrases])
                weight = WEAK if rule.get("weak") else NEAR
                rules.append((pair[0], pair[1], int(rule.get("window", 8)), weight))
            self.near[code.id] = rules
        for pol, phrases in codebook.valence.items():
            cue(f"*|{pol}", phrases)
        operator("negation", codebook.negations or DEFAULT_NEGATIONS)
        operator("contrast", codebook.contrast or DEFAULT_CONTRAST)
        operator("universal", UNIVERSAL_NEGATIONS)
        operator("recommend", codebook.recommendations or DEFAULT_RECOMMENDATIONS)
        operator("counterfactual", COUNTERFACTUAL)
        self._ignore = PhraseMatcher(vocab, attr="LEMMA")
        self._exact_ignore = PhraseMatcher(vocab, attr="LOWER")
        add(self._ignore, self._exact_ignore, "ignore", codebook.ignore, also_lower=True)
        self._strings = vocab.strings

    # ------------------------------------------------------------------ evidence
    def evidence(self, doc: Doc) -> list[Hit]:
        """Every piece of evidence for every code in ``doc``.

        Overlapping matches of one code are resolved longest first; a match
        inside a longer phrase of another code is dropped ("governance" inside
        "information governance" is not governance clarity).
        """
        raw: list[tuple[str, str, int, int]] = []
        for matcher in (self._evidence, self._lower, self._patterns):
            if not len(matcher):
                continue
            for key, s, e in matcher(doc):
                code, kind = self._strings[key].split("|")
                raw.append((code, kind, s, e))
        ignored = self.ignored(doc)
        raw = [r for r in _drop_contained(raw) if not _inside(r[2], r[3], ignored)]
        raw.extend(self._near_hits(doc, raw, ignored))
        weights = {
            "phrase": STRONG,
            "pattern": STRONG,
            "near": NEAR,
            "weak": WEAK,
            "nearweak": WEAK,
        }
        by_code: dict[str, list[Span]] = {}
        for code, kind, s, e in raw:
            by_code.setdefault(code, []).append(Span(doc, s, e, label=kind))
        hits = []
        for code, spans in by_code.items():
            for sp in _filter_longest(spans, weights):
                kind = "weak" if sp.label_ == "nearweak" else sp.label_
                hits.append(Hit(code, sp.start, sp.end, weights[sp.label_], kind))
        hits.sort(key=lambda h: (h.start, h.code))
        return hits

    def _near_hits(self, doc: Doc, phrase_hits, ignored=()):
        terms: dict[str, list[tuple[int, int]]] = {}
        for key, s, e in self._terms(doc) if len(self._terms) else ():
            if _inside(s, e, ignored):
                continue
            terms.setdefault(self._strings[key], []).append((s, e))
        if not terms:
            return []
        sent_of = sentence_index(doc)
        out = []
        for code, rules in self.near.items():
            # a term inside a longer phrase of another code belongs to that code
            taken = [(s, e) for c, k, s, e in phrase_hits if c != code and e - s > 1]

            def free(span, taken=taken):
                return not any(ts <= span[0] and span[1] <= te for ts, te in taken)

            for a, b, window, weight in rules:
                for sa, ea in filter(free, terms.get(a, ())):
                    for sb, eb in filter(free, terms.get(b, ())):
                        if (sa, ea) == (sb, eb) or sent_of[sa] != sent_of[sb]:
                            continue
                        gap = max(sb - ea, sa - eb, 0)
                        if gap <= window:
                            kind = "nearweak" if weight == WEAK else "near"
                            out.append((code, kind, min(sa, sb), max(ea, eb)))
        return out

    def ignored(self, doc: Doc) -> list[tuple[int, int]]:
        """Spans of the codebook's ``ignore`` phrases ("acute trust") in ``doc``."""
        found = set()
        for matcher in (self._ignore, self._exact_ignore):
            if len(matcher):
                found.update((s, e) for _, s, e in matcher(doc))
        return sorted(found)

    # ---------------------------------------------------------------------- cues
    def cues(self, doc: Doc) -> list[Cue]:
        """Valence cues, longest match first (so "not clear" beats "clear")."""
        spans = []
        ignored = self.ignored(doc)
        for key, s, e in self._cue_matches(doc):
            code, pol = self._strings[key].split("|")
            if pol == "neutral" or _inside(s, e, ignored):
                continue
            spans.append(Span(doc, s, e, label=f"{code}|{pol}"))
        out = []
        # resolve overlaps separately for code-specific and global cues
        for group in (
            [sp for sp in spans if not sp.label_.startswith("*|")],
            [sp for sp in spans if sp.label_.startswith("*|")],
        ):
            for sp in _filter_keep_all_labels(group):
                code, pol = sp.label_.split("|")
                out.append(
                    Cue(
                        sp.start,
                        sp.end,
                        1 if pol == "enabler" else -1,
                        None if code == "*" else code,
                    )
                )
        return out

    def neutral_cues(self, doc: Doc) -> list[tuple[str, int, int]]:
        """Code-specific or global phrases that mark a mention as neutral."""
        out = []
        for key, s, e in self._cue_matches(doc):
            code, pol = self._strings[key].split("|")
            if pol == "neutral":
                out.append((code, s, e))
        return out

    def _cue_matches(self, doc: Doc):
        found = set()
        for matcher in (self._cues, self._exact_cues):
            if len(matcher):
                found.update(matcher(doc))
        return sorted(found, key=lambda m: (m[1], m[2]))

    def operators(self, doc: Doc) -> dict[str, list[tuple[int, int]]]:
        """Negations, contrast openers, negated universals, recommendations."""
        out: dict[str, list[tuple[int, int]]] = {
            "negation": [],
            "contrast": [],
            "universal": [],
            "recommend": [],
            "counterfactual": [],
        }
        matches = set(self._ops(doc)) | (
            set(self._exact_ops(doc)) if len(self._exact_ops) else set()
        )
        for key, s, e in sorted(matches, key=lambda m: (m[1], m[2])):
            kind = self._strings[key]
            if kind == "counterfactual" and not _past_participle_follows(doc, e):
                continue  # "should have full membership" is a recommendation
            out[kind].append((s, e))
        return out


def _past_participle_follows(doc: Doc, end: int) -> bool:
    """Is the word after "should have" a past participle ("been", "told", "invited")?

    Without a tagger: "been", or a word the lemmatizer changes that ends like
    a participle.
    """
    for tok in doc[end : end + 2]:
        if tok.lower_ in {"not", "n't", "never", "really", "actually", "at", "least"}:
            continue
        low = tok.lower_
        return low == "been" or (tok.lemma_ != low and low.endswith(("ed", "en", "wn", "t", "ne")))
    return False


def _inside(start: int, end: int, spans) -> bool:
    """``start:end`` lies inside one of ``spans`` and is shorter than it."""
    return any(s <= start and end <= e and e - s > end - start for s, e in spans)


def _drop_contained(raw):
    """Drop matches strictly inside a longer phrase or pattern match of another code."""
    out = []
    for code, kind, s, e in raw:
        inside = any(
            c != code and k != "weak" and ts <= s and e <= te and (te - ts) > (e - s)
            for c, k, ts, te in raw
        )
        if not inside:
            out.append((code, kind, s, e))
    return out


def _filter_longest(spans: list[Span], weights: dict) -> list[Span]:
    """Keep non-overlapping spans, longest first, then strongest.

    The longest match is the most specific: a weak phrase such as
    "discharge team" can thereby keep a strong "discharge" from counting.
    """
    ordered = sorted(spans, key=lambda sp: (-(sp.end - sp.start), -weights[sp.label_], sp.start))
    taken: list[Span] = []
    used: set[int] = set()
    for sp in ordered:
        if any(i in used for i in range(sp.start, sp.end)):
            continue
        taken.append(sp)
        used.update(range(sp.start, sp.end))
    return taken


def _filter_keep_all_labels(spans: list[Span]) -> list[Span]:
    """Longest spans win; spans with identical bounds keep all their labels."""
    if not spans:
        return []
    kept = filter_spans(spans)
    bounds = {(sp.start, sp.end) for sp in kept}
    return [sp for sp in spans if (sp.start, sp.end) in bounds]


def sentence_index(doc: Doc) -> list[int]:
    """Sentence number of every token (0 everywhere if the Doc has no sentences)."""
    out = [0] * len(doc)
    if not doc.has_annotation("SENT_START"):
        return out
    for i, sent in enumerate(doc.sents):
        for t in range(sent.start, sent.end):
            out[t] = i
    return out
