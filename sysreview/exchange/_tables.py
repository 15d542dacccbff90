"""Codings and framework matrices as CSV and Excel files people can open as they are.

CSV files are UTF-8 with a byte-order mark, which Excel needs to show
accented letters right. Cells that Excel would run as a formula (text
starting with ``=``, ``+``, ``-``, ``@``) are written as text: in .xlsx
files as string cells, in CSV files with a leading apostrophe (turn this off
with ``excel_safe=False`` when the CSV is for a program, not a person).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .._typing import VALENCES, PathLike
from ..codebook import Codebook
from ._xml import write_atomic

__all__ = [
    "codings_to_csv",
    "codings_to_excel",
    "framework_matrix",
    "framework_to_csv",
    "framework_to_excel",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_EXCEL_CELL_MAX = 32_767
_ROWS = ("area", "sector", "doc_id", "source_type")
_VALUES = ("evidence", "count", "valence")
_NONE = "(none)"


def _check_choice(name: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(
            f"The value for `{name}` must be one of {list(allowed)}, but {value!r} was passed."
        )


def _check_codings(codings, needed=("segment_id", "code")) -> pd.DataFrame:
    if not isinstance(codings, pd.DataFrame):
        raise TypeError(
            f"codings must be a DataFrame (a codings table), got {type(codings).__name__}."
        )
    missing = set(needed) - set(codings.columns)
    if missing:
        raise ValueError(
            f"The codings table needs columns {sorted(missing)}; it has {list(codings.columns)}."
        )
    return codings


def _safe_text(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _excel_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(_safe_text)
    out.columns = [_safe_text(str(c)) for c in out.columns]
    return out


def _write_csv(df: pd.DataFrame, path: PathLike, *, overwrite: bool, index: bool) -> Path:
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            df.to_csv(fh, index=index)

    return write_atomic(Path(path), write, overwrite=overwrite)


def _code_order(codings: pd.DataFrame, codebook: Codebook | None) -> list[str]:
    used = list(dict.fromkeys(codings["code"].dropna().astype(str)))
    if codebook is None:
        return sorted(used)
    known = [c for c in codebook.ids if c in set(used)]
    return known + sorted(set(used) - set(known))


def _label(code: str, codebook: Codebook | None) -> str:
    if codebook is not None and code in codebook:
        return codebook[code].name
    return code


def _key(codings: pd.DataFrame, rows: str) -> pd.Series:
    if rows not in codings.columns:
        raise ValueError(
            f"The codings table has no {rows!r} column to make the rows of the matrix from; "
            f"its columns are {list(codings.columns)}."
        )
    return codings[rows].map(
        lambda v: _NONE if v is None or v is pd.NA or (isinstance(v, float) and v != v) else str(v)
    )


def _evidence_line(row) -> str:
    valence = row.get("valence")
    tag = f"[{valence}] " if isinstance(valence, str) and valence else ""
    text = row.get("evidence")
    if not isinstance(text, str) or not text:
        text = ""
    where = row.get("segment_id")
    return f"{tag}{' '.join(text.split())} ({where})"


def _cell(lines: list[str], limit: int | None) -> str:
    text = "\n".join(lines)
    if limit is None or len(text) <= limit:
        return text
    kept, size = [], 0
    for line in lines:
        if size + len(line) + 1 > limit - 60:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept) + f"\n... ({len(lines) - len(kept)} more not shown)"


def framework_matrix(
    codings: pd.DataFrame,
    *,
    rows: str = "area",
    values: str = "evidence",
    codebook: Codebook | None = None,
) -> pd.DataFrame:
    """The framework matrix: one row per area (or sector, document), one column per code.

    Parameters
    ----------
    codings : DataFrame
        A codings table.
    rows : {"area", "sector", "doc_id", "source_type"}, default="area"
        What each row of the matrix is (a column of ``codings``).
    values : {"evidence", "count", "valence"}, default="evidence"
        What a cell holds: the evidence, one line per coding as
        ``[valence] text (segment_id)``; the number of codings; or the counts
        by valence (``"enabler 2, barrier 1"``).
    codebook : Codebook, optional
        Orders the columns as the codebook does.

    Returns
    -------
    DataFrame
        Indexed by ``rows``, columns are code ids; empty cells are ``""``
        (or 0 for counts).

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({
    ...     "segment_id": ["s1", "s2"], "area": ["North", "South"],
    ...     "code": ["workforce", "workforce"], "valence": ["barrier", "enabler"],
    ...     "evidence": ["Short of staff.", "New roles helped."]})
    >>> framework_matrix(codings).loc["North", "workforce"]
    '[barrier] Short of staff. (s1)'
    >>> framework_matrix(codings, values="count").values.tolist()
    [[1], [1]]
    """
    _check_choice("rows", rows, _ROWS)
    _check_choice("values", values, _VALUES)
    codings = _check_codings(codings)
    key = _key(codings, rows)
    codes = _code_order(codings, codebook)
    row_order = sorted(set(key), key=lambda v: (v == _NONE, v))
    fill = 0 if values == "count" else ""
    matrix = pd.DataFrame(fill, index=pd.Index(row_order, name=rows), columns=codes, dtype=object)
    for (r, code), group in codings.assign(_row=key).groupby(["_row", "code"], sort=False):
        if values == "count":
            matrix.loc[r, code] = len(group)
        elif values == "valence":
            counts = group["valence"].value_counts() if "valence" in group else pd.Series(dtype=int)
            parts = [f"{v} {int(counts[v])}" for v in VALENCES if v in counts.index]
            missing = len(group) - int(counts.sum())
            if missing:
                parts.append(f"no valence {missing}")
            matrix.loc[r, code] = ", ".join(parts)
        else:
            matrix.loc[r, code] = _cell(
                [_evidence_line(row) for row in group.to_dict("records")], None
            )
    if values == "count":
        matrix = matrix.astype(int)
    matrix.columns.name = "code"
    return matrix


def codings_to_csv(
    codings: pd.DataFrame, path: PathLike, *, overwrite: bool = False, excel_safe: bool = True
) -> Path:
    """Write a codings table as CSV that Excel opens correctly (UTF-8 with BOM).

    Parameters
    ----------
    codings : DataFrame
    path : path
        Written atomically.
    overwrite : bool, default=False
        Replace ``path`` if it exists (otherwise :class:`FileExistsError`).
    excel_safe : bool, default=True
        Prefix text cells starting with ``= + - @`` with an apostrophe so
        Excel shows them instead of running them as formulas.

    Returns
    -------
    Path

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> path = os.path.join(tempfile.mkdtemp(), "codings.csv")
    >>> _ = codings_to_csv(pd.DataFrame({"segment_id": ["s1"], "code": ["workforce"],
    ...                                  "evidence": ["Équipe réduite."]}), path)
    >>> open(path, "rb").read(3) == b"\\xef\\xbb\\xbf"
    True
    """
    codings = _check_codings(codings)
    table = _excel_safe_frame(codings) if excel_safe else codings
    return _write_csv(table, path, overwrite=overwrite, index=False)


def framework_to_csv(
    codings: pd.DataFrame,
    path: PathLike,
    *,
    rows: str = "area",
    values: str = "evidence",
    codebook: Codebook | None = None,
    overwrite: bool = False,
    excel_safe: bool = True,
) -> Path:
    """Write the framework matrix (see :func:`framework_matrix`) as CSV (UTF-8 with BOM).

    Column headers are code names when ``codebook`` is given, else code ids.

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> codings = pd.DataFrame({"segment_id": ["s1"], "area": ["North"], "code": ["workforce"],
    ...                         "valence": ["barrier"], "evidence": ["Short of staff."]})
    >>> path = os.path.join(tempfile.mkdtemp(), "matrix.csv")
    >>> _ = framework_to_csv(codings, path)
    >>> pd.read_csv(path, encoding="utf-8-sig").columns.tolist()
    ['area', 'workforce']
    """
    matrix = framework_matrix(codings, rows=rows, values=values, codebook=codebook)
    matrix.columns = [_label(c, codebook) for c in matrix.columns]
    table = matrix.reset_index()
    if excel_safe:
        table = _excel_safe_frame(table)
    return _write_csv(table, path, overwrite=overwrite, index=False)


# ------------------------------------------------------------------- Excel
def _sheet_names(names: list[str]) -> list[str]:
    """Valid, unique Excel sheet names (31 characters, no ``[]:*?/\\``)."""
    out, seen = [], set()
    for name in names:
        base = _SHEET_BAD.sub("-", str(name)).strip("'").strip() or "sheet"
        if base.lower() == "history":
            base = "History (data)"
        candidate, n = base[:31], 2
        while candidate.lower() in seen:
            suffix = f" ({n})"
            candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def _write_sheet(
    ws, table: pd.DataFrame, *, wrap: set[str] = frozenset(), widths: dict | None = None
) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    header = [str(c) for c in table.columns]
    for j, name in enumerate(header, start=1):
        cell = ws.cell(row=1, column=j, value=ILLEGAL_CHARACTERS_RE.sub("", name))
        cell.data_type = "s"
        cell.font = Font(bold=True)
    top = Alignment(vertical="top")
    wrapped = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(table.itertuples(index=False), start=2):
        for j, value in enumerate(row, start=1):
            if value is None or value is pd.NA or (isinstance(value, float) and value != value):
                continue
            if hasattr(value, "item"):
                value = value.item()
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
                if len(value) > _EXCEL_CELL_MAX:
                    value = value[: _EXCEL_CELL_MAX - 40] + "\n... (cut: too long for a cell)"
            elif not isinstance(value, (int, float, bool)):
                value = str(value)
            cell = ws.cell(row=i, column=j, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula
            cell.alignment = wrapped if header[j - 1] in wrap else top
    ws.freeze_panes = "B2" if widths and widths.get("_freeze_first") else "A2"
    for j, name in enumerate(header, start=1):
        width = (widths or {}).get(name, 60 if name in wrap else min(max(len(name) + 2, 10), 40))
        ws.column_dimensions[get_column_letter(j)].width = width


def _save_workbook(
    sheets: list[tuple[str, pd.DataFrame, set[str], dict]], path: PathLike, overwrite: bool
) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    names = _sheet_names([s[0] for s in sheets])
    for name, (_, table, wrap, widths) in zip(names, sheets, strict=True):
        _write_sheet(wb.create_sheet(title=name), table, wrap=wrap, widths=widths)

    def write(tmp: str) -> None:
        wb.save(tmp)

    return write_atomic(Path(path), write, overwrite=overwrite)


def codings_to_excel(
    codings: pd.DataFrame,
    path: PathLike,
    *,
    by: str | None = None,
    codebook: Codebook | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a codings table to an Excel workbook (.xlsx).

    Parameters
    ----------
    codings : DataFrame
    path : path
        Written atomically.
    by : {None, "code", "area"}, default=None
        Besides the sheet ``codings`` with every row, add one sheet per code
        (named by the code's name when ``codebook`` is given) or per area.
    codebook : Codebook, optional
        Orders the code sheets and names them.
    overwrite : bool, default=False
        Replace ``path`` if it exists.

    Returns
    -------
    Path

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from openpyxl import load_workbook
    >>> codings = pd.DataFrame({"segment_id": ["s1", "s2"], "area": ["North", "South"],
    ...                         "code": ["workforce", "leadership"]})
    >>> path = os.path.join(tempfile.mkdtemp(), "codings.xlsx")
    >>> _ = codings_to_excel(codings, path, by="area")
    >>> load_workbook(path).sheetnames
    ['codings', 'North', 'South']
    """
    _check_choice("by", by, (None, "code", "area"))
    codings = _check_codings(codings)
    wrap = {"evidence", "text"}
    sheets = [("codings", codings, wrap, {})]
    if by == "code":
        for code in _code_order(codings, codebook):
            sheets.append((_label(code, codebook), codings[codings["code"] == code], wrap, {}))
    elif by == "area":
        key = _key(codings, "area")
        for area in sorted(set(key), key=lambda v: (v == _NONE, v)):
            sheets.append((area, codings[key == area], wrap, {}))
    return _save_workbook(sheets, path, overwrite)


def framework_to_excel(
    codings: pd.DataFrame,
    path: PathLike,
    *,
    by: str = "code",
    rows: str = "area",
    codebook: Codebook | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the framework matrix to Excel: a summary sheet, then one sheet per code or per area.

    Parameters
    ----------
    codings : DataFrame
    path : path
        Written atomically.
    by : {"code", "area"}, default="code"
        ``"code"``: one sheet per code, a row per area (``rows``) and a
        column per valence, each cell the evidence. ``"area"``: one sheet per
        area, a row per code and a column per valence.
    rows : {"area", "sector", "doc_id", "source_type"}, default="area"
        The rows of the summary sheet and of the per-code sheets.
    codebook : Codebook, optional
        Orders codes and names them.
    overwrite : bool, default=False
        Replace ``path`` if it exists.

    Returns
    -------
    Path

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> from openpyxl import load_workbook
    >>> codings = pd.DataFrame({"segment_id": ["s1"], "area": ["North"], "code": ["workforce"],
    ...                         "valence": ["barrier"], "evidence": ["Short of staff."]})
    >>> path = os.path.join(tempfile.mkdtemp(), "framework.xlsx")
    >>> _ = framework_to_excel(codings, path)
    >>> wb = load_workbook(path)
    >>> wb.sheetnames, wb["workforce"]["C2"].value
    (['summary', 'workforce'], '[barrier] Short of staff. (s1)')
    """
    _check_choice("by", by, ("code", "area"))
    _check_choice("rows", rows, _ROWS)
    codings = _check_codings(codings)
    if "valence" not in codings.columns:
        codings = codings.assign(valence=None)
    summary = framework_matrix(codings, rows=rows, values="valence", codebook=codebook)
    summary.columns = [_label(c, codebook) for c in summary.columns]
    sheets = [("summary", summary.reset_index(), set(), {"_freeze_first": True})]
    columns = list(VALENCES) + ["no valence"]
    vkey = codings["valence"].map(
        lambda v: v if isinstance(v, str) and v in VALENCES else "no valence"
    )
    if by == "code":
        key = _key(codings, rows)
        row_order = sorted(set(key), key=lambda v: (v == _NONE, v))
        for code in _code_order(codings, codebook):
            sub = codings[codings["code"] == code]
            sheets.append(
                (
                    _label(code, codebook),
                    _valence_table(sub, key[sub.index], vkey[sub.index], row_order, rows, columns),
                    set(columns),
                    {},
                )
            )
    else:
        akey = _key(codings, "area")
        codes = _code_order(codings, codebook)
        for area in sorted(set(akey), key=lambda v: (v == _NONE, v)):
            sub = codings[akey == area]
            labels = sub["code"].map(lambda c: _label(c, codebook))
            order = [_label(c, codebook) for c in codes if c in set(sub["code"])]
            sheets.append(
                (
                    area,
                    _valence_table(sub, labels, vkey[sub.index], order, "code", columns),
                    set(columns),
                    {},
                )
            )
    return _save_workbook(sheets, path, overwrite)


def _valence_table(sub, key, vkey, order, first, columns) -> pd.DataFrame:
    records = []
    for r in order:
        rec = {first: r}
        for v in columns:
            rows = sub[(key == r) & (vkey == v)]
            lines = [_evidence_line(row) for row in rows.to_dict("records")]
            rec[v] = _cell(lines, _EXCEL_CELL_MAX) if lines else ""
        records.append(rec)
    table = pd.DataFrame(records, columns=[first] + columns)
    empty = [c for c in columns if c == "no valence" and not table[c].astype(bool).any()]
    return table.drop(columns=empty)
