"""Charts of codings by area, sector and code.

Each function takes the codings table, draws on ``ax`` (a new figure sized to
the data by default) and returns the Axes. Codes are labelled with the
codebook's names, in its order, and marked with its colours; enablers and
barriers use a colour-blind-safe pair (blue and vermilion). Long labels are
wrapped and cut, and figures grow with the number of rows, so 3 or 30 areas
stay readable.

- :func:`heatmap`: areas (or sectors, ...) x codes.
- :func:`valence_bars`: diverging enabler / barrier bars per area or per code.
- :func:`prevalence`: how many segments (and documents) each code has.
- :func:`cooccurrence_heatmap`: codes that meet in the same segments.
- :func:`small_multiples`: one panel per sector (or any column).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> codings = pd.DataFrame({"segment_id": ["s1", "s2", "s3"], "doc_id": ["d1", "d1", "d2"],
...     "area": ["Ashdown", "Ashdown", "Brook"], "code": ["leadership", "workforce", "workforce"],
...     "valence": ["enabler", "barrier", "barrier"]})
>>> ax = heatmap(codings)
>>> [t.get_text() for t in ax.get_yticklabels()]
['Ashdown', 'Brook']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.ticker import FuncFormatter

from . import analysis
from ._plotting import (
    COL_WIDTH,
    VALENCE_COLORS,
    add_swatches,
    annotate_cells,
    new_axes,
    no_data,
    rows_height,
    share_docs,
    valence_cmap,
    wrap,
)
from .analysis import _check_choice, _check_codings, _codes, _context

__all__ = ["heatmap", "valence_bars", "prevalence", "cooccurrence_heatmap", "small_multiples"]

_HEATMAP_VALUES = ("segments", "documents", "share", "net")
_KINDS = ("valence", "prevalence")
_VALUE_LABELS = {
    "segments": "Segments coded",
    "documents": "Documents coded",
    "share": "Share of the row's segments",
    "net": "Net balance (enablers − barriers)",
}


# ------------------------------------------------------------------- drawing
def _label_lines(labels: Sequence[str]) -> int:
    return max((label.count("\n") + 1 for label in labels), default=1)


def _draw_heatmap(
    ax: Axes,
    data: pd.DataFrame,
    *,
    xlabels: list[str],
    ylabels: list[str],
    swatch_colors: list[str] | None,
    cmap: Any,
    norm: Normalize,
    annot: bool | None,
    fmt: str,
    cbar: bool,
    cbar_label: str,
) -> None:
    values = data.to_numpy(dtype=float)
    n_rows, n_cols = values.shape
    cmap = plt.get_cmap(cmap) if isinstance(cmap, str) else cmap
    cmap = cmap.with_extremes(bad="#eeeeee")
    mesh = ax.pcolormesh(
        np.ma.masked_invalid(values), cmap=cmap, norm=norm, edgecolors="white", linewidth=0.6
    )
    ax.set_xlim(0, n_cols)
    ax.set_ylim(n_rows, 0)
    rotate = n_cols > 5
    ax.set_xticks(
        np.arange(n_cols) + 0.5,
        labels=xlabels,
        rotation=45 if rotate else 0,
        ha="right" if rotate else "center",
        rotation_mode="anchor",
        fontsize=8.5,
    )
    ax.set_yticks(np.arange(n_rows) + 0.5, labels=ylabels, fontsize=9 if n_rows <= 20 else 8)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if annot is None:
        annot = n_rows * n_cols <= 600
    if annot and values.size:
        colors = cmap(norm(np.nan_to_num(values)))
        annotate_cells(ax, values, colors, fmt, fontsize=8 if n_rows * n_cols <= 200 else 6.5)
    if swatch_colors is not None:
        add_swatches(ax, swatch_colors, np.arange(n_cols) + 0.5, axis="x")
    if cbar:
        ax.figure.colorbar(
            mesh, ax=ax, shrink=min(1.0, 6 / max(n_rows, 1) + 0.4), pad=0.02, label=cbar_label
        )


def _draw_diverging(
    ax: Axes,
    labels: list[str],
    enablers: np.ndarray,
    barriers: np.ndarray,
    *,
    swatch_colors: list[str] | None = None,
    show_net: bool = True,
    legend: bool = True,
    limit: float | None = None,
    xlabel: str = "Segments",
) -> None:
    n = len(labels)
    y = np.arange(n)
    ax.barh(y, enablers, height=0.7, color=VALENCE_COLORS["enabler"], label="Enablers")
    ax.barh(y, -barriers, height=0.7, color=VALENCE_COLORS["barrier"], label="Barriers")
    ax.axvline(0, color="#333333", linewidth=0.8)
    top = (
        limit
        if limit is not None
        else max(float(np.max(enablers, initial=0)), float(np.max(barriers, initial=0)), 1.0)
    )
    pad = 0.02 * top
    fontsize = 8 if n <= 25 else 6.5
    for yi, e, b in zip(y, enablers, barriers, strict=True):
        if e:
            ax.text(e + pad, yi, f"{int(e)}", va="center", ha="left", fontsize=fontsize)
        if b:
            ax.text(-b - pad, yi, f"{int(b)}", va="center", ha="right", fontsize=fontsize)
    if show_net:
        ax.scatter(
            enablers - barriers,
            y,
            marker="D",
            s=16,
            color="#222222",
            zorder=4,
            label="Net (enablers − barriers)",
        )
    ax.set_xlim(-top * 1.25, top * 1.25)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_yticks(y, labels=labels, fontsize=9 if n <= 20 else 8)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):g}"))
    ax.set_xlabel(f"← barriers   {xlabel}   enablers →")
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if swatch_colors is not None:
        add_swatches(ax, swatch_colors, y, axis="y")
    if legend:
        handles, names = _valence_legend(ax)
        ax.legend(
            handles,
            names,
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncols=3,
            frameon=False,
            fontsize=8,
        )


def _valence_legend(ax: Axes) -> tuple[list, list[str]]:
    """Legend entries in reading order: enablers, barriers, then the net marker."""
    handles, names = ax.get_legend_handles_labels()
    order = {"Enablers": 0, "Barriers": 1}
    pairs = sorted(zip(handles, names, strict=True), key=lambda p: order.get(p[1], 2))
    return [h for h, _ in pairs], [n for _, n in pairs]


def _draw_prevalence(
    ax: Axes,
    labels: list[str],
    values: np.ndarray,
    notes: list[str],
    colors: list[str],
    *,
    xlabel: str,
    limit: float | None = None,
) -> None:
    n = len(labels)
    y = np.arange(n)
    ax.barh(y, values, height=0.7, color=colors, edgecolor="#444444", linewidth=0.4)
    top = limit if limit is not None else max(float(np.max(values, initial=0)), 1.0)
    fontsize = 8 if n <= 25 else 6.5
    for yi, v, note in zip(y, values, notes, strict=True):
        ax.text(
            v + 0.02 * top, yi, note, va="center", ha="left", fontsize=fontsize, color="#333333"
        )
    ax.set_xlim(0, top * 1.45)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_yticks(y, labels=labels, fontsize=9 if n <= 20 else 8)
    ax.set_xlabel(xlabel)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _prevalence_data(
    df: pd.DataFrame, codes, value: str, n_docs: int | None
) -> tuple[np.ndarray, list[str]]:
    """Bar lengths and their notes ("in 3 of 10 documents") per code, in codebook order."""
    segs = df.drop_duplicates(["code", "segment_id"]).groupby("code").size()
    docs = (
        df.drop_duplicates(["code", "doc_id"]).groupby("code").size()
        if "doc_id" in df
        else pd.Series(dtype=int)
    )
    segs = segs.reindex(codes.ids, fill_value=0)
    docs = docs.reindex(codes.ids, fill_value=0)
    of = f" of {n_docs}" if n_docs else ""
    if value == "segments":
        notes = [
            f"{s} · in {d}{of} doc{'s' if (n_docs or d) != 1 else ''}" if "doc_id" in df else f"{s}"
            for s, d in zip(segs, docs, strict=True)
        ]
        return segs.to_numpy(dtype=float), notes
    notes = [
        f"{d}{of} · {s} segment{'s' if s != 1 else ''}" for s, d in zip(segs, docs, strict=True)
    ]
    return docs.to_numpy(dtype=float), notes


# -------------------------------------------------------------------- public
@share_docs
def heatmap(
    codings: pd.DataFrame,
    *,
    rows: str = "area",
    value: str = "segments",
    valence: str | None = None,
    corpus: Any = None,
    codebook: Any = None,
    annot: bool | None = None,
    cmap: Any = None,
    cbar: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of areas (or sectors, sources, ...) x codes.

    Parameters
    ----------
    {codings}
    rows : str, default="area"
        The column whose values make the rows (see
        :func:`sysreview.analysis.matrix`).
    value : {{"segments", "documents", "share", "net"}}, default="segments"
        What each cell shows: segments coded, documents coded, the share of
        the row's segments coded (needs ``corpus``), or the net balance of
        enablers minus barriers (in a diverging blue / vermilion scale).
    valence : str, optional
        Count only codings with this valence (not with ``value="net"``).
    {corpus}
    {codebook}
    {annot}
    cmap : str or Colormap, optional
        Colour map; default "Purples", or blue / vermilion for ``value="net"``.
    {cbar}
    {ax}

    {returns}

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({{"segment_id": ["s1", "s2"], "area": ["Ashdown", "Brook"],
    ...     "code": ["leadership", "workforce"], "valence": ["enabler", "barrier"]}})
    >>> ax = heatmap(codings, value="net", codebook=["leadership", "workforce"])
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['Leadership', 'Workforce']
    """
    _check_choice("value", value, _HEATMAP_VALUES)
    df = _check_codings(codings)
    codes = _codes(codebook, df["code"])
    if value == "net":
        if valence is not None:
            raise ValueError("`valence` cannot be used with value='net', which uses every valence.")
        table = analysis.valence_balance(df, by=rows, corpus=corpus, codebook=codes.ids)
        data = table.pivot(index=rows, columns="code", values="net")
        order = list(dict.fromkeys(table[rows]))
        data = data.reindex(index=order, columns=codes.ids)
        limit = max(float(np.nanmax(np.abs(data.to_numpy(dtype=float)), initial=0)), 1.0)
        norm: Normalize = TwoSlopeNorm(vcenter=0, vmin=-limit, vmax=limit)
        cmap = cmap if cmap is not None else valence_cmap()
        fmt = "+.0f"
        data = data.astype(float)
    else:
        data = analysis.matrix(
            df, rows=rows, value=value, valence=valence, corpus=corpus, codebook=codes.ids
        ).astype(float)
        top = float(np.nanmax(data.to_numpy(), initial=0))
        norm = Normalize(vmin=0, vmax=top if top > 0 else 1)
        cmap = cmap if cmap is not None else "Purples"
        fmt = ".0%" if value == "share" else ".0f"
    ylabels = [wrap(r, 28) for r in data.index]
    xlabels = [wrap(codes.names[c], 18) for c in data.columns]
    lines = _label_lines(ylabels)
    ax = new_axes(
        ax,
        width=3.2 + COL_WIDTH * len(data.columns),
        height=rows_height(len(data), lines=lines) + 1.2,
    )
    if data.empty:
        return no_data(ax)
    _draw_heatmap(
        ax,
        data,
        xlabels=xlabels,
        ylabels=ylabels,
        swatch_colors=[codes.colors[c] for c in data.columns],
        cmap=cmap,
        norm=norm,
        annot=annot,
        fmt=fmt,
        cbar=cbar,
        cbar_label=_VALUE_LABELS[value],
    )
    ax.set_ylabel(rows.replace("_", " ").capitalize())
    ax.set_xlabel("")
    return ax


@share_docs
def valence_bars(
    codings: pd.DataFrame,
    *,
    by: str = "area",
    code: str | Sequence[str] | None = None,
    area: str | Sequence[str] | None = None,
    corpus: Any = None,
    codebook: Any = None,
    show_net: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Diverging bars: enablers to the right, barriers to the left, per area or per code.

    Parameters
    ----------
    {codings}
    by : str, default="area"
        One bar per value of this column: "area", "code" (in codebook order,
        marked with the code colours), "sector", or any column of the corpus.
    code : str or list of str, optional
        Count only these codes (for ``by="area"``: "which areas found
        governance clear?").
    area : str or list of str, optional
        Count only these areas (for ``by="code"``: "what helped and hindered
        in Ashdown Vale?").
    {corpus}
    {codebook}
    show_net : bool, default=True
        Mark the net balance (enablers minus barriers) with a black diamond.
    {ax}

    {returns}

    Notes
    -----
    Bars count segments; neutral codings are not drawn (see
    :func:`sysreview.analysis.valence_balance` for them).

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({{"segment_id": ["s1", "s2", "s3"], "area": ["A", "A", "B"],
    ...     "code": ["workforce"] * 3, "valence": ["enabler", "barrier", "barrier"]}})
    >>> ax = valence_bars(codings)
    >>> [c.datavalues.tolist() for c in ax.containers]
    [[1.0, 0.0], [-1.0, -1.0]]
    """
    df = _check_codings(codings)
    codes = _codes(codebook, df["code"])
    if by != "code":
        table = analysis.valence_balance(df, by=by, corpus=corpus, codebook=codes.ids)
    else:
        table = analysis.valence_balance(df.assign(_all="all"), by="_all", codebook=codes.ids)
    if code is not None:
        wanted = analysis._as_list(code)
        unknown = [c for c in wanted if c not in codes.ids]
        if unknown:
            raise ValueError(
                f"The value for `code` must be among {codes.ids}, but {unknown!r} was passed."
            )
        table = table[table["code"].isin(wanted)]
    if area is not None:
        wanted = [str(a) for a in analysis._as_list(area)]
        with_area = df if "area" in df.columns else analysis._attach(df, ["area"], _context(corpus))
        known = set(analysis._labels(with_area["area"]))
        unknown = [a for a in wanted if a not in known]
        if unknown:
            raise ValueError(
                f"The value for `area` must be among {sorted(known)}, but {unknown!r} was passed."
            )
        if by == "area":
            table = table[table["area"].isin(wanted)]
        else:
            sub = with_area[analysis._labels(with_area["area"]).isin(wanted).to_numpy()]
            return valence_bars(
                sub, by=by, code=code, corpus=corpus, codebook=codes.ids, show_net=show_net, ax=ax
            )
    key = "code" if by == "code" else by
    sums = table.groupby(key, sort=False)[["enabler", "barrier"]].sum()
    if by == "code":
        sums = sums.reindex(codes.ids, fill_value=0)
        labels = [wrap(codes.names[c], 30) for c in sums.index]
        swatches: list[str] | None = [codes.colors[c] for c in sums.index]
    else:
        labels = [wrap(v, 30) for v in sums.index]
        swatches = None
    ax = new_axes(ax, width=7.5, height=rows_height(len(sums), lines=_label_lines(labels)))
    if sums.empty:
        return no_data(ax)
    _draw_diverging(
        ax,
        labels,
        sums["enabler"].to_numpy(dtype=float),
        sums["barrier"].to_numpy(dtype=float),
        swatch_colors=swatches,
        show_net=show_net,
    )
    ax.set_ylabel("Code" if by == "code" else by.replace("_", " ").capitalize())
    return ax


@share_docs
def prevalence(
    codings: pd.DataFrame,
    *,
    value: str = "segments",
    corpus: Any = None,
    codebook: Any = None,
    ax: Axes | None = None,
) -> Axes:
    """How often each code was applied: bars in code colours, with document counts.

    Parameters
    ----------
    {codings}
    value : {{"segments", "documents"}}, default="segments"
        Bar length: segments coded (noted with the number of documents), or
        documents coded (noted with the number of segments).
    corpus : Corpus, optional
        With a corpus, notes say "in 3 of 10 docs".
    {codebook}
    {ax}

    {returns}

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({{"segment_id": ["s1", "s2", "s3"], "doc_id": ["d1", "d1", "d2"],
    ...     "code": ["workforce", "workforce", "leadership"]}})
    >>> ax = prevalence(codings, codebook=["leadership", "workforce"])
    >>> [float(p.get_width()) for p in ax.patches]
    [1.0, 2.0]
    """
    _check_choice("value", value, ("segments", "documents"))
    df = _check_codings(codings)
    if value == "documents" and "doc_id" not in df.columns:
        df = analysis._attach(df, ["doc_id"], _context(corpus))
    codes = _codes(codebook, df["code"])
    n_docs = len(corpus.documents) if hasattr(corpus, "documents") else None
    values, notes = _prevalence_data(df, codes, value, n_docs)
    labels = [wrap(codes.names[c], 30) for c in codes.ids]
    ax = new_axes(ax, width=7.5, height=rows_height(len(labels), lines=_label_lines(labels)))
    if not len(labels):
        return no_data(ax)
    _draw_prevalence(
        ax,
        labels,
        values,
        notes,
        [codes.colors[c] for c in codes.ids],
        xlabel="Segments coded" if value == "segments" else "Documents coded",
    )
    add_swatches(ax, [codes.colors[c] for c in codes.ids], np.arange(len(labels)), axis="y")
    return ax


@share_docs
def cooccurrence_heatmap(
    codings: pd.DataFrame,
    *,
    value: str = "jaccard",
    unit: str = "segment",
    codebook: Any = None,
    annot: bool | None = None,
    cbar: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of codes x codes: how often two codes are applied to the same segment.

    Parameters
    ----------
    {codings}
    value : {{"jaccard", "count"}}, default="jaccard"
        Jaccard index (segments with both / segments with either) or count.
    unit : {{"segment", "document"}}, default="segment"
        Codes meet within a segment or within a document.
    {codebook}
    {annot}
    {cbar}
    {ax}

    {returns}

    Notes
    -----
    The diagonal (a code with itself) is left blank.

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({{"segment_id": ["s1", "s1", "s2"],
    ...                         "code": ["leadership", "workforce", "workforce"]}})
    >>> ax = cooccurrence_heatmap(codings, codebook=["leadership", "workforce"])
    >>> ax.collections[0].get_array().reshape(2, 2)[0, 1]
    np.float64(0.5)
    """
    _check_choice("value", value, ("jaccard", "count"))
    df = _check_codings(codings)
    codes = _codes(codebook, df["code"])
    data = analysis.cooccurrence(df, value=value, unit=unit, codebook=codes.ids).astype(float)
    values = data.to_numpy(dtype=float, copy=True)
    np.fill_diagonal(values, np.nan)
    data = pd.DataFrame(values, index=data.index, columns=data.columns)
    names = [codes.names[c] for c in codes.ids]
    ax = new_axes(ax, width=3.5 + COL_WIDTH * len(names), height=rows_height(len(names)) + 1.4)
    if data.empty:
        return no_data(ax)
    top = (
        float(np.nanmax(data.to_numpy(), initial=0)) if np.isfinite(data.to_numpy()).any() else 0.0
    )
    _draw_heatmap(
        ax,
        data,
        xlabels=[wrap(n, 18) for n in names],
        ylabels=[wrap(n, 30) for n in names],
        swatch_colors=[codes.colors[c] for c in codes.ids],
        cmap="Purples",
        norm=Normalize(vmin=0, vmax=top if top > 0 else 1),
        annot=annot,
        fmt=".2f" if value == "jaccard" else ".0f",
        cbar=cbar,
        cbar_label="Jaccard index"
        if value == "jaccard"
        else f"{unit.capitalize()}s with both codes",
    )
    add_swatches(ax, [codes.colors[c] for c in codes.ids], np.arange(len(names)) + 0.5, axis="y")
    return ax


def small_multiples(
    codings: pd.DataFrame,
    *,
    by: str = "sector",
    kind: str = "valence",
    corpus: Any = None,
    codebook: Any = None,
    col_wrap: int = 3,
    sharex: bool = True,
    ax: Axes | None = None,
) -> np.ndarray:
    """One small chart per sector (or area, source type, ...), on a shared scale.

    Parameters
    ----------
    codings : DataFrame
        The codings table, one row per segment x code.
    by : str, default="sector"
        One panel per value of this column.
    kind : {"valence", "prevalence"}, default="valence"
        Each panel shows diverging enabler / barrier bars per code, or the
        number of segments coded with each code.
    corpus : Corpus or DataFrame, optional
        Needed when ``by`` is not a column of the codings.
    codebook : Codebook, list of str, path or None, default=None
        Names, order and colours of the codes.
    col_wrap : int, default=3
        Panels per row.
    sharex : bool, default=True
        Draw every panel on the same scale, so that bar lengths compare across
        panels. When one group has far more segments than the others (such as
        the review reports of sector "system"), False gives each panel its own
        scale, so that small groups stay readable; the counts are written on
        the bars either way.
    ax : matplotlib.axes.Axes, optional
        Split the space of this Axes into the panels (it is removed). By
        default a new figure sized to the number of panels and codes.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
        The Axes of the panels, one per value of ``by`` in sorted order (a
        single Axes saying there is nothing to draw when there are no codings).

    Examples
    --------
    >>> import pandas as pd
    >>> codings = pd.DataFrame({"segment_id": ["s1", "s2"], "sector": ["care home", "council"],
    ...     "code": ["workforce", "leadership"], "valence": ["barrier", "enabler"]})
    >>> axes = small_multiples(codings, codebook=["leadership", "workforce"])
    >>> [a.get_title() for a in axes]
    ['care home (1 segment)', 'council (1 segment)']
    """
    _check_choice("kind", kind, _KINDS)
    if not isinstance(col_wrap, (int, np.integer)) or col_wrap < 1:
        raise ValueError(
            f"`col_wrap` must be a whole number of 1 or more, but {col_wrap!r} was passed."
        )
    df = _check_codings(codings)
    if kind == "valence":
        analysis._check_valence_present(df)
    df = analysis._attach(df, [by], _context(corpus))
    codes = _codes(codebook, df["code"])
    groups = analysis._sorted_levels(set(analysis._labels(df[by]))) if len(df) else []
    labels = [wrap(codes.names[c], 30) for c in codes.ids]
    n_panels = max(len(groups), 1)
    ncols = min(int(col_wrap), n_panels)
    nrows = math.ceil(n_panels / ncols)
    panel_h = rows_height(len(labels), lines=_label_lines(labels)) - 0.6
    if ax is None:
        fig = plt.figure(figsize=(2.2 + 3.2 * ncols, 0.4 + panel_h * nrows), layout="constrained")
        grid = fig.add_gridspec(nrows, ncols)
    else:
        fig = ax.figure
        grid = ax.get_subplotspec().subgridspec(nrows, ncols)
        ax.remove()
    if not groups:
        only = fig.add_subplot(grid[0, 0])
        return np.array([no_data(only)], dtype=object)
    keys = analysis._labels(df[by])
    per_group = {g: df[(keys == g).to_numpy()] for g in groups}
    if kind == "valence":
        tables = {
            g: analysis.valence_balance(d.assign(_all="all"), by="_all", codebook=codes.ids)
            .set_index("code")
            .reindex(codes.ids)
            for g, d in per_group.items()
        }
        limits = {
            g: max(float(t["enabler"].max()), float(t["barrier"].max())) for g, t in tables.items()
        }
    else:
        counts = {
            g: d.drop_duplicates(["code", "segment_id"])
            .groupby("code")
            .size()
            .reindex(codes.ids, fill_value=0)
            for g, d in per_group.items()
        }
        limits = {g: float(c.max()) for g, c in counts.items()}
    shared = max(max(limits.values()), 1.0)
    axes = []
    for k, group in enumerate(groups):
        panel = fig.add_subplot(grid[k // ncols, k % ncols])
        first = k % ncols == 0
        if kind == "valence":
            t = tables[group]
            _draw_diverging(
                panel,
                labels,
                t["enabler"].to_numpy(dtype=float),
                t["barrier"].to_numpy(dtype=float),
                show_net=False,
                legend=False,
                limit=shared if sharex else max(limits[group], 1.0),
                swatch_colors=[codes.colors[c] for c in codes.ids] if first else None,
            )
        else:
            c = counts[group]
            _draw_prevalence(
                panel,
                labels,
                c.to_numpy(dtype=float),
                [str(v) for v in c],
                [codes.colors[i] for i in codes.ids],
                xlabel="Segments coded",
                limit=shared if sharex else max(limits[group], 1.0),
            )
            if first:
                add_swatches(
                    panel, [codes.colors[i] for i in codes.ids], np.arange(len(labels)), axis="y"
                )
        if not first:
            panel.tick_params(axis="y", labelleft=False)
        n_seg = per_group[group]["segment_id"].nunique()
        panel.set_title(
            f"{wrap(group, 34)} ({n_seg} segment{'s' if n_seg != 1 else ''})", fontsize=10
        )
        axes.append(panel)
    if kind == "valence":
        handles, names = _valence_legend(axes[0])
        if ax is None:
            fig.legend(
                handles, names, loc="outside upper center", ncols=2, frameon=False, fontsize=9
            )
        else:
            axes[0].legend(handles, names, loc="best", fontsize=8)
    return np.array(axes, dtype=object)
