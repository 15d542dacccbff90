"""Valence of a code in a segment: enabler, barrier or neutral.

The valence is decided per code, from the cues in the sentences that carry
the code's evidence, so that one paragraph can report social care left out
(``sector_inclusion``: barrier) and daily calls that worked
(``communication``: enabler). The rules, in order:

1. **Clauses.** A sentence is cut into clauses at punctuation and at
   contrast words ("but", "however", "although" ...). A cue counts most for
   the evidence in its own clause, and less with distance; a cue goes to the
   code(s) whose evidence is nearest, so a cue about one theme does not leak
   into another theme in the next clause.
2. **Negation.** A negation ("no", "not", "n't", "never", "without", "lack
   of" ...) up to three tokens before a cue, in the same clause, flips it:
   "no clear process" is a barrier, "never felt left out" an enabler. A
   negation just before the evidence itself, with no cue between, is a
   barrier ("there was no shared record").
3. **Negated universals.** "not all", "not every", "few" turn the enablers
   of the rest of their clause into barriers ("not all systems experienced
   good governance").
4. **Concession.** When the main clause judges the same code, cues in a
   concessive clause ("although the forum existed") weigh a quarter as
   much; the main clause's cues apply to the concessive clause's evidence.
5. **Recommendations and questions** are neutral: a sentence with "should",
   "recommend", "need to", "going forward" ..., opening with an imperative
   ("Keep the video rounds"), or ending in "?" reports no judgement. A
   regret about the past ("should have been", "would have helped") is a
   barrier, but "without the pooled budget it would have taken months" credits
   what it names: an enabler.
6. The weighted sum of the cues decides: at least ``+threshold`` is an
   enabler, at most ``-threshold`` a barrier, anything else neutral. Cues
   after "but", "however" or "yet" weigh 1.5 times as much: what follows
   the turn is usually the speaker's point.
7. **Tone.** A code whose sentences carry no cue at all takes the tone of the
   whole segment (the sum of all its cues, by the same rules), when that tone
   is clear: a paragraph that reports failures throughout makes its passing
   mention of the shared record a barrier too.
8. **Topic sentence.** Cues in the first sentence of a segment of several
   sentences weigh twice as much: a report paragraph usually opens with its
   finding ("Access to shared records remained patchy.").
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc

from ._matching import CompiledCodebook, Cue, Hit, sentence_index

__all__ = ["VALENCES", "ValenceDecision", "decide_valence", "clause_ids"]

VALENCES = ("enabler", "barrier", "neutral")

_BREAK_PUNCT = {",", ";", ":", "—", "–", "(", ")", "!", "?", "."}
_TURN_WORDS = {"but", "however", "yet", "although", "though"}
_BREAK_WORDS = {
    "but",
    "however",
    "yet",
    "whereas",
    "although",
    "though",
    "whilst",
    "while",
    "despite",
}
_NEGATION_REACH = 3
#: Minimum absolute tone of a segment for a code without cues to take it.
_TONE_MIN = 1.0
#: Weight of the cues in the first sentence of a segment of several: in a
#: report paragraph, the topic sentence usually states the finding.
_FIRST_SENTENCE = 2.0
#: A sentence opening with one of these verbs is an instruction or recommendation.
IMPERATIVES = {
    "keep",
    "put",
    "change",
    "make",
    "ensure",
    "develop",
    "establish",
    "create",
    "build",
    "agree",
    "review",
    "commission",
    "invest",
    "open",
    "stop",
    "start",
    "give",
    "let",
    "involve",
    "include",
    "set",
    "bring",
    "fund",
    "extend",
    "share",
    "use",
    "consider",
    "continue",
    "provide",
    "appoint",
    "have",
    "publish",
    "simplify",
    "clarify",
    "align",
    "embed",
}
_CREDIT_OPENERS = (
    "without ",
    "if it wasn't for",
    "if it were not for",
    "if not for",
    "had it not been for",
    "but for ",
)
_SKIP_AFTER_NEGATION = {"only", "doubt", "matter", "just", "least", "exactly"}
#: Words skipped before looking for an imperative at the start of a sentence.
_OPENING_FILLERS = {"and", "but", "so", "also", "then", "please", "just", "and/or"}


@dataclass
class ValenceDecision:
    """The valence of one code in one segment and the cue sum behind it."""

    valence: str
    total: float
    n_cues: int


def clause_ids(doc: Doc, contrast: list[tuple[int, int]]) -> tuple[list[int], set[int], set[int]]:
    """Clause number of every token, the concessive clauses, and the clauses that turn.

    A concessive clause opens with "although", "despite" ...; a turning
    clause with "but", "however", "yet" ... (what follows is the speaker's point).
    """
    opens = {s for s, _ in contrast}
    ids, concessive, turns = [], set(), set()
    clause = 0
    for tok in doc:
        starts_sentence = tok.is_sent_start and tok.i > 0
        if starts_sentence or tok.lower_ in _BREAK_WORDS or tok.i in opens:
            clause += 1
        ids.append(clause)
        if tok.i in opens:
            concessive.add(clause)
        if tok.lower_ in _TURN_WORDS:
            turns.add(clause)
        if tok.text in _BREAK_PUNCT:
            clause += 1
    return ids, concessive, turns


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(b[0] - a[1], a[0] - b[1], 0)


class Reading:
    """What the valence rules read in one segment, shared by every code in it.

    Clauses, sentences, negations, negated universals, recommendation and
    question sentences, and the cues, with the polarity each cue has once
    negation is applied. :func:`decide_valence` weighs them per code;
    :func:`segment_tones` sums them per sentence.
    """

    def __init__(self, doc: Doc, compiled: CompiledCodebook):
        self.doc = doc
        self.ops = ops = compiled.operators(doc)
        self.cues = compiled.cues(doc)
        self.clause, self.concessive, self.turns = clause_ids(doc, ops["contrast"])
        self.sent = sent = sentence_index(doc)
        self.n_sents = sent[-1] + 1 if sent else 1
        # sentences that are recommendations, plans or questions
        self.counterfactual = {sent[s] for s, _ in ops["counterfactual"]}
        self.neutral_sents = {
            sent[s] for s, _ in ops["recommend"] if sent[s] not in self.counterfactual
        }
        # "without the pooled budget it would have taken months": a credit, not a lack
        self.credited_sents = set()
        for sp in doc.sents if doc.has_annotation("SENT_START") else [doc[:]]:
            if sp[-1].text == "?" or (len(sp) > 1 and sp[-2].text == "?"):
                self.neutral_sents.add(sent[sp.start])
            words = [t.lower_ for t in sp if not t.is_punct and not t.like_num]
            while words and words[0] in _OPENING_FILLERS:
                words = words[1:]
            if words and words[0] in IMPERATIVES:
                self.neutral_sents.add(sent[sp.start])  # "Keep the video rounds."
            lowered = sp.text.lower()
            if any(w in lowered for w in _CREDIT_OPENERS) and sent[sp.start] in self.counterfactual:
                self.credited_sents.add(sent[sp.start])
        self.negation_ends = {}
        for s, e in ops["negation"]:
            if sent[s] in self.credited_sents:
                continue
            if e < len(doc) and doc[e].lower_ in _SKIP_AFTER_NEGATION:
                continue
            self.negation_ends[e] = s
        self.universal_from = {}
        for s, _ in ops["universal"]:
            self.universal_from.setdefault(self.clause[s], s)

    def negated(self, start: int) -> bool:
        """A negation ends within reach before ``start`` in the same clause."""
        clause = self.clause
        for gap in range(0, _NEGATION_REACH + 1):
            e = start - gap
            if e in self.negation_ends and clause[self.negation_ends[e]] == clause[start]:
                if not any(t.is_punct for t in self.doc[e:start]):
                    return True
        return False

    def polarity(self, cue: Cue) -> int:
        """The cue's polarity after negation and negated universals."""
        p = cue.polarity
        if self.negated(cue.start):
            p = -p
        elif (
            p > 0
            and self.clause[cue.start] in self.universal_from
            and self.universal_from[self.clause[cue.start]] < cue.start
        ):
            p = -1
        return p

    def emphasis(self, i: int) -> float:
        """Weight of a cue at token ``i`` for where it stands."""
        w = 1.5 if self.clause[i] in self.turns else 1.0  # what follows "but" is the point
        if self.sent[i] == 0 and self.n_sents > 1:
            w *= _FIRST_SENTENCE  # the topic sentence
        return w


def segment_tones(reading: Reading) -> list[float]:
    """Sum of the cue polarities of each sentence (0 for recommendations and questions).

    Examples
    --------
    >>> from sysreview.coding.rules import RuleCoder
    >>> coder = RuleCoder()
    >>> doc = coder.nlp_("Escalation worked well. There was no clear process. Areas should act.")
    >>> tones = segment_tones(Reading(doc, coder.compiled_))
    >>> ["+" if t > 0 else "-" if t < 0 else "0" for t in tones]
    ['+', '-', '0']
    """
    tones = [0.0] * reading.n_sents
    for cue in reading.cues:
        s = reading.sent[cue.start]
        if s not in reading.neutral_sents:
            tones[s] += reading.polarity(cue)
    return tones


def negation_marked(reading: Reading, start: int = 0, end: int | None = None) -> str:
    """Lower-cased words of tokens ``start:end``, each in a negation's scope prefixed ``NOT_``.

    The scope runs from a negation to the end of its clause, the classic
    marking for learning sentiment with negation ("no clear process" gives
    ``no NOT_clear NOT_process``).
    """
    doc, clause = reading.doc, reading.clause
    end = len(doc) if end is None else end
    scope_clause = None
    out = []
    negation_starts = {s for s, _ in reading.ops["negation"]}
    for tok in doc[start:end]:
        if tok.is_space or tok.is_punct:
            continue
        word = tok.lower_
        out.append(f"NOT_{word}" if scope_clause == clause[tok.i] else word)
        if tok.i in negation_starts:
            scope_clause = clause[tok.i]
    return " ".join(out)


def decide_valence(
    doc: Doc,
    hits: list[Hit],
    compiled: CompiledCodebook,
    *,
    threshold: float = 0.05,
    reading: Reading | None = None,
) -> dict[str, ValenceDecision]:
    """Valence of every code that has evidence in ``doc``.

    Parameters
    ----------
    doc : spacy.tokens.Doc
        The segment, with sentences and lemmas.
    hits : list of Hit
        The evidence found by :meth:`CompiledCodebook.evidence`.
    compiled : CompiledCodebook
        The codebook's matchers (for cues and operators).
    threshold : float, default=0.05
        Minimum absolute cue sum for a non-neutral valence: cues on both
        sides give the valence of the stronger side (the speaker's main
        point); only a balance or no cue at all is neutral.
    reading : Reading, optional
        The segment's :class:`Reading`, if already made.

    Returns
    -------
    dict
        ``{code: ValenceDecision}``.
    """
    if not hits:
        return {}
    reading = reading if reading is not None else Reading(doc, compiled)
    clause, concessive, turns = reading.clause, reading.concessive, reading.turns
    sent, ops, cues = reading.sent, reading.ops, reading.cues
    neutral_sents, credited_sents = reading.neutral_sents, reading.credited_sents
    negated, polarity_of, emphasis = reading.negated, reading.polarity, reading.emphasis
    neutral_marks = compiled.neutral_cues(doc)

    by_code: dict[str, list[Hit]] = {}
    for h in hits:
        by_code.setdefault(h.code, []).append(h)

    def distance(code: str, pos: tuple[int, int]) -> float:
        best = float("inf")
        for h in by_code[code]:
            if sent[h.start] != sent[pos[0]]:
                continue
            d = _gap((h.start, h.end), pos)
            own = {clause[h.start], clause[h.end - 1]}
            # a main clause comments on the concessive clause before it
            # ("although the forum existed, it rarely met")
            follows_concession = any(c in concessive and c < clause[pos[0]] <= c + 2 for c in own)
            # "a discharge to assess pathway was introduced, but it was not used":
            # the turn comments on the evidence just before it
            follows_turn = clause[pos[0]] in turns and any(c < clause[pos[0]] <= c + 2 for c in own)
            if clause[pos[0]] not in own and not (follows_concession or follows_turn):
                d += 10
            best = min(best, d)
        return best

    totals = {code: 0.0 for code in by_code}
    conceded = {code: 0.0 for code in by_code}
    counts = {code: 0 for code in by_code}

    def credit(code: str, pos: tuple[int, int], polarity: int, base: float):
        if sent[pos[0]] in neutral_sents:
            return
        d = distance(code, pos)
        if d == float("inf"):
            return
        w = base / (1 + d / 8) * emphasis(pos[0])
        if clause[pos[0]] in concessive:
            conceded[code] += polarity * w
        else:
            totals[code] += polarity * w
        counts[code] += 1

    # a global cue that is also a cue of a code present ("left out" for
    # sector inclusion) belongs to that code alone
    # (when that code has evidence in the cue's sentence to take it)
    owned = [
        (c.start, c.end)
        for c in cues
        if c.code is not None
        and c.code in by_code
        and distance(c.code, (c.start, c.end)) != float("inf")
    ]
    for cue in cues:
        pos = (cue.start, cue.end)
        p = polarity_of(cue)
        if cue.code is not None:
            if cue.code in by_code:
                # a cue inside the code's own evidence ("pooled" in "pooled
                # budget") names the topic more than it judges it
                inside = any(
                    h.start <= cue.start and cue.end <= h.end and h.kind != "near"
                    for h in by_code[cue.code]
                )
                credit(cue.code, pos, p, 0.75 if inside else 1.5)
            continue
        if any(s < cue.end and cue.start < e for s, e in owned):
            continue
        # a global cue goes to the code(s) whose evidence is nearest
        dists = {code: distance(code, pos) for code in by_code}
        finite = [d for d in dists.values() if d != float("inf")]
        if not finite:
            continue
        nearest = min(finite)
        for code, d in dists.items():
            if d <= nearest + 5:
                credit(code, pos, p, 1.0)

    cue_tokens = {i for c in cues for i in range(c.start, c.end)}
    for h in hits:
        # negated evidence ("no shared record", "nobody knew who was in charge")
        if negated(h.start) and not any(
            i in cue_tokens for i in range(max(0, h.start - _NEGATION_REACH), h.start)
        ):
            credit(h.code, (h.start, h.end), -1, 1.5)
    for s, _ in ops["counterfactual"]:
        if sent[s] in credited_sents:
            for code in by_code:
                credit(code, (s, s + 1), +1, 1.5)
            continue
        dists = {code: distance(code, (s, s + 1)) for code in by_code}
        finite = [d for d in dists.values() if d != float("inf")]
        if finite:
            nearest = min(finite)
            for code, d in dists.items():
                if d <= nearest + 5:
                    totals[code] -= 1.0 / (1 + d / 8)
                    counts[code] += 1
    for code, _s, _e in neutral_marks:
        if code in by_code:
            counts[code] += 1  # an explicit neutral mention: keep neutral unless cues say otherwise

    # a code whose sentences carry no cue takes the tone of the whole segment
    tone = 0.0
    if any(count == 0 for count in counts.values()):
        for cue in cues:
            if sent[cue.start] in neutral_sents:
                continue
            tone += polarity_of(cue) * emphasis(cue.start)
        for h in hits:
            if negated(h.start) and sent[h.start] not in neutral_sents:
                tone -= 1.0  # "no shared record" (but not "should not be left out")
    out = {}
    for code in totals:
        if counts[code] == 0 and abs(tone) >= _TONE_MIN:
            totals[code] = threshold * (1 if tone > 0 else -1)
        # a concession counts fully unless the main clause judges the same code
        total = totals[code] + (0.25 if totals[code] else 1.0) * conceded[code]
        if total >= threshold:
            val = "enabler"
        elif total <= -threshold:
            val = "barrier"
        else:
            val = "neutral"
        out[code] = ValenceDecision(val, round(total, 3), counts[code])
    return out
