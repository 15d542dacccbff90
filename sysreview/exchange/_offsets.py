"""Character offsets as QDA programs count them, mapped onto sysreview's text.

sysreview keeps texts with ``\\n`` line endings and counts offsets in Unicode
characters. A project's text may have Windows line endings (``\\r\\n``), and
programs differ in how they count them: most count both characters, ATLAS.ti
counts one. Some count characters outside the Basic Multilingual Plane (many
emoji) as two UTF-16 units. :class:`OffsetMap` converts offsets under one such
convention; :func:`choose_offsets` picks the convention under which the
selections' names (most programs name a selection after the start of the
text it covers) match the text best.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable

__all__ = ["OffsetMap", "normalise", "choose_offsets"]

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_NEWLINE = re.compile("\r\n|\r")
_WS = re.compile(r"\s+")


def normalise(raw: str) -> tuple[str, list[int]]:
    """Return ``(text with \\n line endings, indices of the \\n that were \\r\\n)``."""
    crlf, removed, parts, last = [], 0, [], 0
    for m in _NEWLINE.finditer(raw):
        parts.append(raw[last : m.start()])
        parts.append("\n")
        if m.group() == "\r\n":
            crlf.append(m.start() - removed)
            removed += 1
        last = m.end()
    parts.append(raw[last:])
    return "".join(parts), crlf


class OffsetMap:
    """Convert offsets counted under one convention into indices of ``text``.

    Parameters
    ----------
    text : str
        The normalised text (``\\n`` line endings).
    crlf : list of int
        Indices in ``text`` of line breaks that were ``\\r\\n``.
    crlf_units : {1, 2}
        How many units a ``\\r\\n`` counts for.
    utf16 : bool
        Count characters beyond U+FFFF as two units.

    Examples
    --------
    >>> text, crlf = normalise("ab\\r\\ncd")
    >>> OffsetMap(text, crlf, crlf_units=2, utf16=False).index(4)
    3
    """

    def __init__(self, text: str, crlf: list[int], *, crlf_units: int, utf16: bool):
        self.n = len(text)
        doubles = list(crlf) if crlf_units == 2 else []
        if utf16:
            doubles.extend(m.start() for m in _ASTRAL.finditer(text))
        self.doubles = sorted(doubles)
        self.crlf_units = crlf_units
        self.utf16 = utf16

    def units(self, index: int) -> int:
        """The offset, in this convention's units, of character ``index``."""
        return index + bisect_left(self.doubles, index)

    def index(self, units: int) -> int:
        """The character index at ``units`` (rounded up inside a two-unit character)."""
        if not self.doubles:
            return units
        lo, hi = 0, self.n
        if units >= self.units(hi):
            return hi + (units - self.units(hi))
        while lo < hi:  # first index whose unit offset is >= units
            mid = (lo + hi) // 2
            if self.units(mid) < units:
                lo = mid + 1
            else:
                hi = mid
        return lo


def _flat(text: str) -> str:
    return _WS.sub(" ", text).strip()


def choose_offsets(
    text: str,
    crlf: list[int],
    selections: Iterable[tuple[int, int, str]],
    *,
    prefer_crlf_units: int = 2,
) -> OffsetMap:
    """The convention under which selection names best match the text they cover.

    Parameters
    ----------
    text, crlf
        From :func:`normalise`.
    selections : iterable of (start, end, name)
        The project's selections in this text, offsets as the file gives them.
    prefer_crlf_units : {1, 2}, default=2
        The convention to use when the names do not tell (ATLAS.ti: 1).
    """
    options = [(prefer_crlf_units, False)]
    if crlf:
        options.append((3 - prefer_crlf_units, False))
    if _ASTRAL.search(text):
        options += [(u, True) for u, _ in list(options)]
    maps = [OffsetMap(text, crlf, crlf_units=u, utf16=w) for u, w in options]
    if len(maps) == 1:
        return maps[0]
    scores = [0] * len(maps)
    checked = 0
    for start, end, name in selections:
        name = _flat(name or "").rstrip(".…").strip()
        if len(name) < 4:
            continue
        probe = name[:30]
        for i, m in enumerate(maps):
            s, e = m.index(start), m.index(end)
            if _flat(text[s:e]).startswith(probe):
                scores[i] += 1
        checked += 1
        if checked >= 300:
            break
    best = max(range(len(maps)), key=lambda i: (scores[i], -i))
    return maps[best]
