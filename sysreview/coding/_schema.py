"""The codings table: the contract between coders and everything downstream."""

from __future__ import annotations

import pandas as pd

__all__ = ["CODING_COLUMNS", "empty_codings"]

#: Columns of a codings table, one row per segment x code.
CODING_COLUMNS = [
    "segment_id",
    "doc_id",
    "area",
    "sector",
    "code",
    "valence",
    "start",
    "end",
    "evidence",
    "score",
    "coder",
]


def empty_codings() -> pd.DataFrame:
    """An empty codings table with the standard columns."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in CODING_COLUMNS})
