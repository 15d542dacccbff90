"""Split a document's text into segments: paragraphs or speaker turns.

Segments carry character offsets into the document text, so that
``text[start:end] == segment_text`` always holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

__all__ = ["segment_text", "parse_speaker_label", "paragraph_spans", "parse_timestamp"]

# A speaker label at the start of a line: "Interviewer: ", "P03: ",
# "[00:12:31] Dr Shah: ", "Cllr Hayes (council): ", "12:31 - R2: ".
_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_WORD = r"[A-Z0-9][\w.'’\-]*"
_LABEL_RE = re.compile(
    rf"""^[ \t]*
    (?:[\[(]?(?P<ts>{_TS})[\])]?[ \t]*[-–]?[ \t]*)?
    (?P<speaker>{_WORD}(?:[ \t]+(?:{_WORD}|de|van|von|al|el|da|di)){{0,3}}
        (?:[ \t]*\([^()\n]{{1,30}}\))?)
    [ \t]*:[ \t]+(?=\S)""",
    re.VERBOSE,
)
_PARA_RE = re.compile(r"\n[ \t]*\n")

# Words that look like labels in reports but are not speakers.
_NOT_SPEAKERS = {
    "note",
    "notes",
    "source",
    "sources",
    "action",
    "actions",
    "recommendation",
    "recommendations",
    "finding",
    "findings",
    "example",
    "summary",
    "background",
    "context",
    "theme",
    "question",
    "answer",
    "date",
    "location",
    "area",
    "title",
    "aim",
    "aims",
    "purpose",
    "outcome",
    "outcomes",
    "key",
    "nb",
    "ps",
    "update",
}

TRANSCRIPT_TYPES = {"interview", "focus group", "transcript", "interview transcript"}
DOCUMENT_TYPES = {"review report", "report", "document", "meeting notes", "survey responses"}


def _mode_for(source_type: object) -> str:
    """The ``mode`` of :func:`segment_text` for a ``source_type`` case variable."""
    stype = str(source_type or "").strip().lower()
    if stype in TRANSCRIPT_TYPES:
        return "transcript"
    if stype in DOCUMENT_TYPES:
        return "paragraphs"
    return "auto"


def parse_timestamp(value: str) -> float:
    """Return the seconds in ``"hh:mm:ss(.mmm)"``, ``"mm:ss"`` or ``"hh:mm:ss,mmm"``."""
    value = value.strip().replace(",", ".")
    parts = value.split(":")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def parse_speaker_label(line: str) -> tuple[str, int, float | None] | None:
    """Find a speaker label at the start of ``line``.

    Returns
    -------
    tuple or None
        ``(speaker, offset_of_utterance, seconds)`` where ``seconds`` is the
        timestamp before the label, or None; None when there is no label.

    Examples
    --------
    >>> parse_speaker_label("[00:12:31] Dr Shah: We met daily.")
    ('Dr Shah', 20, 751.0)
    >>> parse_speaker_label("Recommendation 2: review the boards.") is None
    True
    """
    m = _LABEL_RE.match(line)
    if not m:
        return None
    speaker = m.group("speaker").strip()
    first = speaker.split()[0].lower().rstrip(".")
    if first in _NOT_SPEAKERS or len(speaker) > 40:
        return None
    ts = m.group("ts")
    return speaker, m.end(), (parse_timestamp(ts) if ts else None)


def paragraph_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Return ``(start, end)`` of each non-blank paragraph, without edge whitespace."""
    spans = []
    pos = 0
    for m in list(_PARA_RE.finditer(text)) + [None]:
        stop = m.start() if m else len(text)
        chunk = text[pos:stop]
        stripped = chunk.strip()
        if stripped:
            lead = len(chunk) - len(chunk.lstrip())
            spans.append((offset + pos + lead, offset + pos + lead + len(stripped)))
        if m:
            pos = m.end()
    return spans


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    chunk = text[start:end]
    lead = len(chunk) - len(chunk.lstrip())
    return start + lead, start + lead + len(chunk.strip())


def _pieces(text: str, skip: Sequence[tuple[int, int]]) -> list[dict]:
    """Paragraphs, further split at lines that start with a speaker label."""
    pieces = []
    for start, end in paragraph_spans(text):
        if any(s <= start and end <= e for s, e in skip):
            continue
        para = text[start:end]
        # split the paragraph at each line that begins with a label
        cuts = [0]
        for m in re.finditer(r"\n", para):
            if parse_speaker_label(para[m.end() :]) is not None:
                cuts.append(m.end())
        cuts.append(len(para))
        for a, b in zip(cuts, cuts[1:], strict=False):
            s, e = _strip_span(text, start + a, start + b)
            if s < e:
                label = parse_speaker_label(text[s:e])
                pieces.append({"start": s, "end": e, "label": label})
    return pieces


def _section_at(headings: Sequence[tuple[int, int]], text: str, pos: int) -> str | None:
    current = None
    for s, e in headings:
        if s <= pos:
            current = text[s:e].strip().lstrip("#").strip()
        else:
            break
    return current


def segment_text(
    text: str,
    *,
    mode: str = "auto",
    headings: Iterable[tuple[int, int]] = (),
) -> list[dict]:
    """Split ``text`` into segments.

    Parameters
    ----------
    text : str
        The document text (line endings already ``\\n``).
    mode : {"auto", "transcript", "paragraphs"}, default="auto"
        ``"transcript"`` makes one segment per speaker turn, splitting a long
        turn at its paragraph breaks (the continuation keeps the speaker);
        ``"paragraphs"`` makes one segment per paragraph; ``"auto"`` chooses
        transcript mode when at least two speakers label at least a third of
        the paragraphs.
    headings : iterable of (start, end)
        Spans of headings: they are not segments, but each segment records the
        last heading before it in ``section``.

    Returns
    -------
    list of dict
        Keys ``start``, ``end``, ``speaker``, ``time_start``, ``section``.

    Examples
    --------
    >>> segs = segment_text("Interviewer: Hello.\\n\\nP01: We met daily.\\n\\nIt helped.")
    >>> [(s["speaker"], s["start"], s["end"]) for s in segs]
    [('Interviewer', 13, 19), ('P01', 26, 39), ('P01', 41, 51)]
    """
    if mode not in {"auto", "transcript", "paragraphs"}:
        raise ValueError(
            "The value for `mode` must be one of ['auto', 'transcript', 'paragraphs'], "
            f"but {mode!r} was passed."
        )
    headings = sorted(headings)
    pieces = _pieces(text, headings)
    if mode == "auto":
        labelled = [p for p in pieces if p["label"]]
        speakers = {p["label"][0] for p in labelled}
        transcript = len(speakers) >= 2 and len(labelled) * 3 >= len(pieces)
    else:
        transcript = mode == "transcript"
    segments = []
    speaker = None
    for p in pieces:
        start, end, ts = p["start"], p["end"], None
        if transcript and p["label"]:
            speaker, offset, ts = p["label"]
            start, end = _strip_span(text, start + offset, end)
            if start >= end:
                continue
        elif not transcript:
            speaker = None
        segments.append(
            {
                "start": start,
                "end": end,
                "speaker": speaker,
                "time_start": ts,
                "section": _section_at(headings, text, start),
            }
        )
    return segments
