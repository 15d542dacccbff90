"""The review-report evaluation set in data/evaluation: complete and well formed."""

from pathlib import Path

import pandas as pd
import pytest

import sysreview as sr
from sysreview.coding.areas import load_gazetteer
from sysreview.model import build_default

SET = Path(__file__).resolve().parents[1] / "data" / "evaluation" / "review-reports"


@pytest.fixture(scope="module")
def corpus():
    return sr.load_corpus(SET / "sources", metadata=SET / "sources" / "documents.csv")


@pytest.mark.parametrize("name", ["codings_gold.csv", "codings_second.csv"])
def test_every_paragraph_is_coded_once_with_valid_codes(corpus, name):
    coding = pd.read_csv(SET / name, dtype=str, keep_default_na=False)
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


def test_reports_are_report_prose_from_fictional_areas(corpus):
    docs = corpus.documents.set_index("doc_id")
    assert len(docs) == 9 and set(docs["source_type"]) == {"review report"}
    assert len(corpus.segments) == 262
    local = docs[docs["area"].notna() & (docs["area"] != "")]
    assert len(local) == 6
    # fictional areas: none is a place the gazetteer of real names knows
    known = {name.lower() for name in load_gazetteer()["alias"]}
    assert not {a.lower() for a in local["area"]} & known


def test_load_gold_set_and_a_missing_set_is_named(tmp_path, capsys):
    units, gold = build_default.load_gold_set(SET)
    assert len(units) == 262 and gold["code"].notna().all()
    with pytest.raises(SystemExit):
        build_default.main(["--reports", str(tmp_path), "--output", str(tmp_path / "m.joblib")])
    assert "codings_gold.csv" in capsys.readouterr().err
    assert not (tmp_path / "m.joblib").exists()
