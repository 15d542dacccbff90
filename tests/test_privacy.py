"""Pseudonymisation: names out, offsets still right."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sysreview as sr
from sysreview.privacy import (
    MAPPING_COLUMNS,
    pseudonymise,
    pseudonymise_codings,
    pseudonymise_text,
)


@pytest.fixture
def corpus(tmp_path) -> sr.Corpus:
    (tmp_path / "int1.txt").write_text(
        "Interviewer: Thank you, Dr Shah. How did it go?\n\n"
        "Dr Shah: Priya Shah speaking. Care homes were left out, and Tom Reid agreed.\n\n"
        "Interviewer: Anything else?\n\n"
        "Dr Shah: Annual reviews helped. Shah's team met weekly.\n",
        encoding="utf-8",
    )
    (tmp_path / "int2.txt").write_text(
        "Facilitator: Welcome.\n\nTom Reid: I'm Tom. Priya and I ran the hub.\n\n"
        "P03: Dr Shah said so too.\n",
        encoding="utf-8",
    )
    (tmp_path / "documents.csv").write_text(
        "file,area,participant,title\n"
        "int1.txt,North,Priya Shah,Interview with Priya Shah\n"
        "int2.txt,South,Tom Reid; Jo Bloggs,Group\n",
        encoding="utf-8",
    )
    return sr.load_corpus(tmp_path)


def _invariant(corpus: sr.Corpus) -> bool:
    return all(
        corpus.text(r.doc_id)[r.start : r.end] == r.text for r in corpus.segments.itertuples()
    )


def test_names_are_replaced_everywhere_and_offsets_hold(corpus):
    assert _invariant(corpus)
    new, mapping = pseudonymise(corpus)
    assert list(mapping.columns) == MAPPING_COLUMNS
    assert _invariant(new)
    everything = "\n".join(new.texts.values()) + new.documents.to_csv() + new.segments.to_csv()
    for name in ("Priya", "Shah", "Tom", "Reid", "Jo Bloggs"):
        assert name not in everything, name
    key = dict(zip(mapping.original, mapping.pseudonym, strict=True))
    # one person, one pseudonym: full name, parts and speaker label
    assert key["Priya Shah"] == key["Priya"] == key["Shah"] == key["Dr Shah"]
    assert key["Tom Reid"] == key["Tom"] != key["Priya Shah"]
    assert len(set(key.values())) == 4  # Priya Shah, Tom Reid, Jo Bloggs, P03
    text1 = new.text("int1")
    assert f"{key['Dr Shah']}: {key['Priya Shah']} speaking." in text1
    assert f"{key['Shah']}'s team" in text1
    assert "Annual reviews" in text1  # "Ann..." inside a word is not a name
    assert set(new.segments.speaker.dropna()) == {
        "Interviewer",
        "Facilitator",
        key["Dr Shah"],
        key["Tom Reid"],
        key["P03"],
    }
    # roles stay
    assert "Interviewer:" in text1 and "Facilitator:" in new.text("int2")
    assert new.documents.set_index("doc_id").loc["int2", "participant"] == (
        f"{key['Tom Reid']}; {key['Jo Bloggs']}"
    )
    assert (
        new.documents.set_index("doc_id").loc["int1", "title"]
        == f"Interview with {key['Priya Shah']}"
    )
    # the same segments, in the same order
    assert new.segments.segment_id.tolist() == corpus.segments.segment_id.tolist()
    assert (new.segments.start != corpus.segments.start).any()


def test_extra_names_and_a_kept_mapping(corpus):
    new, mapping = pseudonymise(corpus, extra_names=["Jo Bloggs", "Hub Central"])
    assert "Hub Central" in set(mapping.original)
    later, mapping2 = pseudonymise(corpus, extra_names=["Ravi Kumar"], mapping=mapping)
    merged = dict(zip(mapping2.original, mapping2.pseudonym, strict=True))
    for row in mapping.itertuples():
        assert merged[row.original] == row.pseudonym  # consistent across runs
    assert merged["Ravi Kumar"] not in set(mapping.pseudonym)
    with pytest.raises(ValueError, match="extra_names"):
        pseudonymise(corpus, extra_names=[""])
    with pytest.raises(TypeError, match="Corpus"):
        pseudonymise(corpus.segments)


def test_every_speaker_when_roles_are_not_kept(corpus):
    new, mapping = pseudonymise(corpus, keep=None)
    assert "Interviewer" in set(mapping.original)
    assert "Interviewer" not in new.text("int1")
    assert _invariant(new)


def test_ambiguous_name_parts_are_left_alone():
    corpus = sr.Corpus.from_segments(
        pd.DataFrame({"doc_id": ["d1"], "text": ["Ann Lee and Bob Lee met Ann Lee."]}),
        documents=pd.DataFrame({"doc_id": ["d1"], "participant": ["Ann Lee; Bob Lee"]}),
    )
    new, mapping = pseudonymise(corpus)
    assert "Lee" not in set(mapping.original)  # belongs to two people
    assert new.text("d1") == "Person 1 and Person 2 met Person 1."


def test_codings_follow_the_text(corpus):
    codings = sr.code(corpus)
    assert len(codings)
    new, mapping = pseudonymise(corpus)
    moved = pseudonymise_codings(codings, corpus, mapping)
    assert len(moved) == len(codings)
    for row in moved.itertuples():
        assert new.text(row.doc_id)[row.start : row.end] == row.evidence
    gold = codings[["segment_id", "code"]].assign(evidence="Tom Reid agreed")  # no offsets
    assert pseudonymise_codings(gold, corpus, mapping)["evidence"].iloc[0] == pseudonymise_text(
        "Tom Reid agreed", mapping
    )


def test_pseudonymise_text():
    names = {"Priya Shah": "Person 1", "Priya": "Person 1"}
    assert (
        pseudonymise_text("Priya Shah, Priya, Priyanka.", names) == "Person 1, Person 1, Priyanka."
    )
    with pytest.raises(ValueError, match="original"):
        pseudonymise_text("x", pd.DataFrame({"name": ["x"]}))


_WORD = st.text(alphabet="abcdéxyz ", min_size=0, max_size=12)
_NAME = st.sampled_from(["Ana Ruiz", "Zoë Ó", "Li Wei", "Mbeki"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_WORD, _NAME, _WORD).map("".join), min_size=1, max_size=6))
def test_offsets_invariant_property(paragraphs):
    texts = [p.strip() or "x" for p in paragraphs]
    corpus = sr.Corpus.from_segments(pd.DataFrame({"doc_id": "d", "text": texts}))
    new, mapping = pseudonymise(corpus, extra_names=["Ana Ruiz", "Zoë Ó", "Li Wei", "Mbeki"])
    assert _invariant(new)
    assert new.segments.text.tolist() == [
        pseudonymise_text(t, mapping) for t in corpus.segments.text
    ]
    codings = corpus.segments.assign(code="x", evidence=corpus.segments.text)
    moved = pseudonymise_codings(codings, corpus, mapping)
    assert moved.evidence.tolist() == new.segments.text.tolist()
