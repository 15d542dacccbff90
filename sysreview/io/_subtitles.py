"""Readers for subtitle transcripts: WebVTT (.vtt) and SubRip (.srt).

Speakers come from ``<v Name>`` voice tags or a ``Name:`` prefix. Consecutive
cues by the same speaker are merged into one turn (one segment) that keeps the
first cue's start time and the last cue's end time. The document text is the
transcript written out as ``Speaker: words`` paragraphs; segment offsets point
at the words, after the label.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from ..exceptions import SourceFormatError
from ..segment import parse_speaker_label, parse_timestamp
from ._decode import read_text
from ._parsed import ParsedDoc

__all__ = ["read_vtt", "read_srt"]

_TIME = r"(?:\d{1,3}:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING_RE = re.compile(rf"^\s*(?P<a>{_TIME})\s+-->\s+(?P<b>{_TIME})(?:\s+.*)?$")
_VOICE_RE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG_RE = re.compile(r"</?[^>]*>")


def _blocks(text: str):
    """Yield ``(first_line_number, [lines])`` for blocks separated by blank lines."""
    block: list[str] = []
    start = 1
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def _cue_text(lines: list[str]) -> tuple[str | None, str]:
    payload = " ".join(line.strip() for line in lines)
    speaker = None
    m = _VOICE_RE.search(payload)
    if m:
        speaker = m.group(1).strip()
    payload = html.unescape(_TAG_RE.sub("", payload)).replace("\u00a0", " ").strip()
    payload = re.sub(r"\s+", " ", payload)
    if speaker is None:
        label = parse_speaker_label(payload)
        if label:
            speaker, offset, _ = label
            payload = payload[offset:].strip()
    return speaker, payload


def _parse_cues(path: Path, text: str, *, kind: str) -> list[dict]:
    cues = []
    blocks = list(_blocks(text))
    if kind == "vtt":
        if not blocks or not blocks[0][1][0].lstrip("\ufeff").startswith("WEBVTT"):
            raise SourceFormatError(
                path,
                "not a WebVTT file: the first line must be 'WEBVTT'.",
                line=1,
                hint="Check the file is a .vtt transcript, or rename it to .txt.",
            )
        blocks = blocks[1:]
    previous_end = -1.0
    for first, lines in blocks:
        head = lines[0].strip()
        if kind == "vtt" and head.split(" ", 1)[0] in {"NOTE", "STYLE", "REGION"}:
            continue
        index = None
        for i, line in enumerate(lines[:2]):
            if "-->" in line:
                index = i
                break
        if index is None:
            raise SourceFormatError(
                path,
                f"expected a cue timing line like '00:00:04.000 --> 00:00:09.500', "
                f"found {head[:60]!r}.",
                line=first,
                hint="Each cue needs a timing line; fix or remove this block.",
            )
        m = _TIMING_RE.match(lines[index])
        if not m:
            raise SourceFormatError(
                path,
                f"malformed cue timing {lines[index].strip()[:60]!r}.",
                line=first + index,
                hint="Timings look like '00:00:04.000 --> 00:00:09.500'.",
            )
        a, b = parse_timestamp(m.group("a")), parse_timestamp(m.group("b"))
        if b < a:
            raise SourceFormatError(
                path,
                "the cue ends before it starts.",
                line=first + index,
                hint="Fix the cue timing.",
            )
        speaker, words = _cue_text(lines[index + 1 :])
        if not words:
            continue
        cues.append({"speaker": speaker, "text": words, "a": a, "b": b, "line": first})
        previous_end = max(previous_end, b)
    if not cues:
        raise SourceFormatError(
            path, "the file has no cues with text.", hint="Check it is a subtitle transcript."
        )
    return cues


def _turns_to_doc(cues: list[dict], fmt: str, encoding: str) -> ParsedDoc:
    any_speaker = any(c["speaker"] for c in cues)
    turns: list[dict] = []
    current = None
    for cue in cues:
        speaker = cue["speaker"]
        if speaker is None and any_speaker and current is not None:
            speaker = current["speaker"]  # unlabelled cue continues the turn
        if current is not None and any_speaker and speaker == current["speaker"]:
            current["text"] += " " + cue["text"]
            current["b"] = cue["b"]
        else:
            current = dict(cue, speaker=speaker)
            turns.append(current)
    parts, segments, pos = [], [], 0
    for turn in turns:
        prefix = f"{turn['speaker']}: " if turn["speaker"] else ""
        if parts:
            pos += 2
        start = pos + len(prefix)
        parts.append(prefix + turn["text"])
        pos += len(prefix) + len(turn["text"])
        segments.append(
            {
                "start": start,
                "end": pos,
                "speaker": turn["speaker"],
                "time_start": turn["a"],
                "time_end": turn["b"],
            }
        )
    return ParsedDoc(text="\n\n".join(parts), format=fmt, segments=segments, encoding=encoding)


def read_vtt(path: Path) -> list[ParsedDoc]:
    """Read a WebVTT transcript into speaker turns with cue times."""
    text, encoding = read_text(path)
    return [_turns_to_doc(_parse_cues(path, text, kind="vtt"), "vtt", encoding)]


def read_srt(path: Path) -> list[ParsedDoc]:
    """Read a SubRip transcript into speaker turns with cue times."""
    text, encoding = read_text(path)
    return [_turns_to_doc(_parse_cues(path, text, kind="srt"), "srt", encoding)]
