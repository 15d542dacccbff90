"""The coded review-report sets in data/evaluation: complete and well formed."""

from pathlib import Path

import pandas as pd
import pytest

import sysreview as sr
from sysreview.coding.areas import load_gazetteer
from sysreview.model import build_default

EVALUATION = Path(__file__).resolve().parents[1] / "data" / "evaluation"
SET = EVALUATION / "review-reports"
#: set name -> (documents, paragraphs, codings files)
SETS = {
    "review-reports": (9, 262, ["codings_gold.csv", "codings_second.csv"]),
    "review-reports-2": (8, 144, ["codings_gold.csv"]),
    "review-reports-3": (16, 290, ["codings_gold.csv"]),
    "review-reports-4": (16, 290, ["codings_gold.csv"]),
    "review-reports-5": (16, 283, ["codings_gold.csv"]),
    "review-reports-6": (16, 307, ["codings_gold.csv"]),
    "review-reports-7": (8, 151, ["codings_gold.csv"]),
    "review-reports-8": (24, 461, ["codings_gold.csv"]),
    "review-reports-9": (16, 305, ["codings_gold.csv"]),
    "review-reports-10": (32, 593, ["codings_gold.csv"]),
    "review-reports-11": (32, 592, ["codings_gold.csv"]),
    "review-reports-12": (32, 602, ["codings_gold.csv"]),
    "review-reports-13": (32, 605, ["codings_gold.csv"]),
    "review-reports-14": (32, 595, ["codings_gold.csv"]),
    "review-reports-15": (12, 224, ["codings_gold.csv"]),
    "retired-blind-reports": (6, 101, ["codings_gold.csv", "codings_second.csv"]),
    "blind-reports-2": (6, 117, ["codings_gold.csv", "codings_second.csv"]),
}
CODINGS = [(name, f) for name, (_, _, files) in SETS.items() for f in files]


def load(name):
    folder = EVALUATION / name
    return sr.load_corpus(folder / "sources", metadata=folder / "sources" / "documents.csv")


@pytest.mark.parametrize(("name", "file"), CODINGS)
def test_every_paragraph_is_coded_once_with_valid_codes(name, file):
    corpus = load(name)
    coding = pd.read_csv(EVALUATION / name / file, dtype=str, keep_default_na=False)
    assert coding.columns.tolist() == ["segment_id", "code", "valence"]
    assert set(coding["segment_id"]) == set(corpus.segments["segment_id"])
    coded = coding[coding["code"] != ""]
    uncoded = coding[coding["code"] == ""]
    # a paragraph left uncoded has exactly one row, with no valence
    assert not set(uncoded["segment_id"]) & set(coded["segment_id"])
    assert uncoded["segment_id"].is_unique and (uncoded["valence"] == "").all()
    assert set(coded["code"]) <= set(sr.codebooks.default().ids)
    assert set(coded["valence"]) <= {"enabler", "barrier", "neutral"}
    assert not coded.duplicated(["segment_id", "code"]).any()


@pytest.mark.parametrize("name", list(SETS))
def test_reports_are_report_prose_from_fictional_areas(name):
    corpus = load(name)
    n_docs, n_paragraphs, _ = SETS[name]
    docs = corpus.documents.set_index("doc_id")
    assert len(docs) == n_docs and set(docs["source_type"]) == {"review report"}
    assert len(corpus.segments) == n_paragraphs
    local = docs[docs["area"].notna() & (docs["area"] != "")]
    assert len(local) >= 3
    # fictional areas: none is a place the gazetteer of real names knows
    known = {name.lower() for name in load_gazetteer()["alias"]}
    areas = {part.strip().lower() for a in local["area"] for part in a.split(";")}
    assert not areas & known


def test_every_coded_set_is_trained_on_or_kept_blind():
    coded = {p.parent for p in EVALUATION.glob("*/codings_gold.csv")}
    blind = {p for p in coded if p.name.startswith(build_default.BLIND_PREFIX)}
    assert blind and set(build_default.TRAINING_SETS) == coded - blind


def test_the_blind_set_is_never_trained_on(tmp_path, capsys):
    assert all(not p.name.startswith("blind-reports") for p in build_default.TRAINING_SETS)
    with pytest.raises(SystemExit):
        build_default.main(
            [
                "--reports",
                str(EVALUATION / "blind-reports-2"),
                "--output",
                str(tmp_path / "m.joblib"),
            ]
        )
    assert "never train on it" in capsys.readouterr().err
    assert not (tmp_path / "m.joblib").exists()


def test_load_gold_set_and_a_missing_set_is_named(tmp_path, capsys):
    units, gold = build_default.load_gold_set(SET)
    assert len(units) == 262 and gold["code"].notna().all()
    with pytest.raises(SystemExit):
        build_default.main(["--reports", str(tmp_path), "--output", str(tmp_path / "m.joblib")])
    assert "codings_gold.csv" in capsys.readouterr().err
    assert not (tmp_path / "m.joblib").exists()
