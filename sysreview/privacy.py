"""Pseudonymise a corpus: replace people's names with codes like "Person 1".

What is replaced, everywhere it occurs as a whole word (case-sensitive) in
document texts, segment texts, speakers, titles, sections and metadata:

- speaker labels of transcripts (``P03``, ``Dr Shah``), except roles such as
  ``Interviewer`` or ``Facilitator``;
- the names in the documents' ``participant`` column (several may be given,
  separated by ``;``);
- any names you pass in ``extra_names``;
- the parts of those names (``Priya``, ``Shah`` of ``Priya Shah``) when they
  are capitalised, at least three letters long, not a title (``Dr``, ``Cllr``)
  and belong to one person only.

Offsets are recomputed, so ``corpus.text(doc_id)[start:end]`` is still each
segment's text, and :func:`pseudonymise_codings` moves the codings' evidence
offsets the same way. The mapping table returned is the key back to the real
names: keep it apart from the data you share (or do not keep it at all).
Names not listed anywhere (a colleague mentioned in passing, a name in lower
case) are not found: read what you share.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping

import pandas as pd

from .corpus import Corpus

__all__ = [
    "pseudonymise",
    "pseudonymise_text",
    "pseudonymise_codings",
    "MAPPING_COLUMNS",
    "PERSON_COLUMNS",
]

#: Columns of the mapping table.
MAPPING_COLUMNS = ["original", "pseudonym", "kind"]
#: Document metadata columns that hold people's names.
PERSON_COLUMNS = ("participant", "participants", "interviewee", "respondent")
#: Speaker labels that name a role, not a person (kept as they are).
ROLE_LABELS = (
    r"^(interviewer|int|i|q|a|facilitator|moderator|researcher|reviewer|chair"
    r"|note[- ]?taker|observer)\b"
)
_TITLES = {
    "dr",
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "prof",
    "professor",
    "sir",
    "dame",
    "lord",
    "lady",
    "cllr",
    "councillor",
    "rev",
    "revd",
    "nurse",
    "the",
    "and",
    "von",
    "van",
    "de",
    "del",
    "der",
}
_SPLIT = re.compile(r"\s*[;,]\s*")


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _lookup(mapping) -> dict[str, str]:
    if mapping is None:
        return {}
    if isinstance(mapping, pd.DataFrame):
        missing = {"original", "pseudonym"} - set(mapping.columns)
        if missing:
            raise ValueError(
                "The mapping table needs columns ['original', 'pseudonym']; "
                f"it has {list(mapping.columns)}."
            )
        return dict(
            zip(mapping["original"].astype(str), mapping["pseudonym"].astype(str), strict=True)
        )
    if isinstance(mapping, Mapping):
        return {str(k): str(v) for k, v in mapping.items()}
    raise TypeError(f"mapping must be a DataFrame or a dict, got {type(mapping).__name__}.")


def _pattern(lookup: Mapping[str, str]) -> re.Pattern | None:
    names = sorted((n for n in lookup if n.strip()), key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)")


def _spans(text: str, pattern: re.Pattern | None, lookup: Mapping[str, str]):
    """``(new text, [(start, end, new_start, new_end)])`` of each replacement."""
    if pattern is None or not text:
        return text, []
    parts, spans, last, shift = [], [], 0, 0
    for m in pattern.finditer(text):
        new = lookup[m.group()]
        parts.append(text[last : m.start()])
        parts.append(new)
        a2 = m.start() + shift
        spans.append((m.start(), m.end(), a2, a2 + len(new)))
        shift += len(new) - (m.end() - m.start())
        last = m.end()
    parts.append(text[last:])
    return "".join(parts), spans


class _Mover:
    """Move offsets of the old text to the new one (spans are sorted, disjoint)."""

    def __init__(self, spans):
        self.spans = spans
        self.ends = [s[1] for s in spans]

    def __call__(self, pos: int, *, side: str) -> int:
        k = bisect_right(self.ends, pos)  # first replacement ending after pos
        if k < len(self.spans) and self.spans[k][0] < pos:
            return self.spans[k][2] if side == "start" else self.spans[k][3]
        if k == 0:
            return pos
        a, b, a2, b2 = self.spans[k - 1]
        return pos + (b2 - b)


def pseudonymise_text(text: str, mapping) -> str:
    """Replace the names of ``mapping`` in ``text`` (whole words, longest first).

    Parameters
    ----------
    text : str
    mapping : DataFrame or dict
        The mapping table of :func:`pseudonymise` (``original``,
        ``pseudonym``), or a dict name -> pseudonym.

    Examples
    --------
    >>> names = {"Priya Shah": "Person 1", "Shah": "Person 1"}
    >>> pseudonymise_text("Priya Shah met Shah's team.", names)
    "Person 1 met Person 1's team."
    """
    lookup = _lookup(mapping)
    return _spans(text, _pattern(lookup), lookup)[0]


def _names_of(value) -> list[str]:
    if _missing(value):
        return []
    return [n.strip() for n in _SPLIT.split(str(value)) if n.strip()]


def _parts(name: str) -> list[str]:
    out = []
    for token in re.findall(r"[^\W\d_][\w'’\-]*", name):
        if len(token) >= 3 and token[0].isupper() and token.lower() not in _TITLES:
            out.append(token)
    return out


def _build_mapping(
    corpus: Corpus, extra_names, existing: pd.DataFrame | None, prefix: str, keep
) -> pd.DataFrame:
    rows = [] if existing is None else existing[MAPPING_COLUMNS].to_dict("records")
    lookup = {r["original"]: r["pseudonym"] for r in rows}
    numbers = [
        int(m.group(1))
        for p in lookup.values()
        if (m := re.fullmatch(re.escape(prefix) + r" (\d+)", p))
    ]
    counter = [max(numbers, default=0)]

    def new_pseudonym() -> str:
        counter[0] += 1
        return f"{prefix} {counter[0]}"

    people: list[tuple[str, str]] = []  # (full name, kind)
    for col in PERSON_COLUMNS:
        if col in corpus.documents.columns:
            for value in corpus.documents[col]:
                people += [(n, "participant") for n in _names_of(value)]
    for name in extra_names:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"extra_names must be non-empty strings, but {name!r} was passed.")
        people.append((name.strip(), "name"))
    for name, kind in people:
        if name not in lookup:
            lookup[name] = new_pseudonym()
            rows.append({"original": name, "pseudonym": lookup[name], "kind": kind})
    # parts of names, when they belong to one person only
    owners: dict[str, set[str]] = {}
    for name, _ in people:
        for part in _parts(name):
            owners.setdefault(part, set()).add(lookup[name])
    for part, pseudonyms in owners.items():
        if part not in lookup and len(pseudonyms) == 1:
            lookup[part] = next(iter(pseudonyms))
            rows.append({"original": part, "pseudonym": lookup[part], "kind": "name part"})
    role = re.compile(keep, re.IGNORECASE) if keep else None
    for speaker in corpus.segments["speaker"] if "speaker" in corpus.segments else []:
        if _missing(speaker) or not str(speaker).strip():
            continue
        speaker = str(speaker).strip()
        if speaker in lookup or (role is not None and role.search(speaker)):
            continue
        parts = _parts(speaker)
        known = {lookup[p] for p in parts if p in lookup}
        # "Dr Shah" is the "Priya Shah" of the metadata when "Shah" is hers alone
        lookup[speaker] = (
            known.pop()
            if parts and len(known) == 1 and all(p in lookup for p in parts)
            else new_pseudonym()
        )
        rows.append({"original": speaker, "pseudonym": lookup[speaker], "kind": "speaker"})
    return pd.DataFrame(rows, columns=MAPPING_COLUMNS)


def pseudonymise(
    corpus: Corpus,
    *,
    extra_names: Iterable[str] = (),
    mapping: pd.DataFrame | None = None,
    prefix: str = "Person",
    keep: str | None = ROLE_LABELS,
) -> tuple[Corpus, pd.DataFrame]:
    """Replace people's names in a corpus with "Person 1", "Person 2", ...

    Parameters
    ----------
    corpus : Corpus
    extra_names : iterable of str, default=()
        More names to replace (people mentioned in the texts), written as
        they appear (``"Priya Shah"``).
    mapping : DataFrame, optional
        A mapping from an earlier run: its names keep their pseudonyms, so
        several batches get consistent codes.
    prefix : str, default="Person"
        The pseudonyms are ``f"{prefix} {n}"``.
    keep : str or None
        A regular expression (case-insensitive) for speaker labels that are
        roles and stay as they are; None replaces every speaker label.

    Returns
    -------
    (Corpus, DataFrame)
        The pseudonymised corpus, and the mapping (``original``,
        ``pseudonym``, ``kind``: participant, name, name part, speaker).

    Examples
    --------
    >>> import pandas as pd
    >>> from sysreview import Corpus
    >>> corpus = Corpus.from_segments(pd.DataFrame({
    ...     "doc_id": ["i1", "i1"], "speaker": ["Interviewer", "Dr Shah"],
    ...     "text": ["How did it go, Dr Shah?", "Priya Shah here: it went well."]}))
    >>> new, mapping = pseudonymise(corpus, extra_names=["Priya Shah"])
    >>> new.segments[["speaker", "text"]].values.tolist()
    [['Interviewer', 'How did it go, Person 1?'], ['Person 1', 'Person 1 here: it went well.']]
    >>> all(new.text(r.doc_id)[r.start:r.end] == r.text for r in new.segments.itertuples())
    True
    """
    if not isinstance(corpus, Corpus):
        raise TypeError(f"corpus must be a sysreview.Corpus, got {type(corpus).__name__}.")
    table = _build_mapping(corpus, list(extra_names), mapping, prefix, keep)
    lookup = _lookup(table)
    pattern = _pattern(lookup)
    texts, movers = {}, {}
    for doc_id, text in corpus.texts.items():
        texts[doc_id], spans = _spans(text, pattern, lookup)
        movers[doc_id] = _Mover(spans)
    segments = corpus.segments.copy()
    if len(segments):
        starts, ends = [], []
        for doc_id, s, e in zip(
            segments["doc_id"], segments["start"], segments["end"], strict=True
        ):
            starts.append(movers[doc_id](int(s), side="start"))
            ends.append(movers[doc_id](int(e), side="end"))
        segments["start"], segments["end"] = starts, ends
        segments["text"] = [
            texts[d][s:e] for d, s, e in zip(segments["doc_id"], starts, ends, strict=True)
        ]
        segments["speaker"] = [
            v if _missing(v) else lookup.get(str(v).strip(), pseudonymise_text(str(v), lookup))
            for v in segments["speaker"]
        ]
        if "section" in segments:
            segments["section"] = [
                v if _missing(v) else pseudonymise_text(str(v), lookup) for v in segments["section"]
            ]
    documents = corpus.documents.copy()
    for col in documents.columns:
        if col in ("doc_id", "path", "format"):
            continue
        documents[col] = [
            v if not isinstance(v, str) else pseudonymise_text(v, lookup) for v in documents[col]
        ]
    new = Corpus(documents, segments, texts, skipped=corpus.skipped, warnings=corpus.warnings)
    return new, table


def pseudonymise_codings(codings: pd.DataFrame, corpus: Corpus, mapping) -> pd.DataFrame:
    """Move a codings table onto the pseudonymised text of ``corpus``.

    Parameters
    ----------
    codings : DataFrame
        Codings of the original ``corpus``.
    corpus : Corpus
        The original (not pseudonymised) corpus.
    mapping : DataFrame or dict
        The mapping :func:`pseudonymise` returned for it.

    Returns
    -------
    DataFrame
        The codings with ``start``/``end`` moved and ``evidence`` taken from
        the pseudonymised text (or pseudonymised itself where there are no
        offsets).

    Examples
    --------
    >>> import pandas as pd
    >>> from sysreview import Corpus
    >>> corpus = Corpus.from_segments(
    ...     pd.DataFrame({"doc_id": ["d1"], "text": ["Ann Lee led it well."]}))
    >>> codings = pd.DataFrame({"segment_id": ["d1:001"], "doc_id": ["d1"], "code": ["leadership"],
    ...                         "start": [0], "end": [20], "evidence": ["Ann Lee led it well."]})
    >>> new, mapping = pseudonymise(corpus, extra_names=["Ann Lee"])
    >>> pseudonymise_codings(codings, corpus, mapping)[["start", "end", "evidence"]].values.tolist()
    [[0, 21, 'Person 1 led it well.']]
    """
    lookup = _lookup(mapping)
    pattern = _pattern(lookup)
    out = codings.copy()
    if not len(out):
        return out
    cache: dict[str, tuple[str, _Mover]] = {}

    def moved(doc_id):
        if doc_id not in cache:
            text, spans = _spans(corpus.text(doc_id), pattern, lookup)
            cache[doc_id] = (text, _Mover(spans))
        return cache[doc_id]

    seg_doc = dict(zip(corpus.segments["segment_id"], corpus.segments["doc_id"], strict=True))
    has_offsets = {"start", "end"} <= set(out.columns)
    starts = list(out["start"]) if has_offsets else [None] * len(out)
    ends = list(out["end"]) if has_offsets else [None] * len(out)
    evidence = list(out["evidence"]) if "evidence" in out.columns else [None] * len(out)
    doc_ids = list(out["doc_id"]) if "doc_id" in out.columns else [None] * len(out)
    for i in range(len(out)):
        doc_id = doc_ids[i] if not _missing(doc_ids[i]) else seg_doc.get(out["segment_id"].iloc[i])
        s, e = starts[i], ends[i]
        if doc_id is not None and not _missing(s) and not _missing(e):
            text, mover = moved(doc_id)
            starts[i], ends[i] = mover(int(s), side="start"), mover(int(e), side="end")
            evidence[i] = text[starts[i] : ends[i]]
        elif isinstance(evidence[i], str):
            evidence[i] = pseudonymise_text(evidence[i], lookup)
    if has_offsets:
        out["start"] = pd.array(starts, dtype="Int64")
        out["end"] = pd.array(ends, dtype="Int64")
    if "evidence" in out.columns:
        out["evidence"] = evidence
    return out
