"""Readers for pre-segmented tables (.csv, .xlsx): one row per segment."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from ..exceptions import SourceFormatError
from ._decode import normalise_newlines, read_text
from ._parsed import ParsedDoc

__all__ = ["read_csv_table", "read_xlsx_table", "table_to_docs"]

KNOWN = ("text", "segment_id", "doc_id", "area", "sector", "speaker")


def _clean(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def table_to_docs(df: pd.DataFrame, path: Path, *, fmt: str, first_row: int = 2) -> list[ParsedDoc]:
    """Turn a table with a ``text`` column into documents (one per ``doc_id``).

    Parameters
    ----------
    df : DataFrame
        The table; column names are matched case-insensitively.
    path : Path
        The file it came from, for error messages and the default doc_id.
    fmt : str
        "csv" or "xlsx".
    first_row : int, default=2
        The spreadsheet row number of ``df``'s first row (2 below a header).
    """
    rename = {}
    for col in df.columns:
        key = str(col).strip().lower()
        if key in KNOWN:
            rename[col] = key
    df = df.rename(columns=rename)
    if "text" not in df.columns:
        raise SourceFormatError(
            path,
            f"a table source needs a 'text' column; found {[str(c) for c in df.columns]}.",
            hint="Rename the column that holds the text to 'text' (one row per segment).",
        )
    if df.columns.duplicated().any():
        dup = sorted(set(df.columns[df.columns.duplicated()]))
        raise SourceFormatError(path, f"duplicate column names {dup}.", hint="Rename them.")
    rows = df.reset_index(drop=True)
    notes = []
    empty = [first_row + i for i, t in enumerate(rows["text"]) if _clean(t) is None]
    if empty:
        shown = ", ".join(map(str, empty[:10])) + (" ..." if len(empty) > 10 else "")
        notes.append(f"{len(empty)} row(s) with no text were not loaded (rows {shown})")
    if "segment_id" in rows.columns:
        ids = rows["segment_id"].map(_clean)
        missing = [
            first_row + i for i, v in enumerate(ids) if v is None and _clean(rows["text"][i])
        ]
        if missing:
            raise SourceFormatError(
                path,
                f"rows {missing[:10]} have text but no segment_id.",
                line=missing[0],
                hint="Fill in every segment_id, or delete the segment_id column to number rows.",
            )
        dupes = ids[ids.notna() & ids.duplicated(keep=False)]
        if len(dupes):
            first = dupes.index[0]
            raise SourceFormatError(
                path,
                f"segment_id {dupes.iloc[0]!r} appears more than once "
                f"(rows {[first_row + i for i in dupes.index[:5]]}).",
                line=first_row + first,
                hint="Each segment needs its own id.",
            )
    extra = [c for c in rows.columns if c not in KNOWN]
    by_doc: dict[str, list[int]] = {}
    for i in range(len(rows)):
        if _clean(rows["text"][i]) is None:
            continue
        doc_id = _clean(rows["doc_id"][i]) if "doc_id" in rows.columns else None
        by_doc.setdefault(doc_id or path.stem, []).append(i)
    if not by_doc:
        raise SourceFormatError(
            path, "the table has no rows with text.", hint="Add rows or remove it."
        )
    docs = []
    for doc_id, idx in by_doc.items():
        parts, segments, pos = [], [], 0
        for i in idx:
            text = normalise_newlines(str(rows["text"][i])).strip()
            if parts:
                pos += 2
            seg = {"start": pos, "end": pos + len(text), "row": first_row + i}
            for col in ("segment_id", "speaker", "area", "sector"):
                if col in rows.columns:
                    seg[col] = _clean(rows[col][i])
            for col in extra:
                seg[str(col)] = rows[col][i]
            segments.append(seg)
            parts.append(text)
            pos += len(text)
        meta = {}
        for col in ("area", "sector"):
            values = {s.get(col) for s in segments} - {None}
            if len(values) == 1:
                meta[col] = values.pop()
        docs.append(
            ParsedDoc(
                text="\n\n".join(parts),
                format=fmt,
                doc_id=doc_id,
                title=doc_id,
                segments=segments,
                meta=meta,
                notes=list(notes),
            )
        )
    return docs


def read_csv_table(path: Path) -> list[ParsedDoc]:
    """Read a CSV with a ``text`` column (any of the encodings ``read_text`` knows)."""
    text, encoding = read_text(path)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.ParserError as exc:
        raise SourceFormatError(
            path, f"cannot parse the CSV ({exc}).", hint="Check quoting and separators."
        ) from None
    except pd.errors.EmptyDataError:
        raise SourceFormatError(path, "the file is empty.", hint="Remove it or add rows.") from None
    docs = table_to_docs(df, path, fmt="csv")
    for d in docs:
        d.encoding = encoding
    return docs


def read_xlsx_table(path: Path) -> list[ParsedDoc]:
    """Read every sheet of an .xlsx workbook that has a ``text`` column."""
    import zipfile

    if not zipfile.is_zipfile(path):
        raise SourceFormatError(
            path,
            "this is not a valid .xlsx workbook (not a zip archive).",
            hint="Open it in Excel and save it again as .xlsx.",
        )
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SourceFormatError(
            path,
            f"cannot read the workbook ({type(exc).__name__}: {exc}).",
            hint="Open it in Excel and save it again as .xlsx.",
        ) from None
    docs, without = [], []
    for name, df in sheets.items():
        if any(str(c).strip().lower() == "text" for c in df.columns):
            docs.extend(table_to_docs(df, path, fmt="xlsx"))
        elif len(df):
            without.append(name)
    if not docs:
        raise SourceFormatError(
            path,
            f"no sheet has a 'text' column (sheets: {list(sheets)}).",
            hint="Name the column that holds the text 'text'.",
        )
    for d in docs:
        d.notes.extend(f"sheet {s!r} has no 'text' column and was not loaded" for s in without)
    return docs
