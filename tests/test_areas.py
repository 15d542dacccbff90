"""Area detection from text, and metadata winning over it."""

from __future__ import annotations

import pandas as pd

import sysreview as sr
from sysreview.coding.areas import detect_area, load_gazetteer


def test_gazetteer_covers_england():
    g = load_gazetteer()
    kinds = g.drop_duplicates(["area", "kind"]).groupby("kind")["area"].nunique()
    assert kinds["london_borough"] == 33
    assert kinds["metropolitan"] == 36
    assert kinds["district"] >= 160
    assert kinds["ics"] == 42
    assert {"England", "Scotland", "Wales", "Northern Ireland"} <= set(g["area"])


def test_specific_places_beat_regions_and_nations():
    assert detect_area("Across England, and in Leeds in particular, discharge improved.") == "Leeds"
    assert detect_area("Staff in Hull said little.") == "Kingston upon Hull, City of"
    assert detect_area("Nothing about places here.") is None


def test_ambiguous_names_need_context():
    assert detect_area("Reading the minutes, we saw confusion.") is None
    assert detect_area("Reading Borough Council led the response.") == "Reading"


def test_user_names_and_metadata_wins(tmp_path):
    (tmp_path / "a.txt").write_text(
        "P01: In Ashdown Vale nobody knew who was in charge.\n\nP01: It was the same in Leeds.\n",
        encoding="utf-8",
    )
    (tmp_path / "b.txt").write_text(
        "P02: In Leeds nobody knew who was in charge.\n", encoding="utf-8"
    )
    (tmp_path / "documents.csv").write_text("file,area\nb.txt,Metadata Area\n", encoding="utf-8")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        corpus = sr.load_corpus(tmp_path)
    codings = sr.code(corpus, coder="rules", extra_areas=["Ashdown Vale"])
    by_segment = dict(zip(codings["segment_id"], codings["area"], strict=True))
    assert by_segment["b:001"] == "Metadata Area"  # metadata wins over "Leeds" in the text
    assert by_segment["a:001"] == "Ashdown Vale"  # the user's name, found in the segment
    plain = sr.code(corpus, coder="rules")
    # without the user's name, the document's only gazetteer area is used
    assert dict(zip(plain["segment_id"], plain["area"], strict=True))["a:001"] == "Leeds"
    assert pd.isna(
        sr.code(
            sr.Corpus.from_segments(
                {"segment_id": ["x"], "text": ["Nobody knew who was in charge."]}
            )
        )["area"]
    ).all()
