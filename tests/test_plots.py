"""Charts: labels, order, colours and values drawn, not only that they ran."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex, to_rgba  # noqa: E402

from sysreview import plots  # noqa: E402
from sysreview._plotting import SWATCH_GID, VALENCE_COLORS, wrap  # noqa: E402
from sysreview.codebook import Code, Codebook  # noqa: E402

LONG = "Communication and information sharing between every organisation in the system"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def codebook() -> Codebook:
    return Codebook(
        [
            Code("governance", name="Governance clarity", color="#1f77b4"),
            Code("communication", name=LONG, color="#ff7f0e"),
            Code("workforce", name="Workforce", color="#2ca02c"),
        ]
    )


@pytest.fixture
def codings() -> pd.DataFrame:
    rows = [
        # segment, doc, area, sector, code, valence
        ("s1", "d1", "Brook", "care home", "governance", "enabler"),
        ("s2", "d1", "Brook", "care home", "governance", "enabler"),
        ("s3", "d2", "Brook", "council", "governance", "barrier"),
        ("s3", "d2", "Brook", "council", "workforce", "barrier"),
        ("s4", "d3", "Ashdown", "care home", "workforce", "barrier"),
        ("s5", "d3", "Ashdown", "care home", "workforce", "barrier"),
        ("s5", "d3", "Ashdown", "care home", "communication", "enabler"),
        ("s6", "d4", "Ashdown", "council", "communication", "neutral"),
    ]
    return pd.DataFrame(rows, columns=["segment_id", "doc_id", "area", "sector", "code", "valence"])


def swatch_colors(ax, axis: str) -> list[str]:
    found = [c for c in ax.collections if c.get_gid() == f"{SWATCH_GID}-{axis}"]
    assert len(found) == 1
    return [to_hex(c) for c in found[0].get_facecolors()]


def tick_texts(ax, axis: str) -> list[str]:
    labels = ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()
    return [t.get_text() for t in labels]


# ----------------------------------------------------------------------------- heatmap
def test_heatmap_values_labels_order_and_colours(codings, codebook):
    ax = plots.heatmap(codings, codebook=codebook)
    values = np.asarray(ax.collections[0].get_array()).reshape(2, 3)
    # rows Ashdown, Brook (sorted); columns in codebook order
    np.testing.assert_array_equal(values, [[0, 2, 2], [3, 0, 1]])
    assert tick_texts(ax, "y") == ["Ashdown", "Brook"]
    assert tick_texts(ax, "x") == ["Governance clarity", wrap(LONG, 18), "Workforce"]
    assert tick_texts(ax, "x")[1].endswith("…")  # a long name is cut, not overflowing
    assert swatch_colors(ax, "x") == ["#1f77b4", "#ff7f0e", "#2ca02c"]
    cells = [t.get_text() for t in ax.texts]
    assert cells == ["0", "2", "2", "3", "0", "1"]
    assert ax.figure.axes[-1].get_ylabel() == "Segments coded"  # the colour bar


def test_heatmap_net_uses_the_valence_colours(codings, codebook):
    ax = plots.heatmap(codings, value="net", codebook=codebook)
    mesh = ax.collections[0]
    values = np.asarray(mesh.get_array()).reshape(2, 3)
    np.testing.assert_array_equal(values, [[0, 1, -2], [1, 0, -1]])
    colors = mesh.to_rgba(values)  # the colours the mesh maps these values to
    assert colors[0, 0, :3] == pytest.approx(to_rgba("#f7f7f7")[:3], abs=0.02)  # zero is white
    assert colors[1, 0, 2] > colors[1, 0, 0]  # +1 leans blue (enabler)
    assert colors[0, 2, 0] > colors[0, 2, 2]  # -2 leans vermilion (barrier)
    assert [t.get_text() for t in ax.texts][:3] == ["0", "+1", "-2"]


def test_heatmap_share_and_given_axes(codings, codebook):
    import sysreview as sr

    segments = pd.DataFrame(
        {
            "segment_id": [f"s{i}" for i in range(1, 9)],
            "doc_id": ["d1", "d1", "d2", "d3", "d3", "d4", "d4", "d4"],
            "area": ["Brook"] * 3 + ["Ashdown"] * 5,
            "text": ["x"] * 8,
        }
    )
    corpus = sr.Corpus.from_segments(segments)
    fig, ax = plt.subplots()
    out = plots.heatmap(codings, value="share", corpus=corpus, codebook=codebook, ax=ax, cbar=False)
    assert out is ax and len(fig.axes) == 1
    values = np.asarray(ax.collections[0].get_array()).reshape(2, 3)
    np.testing.assert_allclose(values, [[0, 2 / 5, 2 / 5], [1, 0, 1 / 3]])
    assert [t.get_text() for t in ax.texts][3] == "100%"


# ------------------------------------------------------------------------ valence bars
def test_valence_bars_by_area(codings, codebook):
    ax = plots.valence_bars(codings, codebook=codebook)
    enablers, barriers = ax.containers
    assert enablers.get_label() == "Enablers" and barriers.get_label() == "Barriers"
    assert enablers.datavalues.tolist() == [1, 2]  # Ashdown, Brook
    assert barriers.datavalues.tolist() == [-2, -2]
    assert to_hex(enablers.patches[0].get_facecolor()) == VALENCE_COLORS["enabler"].lower()
    assert to_hex(barriers.patches[0].get_facecolor()) == VALENCE_COLORS["barrier"].lower()
    assert tick_texts(ax, "y") == ["Ashdown", "Brook"]
    net = [c for c in ax.collections if c.get_label().startswith("Net")][0]
    assert net.get_offsets()[:, 0].tolist() == [-1, 0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Enablers",
        "Barriers",
        "Net (enablers − barriers)",
    ]


def test_valence_bars_by_code_and_for_one_area(codings, codebook):
    ax = plots.valence_bars(codings, by="code", codebook=codebook)
    assert tick_texts(ax, "y") == [
        "Governance clarity",
        wrap(LONG, 30),
        "Workforce",
    ]
    assert ax.containers[0].datavalues.tolist() == [2, 1, 0]
    assert ax.containers[1].datavalues.tolist() == [-1, 0, -3]
    assert swatch_colors(ax, "y") == ["#1f77b4", "#ff7f0e", "#2ca02c"]
    ax = plots.valence_bars(codings, by="code", area="Brook", codebook=codebook)
    assert ax.containers[0].datavalues.tolist() == [2, 0, 0]
    assert ax.containers[1].datavalues.tolist() == [-1, 0, -1]
    ax = plots.valence_bars(codings, code="workforce", codebook=codebook)
    assert ax.containers[1].datavalues.tolist() == [-2, -1]
    with pytest.raises(ValueError, match=r"`area` must be among \['Ashdown', 'Brook'\]"):
        plots.valence_bars(codings, by="code", area="Cray")


# -------------------------------------------------------------------------- prevalence
def test_prevalence_bars_colours_and_document_counts(codings, codebook):
    import sysreview as sr

    corpus = sr.Corpus.from_segments(
        pd.DataFrame({"doc_id": ["d1", "d2", "d3", "d4", "d5"], "text": ["x"] * 5})
    )
    ax = plots.prevalence(codings, corpus=corpus, codebook=codebook)
    bars = ax.patches
    assert [float(b.get_width()) for b in bars] == [3.0, 2.0, 3.0]
    assert [to_hex(b.get_facecolor()) for b in bars] == ["#1f77b4", "#ff7f0e", "#2ca02c"]
    assert [t.get_text() for t in ax.texts] == [
        "3 · in 2 of 5 docs",
        "2 · in 2 of 5 docs",
        "3 · in 2 of 5 docs",
    ]
    assert tick_texts(ax, "y")[0] == "Governance clarity"
    ax = plots.prevalence(codings, value="documents", codebook=codebook)
    assert [float(b.get_width()) for b in ax.patches] == [2.0, 2.0, 2.0]
    assert ax.get_xlabel() == "Documents coded"


# ------------------------------------------------------------------------ co-occurrence
def test_cooccurrence_heatmap(codings, codebook):
    ax = plots.cooccurrence_heatmap(codings, value="count", codebook=codebook)
    values = np.ma.filled(ax.collections[0].get_array(), np.nan).reshape(3, 3)
    assert np.isnan(np.diag(values)).all()  # a code with itself is left blank
    # governance {s1,s2,s3}, communication {s5,s6}, workforce {s3,s4,s5}
    assert values[0, 2] == 1 and values[2, 0] == 1 and values[1, 2] == 1 and values[0, 1] == 0
    assert tick_texts(ax, "y")[0] == "Governance clarity"
    assert swatch_colors(ax, "x") == swatch_colors(ax, "y") == ["#1f77b4", "#ff7f0e", "#2ca02c"]


# ----------------------------------------------------------------------- small multiples
def test_small_multiples_by_sector(codings, codebook):
    axes = plots.small_multiples(codings, codebook=codebook)
    assert [a.get_title() for a in axes] == ["care home (4 segments)", "council (2 segments)"]
    care, council = axes
    assert care.containers[0].datavalues.tolist() == [2, 1, 0]
    assert council.containers[1].datavalues.tolist() == [-1, 0, -1]
    assert care.get_xlim() == council.get_xlim()  # one scale for all panels
    assert tick_texts(care, "y")[0] == "Governance clarity"
    assert council.yaxis.get_tick_params().get("labelleft") is False  # names on the left only
    legend = care.figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["Enablers", "Barriers"]


def test_small_multiples_own_scales_and_given_axes(codings, codebook):
    axes = plots.small_multiples(
        codings, by="area", kind="prevalence", sharex=False, codebook=codebook
    )
    assert [a.get_title() for a in axes] == ["Ashdown (3 segments)", "Brook (3 segments)"]
    assert [float(b.get_width()) for b in axes[1].patches] == [3.0, 0.0, 1.0]
    fig, (left, right) = plt.subplots(1, 2)
    panels = plots.small_multiples(codings, codebook=codebook, ax=right)
    assert left in fig.axes and right not in fig.axes
    box = right.get_position()
    for panel in panels:  # drawn inside the space of the Axes given
        assert panel.get_position().x0 >= box.x0 - 1e-6


# -------------------------------------------------------------------------- readability
def _overlaps(labels, renderer) -> int:
    boxes = [t.get_window_extent(renderer) for t in labels if t.get_text()]
    return sum(a.overlaps(b) for a, b in zip(boxes, boxes[1:], strict=False))


@pytest.mark.parametrize("func", ["heatmap", "valence_bars"])
def test_readable_with_3_or_30_areas_and_long_names(func, codebook):
    def many(n):
        areas = [f"Area {i:02d} of the Very Long Metropolitan Borough Council" for i in range(n)]
        return pd.DataFrame(
            {
                "segment_id": [f"s{i}" for i in range(n)],
                "area": areas,
                "code": ["communication"] * n,
                "valence": ["barrier"] * n,
            }
        )

    small = getattr(plots, func)(many(3), codebook=codebook)
    large = getattr(plots, func)(many(30), codebook=codebook)
    assert large.figure.get_figheight() > small.figure.get_figheight() * 2
    labels = tick_texts(large, "y")
    assert len(labels) == 30
    assert all(len(line) <= 31 for label in labels for line in label.split("\n"))
    assert all(label.count("\n") <= 1 for label in labels)
    renderer = large.figure.canvas.get_renderer()
    large.figure.canvas.draw()
    assert _overlaps(large.get_yticklabels(), renderer) == 0


def test_empty_codings_still_return_axes(codebook):
    empty = pd.DataFrame(columns=["segment_id", "area", "code", "valence"])
    ax = plots.valence_bars(empty, codebook=codebook)
    assert isinstance(ax, plt.Axes)
    ax = plots.heatmap(empty, codebook=codebook)
    assert isinstance(ax, plt.Axes)
    axes = plots.small_multiples(empty.assign(sector=[]), codebook=codebook)
    assert "No codings to show" in [t.get_text() for t in axes[0].texts]


def test_argument_errors(codings):
    with pytest.raises(
        ValueError,
        match=r"`value` must be one of \['segments', 'documents', 'share', 'net'\], but 'mean'",
    ):
        plots.heatmap(codings, value="mean")
    with pytest.raises(ValueError, match=r"`kind` must be one of \['valence', 'prevalence'\]"):
        plots.small_multiples(codings, kind="pie")
    with pytest.raises(TypeError, match="must be a matplotlib Axes"):
        plots.prevalence(codings, ax="left")
