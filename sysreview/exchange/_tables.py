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

from .._files import write_atomic, write_csv_atomic
from .._typing import VALENCES, PathLike
from ..codebook import Codebook
from ._xml import OVERWRITE_HINT

__all__ = [
    "codings_to_csv",
    "codings_to_excel",
    "framework_to_csv",
    "framework_to_excel",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_EXCEL_CELL_MAX = 32_767


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
    return write_csv_atomic(table, path, overwrite=overwrite, hint=OVERWRITE_HINT)


def _prepare(codings, corpus, pseudonymise: bool):
    """The codings (and corpus) to export, pseudonymised if asked."""
    codings = _check_codings(codings)
    if not pseudonymise:
        return codings, corpus
    from ..corpus import Corpus
    from ..privacy import pseudonymise as _pseudonymise
    from ..privacy import pseudonymise_codings

    if not isinstance(corpus, Corpus):
        raise ValueError(
            "pseudonymise=True needs the corpus the codings were made on, to know the "
            "speakers' and participants' names: pass corpus=."
        )
    hidden, mapping = _pseudonymise(corpus)
    return pseudonymise_codings(codings, corpus, mapping), hidden


def _framework(codings, corpus, *, pseudonymise: bool, **options):
    """The framework matrix, with the codings and corpus it was made from (pseudonymised if asked).

    ``options`` are those of :func:`sysreview.analysis.framework_matrix`.
    """
    from ..analysis import framework_matrix

    codings, corpus = _prepare(codings, corpus, pseudonymise)
    return framework_matrix(codings, corpus=corpus, **options), codings, corpus


def framework_to_csv(
    codings: pd.DataFrame,
    path: PathLike,
    *,
    cases: str = "area",
    corpus=None,
    codebook: Codebook | None = None,
    n_quotes: int = 2,
    max_chars: int = 160,
    pseudonymise: bool = False,
    overwrite: bool = False,
    excel_safe: bool = True,
) -> Path:
    """Write the Framework Method matrix as CSV (UTF-8 with BOM) that Excel opens as it is.

    The matrix is :func:`sysreview.analysis.framework_matrix`: one row per
    case (area, sector, document, participant...), one column per code, each
    cell the counts by valence and exemplar quotes.

    Parameters
    ----------
    codings : DataFrame
    path : path
        Written atomically.
    cases, corpus, codebook, n_quotes, max_chars
        As for :func:`sysreview.analysis.framework_matrix`.
    pseudonymise : bool, default=False
        Replace speakers' and participants' names with "Person 1", ... (needs
        ``corpus``; see :func:`sysreview.privacy.pseudonymise`).
    overwrite : bool, default=False
        Replace ``path`` if it exists.
    excel_safe : bool, default=True
        Write text that Excel would run as a formula as text.

    Returns
    -------
    Path

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> codings = pd.DataFrame({"segment_id": ["s1"], "area": ["North"], "code": ["workforce"],
    ...                         "valence": ["barrier"], "evidence": ["Short of staff."]})
    >>> path = os.path.join(tempfile.mkdtemp(), "matrix.csv")
    >>> _ = framework_to_csv(codings, path, codebook=["workforce"])
    >>> pd.read_csv(path, encoding="utf-8-sig").columns.tolist()
    ['area', 'Workforce']
    """
    summary, _, _ = _framework(
        codings,
        corpus,
        pseudonymise=pseudonymise,
        cases=cases,
        codebook=codebook,
        n_quotes=n_quotes,
        max_chars=max_chars,
    )
    table = summary.reset_index()
    if excel_safe:
        table = _excel_safe_frame(table)
    return write_csv_atomic(table, path, overwrite=overwrite, hint=OVERWRITE_HINT)


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

    return write_atomic(path, wb.save, overwrite=overwrite, hint=OVERWRITE_HINT)


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
    by : str or None, default=None
        Besides the sheet ``codings`` with every row, add one sheet per value
        of this column: ``"code"`` (sheets named and ordered by the codebook),
        ``"area"``, ``"sector"``, ``"doc_id"``, ``"coder"``...
    codebook : Codebook, list of str or None, default=None
        Orders the code sheets and names them (as in :mod:`sysreview.analysis`).
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
    from ..analysis import _codes, _labels, _sorted_levels

    codings = _check_codings(codings)
    if by is not None and by not in codings.columns:
        raise ValueError(
            f"The value for `by` must be None or a column of the codings {list(codings.columns)}, "
            f"but {by!r} was passed."
        )
    wrap = {"evidence", "text"}
    sheets = [("codings", codings, wrap, {})]
    if by == "code":
        codes = _codes(codebook, codings["code"].dropna())
        for code in [c for c in codes.ids if c in set(codings["code"])]:
            sheets.append((codes.names[code], codings[codings["code"] == code], wrap, {}))
    elif by is not None:
        key = _labels(codings[by])
        for value in _sorted_levels(key):
            sheets.append((value, codings[(key == value).to_numpy()], wrap, {}))
    return _save_workbook(sheets, path, overwrite)


def framework_to_excel(
    codings: pd.DataFrame,
    path: PathLike,
    *,
    by: str = "code",
    cases: str = "area",
    corpus=None,
    codebook: Codebook | None = None,
    n_quotes: int = 2,
    max_chars: int = 160,
    pseudonymise: bool = False,
    overwrite: bool = False,
) -> Path:
    """Write the framework matrix to Excel: the matrix, then one sheet per code or per case.

    The first sheet, ``framework``, is :func:`sysreview.analysis.framework_matrix`
    (cases x codes, counts by valence and exemplar quotes). The next sheets
    hold all the evidence, one line per coding (``[valence] text (speaker,
    segment_id)``), in a column per valence:

    - ``by="code"``: one sheet per code, a row per case;
    - ``by="case"``: one sheet per case (per area by default), a row per code.

    Parameters
    ----------
    codings : DataFrame
    path : path
        Written atomically.
    by : {"code", "case"}, default="code"
    cases, corpus, codebook, n_quotes, max_chars
        As for :func:`sysreview.analysis.framework_matrix`.
    pseudonymise : bool, default=False
        Replace speakers' and participants' names with "Person 1", ... (needs
        ``corpus``; see :func:`sysreview.privacy.pseudonymise`).
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
    >>> _ = framework_to_excel(codings, path, codebook=["workforce"])
    >>> wb = load_workbook(path)
    >>> wb.sheetnames, wb["Workforce"]["C2"].value
    (['framework', 'Workforce'], '[barrier] Short of staff. (s1)')
    """
    from ..analysis import _attach, _codes, _context, _labels, _sorted_levels

    _check_choice("by", by, ("code", "case"))
    summary, codings, corpus = _framework(
        codings,
        corpus,
        pseudonymise=pseudonymise,
        cases=cases,
        codebook=codebook,
        n_quotes=n_quotes,
        max_chars=max_chars,
    )
    sheets = [("framework", summary.reset_index(), set(summary.columns), {"_freeze_first": True})]
    ctx = _context(corpus)
    df = _attach(codings, [cases], ctx).reset_index(drop=True)
    codes = _codes(codebook, df["code"].dropna())
    df = df[df["code"].notna()]
    df = df.assign(_case=_labels(df[cases]).to_numpy(), _line=_lines(df, ctx))
    columns = list(VALENCES)
    if by == "code":
        for code in [c for c in codes.ids if c in set(df["code"])]:
            sub = df[df["code"] == code]
            table = _valence_table(sub, "_case", _sorted_levels(sub["_case"]), cases, columns)
            sheets.append((codes.names[code], table, set(columns), {}))
    else:
        for case in _sorted_levels(df["_case"]):
            sub = df[df["_case"] == case].assign(_code=lambda d: d["code"].map(codes.names))
            order = [codes.names[c] for c in codes.ids if c in set(sub["code"])]
            sheets.append(
                (case, _valence_table(sub, "_code", order, "code", columns), set(columns), {})
            )
    return _save_workbook(sheets, path, overwrite)


def _lines(df: pd.DataFrame, ctx) -> list[str]:
    """``[valence] text (speaker, segment_id)`` for each coding."""
    text = speaker = {}
    if ctx is not None:
        seg = ctx.drop_duplicates("segment_id").set_index("segment_id")
        text = seg["text"].to_dict() if "text" in seg else {}
        speaker = seg["speaker"].to_dict() if "speaker" in seg else {}
    out = []
    for row in df.to_dict("records"):
        quote = row.get("evidence")
        if not isinstance(quote, str) or not quote.strip():
            quote = text.get(row["segment_id"], "")
        who = speaker.get(row["segment_id"])
        valence = row.get("valence")
        tag = f"[{valence}] " if isinstance(valence, str) and valence else ""
        where = ", ".join(
            x for x in (who if isinstance(who, str) else None, row["segment_id"]) if x
        )
        out.append(f"{tag}{' '.join(str(quote).split())} ({where})")
    return out


def _valence_table(sub, key: str, order, first: str, columns) -> pd.DataFrame:
    records = []
    for r in order:
        rec = {first: r}
        for v in columns:
            lines = sub.loc[(sub[key] == r) & (sub["valence"] == v), "_line"].tolist()
            rec[v] = _cell(lines, _EXCEL_CELL_MAX) if lines else ""
        records.append(rec)
    return pd.DataFrame(records, columns=[first] + columns)
