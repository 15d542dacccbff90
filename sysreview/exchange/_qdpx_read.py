"""Read a REFI-QDA project (``.qdpx``) into sysreview's tidy tables."""

from __future__ import annotations

import codecs
import hashlib
import html
import io
import json
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import numpy as np
import pandas as pd

from .._typing import PathLike
from ..codebook import Codebook
from ..coding._schema import CODING_COLUMNS
from ..corpus import DOCUMENT_COLUMNS, SEGMENT_COLUMNS, Corpus
from ..exceptions import CodebookError, SourceFormatError, SysreviewWarning
from ..io._loader import build_corpus
from ..io._parsed import ParsedDoc
from ..segment import _mode_for, segment_text
from ._offsets import OffsetMap, choose_offsets, normalise
from ._qdc import codes_from_xml
from ._qdpx_write import EXTRAS_NAME
from ._safezip import MAX_RATIO, MAX_TOTAL_SIZE, SafeZip
from ._xml import child, child_text, children, local, norm_guid, parse_xml

__all__ = ["read_qdpx", "QdaProject", "SKIPPED_COLUMNS"]

#: Columns of :attr:`QdaProject.skipped`.
SKIPPED_COLUMNS = ["part", "name", "reason"]
_MAX_EXTERNAL_BYTES = 512 * 1024**2
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_TEXT_EXTENSIONS = (".txt", ".docx", ".doc", ".rtf", ".pdf", ".odt", ".md", ".htm", ".html")
_VALUE_TAGS = (
    "TextValue",
    "BooleanValue",
    "IntegerValue",
    "FloatValue",
    "DateValue",
    "DateTimeValue",
)
_MEDIA = {
    "PictureSource": ("picture", "PictureSelection"),
    "AudioSource": ("audio", "AudioSelection"),
    "VideoSource": ("video", "VideoSelection"),
}


# ------------------------------------------------------------------ helpers
def _decode(data: bytes) -> tuple[str, str]:
    """Decode a source file's bytes, keeping its line endings."""
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(enc, errors="replace").lstrip("\ufeff"), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _docx_text(data: bytes, label: str) -> str:
    """The text of a .docx from inside a project: its paragraphs, one per line.

    Paragraphs are joined with ``\\r\\n`` so that offsets counted either way
    (one or two characters per line break) can be matched.
    """
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    from lxml.etree import XMLSyntaxError

    with SafeZip(data, label=label):  # refuse a zip bomb before python-docx opens it
        pass
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, XMLSyntaxError) as exc:
        raise SourceFormatError(
            label, f"cannot read this .docx ({type(exc).__name__}: {exc})."
        ) from None
    lines = []
    for block in document.element.body.iterchildren():
        tag = local(block.tag)
        if tag == "p":
            lines.append(Paragraph(block, document).text)
        elif tag == "tbl":
            for row in Table(block, document).rows:
                for cell in row.cells:
                    lines.extend(p.text for p in cell.paragraphs)
    return "\r\n".join(lines)


def _column(name: str) -> str:
    """A documents-table column for a variable: ``"Cases:Source type"`` -> ``source_type``."""
    name = name.rsplit(":", 1)[-1]
    return re.sub(r"[^\w]+", "_", name.strip().lower()).strip("_") or "variable"


def _value(vv: ET.Element) -> str | None:
    for tag in _VALUE_TAGS:
        el = child(vv, tag)
        if el is not None and el.text is not None and el.text.strip():
            return el.text.strip()
    return None


def _doc_id(name: str) -> str:
    stem = name.strip()
    if stem.lower().endswith(_TEXT_EXTENSIONS):
        stem = stem.rsplit(".", 1)[0]
    return stem or "source"


def _line_segments(text: str, source_type) -> list[dict]:
    """Segment a text whose lines are its paragraphs (as QDA programs store Word files).

    Each line break counts as a paragraph break: the text is segmented with
    its line breaks doubled, and the offsets are moved back.
    """
    mode = _mode_for(source_type)
    doubled = text.replace("\n", "\n\n")
    newlines = [m.start() for m in re.finditer("\n", text)]
    inserted = [q + k + 1 for k, q in enumerate(newlines)]  # the added "\n" in ``doubled``

    def back(pos: int) -> int:
        return pos - bisect_left(inserted, pos)

    segments = segment_text(doubled, mode=mode)
    for seg in segments:
        seg["start"], seg["end"] = back(seg["start"]), back(seg["end"])
    return segments


def _within(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False


@dataclass
class _Context:
    """What the reader carries from one part of the project to the next."""

    label: str
    archive: SafeZip
    qdpx_dir: Path
    base_path: Path | None
    origin: str
    users: dict[str, str] = field(default_factory=dict)
    variables: dict[str, str] = field(default_factory=dict)
    skipped: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def skip(self, part: str, name: str | None, reason: str) -> None:
        self.skipped.append({"part": part, "name": name or "", "reason": reason})


def _read_ref(ref: str, ctx: _Context) -> tuple[bytes | None, str]:
    """The bytes a source path refers to, or ``(None, why not)``.

    ``internal://`` files are looked up in the archive's ``sources/`` or
    ``Sources/`` folder; ``relative://`` and bare paths in the archive, then
    in ``base_path`` and next to the .qdpx; ``absolute://`` paths only by file
    name in the archive and ``base_path`` (a project from elsewhere never
    makes sysreview read arbitrary files on this computer).
    """
    ref = ref.strip()
    scheme, _, rest = ref.partition("://")
    if not _:
        scheme, rest = "", ref
    scheme = scheme.lower()
    rest = rest.replace("\\", "/")
    rel = rest.lstrip("/")
    if scheme == "absolute" and re.match(r"^[A-Za-z]:/", rel):
        rel = rel[3:]
    candidates = [rel, unquote(rel)]
    names = []
    for c in dict.fromkeys(candidates):
        if scheme == "absolute":
            names += [f"sources/{PurePosixPath(c).name}"]
        else:
            names += [f"sources/{c}", c, f"sources/{PurePosixPath(c).name}"]
    for name in names:
        if ".." in PurePosixPath(name).parts:
            continue
        found = ctx.archive.find(name)
        if found is not None:
            return ctx.archive.read(found), f"archive:{found}"
    if scheme == "internal":
        return None, f"its file {ref!r} is not in the archive's sources folder"
    folders = [ctx.base_path] if ctx.base_path is not None else []
    if scheme != "absolute":
        folders.append(ctx.qdpx_dir)
    for folder in folders:
        for c in dict.fromkeys(candidates):
            for p in ([folder / c] if scheme != "absolute" else []) + [
                folder / PurePosixPath(c).name
            ]:
                if ".." in Path(c).parts or not _within(p, folder) or not p.is_file():
                    continue
                if p.stat().st_size > _MAX_EXTERNAL_BYTES:
                    return None, f"its file {p} is larger than {_MAX_EXTERNAL_BYTES:,} bytes"
                return p.read_bytes(), str(p)
    hint = "pass base_path= (--base-path) with the folder that holds it"
    return None, f"its file {ref!r} is outside the archive and was not found; {hint}"


def _source_text(el: ET.Element, ctx: _Context, name: str) -> tuple[str | None, str, str]:
    """``(raw text or None, format, where it came from or why not)``."""
    content = child(el, "PlainTextContent")
    if content is not None and (content.text or "").strip():
        return content.text, "txt", "PlainTextContent"
    why = "it has no text (no PlainTextContent, plainTextPath or richTextPath)"
    plain = el.get("plainTextPath")
    if plain:
        data, where = _read_ref(plain, ctx)
        if data is not None:
            text, enc = _decode(data)
            if text.strip():
                if enc == "cp1252":
                    ctx.notes.append(
                        f"{name}: the text file is not UTF-8; read it as Windows-1252."
                    )
                return text, "txt", where
            why = f"its plain-text file {plain!r} is empty"
        else:
            why = where
    rich = el.get("richTextPath")
    if rich and rich.lower().split("?")[0].endswith(".docx"):
        data, where = _read_ref(rich, ctx)
        if data is not None:
            try:
                text = _docx_text(data, f"{ctx.label}: {rich}")
            except SourceFormatError as exc:  # one bad file: report it, import the rest
                return None, "", f"{why}, and its .docx {rich!r} cannot be read ({exc.reason})"
            if text.strip():
                if plain:
                    ctx.notes.append(f"{name}: {why}; used the text of its .docx instead.")
                return text, "docx", where
            why += f", and its .docx {rich!r} has no text"
        else:
            why += f"; and for its .docx: {where}"
    elif rich:
        why += f"; its rich text {rich!r} is not a .docx, which sysreview cannot read"
    return None, "", why


# ------------------------------------------------------------------- parts
def _read_users(root: ET.Element, ctx: _Context) -> None:
    users = child(root, "Users")
    if users is None:
        return
    for u in children(users, "User"):
        guid = norm_guid(u.get("guid"))
        if guid:
            ctx.users[guid] = (u.get("name") or u.get("id") or guid).strip()


def _read_variables(root: ET.Element, ctx: _Context) -> None:
    variables = child(root, "Variables")
    if variables is None:
        return
    for v in children(variables, "Variable"):
        guid = norm_guid(v.get("guid"))
        if guid and v.get("name"):
            ctx.variables[guid] = v.get("name")


def _variable_values(el: ET.Element, ctx: _Context) -> dict[str, str]:
    out = {}
    for vv in children(el, "VariableValue"):
        ref = child(vv, "VariableRef")
        guid = norm_guid(ref.get("targetGUID")) if ref is not None else None
        name = ctx.variables.get(guid or "")
        value = _value(vv)
        if name and value is not None:
            out[_column(name)] = value
    return out


def _read_cases(root: ET.Element, ctx: _Context) -> dict[str, dict]:
    """Metadata per source GUID from the cases that refer to whole sources."""
    meta: dict[str, dict] = {}
    cases = child(root, "Cases")
    if cases is None:
        return meta
    for case in children(cases, "Case"):
        values = _variable_values(case, ctx)
        refs = [norm_guid(r.get("targetGUID")) for r in children(case, "SourceRef")]
        if not refs:
            if list(children(case, "SelectionRef")):
                ctx.skip(
                    "case", case.get("name"), "a case made of selections, not of whole sources"
                )
            continue
        cname = (case.get("name") or "").strip()
        for guid in refs:
            entry = meta.setdefault(guid, {})
            for k, v in values.items():
                if k in entry and entry[k] != v:
                    ctx.notes.append(
                        f"source {guid}: cases disagree on {k!r} ({entry[k]!r} vs {v!r}); "
                        f"kept {v!r}."
                    )
                entry[k] = v
            if cname:
                entry.setdefault("_cases", []).append(cname)
    return meta


@dataclass
class _Source:
    guid: str
    name: str
    text: str
    crlf: list[int]
    fmt: str
    where: str
    meta: dict
    selections: list[ET.Element]


def _read_sources(root: ET.Element, ctx: _Context) -> list[_Source]:
    out: list[_Source] = []
    sources = child(root, "Sources")
    if sources is None:
        return out
    for el in sources:
        kind = local(el.tag)
        name = (el.get("name") or el.get("guid") or "").strip()
        if kind == "TextSource":
            text_el = el
        elif kind == "PDFSource":
            text_el = child(el, "Representation")
            n_sel = len(list(children(el, "PDFSelection")))
            if n_sel:
                ctx.skip(
                    "PDF selections", name, f"{n_sel} area selection(s) on PDF pages are not text"
                )
            if text_el is None:
                ctx.skip("PDF", name, "a PDF without a text representation")
                continue
        elif kind in _MEDIA:
            what, sel_tag = _MEDIA[kind]
            n_sel = len(list(children(el, sel_tag)))
            n_tr = len(list(children(el, "Transcript")))
            extra = (
                f" ({n_sel} coded selection(s)" + (f", {n_tr} transcript(s)" if n_tr else "") + ")"
            )
            ctx.skip(what, name, f"sysreview analyses text; {what} sources are not imported{extra}")
            continue
        elif kind:
            ctx.skip(kind, name, "not a source type sysreview reads")
            continue
        else:
            continue
        raw, fmt, where = _source_text(text_el, ctx, name)
        if raw is None:
            ctx.skip("text source", name, f"not imported: {where}")
            continue
        if kind == "PDFSource":
            fmt = "pdf"
        text, crlf = normalise(raw)
        meta = _variable_values(el, ctx)
        out.append(
            _Source(
                guid=norm_guid(el.get("guid")) or name,
                name=name,
                text=text,
                crlf=crlf,
                fmt=fmt,
                where=where,
                meta=meta,
                selections=list(children(text_el, "PlainTextSelection")),
            )
        )
    return out


def _report_rest(root: ET.Element, ctx: _Context) -> None:
    notes = child(root, "Notes")
    if notes is not None:
        for n in children(notes, "Note"):
            ctx.skip("note", n.get("name"), "notes (memos) are not imported")
    for part, tag, inner in (
        ("set", "Sets", "Set"),
        ("link", "Links", "Link"),
        ("graph", "Graphs", "Graph"),
    ):
        el = child(root, tag)
        if el is not None:
            for item in children(el, inner):
                ctx.skip(part, item.get("name"), f"{tag.lower()} are not imported")


def _read_extras(ctx: _Context, use: bool) -> dict | None:
    if not use:
        return None
    name = ctx.archive.find(EXTRAS_NAME)
    if name is None:
        return None
    try:
        extras = json.loads(ctx.archive.read(name).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        ctx.notes.append(f"{EXTRAS_NAME} is unreadable ({exc}); ignored it.")
        return None
    if not isinstance(extras, dict) or extras.get("format") != "sysreview-qdpx-extras":
        ctx.notes.append(f"{EXTRAS_NAME} is not sysreview's extras file; ignored it.")
        return None
    return extras


# ----------------------------------------------------------------- codings
def _segment_index(segments: pd.DataFrame) -> dict[str, tuple[list[int], list[int], list[str]]]:
    index = {}
    for doc_id, g in segments.groupby("doc_id", sort=False):
        g = g.sort_values("start")
        index[doc_id] = (g["start"].tolist(), g["end"].tolist(), g["segment_id"].tolist())
    return index


def _overlaps(index, doc_id: str, text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """``(segment_id, start, end)`` for each segment the span covers some text of."""
    if doc_id not in index:
        return []
    starts, ends, ids = index[doc_id]
    out = []
    i = max(bisect_left(starts, start) - 1, 0)
    while i < len(starts) and starts[i] < end:
        s, e = max(start, starts[i]), min(end, ends[i])
        if s < e and text[s:e].strip():
            out.append((ids[i], s, e))
        i += 1
    return out


def _codings(
    sources: list[_Source],
    doc_ids: dict[str, str],
    corpus: Corpus,
    code_map,
    ctx: _Context,
    extras: dict | None,
    offsets: str,
) -> pd.DataFrame:
    index = _segment_index(corpus.segments)
    seg_info = corpus.segments.set_index("segment_id")[["area", "sector"]].to_dict("index")
    extra_codings = {norm_guid(k): v for k, v in ((extras or {}).get("codings") or {}).items()}
    prefer = 1 if "atlas" in ctx.origin.lower() else 2
    rows: list[dict] = []
    for src in sources:
        doc_id = doc_ids.get(src.guid)
        if doc_id is None:
            continue
        text = src.text
        spans = [
            (int(s.get("startPosition", -1)), int(s.get("endPosition", -1)), s.get("name") or "")
            for s in src.selections
            if _is_int(s.get("startPosition")) and _is_int(s.get("endPosition"))
        ]
        if offsets == "auto":
            omap = choose_offsets(text, src.crlf, spans, prefer_crlf_units=prefer)
        else:
            units = 1 if offsets == "characters" else 2
            omap = OffsetMap(text, src.crlf, crlf_units=units, utf16=False)
        for sel in src.selections:
            label = f"{src.name}: selection {sel.get('guid')}"
            if not (_is_int(sel.get("startPosition")) and _is_int(sel.get("endPosition"))):
                ctx.skip("selection", label, "startPosition/endPosition are not whole numbers")
                continue
            codings = list(children(sel, "Coding"))
            if not codings:
                if child_text(sel, "Description").strip() or list(children(sel, "NoteRef")):
                    ctx.skip("memo", label, "a selection with a memo but no code")
                continue
            if child_text(sel, "Description").strip():
                ctx.skip("memo", label, "the memo on this coded selection is not imported")
            s_units, e_units = int(sel.get("startPosition")), int(sel.get("endPosition"))
            start, end = omap.index(s_units), omap.index(e_units)
            if end > len(text):
                ctx.notes.append(
                    f"{label}: ends at {e_units}, past the end of the text "
                    f"({omap.units(len(text))}); "
                    "cut it at the end."
                )
                end = len(text)
            if start >= end:
                ctx.skip("selection", label, f"empty or reversed span {s_units}-{e_units}")
                continue
            sel_user = norm_guid(sel.get("creatingUser"))
            for coding in codings:
                ref = child(coding, "CodeRef")
                target = norm_guid(ref.get("targetGUID")) if ref is not None else None
                if target not in code_map.codes:
                    ctx.skip(
                        "coding",
                        label,
                        f"refers to {target!r}, which is not a code of the codebook",
                    )
                    continue
                code_id, valence = code_map.codes[target]
                user = norm_guid(coding.get("creatingUser")) or sel_user
                coder = ctx.users.get(user or "", user or "unknown")
                if user and user not in ctx.users:
                    ctx.notes.append(f"{label}: coder {user} is not among the project's users.")
                known = extra_codings.get(norm_guid(coding.get("guid")))
                placed = _overlaps(index, doc_id, text, start, end)
                if known and any(p[0] == known.get("segment_id") for p in placed):
                    placed = [(known["segment_id"], start, end)]
                if not placed:
                    ctx.skip(
                        "coding",
                        label,
                        "covers no segment's text (a heading or speaker label only)",
                    )
                    continue
                score = known.get("score") if known else None
                for segment_id, s, e in placed:
                    info = seg_info.get(segment_id, {})
                    rows.append(
                        {
                            "segment_id": segment_id,
                            "doc_id": doc_id,
                            "area": info.get("area"),
                            "sector": info.get("sector"),
                            "code": code_id,
                            "valence": valence if code_map.has_valence else np.nan,
                            "start": s,
                            "end": e,
                            "evidence": text[s:e],
                            "score": np.nan if score is None else float(score),
                            "coder": coder,
                        }
                    )
    table = pd.DataFrame(rows, columns=CODING_COLUMNS)
    if table.empty:
        return table.astype({"start": "Int64", "end": "Int64", "score": "float64"})
    table = _merge(table, corpus)
    return table


def _merge(table: pd.DataFrame, corpus: Corpus) -> pd.DataFrame:
    """One row per segment x code x coder x valence: join selections in one segment."""
    table = table.assign(_v=[v if isinstance(v, str) else "\x00" for v in table["valence"]])
    dup = table.duplicated(["segment_id", "code", "coder", "_v"], keep=False)
    if dup.any():
        texts = corpus.texts
        merged = []
        for _, g in table[dup].groupby(["segment_id", "code", "coder", "_v"], sort=False):
            row = g.iloc[0].copy()
            row["start"], row["end"] = int(g["start"].min()), int(g["end"].max())
            row["evidence"] = texts[row["doc_id"]][row["start"] : row["end"]]
            row["score"] = g["score"].max()
            merged.append(row)
        table = pd.concat([table[~dup], pd.DataFrame(merged)], ignore_index=True)
    table = table.drop(columns="_v")
    order = {s: i for i, s in enumerate(corpus.segments["segment_id"])}
    table = table.assign(_o=table["segment_id"].map(order)).sort_values(
        ["_o", "start", "code", "coder"], kind="stable"
    )
    table = table.drop(columns="_o").reset_index(drop=True)
    table["start"] = table["start"].astype("Int64")
    table["end"] = table["end"].astype("Int64")
    table["score"] = table["score"].astype("float64")
    return table[CODING_COLUMNS]


def _is_int(value) -> bool:
    return value is not None and re.fullmatch(r"\s*-?\d+\s*", value) is not None


# ------------------------------------------------------------------ public
def read_qdpx(
    path: PathLike,
    *,
    base_path: PathLike | None = None,
    offsets: str = "auto",
    extras: bool = True,
    max_total_size: int = MAX_TOTAL_SIZE,
    max_ratio: float = MAX_RATIO,
) -> QdaProject:
    """Read a REFI-QDA project (``.qdpx``) exported by NVivo, ATLAS.ti, MAXQDA, QualCoder...

    Parameters
    ----------
    path : path
        The ``.qdpx`` file.
    base_path : path, optional
        The folder holding sources the project keeps outside the archive
        (``relative://`` or ``absolute://`` paths). Files next to the .qdpx
        are found without it.
    offsets : {"auto", "characters", "crlf2"}, default="auto"
        How selection offsets count Windows line breaks (``\\r\\n``):
        ``"characters"`` as one, ``"crlf2"`` as two; ``"auto"`` picks, per
        source, whichever makes the selections' names match the text (and
        else two, or one for ATLAS.ti projects).
    extras : bool, default=True
        Use ``sysreview.json`` where sysreview wrote one (exact code ids,
        rules, segments and scores).
    max_total_size, max_ratio
        Zip-bomb limits, see :class:`SafeZip`.

    Returns
    -------
    QdaProject
        With ``.documents``, ``.segments``, ``.codings``, ``.codebook`` and
        ``.skipped`` (the parts of the project that were not imported).

    Raises
    ------
    UnsafeArchiveError
        If the archive has entries escaping it, symbolic links, absurd sizes,
        or XML with entities.
    SourceFormatError
        If it is not a REFI-QDA project.

    Notes
    -----
    Segments are made from each text as :func:`~sysreview.load_corpus`
    makes them (speaker turns or paragraphs, by the ``source_type`` case
    variable); a selection spanning several segments gives one coding per
    segment, with the part of the selection inside it as evidence. Codings
    keep their coder's user name. Codes named ``enabler``, ``barrier`` or
    ``neutral`` under another code are the sysreview valence convention:
    their codings become codings of the parent code with that valence.
    Projects without that convention get an empty (NaN) valence.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> import sysreview
    >>> from sysreview.exchange import to_qdpx
    >>> corpus = sysreview.Corpus.from_segments(pd.DataFrame(
    ...     {"doc_id": ["d1"], "text": ["We had worked together for years."]}))
    >>> path = os.path.join(tempfile.mkdtemp(), "study.qdpx")
    >>> _ = to_qdpx(corpus, sysreview.code(corpus), None, path)
    >>> project = read_qdpx(path)
    >>> project.documents.doc_id.tolist(), project.codings.code.tolist()
    (['d1'], ['preexisting_relationships'])
    """
    if offsets not in ("auto", "characters", "crlf2"):
        raise ValueError(
            "The value for `offsets` must be one of ['auto', 'characters', 'crlf2'], "
            f"but {offsets!r} was passed."
        )
    path = Path(path)
    label = str(path)
    with SafeZip(path, max_total_size=max_total_size, max_ratio=max_ratio) as archive:
        qde = archive.find("project.qde") or next(
            (n for n in archive.names if n.lower().endswith(".qde") and "/" not in n), None
        )
        if qde is None:
            raise SourceFormatError(
                label,
                "this archive has no project.qde, so it is not a REFI-QDA project.",
                hint="Export the project from your QDA program with 'REFI-QDA project' (.qdpx).",
            )
        root = parse_xml(archive.read(qde), f"{label}: {qde}")
        if local(root.tag) != "Project":
            raise SourceFormatError(
                f"{label}: {qde}",
                f"the root element is <{local(root.tag)}>, not <Project>; "
                "this is not a REFI-QDA project.",
            )
        ctx = _Context(
            label=label,
            archive=archive,
            qdpx_dir=path.resolve().parent,
            base_path=Path(base_path) if base_path is not None else None,
            origin=root.get("origin") or "",
        )
        extras_data = _read_extras(ctx, extras)
        _read_users(root, ctx)
        _read_variables(root, ctx)
        codebook, code_map = _read_codebook(
            root, ctx, extras_data, name=root.get("name") or path.stem
        )
        case_meta = _read_cases(root, ctx)
        sources = _read_sources(root, ctx)
        _report_rest(root, ctx)
    return _assemble(path, root, ctx, codebook, code_map, case_meta, sources, extras_data, offsets)


def _read_codebook(root, ctx: _Context, extras: dict | None, *, name: str):
    cb_el = child(root, "CodeBook")
    codes_el = None
    if cb_el is not None:
        codes_el = child(cb_el, "Codes")
        if codes_el is None:
            codes_el = cb_el
    ids = {norm_guid(k): v for k, v in ((extras or {}).get("code_ids") or {}).items()}
    codebook, code_map = codes_from_xml(
        codes_el, name=name, source=f"{ctx.label}: CodeBook", ids=ids
    )
    if extras and extras.get("codebook"):
        try:
            full = Codebook.from_dict(extras["codebook"], source=f"{ctx.label}: {EXTRAS_NAME}")
        except CodebookError as exc:
            ctx.notes.append(f"{EXTRAS_NAME}: its codebook is invalid ({exc}); used the project's.")
            return codebook, code_map
        same = full.ids == codebook.ids and all(
            full[c].name == codebook[c].name and full[c].parent == codebook[c].parent
            for c in full.ids
        )
        if same:
            return full, code_map
        ctx.notes.append(
            f"the codes were changed after sysreview exported the project; used the project's "
            f"codebook (names, descriptions, colours) without the matching rules of {EXTRAS_NAME}."
        )
    return codebook, code_map


def _assemble(
    path, root, ctx, codebook, code_map, case_meta, sources, extras, offsets
) -> QdaProject:
    extra_sources = {norm_guid(k): v for k, v in ((extras or {}).get("sources") or {}).items()}
    extra_docs = {d.get("doc_id"): d for d in (extras or {}).get("documents") or []}
    extra_segs: dict[str, list[dict]] = {}
    for s in (extras or {}).get("segments") or []:
        extra_segs.setdefault(s.get("doc_id"), []).append(s)
    parsed, doc_ids, meta_rows, exact, source_rows = [], {}, [], [], []
    taken: set[str] = set()
    for src in sources:
        known = extra_sources.get(src.guid)
        matches = known is not None and hashlib.sha256(src.text.encode()).hexdigest() == known.get(
            "sha256"
        )
        if known is not None and not matches:
            ctx.notes.append(
                f"{src.name}: the text changed after sysreview exported it; segmented it again."
            )
        doc_id = known["doc_id"] if matches else _doc_id(src.name)
        base, n = doc_id, 2
        while doc_id in taken:
            doc_id, n = f"{base} ({n})", n + 1
        taken.add(doc_id)
        doc_ids[src.guid] = doc_id
        meta = dict(case_meta.get(src.guid, {}))
        meta.update(src.meta)
        cases = meta.pop("_cases", [])
        if cases and not (len(cases) == 1 and cases[0] in (src.name, doc_id)):
            meta["case"] = "; ".join(dict.fromkeys(cases))
        segments = None
        if matches and doc_id in extra_segs:
            segments = [
                {k: v for k, v in s.items() if k not in ("doc_id", "text")}
                for s in extra_segs[doc_id]
            ]
            exact.append(doc_id)
        elif src.fmt == "docx" or ("\n" in src.text.strip() and not _BLANK_LINE.search(src.text)):
            segments = _line_segments(src.text, meta.get("source_type"))
        d = ParsedDoc(
            text=src.text,
            format=src.fmt,
            doc_id=doc_id,
            title=src.name,
            segments=segments,
            meta={k: meta[k] for k in ("area", "sector") if k in meta},
        )
        parsed.append((Path(f"{path.name}::{src.name}"), d))
        meta_rows.append({"doc_id": doc_id, **meta})
        source_rows.append(
            {
                "guid": src.guid,
                "doc_id": doc_id,
                "name": src.name,
                "text_from": src.where,
                "selections": len(src.selections),
            }
        )
    metadata = pd.DataFrame(meta_rows) if meta_rows else None
    if parsed:
        corpus = build_corpus(parsed, metadata=metadata)
        documents, segments = corpus.documents, corpus.segments
        if exact and len(exact) == len(parsed) and extra_docs:
            documents = pd.DataFrame(
                [extra_docs[d] for d in documents["doc_id"] if d in extra_docs]
            )
            if len(documents) == len(corpus.documents):
                corpus = Corpus(documents, segments, corpus.texts)
    else:
        corpus = Corpus(
            pd.DataFrame(columns=DOCUMENT_COLUMNS), pd.DataFrame(columns=SEGMENT_COLUMNS), {}
        )
    ctx.notes.extend(corpus.warnings)
    codings = _codings(sources, doc_ids, corpus, code_map, ctx, extras, offsets)
    project = QdaProject(
        corpus=corpus,
        codings=codings,
        codebook=codebook,
        users=pd.DataFrame(
            [{"guid": g, "name": n} for g, n in ctx.users.items()], columns=["guid", "name"]
        ),
        sources=pd.DataFrame(
            source_rows, columns=["guid", "doc_id", "name", "text_from", "selections"]
        ),
        skipped=pd.DataFrame(ctx.skipped, columns=SKIPPED_COLUMNS),
        notes=ctx.notes,
        name=root.get("name") or path.stem,
        origin=ctx.origin,
        description=child_text(root, "Description"),
        path=path,
        has_valence=code_map.has_valence,
    )
    if len(project.skipped):
        counts = project.skipped["part"].value_counts()
        summary = ", ".join(f"{n} {part}" for part, n in counts.items())
        warnings.warn(
            f"{path}: parts of the project were not imported ({summary}); "
            "see project.skipped for each and the reason.",
            SysreviewWarning,
            stacklevel=3,
        )
    return project


class QdaProject:
    """A REFI-QDA project read by :func:`read_qdpx`, as sysreview's tidy tables.

    Attributes
    ----------
    documents, segments : DataFrame
        As in :class:`~sysreview.Corpus`; case variables become columns
        (``area``, ``sector``, ``source_type``, ...).
    codings : DataFrame
        The codings table; ``coder`` is the project user who made each coding.
    codebook : Codebook
        The project's codes (valence child codes removed).
    users : DataFrame
        ``guid``, ``name`` of the project's users.
    sources : DataFrame
        Each imported text source: its GUID, doc_id, name, where its text came from.
    skipped : DataFrame
        ``part``, ``name``, ``reason`` for everything not imported (pictures,
        audio, video, PDF areas, notes, memos, sets, links, codings that
        cover no segment...).
    notes : list of str
        Other things the reader noticed (text read from .docx, Windows-1252
        files, selections cut at the end of their text).
    has_valence : bool
        Whether the codes follow the valence-children convention.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> import sysreview
    >>> from sysreview.exchange import to_qdpx
    >>> corpus = sysreview.Corpus.from_segments(pd.DataFrame(
    ...     {"doc_id": ["d1"], "text": ["Our IT systems don't talk to each other."]}))
    >>> path = os.path.join(tempfile.mkdtemp(), "study.qdpx")
    >>> _ = to_qdpx(corpus, sysreview.code(corpus, coder="rules"), None, path)
    >>> project = read_qdpx(path)
    >>> project.codings[["code", "valence", "coder"]].values.tolist()
    [['data_and_digital', 'barrier', 'rules']]
    >>> project.corpus.text("d1") == corpus.text("d1")
    True
    """

    def __init__(
        self,
        *,
        corpus: Corpus,
        codings: pd.DataFrame,
        codebook: Codebook,
        users: pd.DataFrame,
        sources: pd.DataFrame,
        skipped: pd.DataFrame,
        notes: list[str],
        name: str,
        origin: str,
        description: str,
        path: Path,
        has_valence: bool,
    ):
        self.corpus = corpus
        self.codings = codings
        self.codebook = codebook
        self.users = users
        self.sources = sources
        self.skipped = skipped
        self.notes = list(notes)
        self.name = name
        self.origin = origin
        self.description = description
        self.path = path
        self.has_valence = has_valence

    @property
    def documents(self) -> pd.DataFrame:
        """The documents table (one row per imported text source)."""
        return self.corpus.documents

    @property
    def segments(self) -> pd.DataFrame:
        """The segments table."""
        return self.corpus.segments

    def text(self, doc_id: str) -> str:
        """The full text of document ``doc_id``."""
        return self.corpus.text(doc_id)

    def __repr__(self) -> str:
        coders = sorted(set(self.codings["coder"])) if len(self.codings) else []
        return (
            f"<QdaProject {self.name!r} from {self.origin or 'unknown software'}: "
            f"{len(self.documents)} documents, {len(self.segments)} segments, "
            f"{len(self.codings)} codings by {coders}, {len(self.codebook)} codes, "
            f"{len(self.skipped)} part(s) not imported>"
        )

    def _repr_html_(self) -> str:
        parts = [f"<p>{html.escape(repr(self))}</p>"]
        if len(self.skipped):
            parts.append("<h4>Not imported</h4>" + self.skipped.to_html(index=False))
        return "".join(parts)
