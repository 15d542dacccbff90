"""Tests of sysreview.agreement: hand-computed cases, and equality with
scikit-learn's cohen_kappa_score and the krippendorff package on random data."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from sysreview import Code, Codebook, Corpus
from sysreview.agreement import (
    agreement,
    character_agreement,
    cohen_kappa,
    disagreements,
    evaluate,
    krippendorff_alpha,
    reliability_label,
    reliability_table,
    valence_agreement,
)

UNITS = [f"s{i}" for i in range(10)]


def two_coder_table() -> pd.DataFrame:
    """Ten segments, one code. The 2x2 table of presence (A = ann, B = bob):

                 B yes   B no
        A yes      4       1        (s0-s3 both; s4 ann only)
        A no       1       4        (s5 bob only; s6-s9 neither)

    p_o = 8/10 = 0.8; p_A(yes) = p_B(yes) = 0.5, so p_e = 0.5*0.5 + 0.5*0.5 = 0.5
    and kappa = (0.8 - 0.5) / (1 - 0.5) = 0.6.

    Krippendorff's alpha (nominal): 20 pairable values, 10 "yes" and 10 "no";
    coincidences o_yes,no = o_no,yes = 2 (two disagreeing units, each counted
    both ways), so D_o = 4 / 20 and D_e = (20^2 - 10^2 - 10^2) / (20 * 19),
    alpha = 1 - (n - 1) * 4 / 200 = 1 - 19 * 4 / 200 = 0.62.
    """
    ann = ["s0", "s1", "s2", "s3", "s4"]
    bob = ["s0", "s1", "s2", "s3", "s5"]
    return pd.DataFrame(
        {
            "segment_id": ann + bob,
            "code": ["workforce"] * 10,
            "valence": [
                "barrier",
                "barrier",
                "enabler",
                "enabler",
                "barrier",
                "barrier",
                "enabler",
                "enabler",
                "enabler",
                "barrier",
            ],
            "coder": ["ann"] * 5 + ["bob"] * 5,
        }
    )


# ------------------------------------------------------------------ statistics
def test_hand_computed_kappa_and_alpha():
    table = agreement(two_coder_table(), segments=UNITS)
    row = table.loc["workforce"]
    assert row["kappa"] == pytest.approx(0.6)
    assert row["alpha"] == pytest.approx(0.62)
    assert row["percent_agreement"] == pytest.approx(80.0)
    assert row["n_units"] == 10
    assert row["reliability"] == "tentative"
    # valence: of the 4 shared segments s0-s3, ann says B B E E and bob B E E E
    assert row["valence_agreement"] == pytest.approx(75.0)


def test_kappa_matches_sklearn_on_random_data():
    rng = np.random.default_rng(42)
    for _ in range(20):
        a = rng.integers(0, 3, size=60)
        b = np.where(rng.random(60) < 0.6, a, rng.integers(0, 3, size=60))
        assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)


def test_kappa_undefined_when_nobody_varies():
    assert np.isnan(cohen_kappa([0, 0, 0], [0, 0, 0]))
    with pytest.raises(ValueError, match="same length"):
        cohen_kappa([0, 1], [0])


def test_alpha_matches_krippendorff_package_with_missing_values():
    rng = np.random.default_rng(7)
    for n_coders in (2, 3, 5):
        data = rng.integers(0, 4, size=(n_coders, 40)).astype(float)
        data[rng.random(data.shape) < 0.25] = np.nan
        expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
        assert krippendorff_alpha(data) == pytest.approx(expected, abs=1e-12)


def test_alpha_on_strings_equals_alpha_on_numbers():
    labels = np.array(
        [["enabler", "barrier", None, "neutral"], ["enabler", "enabler", "barrier", "neutral"]],
        dtype=object,
    )
    numbers = np.array([[0, 1, np.nan, 2], [0, 0, 1, 2]])
    assert krippendorff_alpha(labels) == pytest.approx(
        krippendorff.alpha(reliability_data=numbers, level_of_measurement="nominal")
    )


def test_agreement_on_random_codings_matches_references():
    rng = np.random.default_rng(3)
    units = [f"u{i}" for i in range(80)]
    rows = []
    truth = {c: rng.random(80) < 0.3 for c in ("a", "b")}
    for coder in ("x", "y", "z"):
        for code, present in truth.items():
            noisy = np.where(rng.random(80) < 0.15, ~present, present)
            rows += [
                {"segment_id": u, "code": code, "coder": coder}
                for u, p in zip(units, noisy, strict=True)
                if p
            ]
    codings = pd.DataFrame(rows)

    def coded(coder: str, code: str) -> np.ndarray:
        mine = codings[(codings.coder == coder) & (codings.code == code)]
        return np.isin(units, mine.segment_id)

    table = agreement(codings, segments=units)
    for code in ("a", "b"):
        matrix = np.array([coded(c, code) for c in ("x", "y", "z")], dtype=float)
        assert table.loc[code, "alpha"] == pytest.approx(
            krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
        )
        assert np.isnan(table.loc[code, "kappa"])  # three coders: no Cohen's kappa
    two = agreement(codings[codings.coder != "z"], segments=units)
    assert two.loc["a", "kappa"] == pytest.approx(
        cohen_kappa_score(coded("x", "a"), coded("y", "a"))
    )
    pooled_x = np.concatenate([coded("x", "a"), coded("x", "b")])
    pooled_y = np.concatenate([coded("y", "a"), coded("y", "b")])
    assert two.loc["overall", "kappa"] == pytest.approx(cohen_kappa_score(pooled_x, pooled_y))
    assert two.loc["overall", "alpha"] == pytest.approx(
        krippendorff.alpha(
            reliability_data=np.array([pooled_x, pooled_y], dtype=float),
            level_of_measurement="nominal",
        )
    )
    assert two.loc["overall", "n_units"] == 160


@pytest.mark.parametrize(
    ("alpha", "label"),
    [
        (0.95, "good"),
        (0.8, "good"),
        (0.7999, "acceptable"),
        (0.667, "acceptable"),
        (0.6, "tentative"),
    ],
)
def test_reliability_labels(alpha, label):
    assert reliability_label(alpha) == label


# -------------------------------------------------------------------- evaluate
def test_evaluate_tiny_fixture_known_precision_recall_f1():
    units = ["s1", "s2", "s3", "s4", "s5", "s6"]
    gold = pd.DataFrame(
        {
            "segment_id": ["s1", "s2", "s3", "s1", "s4"],
            "code": ["lead", "lead", "lead", "data", "data"],
            "valence": ["enabler", "barrier", "enabler", "barrier", "barrier"],
        }
    )
    predicted = pd.DataFrame(
        {
            "segment_id": ["s1", "s2", "s5", "s6", "s1", "s4"],
            "code": ["lead", "lead", "lead", "lead", "data", "data"],
            "valence": ["enabler", "enabler", "enabler", "barrier", "barrier", "barrier"],
        }
    )
    table = evaluate(gold, predicted, segments=units, codes=["lead", "data"])
    assert table.index.tolist() == ["lead", "data", "macro", "micro"]
    # lead: tp = s1, s2; fp = s5, s6; fn = s3 -> P = 2/4, R = 2/3, F1 = 4/7
    lead = table.loc["lead"]
    assert lead["precision"] == pytest.approx(0.5)
    assert lead["recall"] == pytest.approx(2 / 3)
    assert lead["f1"] == pytest.approx(4 / 7)
    assert lead["support"] == 3
    assert lead["valence_agreement"] == pytest.approx(0.5)  # s1 matches, s2 does not
    # 6 units, gold [1,1,1,0,0,0], pred [1,1,0,0,1,1]: p_o = 3/6, p_e = .5*.667+.5*.333 = .5
    assert lead["kappa"] == pytest.approx(0.0)
    data = table.loc["data"]
    assert (data["precision"], data["recall"], data["f1"], data["kappa"]) == (1.0, 1.0, 1.0, 1.0)
    assert table.loc["macro", "f1"] == pytest.approx((4 / 7 + 1) / 2)
    # micro: tp 4, fp 2, fn 1
    assert table.loc["micro", "precision"] == pytest.approx(4 / 6)
    assert table.loc["micro", "recall"] == pytest.approx(4 / 5)
    assert table.loc["micro", "support"] == 5
    assert table.loc["micro", "valence_agreement"] == pytest.approx(3 / 4)


def test_evaluate_counts_duplicates_once_and_takes_majority_valence():
    gold = pd.DataFrame({"segment_id": ["s1"], "code": ["c"], "valence": ["barrier"]})
    predicted = pd.DataFrame(
        {
            "segment_id": ["s1", "s1", "s1"],
            "code": ["c"] * 3,
            "valence": ["enabler", "barrier", "barrier"],
        }
    )
    table = evaluate(gold, predicted, segments=["s1", "s2"])
    assert table.loc["c", "precision"] == 1.0
    assert table.loc["c", "valence_agreement"] == 1.0
    tie = predicted.iloc[:2]  # enabler, barrier: the first listed wins
    assert evaluate(gold, tie, segments=["s1", "s2"]).loc["c", "valence_agreement"] == 0.0


def test_evaluate_accepts_segments_table_and_reports_codes_nobody_used():
    segments = pd.DataFrame({"segment_id": ["s1", "s2"], "text": ["a", "b"]})
    gold = pd.DataFrame({"segment_id": ["s1"], "code": ["x"], "valence": ["neutral"]})
    table = evaluate(gold, gold, segments=segments, codes=["x", "y"])
    assert table.loc["y", "support"] == 0
    assert np.isnan(table.loc["y", "kappa"]) and np.isnan(table.loc["y", "precision"])
    assert table.loc["macro", "kappa"] == 1.0  # the undefined code is skipped


def test_evaluate_unknown_segments_raise_naming_them():
    gold = pd.DataFrame({"segment_id": ["s1", "zz9"], "code": ["x", "x"]})
    with pytest.raises(ValueError, match=r"'zz9'.*Pass the segments table"):
        evaluate(gold, gold, segments=["s1", "s2"])


def test_evaluate_codes_outside_the_list_raise():
    gold = pd.DataFrame({"segment_id": ["s1"], "code": ["typo_code"]})
    with pytest.raises(ValueError, match="typo_code"):
        evaluate(gold, gold, segments=["s1"], codes=["x"])


def test_evaluate_missing_column_is_named():
    with pytest.raises(ValueError, match="lacks \\['code'\\]"):
        evaluate(
            pd.DataFrame({"segment_id": ["s1"]}),
            pd.DataFrame(columns=["segment_id", "code"]),
            segments=["s1"],
        )


# ----------------------------------------------------------- tables for people
def test_agreement_needs_two_coders():
    with pytest.raises(ValueError, match="at least 2 coders"):
        agreement(two_coder_table().query("coder == 'ann'"), segments=UNITS)
    with pytest.raises(ValueError, match="'coder' column"):
        agreement(two_coder_table().drop(columns="coder"), segments=UNITS)


def test_reliability_table_uses_codebook_names_and_drops_kappa_for_three_coders():
    codebook = Codebook([Code("workforce", "Workforce"), Code("leadership", "Leadership")])
    codings = two_coder_table()
    table = reliability_table(codings, segments=UNITS, codes=codebook)
    assert table["Code"].tolist() == ["Workforce", "Leadership", "All codes"]
    assert table.columns.tolist() == [
        "Code",
        "Segments",
        "Agreement (%)",
        "Cohen's kappa",
        "Krippendorff's alpha",
        "Valence agreement (%)",
        "Reliability",
    ]
    assert table.loc[0, "Krippendorff's alpha"] == 0.62
    assert table.loc[0, "Reliability"] == "tentative"
    assert table.loc[1, "Reliability"] == "undefined"  # nobody used leadership
    third = codings[codings.coder == "ann"].assign(coder="cat")
    three = reliability_table(pd.concat([codings, third]), segments=UNITS)
    assert "Cohen's kappa" not in three.columns


def test_disagreements_lists_presence_and_valence_differences_with_text():
    segments = pd.DataFrame(
        {"segment_id": UNITS, "doc_id": "d1", "text": [f"text {i}" for i in range(10)]}
    )
    table = disagreements(two_coder_table(), segments=segments)
    assert table[["segment_id", "kind"]].values.tolist() == [
        ["s1", "valence"],
        ["s4", "presence"],
        ["s5", "presence"],
    ]
    assert table.loc[0, "ann"] == "barrier" and table.loc[0, "bob"] == "enabler"
    assert table.loc[1, "bob"] == "(not coded)"
    assert table.loc[2, "ann"] == "(not coded)" and table.loc[2, "bob"] == "barrier"
    assert table["text"].tolist() == ["text 1", "text 4", "text 5"]


def test_valence_agreement_counts_only_shared_codings():
    table = valence_agreement(two_coder_table())
    assert table.loc["workforce", "n_shared"] == 4
    assert table.loc["workforce", "percent_agreement"] == pytest.approx(75.0)
    ann = ["barrier", "barrier", "enabler", "enabler"]
    bob = ["barrier", "enabler", "enabler", "enabler"]
    assert table.loc["workforce", "kappa"] == pytest.approx(cohen_kappa_score(ann, bob))
    assert table.loc["workforce", "alpha"] == pytest.approx(
        krippendorff.alpha(
            reliability_data=[[0, 0, 1, 1], [0, 1, 1, 1]], level_of_measurement="nominal"
        )
    )


# --------------------------------------------------------------- characters
def char_corpus() -> Corpus:
    return Corpus.from_segments(
        pd.DataFrame(
            {
                "doc_id": ["d1", "d1", "d2"],
                "segment_id": ["a", "b", "c"],
                "text": ["x" * 40, "y" * 58, "z" * 100],
            }
        )
    )


def test_character_agreement_hand_computed():
    corpus = char_corpus()
    assert len(corpus.text("d1")) == 100  # 40 + 2 (blank line) + 58
    codings = pd.DataFrame(
        {
            "segment_id": ["a", "a", "c"],
            "code": ["k"] * 3,
            "start": [0, 10, np.nan],  # the last covers its whole segment
            "end": [20, 30, np.nan],
            "coder": ["ann", "bob", "bob"],
        }
    )
    by_doc = character_agreement(codings, corpus, by="document")
    d1 = by_doc.loc[("k", "d1")]
    # ann 0-20, bob 10-30: both 10 chars, one only 10 + 10, neither 70
    assert d1["percent_agreement"] == pytest.approx(80.0)
    assert (d1["a_and_b"], d1["a_not_b"], d1["b_not_a"], d1["neither"]) == (10, 10, 10, 70)
    # p_o = .8, p_A = p_B = .2, p_e = .04 + .64 = .68, kappa = .12 / .32
    assert d1["kappa"] == pytest.approx(0.375)
    d2 = by_doc.loc[("k", "d2")]
    assert d2["b_not_a"] == 100.0 and d2["kappa"] == 0.0
    pooled = character_agreement(codings, corpus).loc["k"]
    assert pooled["n_characters"] == 200
    assert pooled["percent_agreement"] == pytest.approx(100 * (80 + 0) / 200)


def test_character_agreement_uncoded_text_inflates_percent_agreement():
    corpus = Corpus.from_segments(pd.DataFrame({"doc_id": ["d"], "text": ["w" * 1000]}))
    seg = corpus.segments.segment_id[0]
    codings = pd.DataFrame(
        {
            "segment_id": [seg, seg],
            "code": ["k", "k"],
            "start": [0, 500],
            "end": [20, 520],
            "coder": ["ann", "bob"],
        }
    )
    row = character_agreement(codings, corpus).loc["k"]
    assert row["percent_agreement"] == pytest.approx(96.0)
    assert row["kappa"] < 0  # no overlap at all


def test_character_agreement_checks_offsets_and_coders():
    corpus = char_corpus()
    codings = pd.DataFrame(
        {
            "segment_id": ["a", "a"],
            "code": ["k"] * 2,
            "start": [0, 0],
            "end": [20, 500],
            "coder": ["ann", "bob"],
        }
    )
    with pytest.raises(ValueError, match="outside their document"):
        character_agreement(codings, corpus)
    three = pd.DataFrame(
        {
            "segment_id": ["a"] * 3,
            "code": ["k"] * 3,
            "start": [0] * 3,
            "end": [5] * 3,
            "coder": ["ann", "bob", "cat"],
        }
    )
    with pytest.raises(ValueError, match="pass coders"):
        character_agreement(three, corpus)
    table = character_agreement(three, corpus, coders=("ann", "cat"))
    assert table.loc["k", "percent_agreement"] == 100.0
    with pytest.raises(ValueError, match="`by`"):
        character_agreement(three, corpus, coders=("ann", "cat"), by="page")
