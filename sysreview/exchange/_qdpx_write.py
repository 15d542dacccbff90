"""Write a corpus, its codings and the codebook as a REFI-QDA project (``.qdpx``)."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from .._files import write_atomic
from .._typing import VALENCES, PathLike
from ..codebook import Codebook
from ..corpus import Corpus
from ..exceptions import CodebookError, CorpusError
from ._qdc import codes_to_xml
from ._xml import OVERWRITE_HINT, PROJECT_NS, clean, make_guid

__all__ = ["to_qdpx", "EXTRAS_NAME", "DEFAULT_CODER"]

#: The file sysreview adds to a .qdpx for what REFI-QDA has no place for.
EXTRAS_NAME = "sysreview.json"
#: The user a coding without a ``coder`` is attributed to.
DEFAULT_CODER = "sysreview"
#: Document columns that are not exported as case variables.
_NOT_VARIABLES = {"doc_id", "path", "title", "format"}


def _jsonable(value):
    """A JSON-safe copy of a table cell (NaN -> None, numpy -> Python)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (pd.Timestamp, _dt.date, _dt.datetime)):
        return value.isoformat()
    return str(value)


def _relative_paths(documents: pd.DataFrame) -> pd.DataFrame:
    """Document paths relative to the folder they share (no home folders in exports)."""
    if "path" not in documents.columns:
        return documents
    absolute = [p for p in documents["path"] if isinstance(p, str) and os.path.isabs(p)]
    if not absolute:
        return documents
    common = os.path.commonpath([os.path.dirname(p) for p in absolute])
    out = documents.copy()
    out["path"] = [
        Path(os.path.relpath(p, common)).as_posix() if p in absolute else p
        for p in documents["path"]
    ]
    return out


def _records(df: pd.DataFrame) -> list[dict]:
    return [{k: _jsonable(v) for k, v in row.items()} for row in df.to_dict("records")]


def _is_missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _snippet(text: str, n: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 3] + "..."


def _prepare_codings(corpus: Corpus, codings: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Check the codings and give every row a doc_id, span, valence and coder."""
    if not isinstance(codings, pd.DataFrame):
        raise TypeError(
            f"codings must be a DataFrame (a codings table), got {type(codings).__name__}."
        )
    missing = {"segment_id", "code"} - set(codings.columns)
    if missing:
        raise ValueError(
            f"The codings table needs columns {sorted(missing)}; it has {list(codings.columns)}."
        )
    # rows without a code mark segments a coder saw and coded with nothing:
    # REFI-QDA has no place for them (an uncoded passage is simply not selected)
    out = codings[codings["code"].notna() & (codings["code"].astype(str) != "")]
    out = out.reset_index(drop=True).copy()
    unknown = sorted(set(out["code"].astype(str)) - set(codebook.ids))
    if unknown:
        raise CodebookError(
            f"the codings use code(s) {unknown[:10]} that are not in the codebook "
            f"{codebook.name!r}; pass the codebook the codings were made with."
        )
    if "valence" not in out.columns:
        out["valence"] = None
    bad = sorted({str(v) for v in out["valence"] if not _is_missing(v) and v not in VALENCES})
    if bad:
        raise ValueError(
            f"The value for `valence` must be one of {list(VALENCES)} (or empty), "
            f"but {bad[:5]} was passed."
        )
    if "coder" not in out.columns:
        out["coder"] = DEFAULT_CODER
    out["coder"] = [
        DEFAULT_CODER if _is_missing(c) or not str(c).strip() else str(c) for c in out["coder"]
    ]
    seg = corpus.segments
    where = {
        str(sid): (d, int(a), int(b))
        for sid, d, a, b in zip(
            seg["segment_id"], seg["doc_id"], seg["start"], seg["end"], strict=True
        )
    }
    out["segment_id"] = out["segment_id"].astype(str)
    unknown_segs = sorted(set(out["segment_id"]) - set(where))
    if unknown_segs:
        raise CorpusError(
            f"the codings refer to {len(unknown_segs)} segment(s) that are not in the corpus, "
            f"e.g. {unknown_segs[:5]}; export the corpus the codings were made from."
        )
    doc_ids, starts, ends = [], [], []
    for row in out.itertuples(index=False):
        doc_id, seg_start, seg_end = where[row.segment_id]
        text = corpus.text(doc_id)
        start = getattr(row, "start", None)
        end = getattr(row, "end", None)
        if _is_missing(start) or _is_missing(end):
            start, end = seg_start, seg_end
        else:
            start, end = int(start), int(end)
            if not 0 <= start < end <= len(text):
                raise ValueError(
                    f"codings row for segment {row.segment_id!r} and code {row.code!r} has "
                    f"start={start}, end={end}, outside document {doc_id!r} "
                    f"({len(text)} characters); fix the offsets or leave them empty."
                )
        doc_ids.append(doc_id)
        starts.append(start)
        ends.append(end)
    out["doc_id"] = doc_ids
    out["start"] = starts
    out["end"] = ends
    return out


def _project_xml(
    corpus: Corpus,
    codings: pd.DataFrame,
    codebook: Codebook,
    *,
    name: str,
    valence_codes: bool,
) -> tuple[bytes, dict[str, str], dict]:
    """Return ``(project.qde bytes, {doc_id: source guid}, extras)``."""
    q = ""  # plain tags; the root declares the namespace with xmlns
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    root = ET.Element(
        q + "Project",
        {
            "xmlns": PROJECT_NS,
            "name": clean(name),
            "origin": f"sysreview {__version__}",
            "creationDateTime": now,
        },
    )
    coders = list(dict.fromkeys(codings["coder"]))
    user_guid = {c: make_guid("user", c) for c in coders}
    if coders:
        users = ET.SubElement(root, q + "Users")
        for c in coders:
            ET.SubElement(users, q + "User", {"guid": user_guid[c], "name": clean(c)})
    code_guids: dict[tuple[str, str | None], str] = {}
    if len(codebook):
        cb_el = ET.SubElement(root, q + "CodeBook")
        code_guids = codes_to_xml(codebook, cb_el, valence_codes=valence_codes)

    docs = corpus.documents
    var_cols = [
        c
        for c in docs.columns
        if c not in _NOT_VARIABLES and any(not _is_missing(v) and str(v) != "" for v in docs[c])
    ]
    var_guid = {c: make_guid("variable", c) for c in var_cols}
    if var_cols:
        variables = ET.SubElement(root, q + "Variables")
        for c in var_cols:
            ET.SubElement(
                variables,
                q + "Variable",
                {"guid": var_guid[c], "name": clean(c), "typeOfVariable": "Text"},
            )
    source_guid = {d: make_guid("source", d) for d in docs["doc_id"]}
    if len(docs):
        cases = ET.SubElement(root, q + "Cases")
        for rec in docs.to_dict("records"):
            case = ET.SubElement(
                cases,
                q + "Case",
                {"guid": make_guid("case", rec["doc_id"]), "name": clean(rec["doc_id"])},
            )
            for c in var_cols:
                value = rec.get(c)
                if _is_missing(value) or str(value) == "":
                    continue
                vv = ET.SubElement(case, q + "VariableValue")
                ET.SubElement(vv, q + "VariableRef", {"targetGUID": var_guid[c]})
                ET.SubElement(vv, q + "TextValue").text = clean(_jsonable(value))
            ET.SubElement(case, q + "SourceRef", {"targetGUID": source_guid[rec["doc_id"]]})

    extras_codings: dict[str, dict] = {}
    if len(docs):
        sources = ET.SubElement(root, q + "Sources")
        by_doc = {d: g for d, g in codings.groupby("doc_id", sort=False)}
        for doc_id in docs["doc_id"]:
            guid = source_guid[doc_id]
            src = ET.SubElement(
                sources,
                q + "TextSource",
                {"guid": guid, "name": clean(doc_id), "plainTextPath": f"internal://{guid}.txt"},
            )
            group = by_doc.get(doc_id)
            if group is None:
                continue
            text = corpus.text(doc_id)
            for (start, end), sel_rows in group.groupby(["start", "end"], sort=True):
                sel_guid = make_guid("selection", doc_id, start, end)
                first_coder = sel_rows["coder"].iloc[0]
                sel = ET.SubElement(
                    src,
                    q + "PlainTextSelection",
                    {
                        "guid": sel_guid,
                        "name": clean(_snippet(text[start:end])),
                        "startPosition": str(int(start)),
                        "endPosition": str(int(end)),
                        "creatingUser": user_guid[first_coder],
                    },
                )
                for row in sel_rows.itertuples(index=False):
                    valence = None if _is_missing(row.valence) else row.valence
                    target = code_guids.get((row.code, valence)) or code_guids[(row.code, None)]
                    coding_guid = make_guid(
                        "coding", sel_guid, row.code, valence, row.coder, row.segment_id
                    )
                    coding = ET.SubElement(
                        sel,
                        q + "Coding",
                        {"guid": coding_guid, "creatingUser": user_guid[row.coder]},
                    )
                    ET.SubElement(coding, q + "CodeRef", {"targetGUID": target})
                    score = getattr(row, "score", None)
                    extras_codings[coding_guid] = {
                        "segment_id": str(row.segment_id),
                        "valence": valence,
                        "score": None if _is_missing(score) else float(score),
                    }
    ET.indent(root)
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    extras = {
        "format": "sysreview-qdpx-extras",
        "version": 1,
        "sysreview": __version__,
        "codebook": codebook.to_dict(),
        "code_ids": {guid: cid for (cid, valence), guid in code_guids.items() if valence is None},
        "documents": _records(_relative_paths(docs)),
        "sources": {
            source_guid[d]: {
                "doc_id": d,
                "sha256": hashlib.sha256(corpus.text(d).encode()).hexdigest(),
            }
            for d in docs["doc_id"]
        },
        "segments": _records(corpus.segments),
        "codings": extras_codings,
        "coding_columns": [c for c in codings.columns],
    }
    return data, source_guid, extras


def to_qdpx(
    corpus: Corpus,
    codings: pd.DataFrame,
    codebook: Codebook | PathLike | None,
    path: PathLike,
    *,
    overwrite: bool = False,
    name: str | None = None,
    valence_codes: bool = True,
    extras: bool = True,
) -> Path:
    """Export a corpus and its codings as a REFI-QDA project (``.qdpx``).

    NVivo, ATLAS.ti, MAXQDA, QualCoder and other QDA programs open the file
    with their "REFI-QDA project import". It holds:

    - ``project.qde``: users (one per coder), the code hierarchy with
      descriptions and colours, one case per document with its metadata
      (area, sector, source type, ...) as text variables, and one text
      source per document with each coding as a ``PlainTextSelection``
      (character offsets) carrying a ``Coding`` by its coder;
    - ``sources/<guid>.txt``: each document's text (UTF-8);
    - ``sysreview.json`` (unless ``extras=False``): what the standard has no
      place for (code ids and matching rules, segment boundaries, scores,
      document metadata), so that :func:`read_qdpx` gives back exactly what
      was exported. Other programs ignore it. Document paths are stored
      relative to the folder the sources share, so the file does not reveal
      where they were on your computer.

    Valence has no place in the standard: each code gets child codes
    ``enabler``, ``barrier`` and ``neutral``, and a coding with a valence is a
    coding with that child code (``Governance clarity › barrier``).

    Parameters
    ----------
    corpus : Corpus
        The documents the codings refer to.
    codings : DataFrame
        A codings table (``segment_id``, ``code``; ``valence``, ``coder``,
        ``start``, ``end``, ``score`` where known). Rows without offsets code
        their whole segment; rows without a code (a segment coded with
        nothing) are left out, as REFI-QDA has no place for them.
    codebook : Codebook, path or None
        The codebook the codings use; None is the default codebook.
    path : path
        The ``.qdpx`` file to write (atomically).
    overwrite : bool, default=False
        Replace ``path`` if it exists; otherwise :class:`FileExistsError`.
    name : str, optional
        The project's name (default: the file name without extension).
    valence_codes : bool, default=True
        Add the ``enabler``/``barrier``/``neutral`` child codes.
    extras : bool, default=True
        Add ``sysreview.json``.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    CodebookError
        If the codings use codes the codebook does not have.
    CorpusError
        If the codings refer to segments that are not in the corpus.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> import sysreview
    >>> from sysreview.exchange import read_qdpx
    >>> corpus = sysreview.Corpus.from_segments(pd.DataFrame(
    ...     {"doc_id": ["d1"], "text": ["Care homes were left out of the planning."]}))
    >>> codings = sysreview.code(corpus)
    >>> path = os.path.join(tempfile.mkdtemp(), "study.qdpx")
    >>> _ = to_qdpx(corpus, codings, None, path)
    >>> read_qdpx(path).codings[["segment_id", "code", "valence"]].values.tolist()
    [['d1:001', 'sector_inclusion', 'barrier']]
    """
    if not isinstance(corpus, Corpus):
        raise TypeError(f"corpus must be a sysreview.Corpus, got {type(corpus).__name__}.")
    if codebook is None:
        from ..codebooks import default

        codebook = default()
    elif not isinstance(codebook, Codebook):
        codebook = Codebook.load(codebook)
    path = Path(path)
    prepared = _prepare_codings(corpus, codings, codebook)
    data, source_guid, extras_data = _project_xml(
        corpus, prepared, codebook, name=name or path.stem, valence_codes=valence_codes
    )

    def write(tmp: str) -> None:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("project.qde", data)
            for doc_id, guid in source_guid.items():
                zf.writestr(f"sources/{guid}.txt", corpus.text(doc_id).encode("utf-8"))
            if extras:
                zf.writestr(
                    EXTRAS_NAME,
                    json.dumps(extras_data, ensure_ascii=False, indent=1).encode("utf-8"),
                )

    return write_atomic(path, write, overwrite=overwrite, hint=OVERWRITE_HINT)
