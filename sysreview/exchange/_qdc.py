"""Codebooks in REFI-QDA XML: the ``<Codes>`` of a project and ``.qdc`` files.

How a sysreview code becomes a REFI-QDA ``<Code>``:

- ``name`` and ``color`` are attributes; nested codes follow ``parent``.
- ``<Description>`` holds the description, then ``Include: ...`` and
  ``Exclude: ...`` paragraphs, then ``sysreview id: <id>`` when the id is not
  simply the name in lower case with underscores. Reading a description back
  peels those paragraphs off again, so ids survive a trip through NVivo.
- With ``valence_codes=True`` each code gets three child codes named
  ``enabler``, ``barrier`` and ``neutral``: coding a passage with
  ``Governance clarity › barrier`` means code ``governance_clarity`` with
  valence ``barrier``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from .._files import write_bytes_atomic
from .._typing import PathLike
from ..codebook import Code, Codebook
from ..exceptions import CodebookError, SourceFormatError
from ._xml import (
    CODEBOOK_NS,
    OVERWRITE_HINT,
    VALENCE_CODES,
    child_text,
    children,
    clean,
    local,
    make_guid,
    norm_color,
    norm_guid,
    parse_xml,
    slug,
)

__all__ = ["read_qdc", "write_qdc", "codes_to_xml", "codes_from_xml", "CodeMap"]

_ID_LINE = re.compile(r"(?:^|\n\n)sysreview id: (\S+)\s*$")
_MAX_QDC_BYTES = 64 * 1024**2


@dataclass
class CodeMap:
    """What a REFI-QDA code GUID stands for in sysreview.

    Attributes
    ----------
    codes : dict
        Normalised GUID -> ``(code_id, valence)``; ``valence`` is None for a
        code itself and ``"enabler"``/``"barrier"``/``"neutral"`` for its
        valence child codes.
    has_valence : bool
        Whether any code follows the valence-children convention.
    """

    codes: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    has_valence: bool = False


def _compose_description(code: Code) -> str:
    parts = [code.description.strip()] if code.description.strip() else []
    if code.include.strip():
        parts.append(f"Include: {code.include.strip()}")
    if code.exclude.strip():
        parts.append(f"Exclude: {code.exclude.strip()}")
    if code.id != slug(code.name):
        parts.append(f"sysreview id: {code.id}")
    return "\n\n".join(parts)


def _split_description(text: str) -> tuple[str, str, str, str | None]:
    """``(description, include, exclude, id)`` from a composed description."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    code_id = None
    m = _ID_LINE.search(text)
    if m:
        code_id = m.group(1)
        text = text[: m.start()].rstrip()
    fields = {}
    for key in ("Exclude", "Include"):
        marker = f"{key}: "
        if text.startswith(marker):
            fields[key], text = text[len(marker) :].strip(), ""
            continue
        pos = text.rfind(f"\n\n{marker}")
        if pos >= 0:
            fields[key] = text[pos + 2 + len(marker) :].strip()
            text = text[:pos].rstrip()
    return text, fields.get("Include", ""), fields.get("Exclude", ""), code_id


def codes_to_xml(
    codebook: Codebook,
    parent: ET.Element,
    *,
    valence_codes: bool = True,
) -> dict[tuple[str, str | None], str]:
    """Append a ``<Codes>`` element for ``codebook`` to ``parent``.

    Parameters
    ----------
    codebook : Codebook
    parent : Element
        ``<CodeBook>`` (of a project or of a .qdc file). Tags are written
        without a namespace: the root element declares it with ``xmlns``.
    valence_codes : bool, default=True
        Give each code the child codes ``enabler``, ``barrier``, ``neutral``.

    Returns
    -------
    dict
        ``(code_id, valence_or_None)`` -> GUID written.
    """
    q = ""
    codes_el = ET.SubElement(parent, q + "Codes")
    guids: dict[tuple[str, str | None], str] = {}
    elements: dict[str, ET.Element] = {}
    for code in codebook:
        guids[(code.id, None)] = make_guid("code", codebook.name, code.id)
    # parents are always written before their children
    order, placed = [], set()
    pending = list(codebook)
    while pending:
        rest = []
        for code in pending:
            if code.parent is None or code.parent in placed:
                order.append(code)
                placed.add(code.id)
            else:
                rest.append(code)
        pending = rest
    for code in order:
        container = codes_el if code.parent is None else elements[code.parent]
        el = ET.Element(
            q + "Code",
            {
                "guid": guids[(code.id, None)],
                "name": clean(code.name),
                "isCodable": "true",
                "color": code.color.upper(),
            },
        )
        description = _compose_description(code)
        if description:
            ET.SubElement(el, q + "Description").text = clean(description)
        container.append(el)  # after the parent's <Description>, as the schema wants
        elements[code.id] = el
    if valence_codes:
        for code in codebook:
            for valence, color in VALENCE_CODES.items():
                guid = make_guid("code", codebook.name, code.id, valence)
                guids[(code.id, valence)] = guid
                el = ET.Element(
                    q + "Code",
                    {"guid": guid, "name": valence, "isCodable": "true", "color": color},
                )
                ET.SubElement(
                    el, q + "Description"
                ).text = f"Valence {valence} of {clean(code.name)} (sysreview convention)."
                elements[code.id].append(el)
    return guids


def codes_from_xml(
    codes_el: ET.Element | None,
    *,
    name: str = "",
    source: str | None = None,
    ids: dict[str, str] | None = None,
) -> tuple[Codebook, CodeMap]:
    """Read the ``<Code>`` elements under ``codes_el`` into a codebook.

    Parameters
    ----------
    codes_el : Element or None
        ``<Codes>`` (or ``<CodeBook>`` if a tool left ``<Codes>`` out).
    name : str, default=""
        The codebook's name.
    source : str, optional
        Where it came from, for error messages.
    ids : dict, optional
        Normalised GUID -> code id to use (from the sysreview extras).

    Returns
    -------
    (Codebook, CodeMap)
    """
    ids = ids or {}
    code_map = CodeMap()
    codes: list[Code] = []
    taken: set[str] = set()

    def unique(cid: str) -> str:
        base, n = cid, 2
        while cid in taken:
            cid, n = f"{base}_{n}", n + 1
        taken.add(cid)
        return cid

    def visit(el: ET.Element, parent: Code | None) -> None:
        guid = norm_guid(el.get("guid")) or make_guid("noguid", len(code_map.codes))
        cname = (el.get("name") or "").strip()
        subcodes = list(children(el, "Code"))
        if parent is not None and cname.lower() in VALENCE_CODES and not subcodes:
            code_map.codes[guid] = (parent.id, cname.lower())
            code_map.has_valence = True
            return
        description, include, exclude, written_id = _split_description(
            child_text(el, "Description")
        )
        cid = unique(ids.get(guid) or written_id or slug(cname or guid))
        code = Code(
            id=cid,
            name=cname or cid,
            description=description,
            include=include,
            exclude=exclude,
            color=norm_color(el.get("color")) or "",
            parent=parent.id if parent is not None else None,
        )
        codes.append(code)
        code_map.codes[guid] = (cid, None)
        for sub in subcodes:
            visit(sub, code)

    if codes_el is not None:
        for el in children(codes_el, "Code"):
            visit(el, None)
    try:
        codebook = Codebook(codes, name=name, source=source)
    except CodebookError as exc:
        raise CodebookError(f"{source or 'codebook'}: {exc}") from None
    return codebook, code_map


def write_qdc(
    codebook: Codebook, path: PathLike, *, overwrite: bool = False, valence_codes: bool = True
) -> Path:
    """Write a codebook as a REFI-QDA codebook file (``.qdc``).

    Parameters
    ----------
    codebook : Codebook
    path : path
        The file to write; written atomically.
    overwrite : bool, default=False
        Replace ``path`` if it exists (otherwise :class:`FileExistsError`).
    valence_codes : bool, default=True
        Give each code the child codes ``enabler``, ``barrier``, ``neutral``
        (the sysreview valence convention); ``read_qdc`` drops them again.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import os, tempfile
    >>> from sysreview import codebooks
    >>> path = os.path.join(tempfile.mkdtemp(), "codebook.qdc")
    >>> _ = write_qdc(codebooks.default(), path)
    >>> read_qdc(path).ids == codebooks.default().ids
    True
    """
    root = ET.Element("CodeBook", {"xmlns": CODEBOOK_NS, "origin": "sysreview"})
    codes_to_xml(codebook, root, valence_codes=valence_codes)
    ET.indent(root)
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return write_bytes_atomic(path, data, overwrite=overwrite, hint=OVERWRITE_HINT)


def read_qdc(path: PathLike) -> Codebook:
    """Read a REFI-QDA codebook file (``.qdc``) from NVivo, ATLAS.ti, MAXQDA, QualCoder...

    Codes keep their names, descriptions, colours and nesting. Ids come from a
    ``sysreview id:`` line in the description where there is one, else from
    the name (``"Sector inclusion"`` -> ``sector_inclusion``). Child codes
    named ``enabler``, ``barrier`` or ``neutral`` are the valence convention
    and are not codes of their own.

    Raises
    ------
    SourceFormatError
        If the file is not a REFI-QDA codebook.
    UnsafeArchiveError
        If its XML declares entities or external references.

    Examples
    --------
    >>> import os, tempfile
    >>> from sysreview import codebooks
    >>> path = os.path.join(tempfile.mkdtemp(), "codebook.qdc")
    >>> _ = write_qdc(codebooks.default(), path)
    >>> read_qdc(path)["leadership"].name
    'System leadership'
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such codebook file.") from None
    if size > _MAX_QDC_BYTES:
        raise SourceFormatError(path, f"the file is {size:,} bytes, too big for a codebook.")
    root = parse_xml(path.read_bytes(), str(path))
    if local(root.tag) != "CodeBook":
        raise SourceFormatError(
            path,
            f"this is not a REFI-QDA codebook: its root element is <{local(root.tag)}>, "
            "not <CodeBook>.",
            hint="Export the codebook from your QDA program as a REFI-QDA codebook (.qdc).",
        )
    codes_el = next(children(root, "Codes"), root)
    codebook, _ = codes_from_xml(codes_el, name=path.stem, source=str(path))
    return codebook
