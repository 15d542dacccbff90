"""Reports: notebooks executed with a real kernel and exported to self-contained HTML."""

from __future__ import annotations

import base64
import csv
import io
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from sysreview.cli import main
from sysreview.exceptions import SourceFormatError
from sysreview.report import (
    GENERATOR,
    NotebookError,
    export_html,
    find_notebooks,
    notebook_parameters,
    run_notebook,
)
from sysreview.report._cli import parse_value

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["01_code_corpus.ipynb", "02_areas_and_sectors.ipynb", "03_agreement.ipynb"]
SCRIPT = "<script>alert(1)</script>"
META = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}


# ------------------------------------------------------------------------ helpers
def png_bytes() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1], [0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def write_notebook(path: Path, *sources: str, params: str = "word = 'hi'") -> Path:
    cells = [
        new_markdown_cell("# A small report"),
        new_code_cell(params, metadata={"tags": ["parameters"]}),
    ]
    cells += [new_code_cell(s) for s in sources]
    nbformat.write(new_notebook(cells=cells, metadata=META), path)
    return path


SENTENCES = {
    "inclusion": (
        "Care homes were left out of the planning and nobody told us anything.",
        "sector_inclusion",
        "barrier",
    ),
    "leadership": (
        "The leadership was visible and supportive, the director came every week.",
        "leadership",
        "enabler",
    ),
    "funding": (
        "Funding ran out in March and the budget was cut.",
        "funding_and_resources",
        "barrier",
    ),
    "workforce": (
        "We lost staff and there were not enough nurses on the wards.",
        "workforce",
        "barrier",
    ),
    "records": (
        "The shared care record meant we could see the discharge letters straight away.",
        "data_and_digital",
        "enabler",
    ),
    "governance": (
        "Roles were clear and the escalation route was agreed by the board.",
        "governance_clarity",
        "enabler",
    ),
    "trust": (
        "We had worked together for years, so trust was already there.",
        "preexisting_relationships",
        "enabler",
    ),
    "communication": (
        "Communication between the hospital and the council was poor.",
        "communication",
        "barrier",
    ),
}
ANSWERS = [  # the themes of each answer, for the two interviews of every area
    [
        ["leadership", "funding"],
        ["workforce"],
        ["records", "governance"],
        ["trust"],
        ["communication", "workforce"],
        ["funding"],
    ],
    [
        ["governance"],
        ["trust", "communication"],
        ["workforce", "records"],
        ["leadership"],
        ["funding", "governance"],
        ["records"],
    ],
]
AREAS = [("Ashdown Vale", "ashdown"), ("Brook Fen", "brook"), ("Cray Hill", "cray")]


def write_study(root: Path) -> tuple[Path, Path]:
    """Six interview transcripts in three areas, with metadata and a gold coding.

    The first transcript's speaker is "Dr Okafor" and one of its answers holds
    a ``<script>`` element, which a report must show as text.
    """
    sources = root / "sources"
    gold, meta = [], []
    for a, (area, slug) in enumerate(AREAS):
        (sources / slug).mkdir(parents=True)
        for i, plan in enumerate(ANSWERS):
            doc_id = f"{slug}-int-0{i + 1}"
            participant = f"P{a * 2 + i + 1:02d}"
            speaker = "Dr Okafor" if (a, i) == (0, 0) else participant
            lines = [f"Interview transcript - {area} - manager ({participant})", ""]
            gold.append({"segment_id": f"{doc_id}:001", "code": "", "valence": ""})  # read, no code
            for k, answer in enumerate(plan):
                answer = (["inclusion"] if (a, i, k) == (0, 0, 0) else []) + answer
                texts = [SENTENCES[key][0] for key in answer]
                if (a, i, k) == (0, 0, 0):
                    texts[0] = texts[0].replace("planning", f"planning {SCRIPT}")
                lines += [
                    f"Interviewer: Question {k + 1}, could you say more?",
                    "",
                    f"{speaker}: " + " ".join(texts),
                    "",
                ]
                segment_id = f"{doc_id}:{2 * k + 3:03d}"
                for key in answer:
                    gold.append(
                        {
                            "segment_id": segment_id,
                            "code": SENTENCES[key][1],
                            "valence": SENTENCES[key][2],
                        }
                    )
            (sources / slug / f"{doc_id}.txt").write_text("\n".join(lines), encoding="utf-8")
            meta.append(
                {
                    "file": f"{slug}/{doc_id}.txt",
                    "doc_id": doc_id,
                    "title": f"Interview with {speaker}",
                    "area": area,
                    "sector": ["care home", "acute trust"][i],
                    "source_type": "interview",
                    "date": "2025-03-01",
                    "participant": participant,
                    "organisation": f"{area} Care",
                }
            )
    with open(sources / "documents.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(meta[0]))
        writer.writeheader()
        writer.writerows(meta)
    with open(root / "gold.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["segment_id", "code", "valence"])
        writer.writeheader()
        writer.writerows(gold)
    return sources, root / "gold.csv"


def images(page: str) -> list[bytes]:
    found = re.findall(r'<img [^>]*src="data:image/png;base64,([^"]+)"', page)
    return [base64.b64decode(b) for b in found]


# -------------------------------------------------------------------- fast tests
def test_parse_value():
    assert [parse_value(v) for v in ("None", "null", "true", "FALSE", "-3", "2.5e1", "1e-3")] == [
        None,
        None,
        True,
        False,
        -3,
        25.0,
        0.001,
    ]
    assert parse_value("data/my sources") == "data/my sources"
    assert parse_value("2025-03-01") == "2025-03-01"  # a date stays text


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_committed_without_outputs_and_take_parameters(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert code[0].metadata.get("tags") == ["parameters"]
    params = notebook_parameters(NOTEBOOKS / name)
    assert {
        "data_path": None,
        "codebook": None,
        "output_dir": None,
        "pseudonymise": True,
    }.items() <= (params.items())
    assert nb.metadata.kernelspec.name == "python3"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


def test_export_embeds_images_hides_code_and_loads_nothing_from_the_network():
    png = png_bytes()
    chart = new_code_cell("draw_the_chart()")
    chart.outputs = [new_output("display_data", data={"image/png": base64.b64encode(png).decode()})]
    table = new_code_cell("show_table()")
    table.outputs = [
        new_output(
            "execute_result",
            execution_count=1,
            data={
                "text/html": "<table><tr><td>&lt;script&gt;</td></tr></table>",
                "text/plain": "table",
            },
        )
    ]
    hidden = new_code_cell("setup_secret()", metadata={"tags": ["hide-input"]})
    hidden.outputs = [new_output("stream", name="stdout", text=f"printed {SCRIPT}\n")]
    dropped = new_code_cell("dropped()", metadata={"tags": ["remove-cell"]})
    nb = new_notebook(
        cells=[new_markdown_cell("# Title of the report"), chart, table, hidden, dropped],
        metadata=META,
    )
    page = export_html(nb)
    assert images(page) == [png]
    assert "<table><tr><td>&lt;script&gt;</td></tr></table>" in page
    assert "printed &lt;script&gt;alert(1)&lt;/script&gt;" in page and SCRIPT not in page
    assert "draw_the_chart" not in page and "setup_secret" not in page and "dropped" not in page
    assert "<title>Title of the report</title>" in page
    assert re.search(rf'<meta content="{GENERATOR}" name="generator"/?>', page)
    assert not re.search(r"<script[^>]*\bsrc=", page)  # no require.js, MathJax, widgets
    assert not re.search(r'<link[^>]*href="https?:', page)
    shown = export_html(nb, no_input=False)
    assert "draw_the_chart" in shown and "setup_secret" not in shown and "dropped" not in shown


def test_bad_notebooks_are_named(tmp_path):
    bad = tmp_path / "broken.ipynb"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"broken.ipynb: is not a valid notebook"):
        notebook_parameters(bad)
    plain = tmp_path / "plain.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")], metadata=META), plain)
    with pytest.raises(NotebookError, match="has no cell tagged 'parameters'"):
        notebook_parameters(plain)
    with pytest.raises(FileNotFoundError, match="no such notebook"):
        notebook_parameters(tmp_path / "missing.ipynb")
    with pytest.raises(
        NotebookError, match=r"has no parameter\(s\) \['colour'\]; its parameters are"
    ):
        run_notebook(write_notebook(tmp_path / "nb.ipynb"), parameters={"colour": "red"})


def test_find_notebooks(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    for name in ("02_b.ipynb", "01_a.ipynb"):
        write_notebook(tmp_path / "notebooks" / name)
    monkeypatch.chdir(tmp_path)
    assert [p.name for p in find_notebooks()] == ["01_a.ipynb", "02_b.ipynb"]
    with pytest.raises(FileNotFoundError, match="pass --notebooks DIR"):
        find_notebooks(tmp_path / "empty")
    assert [p.name for p in find_notebooks(NOTEBOOKS)] == NAMES


def test_cli_refuses_to_overwrite_before_running(tmp_path, capsys):
    nb = write_notebook(tmp_path / "nb.ipynb", "1 / 0")  # would fail if it ran
    out = tmp_path / "report.html"
    out.write_text("my own notes", encoding="utf-8")
    assert main(["report", str(nb), "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "my own notes"
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "nb.html").write_text("not a report", encoding="utf-8")
    assert main(["report-example", "--notebooks", str(tmp_path), "--output", str(reports)]) == 2
    assert "was not written by sysreview" in capsys.readouterr().err
    args = ["report-example", "--notebooks", str(tmp_path), "-p", "wrod", "x", "--force"]
    assert main([*args, "--output", str(reports)]) == 2
    assert "no notebook has the parameter(s) ['wrod']; their parameters are ['word']" in (
        capsys.readouterr().err
    )
    assert (reports / "nb.html").read_text(encoding="utf-8") == "not a report"


# -------------------------------------------------------------------- with a kernel
@pytest.mark.slow
def test_cli_report_with_parameters_and_failures(tmp_path, capsys):
    nb = write_notebook(tmp_path / "nb.ipynb", "print(word * n)", params="word = 'hi'\nn = 1")
    out = tmp_path / "out" / "report.html"
    assert main(["report", str(nb), "-p", "word", "ho", "-p", "n", "3", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "hohoho" in page and "print(word" not in page
    assert main(["report", str(nb), "--show-input", "-o", str(out), "--force"]) == 0
    assert "print" in out.read_text(encoding="utf-8") and "hi" in out.read_text(encoding="utf-8")
    assert oct(out.stat().st_mode & 0o777) != oct(0o600)  # readable like any file written
    capsys.readouterr()
    assert main(["report", str(nb), "-p", "colour", "red", "-o", str(tmp_path / "x.html")]) == 2
    assert "its parameters are ['n', 'word']" in capsys.readouterr().err
    failing = write_notebook(tmp_path / "failing.ipynb", "x = 1", "1 / 0")
    assert main(["report", str(failing), "-o", str(tmp_path / "f.html")]) == 2
    err = capsys.readouterr().err
    assert "failing.ipynb: cell 3 stopped with ZeroDivisionError: division by zero" in err
    assert not (tmp_path / "f.html").exists()


@pytest.mark.slow
@pytest.mark.parametrize("name, n_images", [(NAMES[0], 1), (NAMES[1], 7), (NAMES[2], 2)])
def test_notebook_reports_of_a_small_study(tmp_path, name, n_images):
    sources, gold = write_study(tmp_path / "study")
    parameters = {"data_path": str(sources), "output_dir": str(tmp_path / "tables")}
    if name == NAMES[2]:
        parameters.update(gold_path=str(gold), test_areas=["Cray Hill"])
    out = run_notebook(NOTEBOOKS / name, parameters=parameters, output=tmp_path / "report.html")
    page = out.read_text(encoding="utf-8")
    assert len(images(page)) == n_images
    assert all(png.startswith(b"\x89PNG") and len(png) > 2000 for png in images(page))
    assert page.count("<table") >= 2
    assert "Traceback" not in page
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in page  # no warnings shown
    assert SCRIPT not in page  # text from the sources is escaped ...
    if name != NAMES[2]:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # ... and shown as text
    assert "Okafor" not in page  # pseudonymised by default
    assert "sr.code(" not in page  # the code is hidden
    saved = sorted(p.name for p in (tmp_path / "tables").iterdir())
    expected = {
        NAMES[0]: ["codings.csv"],
        NAMES[1]: ["framework_matrix.csv", "matrix_area_code.csv", "valence_balance.csv"],
        NAMES[2]: ["disagreements.csv", "evaluation_held_out.csv", "reliability.csv"],
    }[name]
    assert saved == expected
    if name == NAMES[1]:
        assert "Framework matrix" in page and "Ashdown Vale" in page and "Cray Hill" in page
        assert re.search(r"\d+ enablers?, \d+ barriers?, \d+ neutral", page)
    if name == NAMES[2]:
        assert "Evaluated on Cray Hill (" in page and "Krippendorff" in page


@pytest.mark.slow
def test_report_example_builds_the_reports_of_the_bundled_study(tmp_path, capsys):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in NAMES:
        shutil.copy(NOTEBOOKS / name, notebooks / name)
    reports = tmp_path / "reports"
    assert main(["report-example", "--notebooks", str(notebooks), "--output", str(reports)]) == 0
    assert sorted(p.name for p in reports.iterdir()) == [
        n.replace(".ipynb", ".html") for n in NAMES
    ]
    first = (reports / "01_code_corpus.html").read_text(encoding="utf-8")
    assert "Ashdown Vale" in first and len(images(first)) == 1
    second = (reports / "02_areas_and_sectors.html").read_text(encoding="utf-8")
    assert len(images(second)) == 7 and "Fennick Bay" in second
    third = (reports / "03_agreement.html").read_text(encoding="utf-8")
    assert "Evaluated on Fennick Bay, Kestrel Downs" in third and len(images(third)) == 2
    assert "Wrote 3 report(s)" in capsys.readouterr().err
    # running again replaces the reports it wrote
    (notebooks / NAMES[1]).unlink()
    (notebooks / NAMES[2]).unlink()
    stamp = (reports / "01_code_corpus.html").stat().st_mtime_ns
    assert main(["report-example", "--notebooks", str(notebooks), "--output", str(reports)]) == 0
    assert (reports / "01_code_corpus.html").stat().st_mtime_ns > stamp
