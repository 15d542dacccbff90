"""HTML views of coded text and of tables, safe to put in a report.

- :func:`highlight`: segments of a document with the coded evidence
  highlighted in the codebook's colours, and each segment's codes as labels.
- :func:`html_table`: any table (such as the framework matrix) as HTML, line
  breaks kept.

Both escape every piece of text taken from the sources: a transcript that
contains ``<script>`` shows it as text. Both return an :class:`HTMLFragment`,
which Jupyter displays and which can be saved as a standalone page.

Examples
--------
>>> import pandas as pd, sysreview
>>> corpus = sysreview.Corpus.from_segments(pd.DataFrame(
...     {"doc_id": ["d1"], "text": ["Leaders <b>were</b> visible."]}))
>>> codings = pd.DataFrame({"segment_id": ["d1:001"], "code": ["leadership"],
...                         "valence": ["enabler"], "start": [0], "end": [7]})
>>> view = highlight(corpus, codings, doc_id="d1")
>>> "&lt;b&gt;were&lt;/b&gt;" in view.html and "<mark" in view.html
True
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._files import write_text_atomic
from ._typing import PathLike
from .analysis import _check_codings, _codes, _context
from .corpus import Corpus

__all__ = ["highlight", "html_table", "HTMLFragment"]

_VALENCE_MARK = {"enabler": "enabler", "barrier": "barrier", "neutral": "neutral"}
_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="generator" content="sysreview">
<title>{title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 60em; margin: 2em auto;">
{body}
</body></html>
"""


# ------------------------------------------------------------------- helpers
def _rgba(color: str, alpha: float) -> str:
    color = color.lstrip("#")
    r, g, b = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


def _text_color(color: str) -> str:
    """Black or white, whichever reads better on ``color``."""
    color = color.lstrip("#")
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return "#000000" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "#ffffff"


def _escape(text: Any) -> str:
    """Escape for HTML; keep line breaks as ``<br>``."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return ""
    return html.escape(str(text)).replace("\r\n", "\n").replace("\n", "<br>")


def _label(codes, code: str, valence: Any, coder: Any = None) -> str:
    parts = [codes.names.get(code, code)]
    if isinstance(valence, str) and valence:
        parts.append(valence)
    text = " · ".join(parts)
    return f"{coder}: {text}" if coder else text


def _offset(value: Any) -> int | None:
    if value is None or value is pd.NA:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return int(value)


def _spans(
    seg_start: int, seg_end: int, rows: list[dict], seg_id: str
) -> list[tuple[int, int, dict]]:
    """Offsets of each coding relative to its segment (codings without offsets: none)."""
    out = []
    for row in rows:
        start, end = _offset(row.get("start")), _offset(row.get("end"))
        if start is None or end is None:
            continue
        if start < seg_start or end > seg_end or start > end:
            raise ValueError(
                f"a coding of segment {seg_id!r} ({row['code']}) has offsets {start}-{end}, "
                f"outside the segment ({seg_start}-{seg_end}). Were these codings made on "
                "this corpus?"
            )
        if end > start:
            out.append((start - seg_start, end - seg_start, row))
    return out


def _render_segment(text: str, spans: list[tuple[int, int, dict]], codes, show_coder: bool) -> str:
    """The segment's text with ``<mark>`` elements over coded stretches."""
    cuts = {0, len(text)}
    for s, e, _ in spans:
        cuts.update((s, e))
    points = sorted(cuts)
    pieces = []
    for a, b in zip(points[:-1], points[1:], strict=True):
        piece = text[a:b]
        covering = [row for s, e, row in spans if s < b and e > a]
        body = _escape(piece)
        if not covering:
            pieces.append(body)
            continue
        first = codes.colors.get(covering[0]["code"], "#8c8c8c")
        style = (
            f"background: {_rgba(first, 0.35)}; border-bottom: 2px solid {first}; padding: 0 1px;"
        )
        if len(covering) > 1:
            second = codes.colors.get(covering[1]["code"], "#8c8c8c")
            style += f" box-shadow: inset 0 -4px 0 {second};"
        title = "; ".join(
            _label(codes, r["code"], r.get("valence"), r.get("coder") if show_coder else None)
            for r in covering
        )
        pieces.append(f'<mark style="{style}" title="{html.escape(title)}">{body}</mark>')
    return "".join(pieces)


def _badge(codes, code: str, valence: Any, coder: Any) -> str:
    color = codes.colors.get(code, "#8c8c8c")
    mark = {"enabler": "+", "barrier": "−", "neutral": "○"}.get(valence, "")
    return (
        f'<span style="display: inline-block; margin: 2px 4px 2px 0; padding: 0 6px; '
        f'border-radius: 3px; background: {color}; color: {_text_color(color)}; font-size: 85%;">'
        f"{html.escape(mark + ' ' if mark else '')}"
        f"{html.escape(_label(codes, code, valence, coder))}</span>"
    )


def _legend(codes, used: list[str]) -> str:
    items = []
    for code in used:
        color = codes.colors.get(code, "#8c8c8c")
        items.append(
            '<span style="margin-right: 1em; white-space: nowrap;">'
            '<span style="display: inline-block; width: 0.9em; height: 0.9em; '
            f"vertical-align: middle; background: {_rgba(color, 0.35)}; "
            f'border-bottom: 2px solid {color};"></span> '
            f"{html.escape(codes.names.get(code, code))}</span>"
        )
    return (
        '<div class="sysreview-legend" style="margin: 0.5em 0 1em; line-height: 1.8;">'
        + "".join(items)
        + "</div>"
    )


# --------------------------------------------------------------------- public
def highlight(
    corpus: Corpus,
    codings: pd.DataFrame,
    *,
    doc_id: str | None = None,
    segment_ids: Iterable[str] | None = None,
    codebook: Any = None,
    pseudonymise: bool = False,
    max_segments: int = 200,
) -> HTMLFragment:
    """The text of coded segments with the evidence highlighted in code colours.

    Parameters
    ----------
    corpus : Corpus
        The corpus the codings were made on.
    codings : DataFrame
        The codings table (``segment_id``, ``code``; ``valence``, ``start``
        and ``end`` offsets into the document text, and ``coder`` where
        known). Codings without offsets (human codings of whole segments) are
        shown as labels only. With more than one coder, labels name the coder.
    doc_id : str, optional
        Show every segment of this document, coded or not.
    segment_ids : iterable of str, optional
        Show these segments, in this order.
    codebook : Codebook, list of str, path or None, default=None
        Names and colours of the codes.
    pseudonymise : bool, default=False
        Replace the names of speakers and of the people in the documents'
        ``participant`` column by "Person N", in the speaker labels, titles
        and text (with :func:`sysreview.privacy.pseudonymise`; the coded
        stretches move with the text).
    max_segments : int, default=200
        Show at most this many segments (a note says how many were left out).

    Returns
    -------
    HTMLFragment
        Displayed as HTML in Jupyter; ``.html`` is the markup, ``.save(path)``
        writes a standalone page. By default (neither ``doc_id`` nor
        ``segment_ids``) the coded segments are shown, in corpus order.

    Examples
    --------
    >>> import pandas as pd, sysreview
    >>> corpus = sysreview.Corpus.from_segments(pd.DataFrame(
    ...     {"doc_id": ["d1", "d1"], "speaker": ["Dr Rao", "Dr Rao"],
    ...      "text": ["Nurses left.", "Nothing else."]}))
    >>> codings = pd.DataFrame({"segment_id": ["d1:001"], "code": ["workforce"],
    ...                         "valence": ["barrier"], "start": [0], "end": [12]})
    >>> view = highlight(corpus, codings, pseudonymise=True)
    >>> "Person 1" in view.html, "Dr Rao" in view.html, "Nothing else" in view.html
    (True, False, False)
    """
    if not isinstance(corpus, Corpus):
        raise TypeError(
            f"`corpus` must be a Corpus (for the texts and offsets), not {type(corpus).__name__}."
        )
    if doc_id is not None and segment_ids is not None:
        raise ValueError("pass either `doc_id` or `segment_ids`, not both.")
    if not isinstance(max_segments, (int, np.integer)) or max_segments < 1:
        raise ValueError(
            f"`max_segments` must be a whole number of 1 or more, but {max_segments!r} was passed."
        )
    df = _check_codings(codings)
    ctx = _context(corpus)
    segs = ctx.set_index("segment_id", drop=False)
    unknown = pd.Index(df["segment_id"].unique()).difference(segs.index)
    if len(unknown):
        raise ValueError(
            f"{len(unknown)} segment id(s) in `codings` are not in the corpus, e.g. "
            f"{unknown[0]!r}. Pass the corpus these codings were made on."
        )
    if pseudonymise:  # render the pseudonymised texts, with the codings moved onto them
        from .privacy import pseudonymise as _pseudonymise
        from .privacy import pseudonymise_codings

        hidden, mapping = _pseudonymise(corpus)
        df = pseudonymise_codings(df, corpus, mapping)
        corpus, ctx = hidden, _context(hidden)
        segs = ctx.set_index("segment_id", drop=False)
    if doc_id is not None:
        if doc_id not in set(corpus.documents["doc_id"]):
            raise ValueError(
                f"No document with doc_id {doc_id!r} in the corpus; see corpus.documents.doc_id."
            )
        chosen = (
            segs[segs["doc_id"] == doc_id]
            .sort_values("start", kind="stable")["segment_id"]
            .tolist()
        )
    elif segment_ids is not None:
        chosen = [str(s) for s in segment_ids]
        missing = [s for s in chosen if s not in segs.index]
        if missing:
            raise ValueError(f"segment id(s) {missing[:5]} are not in the corpus.")
    else:
        coded = set(df["segment_id"])
        chosen = [s for s in ctx["segment_id"] if s in coded]
    left_out = max(0, len(chosen) - int(max_segments))
    chosen = chosen[: int(max_segments)]
    codes = _codes(codebook, df["code"])
    show_coder = "coder" in df.columns and df["coder"].nunique() > 1
    by_segment = {
        k: g.to_dict("records") for k, g in df[df["segment_id"].isin(chosen)].groupby("segment_id")
    }
    used = [c for c in codes.ids if c in set(df.loc[df["segment_id"].isin(chosen), "code"])]
    blocks = []
    for seg_id in chosen:
        seg = segs.loc[seg_id]
        rows = sorted(by_segment.get(seg_id, []), key=lambda r: codes.ids.index(r["code"]))
        start, end = int(seg["start"]), int(seg["end"])
        text = corpus.text(seg["doc_id"])[start:end]
        body = _render_segment(text, _spans(start, end, rows, seg_id), codes, show_coder)
        speaker = seg.get("speaker")
        speaker = speaker if isinstance(speaker, str) and speaker.strip() else ""
        meta = " · ".join(x for x in (seg_id, speaker) if x)
        badges = "".join(
            _badge(codes, r["code"], r.get("valence"), r.get("coder") if show_coder else None)
            for r in {(r["code"], r.get("valence"), r.get("coder")): r for r in rows}.values()
        )
        border = codes.colors.get(rows[0]["code"], "#8c8c8c") if rows else "#dddddd"
        blocks.append(
            f'<div class="sysreview-segment" style="margin: 0.6em 0; padding: 0.2em 0.8em; '
            f'border-left: 4px solid {border};">'
            f'<div style="color: #555; font-size: 80%;">{html.escape(meta)}</div>'
            f'<div style="white-space: pre-wrap; line-height: 1.6;">{body}</div>'
            + (f"<div>{badges}</div>" if badges else "")
            + "</div>"
        )
    note = (
        f'<p style="color: #555;"><em>{left_out} more segment(s) not shown; raise max_segments '
        "or pass segment_ids.</em></p>"
        if left_out
        else ""
    )
    title = ""
    if doc_id is not None:
        doc = corpus.documents.set_index("doc_id").loc[doc_id]
        heading = doc.get("title") if isinstance(doc.get("title"), str) else doc_id
        title = f"<h4>{html.escape(str(heading))}</h4>"
    if not chosen:
        blocks.append('<p style="color: #555;"><em>No segments to show.</em></p>')
    markup = (
        '<div class="sysreview-highlight">'
        + title
        + (_legend(codes, used) if used else "")
        + "".join(blocks)
        + note
        + "</div>"
    )
    return HTMLFragment(markup, title=str(doc_id or "Coded segments"))


def html_table(
    table: pd.DataFrame,
    *,
    index: bool = True,
    float_format: str = "{:.2f}",
    max_rows: int | None = None,
    caption: str | None = None,
) -> HTMLFragment:
    """A table as escaped HTML, keeping line breaks inside cells.

    Parameters
    ----------
    table : DataFrame
        Any table, for example :func:`sysreview.analysis.framework_matrix`.
    index : bool, default=True
        Show the index as the first column.
    float_format : str, default="{:.2f}"
        Format of floating-point cells.
    max_rows : int, optional
        Show at most this many rows (a note says how many were left out).
    caption : str, optional
        A caption above the table.

    Returns
    -------
    HTMLFragment

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"Workforce": ["2 barriers\\n“<script>”"]}, index=["Ashdown"])
    >>> html_table(t).html.count("&lt;script&gt;"), "<br>" in html_table(t).html
    (1, True)
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"`table` must be a DataFrame, not {type(table).__name__}.")

    def cell(value: Any) -> str:
        if isinstance(value, (float, np.floating)) and not np.isnan(value):
            return _escape(float_format.format(value))
        return _escape(value)

    shown = table if max_rows is None else table.head(int(max_rows))
    th = (
        'style="text-align: left; vertical-align: bottom; padding: 4px 8px; '
        'border-bottom: 2px solid #444;"'
    )
    td = (
        'style="text-align: left; vertical-align: top; padding: 4px 8px; '
        'border-bottom: 1px solid #ddd; min-width: 6em;"'
    )
    head = "".join(f"<th {th}>{_escape(c)}</th>" for c in shown.columns)
    if index:
        head = f"<th {th}>{_escape(shown.index.name or '')}</th>" + head
    rows = []
    for idx, values in zip(shown.index, shown.itertuples(index=False, name=None), strict=True):
        cells = "".join(f"<td {td}>{cell(v)}</td>" for v in values)
        if index:
            label = " / ".join(map(str, idx)) if isinstance(idx, tuple) else idx
            cells = f"<th {td.replace('min-width: 6em;', '')}>{_escape(label)}</th>" + cells
        rows.append(f"<tr>{cells}</tr>")
    cap = (
        f'<caption style="text-align: left; font-weight: bold;">{_escape(caption)}</caption>'
        if caption
        else ""
    )
    note = ""
    if max_rows is not None and len(table) > len(shown):
        note = (
            f'<p style="color: #555;"><em>{len(table) - len(shown)} more row(s) not shown.</em></p>'
        )
    markup = (
        '<div class="sysreview-table" style="overflow-x: auto;">'
        f'<table style="border-collapse: collapse; font-size: 85%;">{cap}'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{note}</div>"
    )
    return HTMLFragment(markup, title=caption or "Table")


# -------------------------------------------------------------------- classes
class HTMLFragment:
    """A piece of HTML that Jupyter displays, and that can be saved as a page.

    Parameters
    ----------
    html : str
        The markup (already escaped where it holds text from sources).
    title : str, default="sysreview"
        The page title used by :meth:`save`.

    Examples
    --------
    >>> HTMLFragment("<p>Hi</p>")._repr_html_()
    '<p>Hi</p>'
    """

    def __init__(self, html: str, *, title: str = "sysreview"):
        self.html = html
        self.title = title

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<HTMLFragment {self.title!r}: {len(self.html):,} characters>"

    def save(self, path: PathLike, *, force: bool = False) -> Path:
        """Write a standalone HTML page; refuse to overwrite unless ``force``.

        Returns
        -------
        Path
            The file written.
        """
        page = _PAGE.format(title=html.escape(self.title), body=self.html)
        return write_text_atomic(path, page, overwrite=force, hint="force=True", private=False)
