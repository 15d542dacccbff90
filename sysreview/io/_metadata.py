"""The sidecar metadata file, ``documents.csv``: doc_id or file -> area, sector, ..."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from ..exceptions import SourceFormatError
from ._decode import read_text

__all__ = ["read_metadata", "METADATA_FILENAME", "STANDARD_COLUMNS"]

METADATA_FILENAME = "documents.csv"
STANDARD_COLUMNS = ("doc_id", "file", "title", "area", "sector", "source_type", "date")


def _refuse_repeats(df: pd.DataFrame, column: str, path, *, hint: str) -> None:
    """SourceFormatError naming the rows if a value of ``column`` appears in more than one row."""
    values = df[column].dropna()
    dup = values[values.duplicated(keep=False)]
    if len(dup):
        rows = df.loc[dup.index, "row"].tolist()
        raise SourceFormatError(
            path,
            f"{column} {dup.iloc[0]!r} appears in more than one row (rows {rows}).",
            line=rows[0],
            hint=hint,
        )


def read_metadata(path: str | Path) -> pd.DataFrame:
    """Read a ``documents.csv`` metadata table.

    It needs a ``file`` column (path relative to the corpus folder, or a bare
    file name) or a ``doc_id`` column, or both. Other columns (``area``,
    ``sector``, ``source_type``, ``date``, ``title`` and any extra ones) are
    joined onto the documents table. The returned frame has a ``row`` column
    with the row's line number in the file.
    """
    path = Path(path)
    text, _ = read_text(path)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.ParserError as exc:
        raise SourceFormatError(path, f"cannot parse the CSV ({exc}).") from None
    df.columns = [str(c).strip() for c in df.columns]
    lower = {c: c.lower() for c in df.columns if c.lower() in STANDARD_COLUMNS}
    df = df.rename(columns=lower)
    if "file" not in df.columns and "doc_id" not in df.columns:
        raise SourceFormatError(
            path,
            f"the metadata table needs a 'file' or a 'doc_id' column; found {list(df.columns)}.",
            hint="Add a column 'file' with each source's file name.",
        )
    for col in df.columns:
        if df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
            df[col] = df[col].map(lambda v: v.strip() if isinstance(v, str) else v)
    df.insert(0, "row", range(2, len(df) + 2))
    if "doc_id" in df.columns:
        _refuse_repeats(df, "doc_id", path, hint="Each document needs one metadata row.")
    if "file" in df.columns and "doc_id" not in df.columns:
        _refuse_repeats(
            df, "file", path, hint="Give each row a doc_id if one file holds several documents."
        )
    return df
