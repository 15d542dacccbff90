"""The example study: loads, has the promised size and variety, ships in the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import sysreview as sr
from sysreview.datasets import HELD_OUT_AREAS, load_example, load_example_gold

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT.parent / "shared" / "codebook-spec.md"


@pytest.fixture(scope="module")
def example():
    return load_example()


def test_example_size_and_variety(example):
    docs = example.documents
    assert len(docs) >= 40
    assert example.n_words() >= 40_000
    assert docs["area"].nunique() >= 8
    assert {"txt", "docx", "vtt", "csv"} <= set(docs["format"])
    assert {"interview", "review report"} <= set(docs["source_type"])
    assert docs[["area", "sector", "source_type"]].notna().all().all()
    assert set(HELD_OUT_AREAS) <= set(docs["area"])


def test_example_offsets_hold_everywhere(example):
    for row in example.segments.itertuples():
        assert example.text(row.doc_id)[row.start : row.end] == row.text


def test_gold_coding_covers_areas_and_codes(example):
    gold = load_example_gold()
    assert gold["segment_id"].isin(example.segments["segment_id"]).all()
    units = example.segments[example.segments["segment_id"].isin(gold["segment_id"])]
    assert len(units) >= 600
    assert units["area"].nunique() == example.documents["area"].nunique()
    assert set(gold["code"].dropna()) == set(sr.codebooks.default().ids)
    coded = gold.dropna(subset=["code"])
    assert set(coded["valence"]) == {"enabler", "barrier", "neutral"}
    by_code = coded.groupby("code")["valence"].agg(set)
    for code, valences in by_code.items():
        assert {"enabler", "barrier"} <= valences, code


def test_default_codebook_matches_spec_ids():
    if not SPEC.is_file():
        pytest.skip("../shared/codebook-spec.md is not next to this checkout")
    import re

    spec_ids = re.findall(r"^\| `([a-z_]+)` \|", SPEC.read_text(encoding="utf-8"), flags=re.M)
    assert spec_ids == sr.codebooks.default().ids


def test_example_loads_from_built_wheel(tmp_path):
    """Build the wheel, unpack it as pip would, and load the example from there."""
    pytest.importorskip("hatchling")
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("sysreview-*.whl"))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        assert "sysreview/datasets/_data/example/sources/documents.csv" in names
        assert "sysreview/codebook/default.yml" in names
        assert "sysreview/coding/data/areas.csv" in names
        assert "sysreview/model/data/default_coder.joblib" in names
        zf.extractall(site)
    code = (
        "import sysreview, sys; from sysreview.datasets import example_path, load_example;"
        "p = example_path(); c = load_example();"
        "print(p); print(len(c.documents));"
        "print(len(sysreview.code(c.subset(c.documents.doc_id[:2]))) > 0)"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    path, n_docs, coded = run.stdout.split()
    assert Path(path).is_relative_to(site)
    assert int(n_docs) >= 40
    assert coded == "True"
