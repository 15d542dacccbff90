"""The record every reader returns: one parsed document."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ParsedDoc"]


@dataclass
class ParsedDoc:
    """A document as a reader sees it, before metadata is joined.

    ``segments`` holds dicts with at least ``start`` and ``end`` (offsets into
    ``text``); None means "segment the text with :func:`segment_text`".
    """

    text: str
    format: str
    doc_id: str | None = None
    title: str | None = None
    segments: list[dict] | None = None
    headings: list[tuple[int, int]] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)
