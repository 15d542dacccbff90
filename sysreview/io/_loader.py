"""Load a folder (or files) of sources into a :class:`~sysreview.Corpus`."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from .._typing import PathLike
from ..corpus import DOCUMENT_COLUMNS, SEGMENT_COLUMNS, Corpus
from ..exceptions import CorpusError, SourceFormatError, SysreviewWarning
from ..segment import _mode_for, segment_text
from ._docx import read_docx
from ._metadata import METADATA_FILENAME, read_metadata
from ._parsed import ParsedDoc
from ._plain import read_md, read_txt
from ._subtitles import read_srt, read_vtt
from ._tables import read_csv_table, read_xlsx_table

__all__ = ["load_corpus", "read_source", "READERS", "build_corpus"]

READERS: dict[str, Callable[[Path], list[ParsedDoc]]] = {
    ".txt": read_txt,
    ".text": read_txt,
    ".md": read_md,
    ".markdown": read_md,
    ".docx": read_docx,
    ".vtt": read_vtt,
    ".srt": read_srt,
    ".csv": read_csv_table,
    ".xlsx": read_xlsx_table,
}


def read_source(path: PathLike) -> list[ParsedDoc]:
    """Read one source file with the reader for its extension.

    Raises
    ------
    SourceFormatError
        If the extension is not supported or the file cannot be read.
    """
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise SourceFormatError(
            path,
            f"unsupported file type {path.suffix or '(no extension)'!r}.",
            hint=f"Supported: {', '.join(sorted(READERS))}.",
        )
    return reader(path)


def _collect(
    paths: Iterable[Path], recursive: bool
) -> tuple[list[tuple[Path, Path]], list, Path | None]:
    """Return ``(root, file)`` pairs to read, skipped files, and the metadata file."""
    files, skipped, metadata = [], [], None
    for root in paths:
        if root.is_dir():
            candidate = root / METADATA_FILENAME
            if candidate.is_file() and metadata is None:
                metadata = candidate
            found = sorted(root.rglob("*") if recursive else root.glob("*"))
            for f in found:
                if not f.is_file() or f == candidate:
                    continue
                rel = f.relative_to(root)
                if any(part.startswith(".") for part in rel.parts):
                    skipped.append({"path": str(f), "reason": "hidden file"})
                elif f.name.startswith("~$"):
                    skipped.append({"path": str(f), "reason": "Office lock file"})
                elif f.suffix.lower() not in READERS:
                    skipped.append(
                        {
                            "path": str(f),
                            "reason": f"unsupported file type {f.suffix or '(none)'!r}",
                        }
                    )
                else:
                    files.append((root, f))
        elif root.is_file():
            if root.suffix.lower() not in READERS:
                skipped.append(
                    {
                        "path": str(root),
                        "reason": f"unsupported file type {root.suffix or '(none)'!r}",
                    }
                )
            else:
                files.append((root.parent, root))
        else:
            raise FileNotFoundError(f"{root}: no such file or folder.")
    return files, skipped, metadata


def load_corpus(
    paths: PathLike | Iterable[PathLike],
    *,
    metadata: PathLike | pd.DataFrame | None | str = "auto",
    recursive: bool = True,
    on_error: str = "raise",
    progress: bool | None = None,
) -> Corpus:
    """Load sources from folders or files into a corpus.

    Parameters
    ----------
    paths : path or list of paths
        Folders (read recursively) and/or files: .txt, .md, .docx, .vtt, .srt,
        and pre-segmented .csv/.xlsx tables with a ``text`` column.
    metadata : path, DataFrame, None or "auto", default="auto"
        The metadata table (``documents.csv``). ``"auto"`` uses
        ``documents.csv`` in the (first) folder if there is one.
    recursive : bool, default=True
        Read subfolders too.
    on_error : {"raise", "skip"}, default="raise"
        What to do with a file that cannot be read: raise a
        :class:`~sysreview.exceptions.SourceFormatError` naming it, or skip it
        and list it in ``corpus.skipped`` with the reason.
    progress : bool or None, default=None
        Show a progress bar; None shows one on a terminal for 50+ files.

    Returns
    -------
    Corpus

    Examples
    --------
    >>> from sysreview.datasets import example_path
    >>> corpus = load_corpus(example_path() / "sources")
    >>> len(corpus) >= 40
    True
    """
    if on_error not in ("raise", "skip"):
        raise ValueError(
            "The value for `on_error` must be one of ['raise', 'skip'], "
            f"but {on_error!r} was passed."
        )
    if isinstance(paths, (str, Path)) or hasattr(paths, "__fspath__"):
        paths = [paths]
    paths = [Path(p) for p in paths]
    files, skipped, found_meta = _collect(paths, recursive)
    if isinstance(metadata, str) and metadata == "auto":
        metadata = found_meta
    meta = (
        metadata
        if isinstance(metadata, pd.DataFrame) or metadata is None
        else read_metadata(metadata)
    )
    parsed: list[tuple[Path, ParsedDoc]] = []
    iterator = files
    if progress or (progress is None and len(files) >= 50):
        from tqdm.auto import tqdm

        iterator = tqdm(
            files, desc="Reading sources", unit="file", disable=None if progress is None else False
        )
    for root, f in iterator:
        try:
            docs = read_source(f)
        except SourceFormatError as exc:
            if on_error == "raise":
                raise
            skipped.append({"path": str(f), "reason": exc.reason})
            continue
        for d in docs:
            d.meta.setdefault("_relpath", f.relative_to(root).as_posix())
            parsed.append((f, d))
    corpus = build_corpus(parsed, metadata=meta, skipped=skipped, metadata_path=metadata)
    for message in corpus.warnings:
        warnings.warn(message, SysreviewWarning, stacklevel=2)
    return corpus


def _match_metadata(parsed, meta: pd.DataFrame, notes: list[str], meta_name: str):
    """Attach metadata rows to parsed documents; return list of dicts per doc."""
    by_id = {}
    if "doc_id" in meta.columns:
        by_id = {
            r["doc_id"]: r for r in meta.to_dict("records") if isinstance(r.get("doc_id"), str)
        }
    by_file: dict[str, list[dict]] = {}
    if "file" in meta.columns:
        for r in meta.to_dict("records"):
            if isinstance(r.get("file"), str):
                by_file.setdefault(r["file"].replace("\\", "/").lstrip("./"), []).append(r)
    per_file_docs: dict[str, int] = {}
    for _f, d in parsed:
        per_file_docs[d.meta["_relpath"]] = per_file_docs.get(d.meta["_relpath"], 0) + 1
    used_rows: set[int] = set()
    matched = []
    for f, d in parsed:
        row = None
        default_id = d.doc_id or f.stem
        if default_id in by_id:
            row = by_id[default_id]
        else:
            rel = d.meta["_relpath"]
            candidates = by_file.get(rel) or by_file.get(f.name) or []
            if len(candidates) == 1 and (
                per_file_docs[rel] == 1 or candidates[0].get("doc_id") in (None, default_id)
            ):
                row = candidates[0]
            elif len(candidates) > 1:
                row = next((c for c in candidates if c.get("doc_id") == default_id), None)
        if row is not None:
            used_rows.add(row["row"])
        matched.append(row)
    unused = meta[~meta["row"].isin(used_rows)]
    if len(unused):
        labels = [
            f"row {r['row']} "
            f"({r.get('doc_id') if isinstance(r.get('doc_id'), str) else r.get('file')})"
            for r in unused.to_dict("records")
        ]
        notes.append(
            f"{meta_name}: {len(unused)} metadata row(s) match no loaded file: "
            + ", ".join(labels[:20])
            + (" ..." if len(labels) > 20 else "")
            + ". Check the file names, or whether those files were skipped."
        )
    missing = [
        d.meta["_relpath"] + (f" [{d.doc_id}]" if d.doc_id else "")
        for (f, d), row in zip(parsed, matched, strict=False)
        if row is None
    ]
    if missing:
        notes.append(
            f"{len(missing)} file(s) have no row in {meta_name}, so no area or sector: "
            + ", ".join(missing[:20])
            + (" ..." if len(missing) > 20 else "")
            + f". Add a row for each to {meta_name}."
        )
    return matched


def _note_missing_metadata(parsed: list[tuple[Path, ParsedDoc]], notes: list[str]) -> None:
    """Say what lacks area and sector when there is no metadata table.

    Pre-segmented tables may carry ``area`` and ``sector`` columns of their own;
    those need no table, and the advice for the others names both remedies.
    """

    def has_own(d: ParsedDoc, key: str) -> bool:
        if d.meta.get(key):
            return True
        return d.segments is not None and any(s.get(key) for s in d.segments)

    lacking = [f.name for f, d in parsed if not (has_own(d, "area") and has_own(d, "sector"))]
    if not lacking:
        return
    tables = [f.name for f, d in parsed if d.segments is not None and f.name in lacking]
    advice = f"add a {METADATA_FILENAME} next to the sources"
    if tables:
        advice += " or `area` and `sector` columns to " + ", ".join(tables[:5])
    notes.append(
        f"no metadata table ({METADATA_FILENAME}) was found, so {len(lacking)} of "
        f"{len(parsed)} document(s) have no area or sector (e.g. {lacking[0]}); {advice}."
    )


def build_corpus(
    parsed: list[tuple[Path, ParsedDoc]],
    *,
    metadata: pd.DataFrame | None = None,
    skipped: list[dict] | None = None,
    metadata_path=None,
) -> Corpus:
    """Join metadata, segment, and check ids: the second half of :func:`load_corpus`."""
    notes: list[str] = []
    meta_name = (
        str(metadata_path)
        if metadata_path is not None and not isinstance(metadata_path, pd.DataFrame)
        else METADATA_FILENAME
    )
    if metadata is not None and "row" not in metadata.columns:
        metadata = metadata.reset_index(drop=True).assign(row=lambda m: range(2, len(m) + 2))
    for f, d in parsed:
        d.meta.setdefault("_relpath", f.name)
    rows = (
        _match_metadata(parsed, metadata, notes, meta_name)
        if metadata is not None
        else [None] * len(parsed)
    )
    if metadata is None and parsed:
        _note_missing_metadata(parsed, notes)
    doc_records, seg_records, texts, origin = [], [], {}, {}
    for (f, d), row in zip(parsed, rows, strict=False):
        row = {k: v for k, v in (row or {}).items() if k not in ("row", "file")}
        doc_id = row.get("doc_id") if isinstance(row.get("doc_id"), str) else (d.doc_id or f.stem)
        if doc_id in origin:
            raise CorpusError(
                f"duplicate doc_id {doc_id!r}: from {origin[doc_id]} and from {f}. "
                "Rename one of the files, or give them distinct doc_ids in "
                f"{METADATA_FILENAME}."
            )
        origin[doc_id] = f
        for note in d.notes:
            notes.append(f"{f}: {note}")
        rec = {
            "doc_id": doc_id,
            "path": str(f),
            "title": d.title,
            "area": d.meta.get("area"),
            "sector": d.meta.get("sector"),
            "source_type": None,
            "date": None,
            "format": d.format,
        }
        rec.update({k: v for k, v in row.items() if not (isinstance(v, float) and pd.isna(v))})
        rec["doc_id"] = doc_id
        doc_records.append(rec)
        texts[doc_id] = d.text
        segs = d.segments
        if segs is None:
            mode = _mode_for(rec.get("source_type"))
            segs = segment_text(d.text, mode=mode, headings=d.headings)
        for n, s in enumerate(segs, start=1):
            seg = {k: v for k, v in s.items() if k != "row"}
            seg["segment_id"] = s.get("segment_id") or f"{doc_id}:{n:03d}"
            seg["doc_id"] = doc_id
            seg["text"] = d.text[s["start"] : s["end"]]
            seg["area"] = s.get("area") or rec.get("area")
            seg["sector"] = s.get("sector") or rec.get("sector")
            seg_records.append(seg)
    documents = pd.DataFrame(doc_records)
    for col in DOCUMENT_COLUMNS:
        if col not in documents.columns:
            documents[col] = None
    documents = documents[
        DOCUMENT_COLUMNS + [c for c in documents.columns if c not in DOCUMENT_COLUMNS]
    ]
    segments = pd.DataFrame(seg_records)
    for col in SEGMENT_COLUMNS:
        if col not in segments.columns:
            segments[col] = None
    segments = segments[SEGMENT_COLUMNS + [c for c in segments.columns if c not in SEGMENT_COLUMNS]]
    segments["start"] = segments["start"].astype(int)
    segments["end"] = segments["end"].astype(int)
    segments["time_start"] = pd.to_numeric(segments["time_start"], errors="coerce")
    segments["time_end"] = pd.to_numeric(segments["time_end"], errors="coerce")
    dup = segments["segment_id"][segments["segment_id"].duplicated()]
    if len(dup):
        sid = dup.iloc[0]
        docs = segments.loc[segments.segment_id == sid, "doc_id"].unique().tolist()
        raise CorpusError(
            f"duplicate segment_id {sid!r} (in documents {docs}); segment ids must be unique "
            "across the corpus. Prefix them with the doc_id."
        )
    return Corpus(
        documents,
        segments,
        texts,
        skipped=pd.DataFrame(skipped or [], columns=["path", "reason"]),
        warnings=notes,
    )
