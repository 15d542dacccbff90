"""Helpers shared by :mod:`sysreview.plots`: colours, labels, sizes, docstrings."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.transforms import ScaledTranslation

__all__ = [
    "VALENCE_COLORS",
    "SWATCH_GID",
    "valence_cmap",
    "wrap",
    "new_axes",
    "add_swatches",
    "annotate_cells",
    "no_data",
    "share_docs",
    "rows_height",
]

#: Colour-blind-safe valence colours (Okabe & Ito 2008): blue for enablers,
#: vermilion for barriers, grey for neutral.
VALENCE_COLORS = {"enabler": "#0072B2", "barrier": "#D55E00", "neutral": "#999999"}
#: ``gid`` of the collection of code-colour squares next to code labels, plus "-x" or "-y".
SWATCH_GID = "sysreview-code-swatches"
#: Height of one row of bars or cells, and the extra height of a figure, in inches.
ROW_HEIGHT = 0.3
MARGIN_HEIGHT = 1.6
#: Width of one heatmap column, in inches.
COL_WIDTH = 0.55

_DOCS = {
    "codings": """codings : DataFrame
        The codings table, one row per segment x code (from :func:`sysreview.code`).""",
    "corpus": """corpus : Corpus or DataFrame, optional
        The corpus the codings were made on; needed for columns that are not in
        the codings (``source_type``, ``speaker``, ...) and for shares.""",
    "codebook": """codebook : Codebook, list of str, path or None, default=None
        Names, order and colours of the codes; ``None`` is the default codebook
        (or the codes found, sorted, if some are not in it).""",
    "annot": """annot : bool, optional
        Write the value in each cell; by default when there are at most 600 cells.""",
    "cbar": """cbar : bool, default=True
        Draw a colour bar.""",
    "ax": """ax : matplotlib.axes.Axes, optional
        The Axes to draw on. By default a new figure is made, its height set
        by the number of rows so that 3 or 30 areas stay readable.""",
    "returns": """Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on, also when there is nothing to draw, for further
        styling.""",
}


def share_docs(func: Callable) -> Callable:
    """Fill the shared parameter descriptions (``{codings}``, ``{ax}``, ...) into a docstring."""
    if func.__doc__:
        func.__doc__ = func.__doc__.format(**_DOCS)
    return func


def valence_cmap() -> LinearSegmentedColormap:
    """Diverging colour map from the barrier colour through white to the enabler colour."""
    cmap = LinearSegmentedColormap.from_list(
        "sysreview_valence", [VALENCE_COLORS["barrier"], "#f7f7f7", VALENCE_COLORS["enabler"]]
    )
    return cmap.with_extremes(bad="#eeeeee")


def wrap(text: Any, width: int = 22, max_lines: int = 2) -> str:
    """Wrap a label on word boundaries; cut it with "…" beyond ``max_lines`` lines.

    Examples
    --------
    >>> wrap("Communication and information sharing between organisations", 20)
    'Communication and\\ninformation sharing…'
    """
    text = " ".join(str(text).split())
    lines = textwrap.wrap(text, width=width, break_long_words=True) or [""]
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        lines = lines[: max_lines - 1] + [(last[: width - 1] if len(last) >= width else last) + "…"]
    return "\n".join(lines)


def new_axes(ax: Axes | None, *, width: float, height: float) -> Axes:
    """Return ``ax``, or the Axes of a new figure of the given size (inches)."""
    if ax is not None:
        if not isinstance(ax, Axes):
            raise TypeError(f"`ax` must be a matplotlib Axes, not {type(ax).__name__}.")
        return ax
    fig = plt.figure(figsize=(width, height), layout="constrained")
    return fig.add_subplot()


def rows_height(n_rows: int, *, lines: int = 1) -> float:
    """Figure height (inches) for ``n_rows`` rows of labels ``lines`` lines high."""
    return MARGIN_HEIGHT + max(n_rows, 3) * ROW_HEIGHT * (1 + 0.35 * (lines - 1))


def add_swatches(ax: Axes, colors: Sequence[str], positions: Sequence[float], *, axis: str) -> None:
    """Small squares in the code colours between the axis and its tick labels."""
    dpi = ax.figure.dpi_scale_trans
    if axis == "x":
        trans = ax.get_xaxis_transform() + ScaledTranslation(0, -7 / 72, dpi)
        xs, ys = list(positions), [0.0] * len(positions)
        ax.tick_params(axis="x", pad=14)
    else:
        trans = ax.get_yaxis_transform() + ScaledTranslation(-7 / 72, 0, dpi)
        xs, ys = [0.0] * len(positions), list(positions)
        ax.tick_params(axis="y", pad=14)
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    ax.scatter(
        xs,
        ys,
        s=45,
        marker="s",
        c=list(colors),
        transform=trans,
        clip_on=False,
        gid=f"{SWATCH_GID}-{axis}",
        zorder=5,
        edgecolors="#444444",
        linewidths=0.4,
    )
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)


def annotate_cells(
    ax: Axes, values: np.ndarray, colors: np.ndarray, fmt: str, *, fontsize: float
) -> None:
    """Write each finite value in its cell, in black or white for contrast."""
    for (i, j), v in np.ndenumerate(values):
        if not np.isfinite(v):
            continue
        r, g, b = to_rgb(colors[i, j])
        ink = "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "white"
        text = "0" if v == 0 and fmt.startswith("+") else format(v, fmt)
        ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", color=ink, fontsize=fontsize)


def no_data(ax: Axes, message: str = "No codings to show") -> Axes:
    """Say there is nothing to draw; keep the Axes for the caller."""
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax
