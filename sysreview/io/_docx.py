"""Reader for Word documents (.docx), via python-docx."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ..exceptions import SourceFormatError
from ._decode import normalise_newlines
from ._parsed import ParsedDoc

__all__ = ["read_docx"]


def _is_heading(paragraph) -> bool:
    try:
        name = (paragraph.style.name or "").lower()
    except (AttributeError, KeyError):
        return False
    return name.startswith("heading") or name == "title"


def _blocks(document):
    """Yield ``(text, is_heading)`` for body paragraphs and table cells, in order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = Paragraph(child, document)
            yield p.text, _is_heading(p)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                seen = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # merged cells repeat
                        continue
                    seen.add(id(cell._tc))
                    for p in cell.paragraphs:
                        yield p.text, False


def read_docx(path: Path) -> list[ParsedDoc]:
    """Read paragraphs, headings and table cells of a .docx file.

    The document text is the non-empty paragraphs joined by blank lines;
    headings (paragraph styles "Heading n" or "Title") become sections.
    """
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ImportError("Reading .docx files needs python-docx: pip install python-docx") from exc
    if not zipfile.is_zipfile(path):
        raise SourceFormatError(
            path,
            "this is not a valid .docx file (not a zip archive; it may be corrupt, "
            "or an old .doc file renamed).",
            hint="Open it in Word and save it again as .docx.",
        )
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SourceFormatError(
            path,
            f"this .docx file is corrupt or incomplete ({type(exc).__name__}: {exc}).",
            hint="Open it in Word and save it again as .docx.",
        ) from None
    except Exception as exc:  # python-docx raises its own PackageNotFoundError, lxml errors
        raise SourceFormatError(
            path,
            f"cannot read this .docx file ({type(exc).__name__}: {exc}).",
            hint="Open it in Word and save it again as .docx.",
        ) from None
    parts: list[str] = []
    headings: list[tuple[int, int]] = []
    pos = 0
    for raw, heading in _blocks(document):
        text = normalise_newlines(raw).strip()
        if not text:
            continue
        if parts:
            pos += 2
        if heading:
            headings.append((pos, pos + len(text)))
        parts.append(text)
        pos += len(text)
    full = "\n\n".join(parts)
    if not full.strip():
        raise SourceFormatError(
            path, "the document has no text.", hint="Remove it or add its text."
        )
    title = None
    try:
        title = document.core_properties.title or None
    except Exception:  # noqa: BLE001 - missing core properties are common and harmless
        title = None
    if not title:
        title = full[headings[0][0] : headings[0][1]] if headings else parts[0][:120]
    return [ParsedDoc(text=full, format="docx", title=title, headings=headings)]
