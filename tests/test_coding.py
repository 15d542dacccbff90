"""The rule coder: matching, valence, offsets, spaCy component, CLI."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
import spacy

import sysreview as sr
from sysreview.coding import CODING_COLUMNS, RuleCoder
from sysreview.exceptions import CodebookError


@pytest.fixture(scope="module")
def coder():
    return RuleCoder()


def coded(coder, text):
    df = coder.code_texts([text])
    return dict(zip(df["code"], df["valence"], strict=True))


# Written from the codebook spec's notes: negation, contrast, recommendations.
VALENCE_CASES = [
    ("There was no clear process for escalating concerns.", "governance_clarity", "barrier"),
    ("Not all systems experienced good governance.", "governance_clarity", "barrier"),
    ("Nobody knew who was in charge, so decisions stalled.", "governance_clarity", "barrier"),
    ("Clear escalation routes meant decisions were made quickly.", "governance_clarity", "enabler"),
    ("Areas should review the membership of their boards.", "governance_clarity", "neutral"),
    ("Although the forum existed, it rarely met.", "preexisting_relationships", "barrier"),
    (
        "We had worked together for years, so we just picked up the phone.",
        "preexisting_relationships",
        "enabler",
    ),
    ("Social care had a seat at the table from the first meeting.", "sector_inclusion", "enabler"),
    ("The dentists were never asked to join the cell.", "sector_inclusion", "barrier"),
    ("The GPs never felt excluded; they had equal representation.", "sector_inclusion", "enabler"),
    ("Our IT systems don't talk to each other.", "data_and_digital", "barrier"),
    ("The pooled budget let us commission home care jointly.", "funding_and_resources", "enabler"),
    ("We were short of staff all winter and people were exhausted.", "workforce", "barrier"),
    ("Guidance came too late and changed every week.", "national_guidance", "barrier"),
    (
        "Delayed discharges built up because there were no packages of care.",
        "service_design",
        "barrier",
    ),
    ("Every organisation was protecting its own priorities.", "shared_vision", "barrier"),
    ("The leadership changed three times in two years.", "leadership", "barrier"),
    ("We tried new ways of working and learned a lot.", "learning_culture", "enabler"),
    ("Healthwatch gave strong input and the pathway was co-produced.", "involvement", "enabler"),
]


@pytest.mark.parametrize(("text", "code", "valence"), VALENCE_CASES)
def test_valence_cases(coder, text, code, valence):
    assert coded(coder, text).get(code) == valence


def test_valence_is_per_code_within_one_segment(coder):
    found = coded(
        coder,
        "Care homes felt completely left out of the discussions, although the daily calls "
        "with the hospital worked really well.",
    )
    assert found["sector_inclusion"] == "barrier"
    assert found["communication"] == "enabler"


@pytest.mark.parametrize(
    ("opening", "valence"),
    [
        (
            "Partners told us the winter had been chaotic, with failures at every turn.",
            "barrier",
        ),
        (
            "Partners described an excellent winter in which problems were resolved quickly.",
            "enabler",
        ),
    ],
)
def test_code_without_cues_takes_the_tone_of_the_segment(coder, opening, valence):
    plain = "The care record is held by the hospital and the GPs use another system."
    assert coded(coder, plain).get("data_and_digital") == "neutral"
    assert coded(coder, f"{opening} {plain}").get("data_and_digital") == valence


def test_single_generic_word_is_not_coded(coder):
    assert coded(coder, "The board met on Tuesday in the care home.") == {}
    assert coded(coder, "I work in the care sector.") == {}


def test_information_governance_is_not_governance_clarity(coder):
    found = coded(coder, "Information governance rules stopped us sharing records.")
    assert "governance_clarity" not in found
    assert found.get("data_and_digital") == "barrier"


def test_interviewer_turns_are_not_coded_by_default():
    segs = pd.DataFrame(
        {
            "segment_id": ["a", "b"],
            "speaker": ["Interviewer", "P01"],
            "text": ["Was governance clear?", "Governance was clear and escalation worked."],
        }
    )
    out = RuleCoder().code(segs)
    assert set(out["segment_id"]) == {"b"}
    everyone = RuleCoder(skip_speakers=None).code(segs)
    assert set(everyone["segment_id"]) == {"a", "b"}
    assert everyone.set_index("segment_id").loc["a", "valence"] == "neutral"  # a question


def test_code_corpus_offsets_and_columns(tmp_path):
    (tmp_path / "int-01.txt").write_text(
        "Interview - test\n\nInterviewer: How were decisions made?\n\n"
        "P01: Honestly nobody knew who was in charge. Care homes were left out of it.\n\n"
        "Later the shared care record helped a great deal.\n",
        encoding="utf-8",
    )
    (tmp_path / "documents.csv").write_text(
        "file,area,sector,source_type\nint-01.txt,Test Vale,care home,interview\n", encoding="utf-8"
    )
    corpus = sr.load_corpus(tmp_path)
    codings = sr.code(corpus, coder="rules")
    assert codings.columns.tolist() == CODING_COLUMNS
    assert {"governance_clarity", "sector_inclusion", "data_and_digital"} <= set(codings["code"])
    for row in codings.itertuples():
        assert corpus.text(row.doc_id)[row.start : row.end] == row.evidence
        seg = corpus.segments.set_index("segment_id").loc[row.segment_id]
        assert seg.start <= row.start and row.end <= seg.end
    assert set(codings["area"]) == {"Test Vale"}
    assert set(codings["sector"]) == {"care home"}
    assert set(codings["coder"]) == {"rules"}
    assert codings["score"].between(0.6, 1).all()


def test_custom_codebook_with_near_rule_and_yaml_no(tmp_path):
    path = tmp_path / "cb.yml"
    path.write_text(
        "name: Test\n"
        "terms:\n  pets: [cat, dog]\n"
        "negations: [no, not, never]\n"
        "codes:\n"
        "  - id: pets_fed\n    name: Pets fed\n"
        "    near:\n      - {a: ['@pets'], b: [fed, food], window: 3}\n"
        "    valence:\n      enabler: [fed]\n",
        encoding="utf-8",
    )
    cb = sr.Codebook.load(path)
    assert cb.negations == ["no", "not", "never"]  # 'no' stays a word, not False
    coder = RuleCoder(cb)
    assert coded(coder, "The dog was fed at six.") == {"pets_fed": "enabler"}
    assert coded(coder, "The dog was never fed.") == {"pets_fed": "barrier"}
    assert (
        coded(coder, "The dog slept; much later, somebody ate food.") == {}
    )  # "dog" and "food" too far apart
    cb.save(tmp_path / "again.yml")
    assert sr.Codebook.load(tmp_path / "again.yml").codes[0].near == cb.codes[0].near


def test_user_codebook_is_compiled_once_and_recompiled_when_edited(tmp_path):
    """``sr.code`` with a user's codebook reuses the compiled coder for the same
    content (a model predicting in chunks asks for it many times), and an
    edited codebook codes by its new rules, not the cached ones."""
    path = tmp_path / "cb.yml"
    path.write_text(
        "name: Test\ncodes:\n  - id: pets\n    name: Pets\n    phrases: [dog]\n",
        encoding="utf-8",
    )
    segments = pd.DataFrame({"segment_id": ["s1"], "text": ["The dog and the cat slept."]})
    first = sr.code(segments, sr.Codebook.load(path), coder="rules")
    again = sr.code(segments, sr.Codebook.load(path), coder="rules")
    from sysreview.coding import _cached_rule_coder

    assert _cached_rule_coder(sr.Codebook.load(path)) is _cached_rule_coder(sr.Codebook.load(path))
    assert first["code"].tolist() == again["code"].tolist() == ["pets"]
    path.write_text(
        "name: Test\ncodes:\n  - id: pets\n    name: Pets\n    phrases: [parrot]\n",
        encoding="utf-8",
    )
    edited = sr.code(segments, sr.Codebook.load(path), coder="rules")
    assert edited["code"].dropna().tolist() == []


def test_ignore_phrases_hide_evidence_and_cues_inside_them(tmp_path):
    path = tmp_path / "cb.yml"
    body = (
        "name: Test\n"
        "codes:\n"
        "  - id: trust\n    phrases: [trust]\n"
        "    valence:\n      barrier: [low]\n"
        "  - id: wellbeing\n    phrases: [wellbeing]\n"
    )
    path.write_text(body, encoding="utf-8")
    plain = RuleCoder(sr.Codebook.load(path))
    text = "The acute trust reported to the health and wellbeing board."
    assert set(coded(plain, text)) == {"trust", "wellbeing"}
    path.write_text(body + "ignore: [acute trust, health and wellbeing]\n", encoding="utf-8")
    cb = sr.Codebook.load(path)
    assert cb.ignore == ["acute trust", "health and wellbeing"]
    coder = RuleCoder(cb)
    assert coded(coder, text) == {}
    # the same words outside the ignored names still count
    assert coded(coder, "Trust between the acute trust and the council was low.") == {
        "trust": "barrier"
    }
    cb.save(tmp_path / "again.yml")
    assert sr.Codebook.load(tmp_path / "again.yml").ignore == cb.ignore
    path.write_text(body + "ignore: acute trust\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="'ignore' must be a list of phrases"):
        sr.Codebook.load(path)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("{a: ['@nothing'], b: [x]}", "no term list 'nothing'"),
        ("{a: [x]}", "needs lists 'a' and 'b'"),
        ("{a: [x], b: [y], window: 500}", "window"),
        ("{a: [x], b: [y], size: 3}", "unknown key"),
    ],
)
def test_bad_near_rules_are_named(tmp_path, rule, message):
    path = tmp_path / "bad.yml"
    path.write_text(f"name: B\ncodes:\n  - id: c1\n    near:\n      - {rule}\n", encoding="utf-8")
    with pytest.raises(CodebookError, match=message) as info:
        sr.Codebook.load(path)
    assert "bad.yml" in str(info.value)


def test_spacy_component_writes_spans_with_valence():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("sysreview_coder")
    doc = nlp("GPs had an equal voice on the board. Guidance kept changing.")
    spans = doc.spans["sysreview"]
    assert [(s.label_, s._.valence) for s in spans] == [
        ("sector_inclusion", "enabler"),
        ("national_guidance", "barrier"),
    ]
    assert spans[1].text == "Guidance kept changing."
    html = spacy.displacy.render(doc, style="span", options={"spans_key": "sysreview"})
    assert "sector_inclusion" in html


def test_cli_code_writes_csv_and_refuses_overwrite(tmp_path):
    src = tmp_path / "segments.csv"
    pd.DataFrame(
        {
            "segment_id": ["s1", "s2", "s3"],
            "area": ["North", "North", "South"],
            "text": [
                "Nobody knew who was in charge.",
                "The weather was fine.",
                "Dentists were left out of every discussion.",
            ],
        }
    ).to_csv(src, index=False)
    out = tmp_path / "codings.csv"
    cmd = [sys.executable, "-m", "sysreview.cli", "code", str(src), "-o", str(out)]
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert set(CODING_COLUMNS) <= set(table.columns)
    assert dict(zip(table["segment_id"], table["code"], strict=True)) == {
        "s1": "governance_clarity",
        "s3": "sector_inclusion",
    }
    assert "words/s" in run.stderr
    before = out.read_bytes()
    again = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert again.returncode == 2
    assert "--force" in again.stderr
    assert out.read_bytes() == before
    forced = subprocess.run([*cmd, "--force"], capture_output=True, text=True, check=False)
    assert forced.returncode == 0


def test_cli_code_bad_input_names_file(tmp_path):
    bad = tmp_path / "notes.csv"
    bad.write_text("id,words\n1,hello\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "sysreview.cli", "code", str(bad), "-o", str(tmp_path / "o.csv")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "notes.csv" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "o.csv").exists()


def test_default_coder_is_rules_checked_by_the_shipped_model():
    """sysreview.code uses the combined coder; its codings keep the table's promises."""
    corpus = sr.datasets.load_example().subset(["ashdown-int-01", "brack-rev-01"])
    default = sr.code(corpus)
    rules = sr.code(corpus, coder="rules")
    assert default.columns.tolist() == CODING_COLUMNS
    assert set(default["coder"]) == {"combined"}
    for row in default.itertuples():
        assert corpus.text(row.doc_id)[row.start : row.end] == row.evidence
    assert set(default["valence"]) <= {"enabler", "barrier", "neutral"}
    # interviewer turns stay uncoded by both
    asked = set(corpus.segments.loc[corpus.segments["speaker"] == "Interviewer", "segment_id"])
    assert asked and not asked & set(default["segment_id"])
    # the model vetoes some rule codings or adds some: the two coders differ
    pairs = lambda t: set(zip(t["segment_id"], t["code"], strict=True))  # noqa: E731
    assert pairs(default) != pairs(rules)
    # with a codebook of one's own, the rules are used
    own = sr.code(corpus, sr.codebooks.default())
    assert set(own["coder"]) == {"rules"}
    with pytest.raises(ValueError, match="coder"):
        sr.code(corpus, coder="magic")


def test_default_coder_in_chunks_with_progress_gives_the_same_codings(capsys):
    corpus = sr.datasets.load_example()
    quiet = sr.code(corpus, progress=False)
    shown = sr.code(corpus, progress=True)
    pd.testing.assert_frame_equal(quiet.reset_index(drop=True), shown.reset_index(drop=True))
    assert "Coding segments" in capsys.readouterr().err
