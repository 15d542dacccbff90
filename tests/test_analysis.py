"""Aggregation by area and sector, checked against small hand-counted fixtures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sysreview as sr
from sysreview import analysis
from sysreview.codebook import Code, Codebook

CODES = ["governance", "leadership", "workforce", "unused"]


@pytest.fixture
def codebook() -> Codebook:
    return Codebook(
        [
            Code("governance", name="Governance clarity", color="#111111"),
            Code("leadership", name="System leadership", color="#222222"),
            Code("workforce", name="Workforce and skills", color="#333333"),
            Code("unused", name="Never used", color="#444444"),
        ]
    )


@pytest.fixture
def corpus() -> sr.Corpus:
    """Three areas; Ashdown has an interviewer turn, Cray has no codings at all."""
    rows = [
        # doc, segment, speaker, area, sector, text
        ("da1", "q1", "Interviewer", "Ashdown", "care home", "How did it go?"),
        ("da1", "a1", "Dr Okafor", "Ashdown", "care home", "Dr Okafor: roles were clear."),
        ("da1", "a2", "Dr Okafor", "Ashdown", "care home", "The board met weekly."),
        ("da2", "a3", "P07", "Ashdown", "council", "Nobody knew who decided."),
        ("da2", "a4", "P07", "Ashdown", "council", "Nothing else to add."),
        ("db1", "b1", "P08", "Brook", "care home", "Escalation was a mess."),
        ("db1", "b2", "P08", "Brook", "care home", "Leaders came and went; we lost staff."),
        ("db2", "b3", "P09", "Brook", "GP practice", "We recruited two nurses."),
        ("db2", "b4", "P09", "Brook", "GP practice", "Fine."),
        ("db2", "b5", "P09", "Brook", "GP practice", "Thanks."),
        ("dc1", "c1", "P10", "Cray", "council", "Nothing to report."),
    ]
    segments = pd.DataFrame(
        rows, columns=["doc_id", "segment_id", "speaker", "area", "sector", "text"]
    )
    documents = pd.DataFrame(
        {
            "doc_id": ["da1", "da2", "db1", "db2", "dc1"],
            "source_type": ["interview", "interview", "interview", "focus group", "report"],
            "participant": ["Dr Okafor", "P07", "P08", "P09", None],
        }
    )
    return sr.Corpus.from_segments(segments, documents=documents)


@pytest.fixture
def codings() -> pd.DataFrame:
    """Hand-made codings; a3 is listed twice (counts once)."""
    rows = [
        ("a1", "da1", "Ashdown", "care home", "governance", "enabler", 0.9, "roles were clear."),
        ("a1", "da1", "Ashdown", "care home", "workforce", "barrier", 0.5, "roles were clear."),
        (
            "a2",
            "da1",
            "Ashdown",
            "care home",
            "governance",
            "enabler",
            0.7,
            "The board met weekly.",
        ),
        (
            "a3",
            "da2",
            "Ashdown",
            "council",
            "governance",
            "barrier",
            0.8,
            "Nobody <script>knew</script>",
        ),
        (
            "a3",
            "da2",
            "Ashdown",
            "council",
            "governance",
            "barrier",
            0.6,
            "Nobody knew who decided.",
        ),
        ("b1", "db1", "Brook", "care home", "governance", "barrier", 0.9, "Escalation was a mess."),
        ("b2", "db1", "Brook", "care home", "workforce", "barrier", 0.8, "we lost staff."),
        ("b2", "db1", "Brook", "care home", "leadership", "neutral", 0.6, "Leaders came and went"),
        (
            "b3",
            "db2",
            "Brook",
            "GP practice",
            "workforce",
            "enabler",
            0.9,
            "We recruited two nurses.",
        ),
    ]
    cols = ["segment_id", "doc_id", "area", "sector", "code", "valence", "score", "evidence"]
    return pd.DataFrame(rows, columns=cols)


# ----------------------------------------------------------------------------- matrix
def test_matrix_counts_segments_by_area_in_codebook_order(codings, codebook):
    table = analysis.matrix(codings, codebook=codebook)
    expected = pd.DataFrame(
        [[3, 0, 1, 0], [1, 1, 2, 0]],
        index=pd.Index(["Ashdown", "Brook"], name="area"),
        columns=pd.Index(CODES, name="code"),
    )
    pd.testing.assert_frame_equal(table, expected)


def test_matrix_documents_and_other_rows(codings, codebook):
    docs = analysis.matrix(codings, value="documents", codebook=codebook)
    assert docs.loc["Ashdown"].tolist() == [2, 0, 1, 0]
    assert docs.loc["Brook"].tolist() == [1, 1, 2, 0]
    by_sector = analysis.matrix(codings, rows="sector", codebook=codebook)
    assert by_sector.index.tolist() == ["care home", "council", "GP practice"]
    assert by_sector.loc["care home"].tolist() == [3, 1, 2, 0]
    assert by_sector.loc["council"].tolist() == [1, 0, 0, 0]
    assert by_sector.loc["GP practice"].tolist() == [0, 0, 1, 0]


def test_matrix_valence_filter(codings, codebook):
    barriers = analysis.matrix(codings, valence="barrier", codebook=codebook)
    assert barriers.loc["Ashdown"].tolist() == [1, 0, 1, 0]
    assert barriers.loc["Brook"].tolist() == [1, 0, 1, 0]
    both = analysis.matrix(codings, valence=["enabler", "neutral"], codebook=codebook)
    assert both.loc["Brook"].tolist() == [0, 1, 1, 0]


def test_matrix_share_divides_by_the_rows_segments_without_interviewers(codings, corpus, codebook):
    share = analysis.matrix(codings, value="share", corpus=corpus, codebook=codebook)
    # Ashdown: a1-a4 (q1 is the interviewer's); Brook: b1-b5; Cray: c1, never coded
    assert share.index.tolist() == ["Ashdown", "Brook", "Cray"]
    np.testing.assert_allclose(share.loc["Ashdown"], [3 / 4, 0, 1 / 4, 0])
    np.testing.assert_allclose(share.loc["Brook"], [1 / 5, 1 / 5, 2 / 5, 0])
    np.testing.assert_allclose(share.loc["Cray"], [0, 0, 0, 0])


def test_matrix_rows_from_the_corpus(codings, corpus, codebook):
    by_type = analysis.matrix(codings, rows="source_type", corpus=corpus, codebook=codebook)
    assert by_type.index.tolist() == ["focus group", "interview", "report"]
    assert by_type.loc["interview"].tolist() == [4, 1, 2, 0]
    assert by_type.loc["focus group"].tolist() == [0, 0, 1, 0]
    assert by_type.loc["report"].tolist() == [0, 0, 0, 0]
    by_speaker = analysis.matrix(codings, rows="speaker", corpus=corpus, codebook=codebook)
    assert by_speaker.loc["Dr Okafor"].tolist() == [2, 0, 1, 0]


def test_human_codings_get_their_area_from_the_corpus(corpus, codebook):
    gold = pd.DataFrame(
        {
            "segment_id": ["a1", "b1", "b4"],
            "code": ["governance", "governance", None],  # b4: read, left uncoded
            "valence": ["enabler", "barrier", None],
        }
    )
    table = analysis.matrix(gold, corpus=corpus, codebook=codebook)
    assert table["governance"].to_dict() == {"Ashdown": 1, "Brook": 1, "Cray": 0}
    assert table.to_numpy().sum() == 2  # the row without a code is not a coding


def test_matrix_errors_name_the_choices(codings, codebook, corpus):
    with pytest.raises(
        ValueError, match=r"`value` must be one of \['segments', 'documents', 'share'\]"
    ):
        analysis.matrix(codings, value="percent")
    with pytest.raises(ValueError, match="needs the corpus"):
        analysis.matrix(codings, value="share")
    with pytest.raises(ValueError, match="pass corpus="):
        analysis.matrix(codings, rows="source_type")
    with pytest.raises(ValueError, match="choose among"):
        analysis.matrix(codings, rows="colour", corpus=corpus)
    with pytest.raises(ValueError, match="not in the corpus: 'zz'"):
        analysis.matrix(codings.assign(segment_id="zz"), corpus=corpus)
    with pytest.raises(TypeError, match="not a Corpus"):
        analysis.matrix(corpus)


def test_codes_outside_the_codebook_are_kept_at_the_end(codings):
    table = analysis.matrix(codings, codebook=["workforce", "governance"])
    assert table.columns.tolist() == ["workforce", "governance", "leadership"]
    assert table.loc["Brook", "leadership"] == 1


def test_default_codebook_order_and_missing_area():
    codings = pd.DataFrame(
        {
            "segment_id": ["s1", "s2"],
            "area": [None, "Ashdown"],
            "code": ["workforce", "governance_clarity"],
        }
    )
    table = analysis.matrix(codings)
    assert table.columns.tolist() == list(sr.codebooks.DEFAULT_CODE_IDS)
    assert table.index.tolist() == ["Ashdown", "(none)"]
    assert table.loc["(none)", "workforce"] == 1


# ---------------------------------------------------------------------- balance
def test_valence_balance_hand_counts(codings, codebook):
    table = analysis.valence_balance(codings, codebook=codebook)
    assert table.columns.tolist() == [
        "area",
        "code",
        "enabler",
        "barrier",
        "neutral",
        "total",
        "net",
        "balance",
    ]
    assert len(table) == 2 * 4  # every area x every code, zeros included
    cell = table.set_index(["area", "code"])
    assert cell.loc[
        ("Ashdown", "governance"), ["enabler", "barrier", "neutral", "total", "net"]
    ].tolist() == [
        2,
        1,
        0,
        3,
        1,
    ]
    assert cell.loc[("Ashdown", "governance"), "balance"] == pytest.approx(1 / 3)
    assert cell.loc[("Brook", "governance"), ["enabler", "barrier", "net", "balance"]].tolist() == [
        0,
        1,
        -1,
        -1.0,
    ]
    assert cell.loc[("Brook", "leadership"), ["neutral", "total"]].tolist() == [1, 1]
    assert np.isnan(cell.loc[("Brook", "leadership"), "balance"])
    assert cell.loc[("Ashdown", "unused"), ["enabler", "barrier", "neutral", "total"]].tolist() == [
        0,
        0,
        0,
        0,
    ]
    assert table["code"].tolist()[:4] == CODES


def test_valence_balance_by_area_and_sector(codings, codebook):
    table = analysis.valence_balance(codings, by=["area", "sector"], codebook=codebook)
    groups = table[["area", "sector"]].drop_duplicates().values.tolist()
    assert groups == [
        ["Ashdown", "care home"],
        ["Ashdown", "council"],
        ["Brook", "care home"],
        ["Brook", "GP practice"],
    ]
    row = table[
        (table.area == "Ashdown") & (table.sector == "care home") & (table.code == "governance")
    ]
    assert row[["enabler", "barrier"]].values.tolist() == [[2, 0]]


def test_valence_balance_by_a_corpus_column(codings, corpus, codebook):
    table = analysis.valence_balance(codings, by="source_type", corpus=corpus, codebook=codebook)
    assert table["source_type"].unique().tolist() == ["focus group", "interview", "report"]
    row = table[(table.source_type == "interview") & (table.code == "workforce")].iloc[0]
    assert (row["enabler"], row["barrier"]) == (0, 2)


def test_valence_problems_are_named(codings):
    bad = codings.copy()
    bad.loc[4, "valence"] = "good"
    with pytest.raises(ValueError, match=r"valence values outside .*'good'.*first at row 4"):
        analysis.valence_balance(bad)
    missing = codings.copy()
    missing.loc[2, "valence"] = None
    with pytest.raises(ValueError, match=r"1 coding\(s\) have no valence \(first at row 2\)"):
        analysis.valence_balance(missing)
    with pytest.raises(ValueError, match="needs a 'valence' column"):
        analysis.valence_balance(codings.drop(columns="valence"))


# ---------------------------------------------------------------- co-occurrence
def test_cooccurrence_counts_and_jaccard(codings, codebook):
    counts = analysis.cooccurrence(codings, codebook=codebook)
    # governance {a1,a2,a3,b1}, leadership {b2}, workforce {a1,b2,b3}
    assert counts.index.tolist() == CODES and counts.columns.tolist() == CODES
    assert np.diag(counts).tolist() == [4, 1, 3, 0]
    assert counts.loc["governance", "workforce"] == 1
    assert counts.loc["leadership", "workforce"] == 1
    assert counts.loc["governance", "leadership"] == 0
    assert (counts.to_numpy() == counts.to_numpy().T).all()
    jac = analysis.cooccurrence(codings, value="jaccard", codebook=codebook)
    assert jac.loc["governance", "workforce"] == pytest.approx(1 / 6)
    assert jac.loc["leadership", "workforce"] == pytest.approx(1 / 3)
    assert jac.loc["governance", "governance"] == 1.0
    assert np.isnan(jac.loc["unused", "unused"])
    assert jac.loc["unused", "governance"] == 0.0


def test_cooccurrence_within_documents(codings, codebook):
    counts = analysis.cooccurrence(codings, unit="document", codebook=codebook)
    # governance {da1,da2,db1}, workforce {da1,db1,db2}
    assert counts.loc["governance", "workforce"] == 2
    with pytest.raises(ValueError, match=r"`unit` must be one of \['segment', 'document'\]"):
        analysis.cooccurrence(codings, unit="paragraph")


# ------------------------------------------------------------- framework matrix
def test_framework_matrix_cells(codings, codebook):
    table = analysis.framework_matrix(codings, codebook=codebook, n_quotes=2)
    assert table.index.tolist() == ["Ashdown", "Brook"]
    assert table.columns.tolist() == [
        "Governance clarity",
        "System leadership",
        "Workforce and skills",
        "Never used",
    ]
    lines = table.loc["Ashdown", "Governance clarity"].split("\n")
    assert lines[0] == "2 enablers, 1 barrier, 0 neutral"
    # best-scored enabler first, then the best barrier: one quote of each valence
    assert lines[1] == "“roles were clear.” (a1, enabler)"
    assert lines[2] == "“Nobody <script>knew</script>” (a3, barrier)"
    assert len(lines) == 3
    assert table.loc["Ashdown", "System leadership"] == ""
    assert table.loc["Brook", "System leadership"].startswith("0 enablers, 0 barriers, 1 neutral")


def test_framework_matrix_cases_quotes_and_pseudonyms(codings, corpus, codebook):
    table = analysis.framework_matrix(
        codings,
        cases="participant",
        corpus=corpus,
        codebook=codebook,
        n_quotes=1,
        pseudonymise=True,
    )
    text = table.to_string()
    assert "Okafor" not in text and "P07" not in text
    cell = table.loc[table.index.str.startswith("Person")].iloc[0, 0]
    assert "“roles were clear.” (Person " in cell
    plain = analysis.framework_matrix(
        codings, cases="participant", corpus=corpus, codebook=codebook
    )
    assert plain.index.tolist() == ["Dr Okafor", "P07", "P08", "P09", "(none)"]
    assert "(Dr Okafor, a1, enabler)" in plain.loc["Dr Okafor", "Governance clarity"]


def test_framework_matrix_cuts_long_quotes_and_quotes_segments(corpus, codebook):
    gold = pd.DataFrame({"segment_id": ["b2"], "code": ["workforce"], "valence": ["barrier"]})
    table = analysis.framework_matrix(gold, corpus=corpus, codebook=codebook, max_chars=20)
    quote = table.loc["Brook", "Workforce and skills"].split("\n")[1]
    assert quote.startswith("“Leaders came and…”")  # the segment's text, cut at a word
    with pytest.raises(ValueError, match="pass corpus="):
        analysis.framework_matrix(gold, cases="area", codebook=codebook)
    with pytest.raises(ValueError, match="pseudonymise=True needs the corpus"):
        analysis.framework_matrix(gold.assign(area="Brook", evidence="x"), pseudonymise=True)


# ----------------------------------------------------------------------- quotes
def test_quotes_filters_and_order(codings, corpus, codebook):
    rows = analysis.quotes(codings, code="governance", valence="barrier", codebook=codebook)
    assert rows["segment_id"].tolist() == ["a3", "a3", "b1"]
    rows = analysis.quotes(codings, where={"sector": "care home"}, codebook=codebook)
    assert rows[["code", "segment_id"]].values.tolist() == [
        ["governance", "a1"],
        ["governance", "a2"],
        ["governance", "b1"],
        ["leadership", "b2"],
        ["workforce", "a1"],
        ["workforce", "b2"],
    ]
    rows = analysis.quotes(
        codings,
        area="Brook",
        where={"source_type": "focus group"},
        corpus=corpus,
        codebook=codebook,
    )
    assert rows[["segment_id", "speaker", "text"]].values.tolist() == [
        ["b3", "P09", "We recruited two nurses."],
    ]


def test_quotes_pseudonymise_and_unknown_values(codings, corpus, codebook):
    rows = analysis.quotes(
        codings, code="governance", area="Ashdown", corpus=corpus, pseudonymise=True
    )
    assert not rows["speaker"].isin(["Dr Okafor", "P07"]).any()
    assert rows["speaker"].str.startswith("Person ").all()
    assert "Okafor" not in " ".join(rows["text"])
    with pytest.raises(
        ValueError, match=r"`area` must be among \['Ashdown', 'Brook'\].*\['Ashdwn'\]"
    ):
        analysis.quotes(codings, area="Ashdwn")
    with pytest.raises(ValueError, match="`code` must be among"):
        analysis.quotes(codings, code="governence", codebook=codebook)
    with pytest.raises(
        ValueError, match=r"`valence` must be one of \['enabler', 'barrier', 'neutral'\]"
    ):
        analysis.quotes(codings, valence="good")
