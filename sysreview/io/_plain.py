"""Readers for plain text (.txt) and Markdown (.md) sources."""

from __future__ import annotations

import re
from pathlib import Path

from ._decode import read_text
from ._parsed import ParsedDoc

__all__ = ["read_txt", "read_md"]

_MD_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+\S.*$", re.MULTILINE)


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0].strip()[:120]


def read_txt(path: Path) -> list[ParsedDoc]:
    """Read a UTF-8/UTF-16/Windows-1252 text file (a transcript or a document)."""
    text, encoding = read_text(path)
    return [ParsedDoc(text=text, format="txt", title=_first_line(text), encoding=encoding)]


def read_md(path: Path) -> list[ParsedDoc]:
    """Read a Markdown file; ``#`` headings become sections, not segments."""
    text, encoding = read_text(path)
    headings = [(m.start(), m.end()) for m in _MD_HEADING.finditer(text)]
    title = text[headings[0][0] : headings[0][1]].lstrip(" #") if headings else _first_line(text)
    return [ParsedDoc(text=text, format="md", title=title, headings=headings, encoding=encoding)]
