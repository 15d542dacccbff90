"""Small helpers shared by the REFI-QDA readers and writers: XML and GUIDs."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

from ..exceptions import SourceFormatError, UnsafeArchiveError

__all__ = [
    "PROJECT_NS",
    "CODEBOOK_NS",
    "VALENCE_CODES",
    "parse_xml",
    "local",
    "children",
    "child",
    "child_text",
    "clean",
    "make_guid",
    "norm_guid",
    "norm_color",
    "slug",
    "OVERWRITE_HINT",
]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"

#: Names of the child codes that carry valence (see the module docs of
#: :mod:`sysreview.exchange`), with the colour each gets on export.
VALENCE_CODES = {"enabler": "#2CA02C", "barrier": "#D62728", "neutral": "#7F7F7F"}
#: How to overwrite a file, in the message when a writer refuses to.
OVERWRITE_HINT = "overwrite=True (--force on the command line)"

# A fixed namespace so that the same study always gets the same GUIDs.
_GUID_NS = uuid.UUID("5b0c8a4e-3f7d-4c59-9a7e-2f1d6c0e8b11")
# Characters XML 1.0 does not allow (they would make the file unreadable).
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def make_guid(*parts: object) -> str:
    """A GUID derived from ``parts``: the same inputs always give the same GUID."""
    return str(uuid.uuid5(_GUID_NS, "\x1f".join(str(p) for p in parts))).upper()


def norm_guid(value: str | None) -> str | None:
    """Compare GUIDs whatever their case and braces (``{...}`` is allowed)."""
    if value is None:
        return None
    return value.strip().strip("{}").lower()


def clean(text: object) -> str:
    """``text`` as a string XML 1.0 can hold (control characters removed)."""
    return _BAD_XML.sub("", "" if text is None else str(text))


def norm_color(value: str | None) -> str | None:
    """``#abc`` / ``#AABBCC`` to ``#aabbcc``; None for anything else."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        return value.lower()
    if re.fullmatch(r"#[0-9a-fA-F]{3}", value):
        return "#" + "".join(c * 2 for c in value[1:]).lower()
    return None


def slug(name: str) -> str:
    """A code id made from a code name: ``"Sector inclusion"`` -> ``"sector_inclusion"``."""
    out = re.sub(r"[^\w]+", "_", name.strip().lower()).strip("_")
    return out or "code"


def parse_xml(data: bytes, label: str) -> ET.Element:
    """Parse untrusted XML: no DTD, no entities, no external references.

    Raises
    ------
    UnsafeArchiveError
        If the XML has a DTD, declares entities (entity expansion, "billion
        laughs") or refers to external resources.
    SourceFormatError
        If it is not well-formed XML; the message gives the line.
    """
    try:
        return DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnsafeArchiveError(
            f"{label}: the XML has a DTD, entities or external references ({type(exc).__name__}); "
            "it was refused because such XML can read your files or exhaust memory. "
            "REFI-QDA files never need them: export the project again."
        ) from None
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise SourceFormatError(
            label,
            f"this is not well-formed XML ({exc}).",
            line=line,
            hint="Export the project again from your QDA program.",
        ) from None


def local(tag: object) -> str:
    """The tag without its namespace (``{urn:...}Code`` -> ``Code``)."""
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    return tag.rsplit("}", 1)[-1]


def children(element: ET.Element, name: str) -> Iterator[ET.Element]:
    """Direct children called ``name``, whatever their namespace."""
    return (c for c in element if local(c.tag) == name)


def child(element: ET.Element, name: str) -> ET.Element | None:
    """The first direct child called ``name``, or None."""
    return next(children(element, name), None)


def child_text(element: ET.Element, name: str) -> str:
    """The text of the first child called ``name`` ("" if none)."""
    c = child(element, name)
    return (c.text or "") if c is not None else ""
