"""REFI-QDA project export (.qdpx): schema validity, content, round trips."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import xmlschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sysreview as sr
from sysreview import codebooks
from sysreview.exceptions import CodebookError, CorpusError
from sysreview.exchange import VALENCE_CODES, read_qdpx, to_qdpx

NS = {"q": "urn:QDA-XML:project:1.0"}
CB = codebooks.default()  # loaded once: reading it takes a while

TEXTS = {
    "int01": [
        "Interviewer: How did the partnership work?",
        "P01: Care homes were left out of the planning meetings.",
        "P01: We had worked together for years, so we just picked up the phone.",
        "Interviewer: And the money?",
        "P01: The pooled budget let us commission home care jointly.",
    ],
    "rep01": [
        "Clear escalation routes meant decisions were made quickly.",
        "Our IT systems don't talk to each other — the café-style drop-in was paper only.",
    ],
}


@pytest.fixture(scope="module")
def schema(refi_xsd):
    return xmlschema.XMLSchema(str(refi_xsd))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> sr.Corpus:
    folder = tmp_path_factory.mktemp("sources")
    for doc_id, paras in TEXTS.items():
        (folder / f"{doc_id}.txt").write_text("\n\n".join(paras) + "\n", encoding="utf-8")
    (folder / "documents.csv").write_text(
        "file,area,sector,source_type,participant\n"
        "int01.txt,Ashdown Vale,Adult social care,interview,Priya Shah\n"
        "rep01.txt,Brackenfield,NHS,review report,\n",
        encoding="utf-8",
    )
    return sr.load_corpus(folder)


@pytest.fixture(scope="module")
def codings(corpus) -> pd.DataFrame:
    rules = sr.code(corpus, coder="rules")
    assert len(rules) >= 4, rules
    first = rules.iloc[0]
    human = pd.DataFrame(
        {
            "segment_id": [first.segment_id, "rep01:002"],
            "code": [first.code, "data_and_digital"],
            "valence": [first.valence, "barrier"],
            "coder": ["Anna Lee", "Anna Lee"],
        }
    )
    # human codings (gold) have no offsets: they code the whole segment
    assert "start" not in human
    return pd.concat([rules, human], ignore_index=True)


def _qde(path) -> ET.Element:
    with zipfile.ZipFile(path) as zf:
        return ET.fromstring(zf.read("project.qde"))


def _records(df: pd.DataFrame, columns) -> list[tuple]:
    def norm(v):
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return None
        if hasattr(v, "item"):
            v = v.item()
        return v

    return sorted(
        (tuple(norm(v) for v in row) for row in df[columns].itertuples(index=False)),
        key=repr,
    )


# --------------------------------------------------------------------- export
def test_export_validates_against_the_refi_schema(tmp_path, corpus, codings, schema):
    path = to_qdpx(corpus, codings, None, tmp_path / "study.qdpx")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        qde = zf.read("project.qde").decode("utf-8")
    assert "project.qde" in names and "sysreview.json" in names
    assert sum(n.startswith("sources/") and n.endswith(".txt") for n in names) == 2
    schema.validate(qde)  # raises XMLSchemaValidationError if invalid


def test_export_content_users_codes_cases_sources(tmp_path, corpus, codings):
    path = to_qdpx(corpus, codings, None, tmp_path / "study.qdpx")
    root = _qde(path)
    users = {u.get("name"): u.get("guid") for u in root.findall("q:Users/q:User", NS)}
    assert set(users) == {"rules", "Anna Lee"}
    top = root.findall("q:CodeBook/q:Codes/q:Code", NS)
    cb = codebooks.default()
    assert [c.get("name") for c in top] == [c.name for c in cb]
    gov = top[0]
    assert gov.get("color") == cb["governance_clarity"].color.upper()
    description = gov.find("q:Description", NS).text
    assert description.startswith(cb["governance_clarity"].description)
    assert "Include: " in description and "Exclude: " in description
    children = [c.get("name") for c in gov.findall("q:Code", NS)]
    assert children == list(VALENCE_CODES)
    # case variables: area, sector, source type per document
    variables = {v.get("guid"): v.get("name") for v in root.findall("q:Variables/q:Variable", NS)}
    assert {"area", "sector", "source_type"} <= set(variables.values())
    case = next(c for c in root.findall("q:Cases/q:Case", NS) if c.get("name") == "int01")
    values = {
        variables[vv.find("q:VariableRef", NS).get("targetGUID")]: vv.find("q:TextValue", NS).text
        for vv in case.findall("q:VariableValue", NS)
    }
    assert values["area"] == "Ashdown Vale" and values["source_type"] == "interview"
    # every coding is a PlainTextSelection whose offsets cut its evidence out of the source text
    with zipfile.ZipFile(path) as zf:
        for src in root.findall("q:Sources/q:TextSource", NS):
            text = zf.read("sources/" + src.get("plainTextPath").split("://")[1]).decode("utf-8")
            assert text == corpus.text(src.get("name"))
            for sel in src.findall("q:PlainTextSelection", NS):
                s, e = int(sel.get("startPosition")), int(sel.get("endPosition"))
                assert 0 <= s < e <= len(text)
                assert " ".join(text[s:e].split()).startswith(sel.get("name").rstrip(".")[:20])
                for coding in sel.findall("q:Coding", NS):
                    assert coding.get("creatingUser") in users.values()
    n_codings = len(root.findall(".//q:PlainTextSelection/q:Coding", NS))
    assert n_codings == len(codings)


def test_valence_is_a_child_code(tmp_path, corpus, codings):
    path = to_qdpx(corpus, codings, None, tmp_path / "study.qdpx")
    root = _qde(path)
    parent_of, name_of = {}, {}
    for code in root.iter(f"{{{NS['q']}}}Code"):
        name_of[code.get("guid")] = code.get("name")
        for sub in code.findall("q:Code", NS):
            parent_of[sub.get("guid")] = code.get("name")
    refs = [r.get("targetGUID") for r in root.iter(f"{{{NS['q']}}}CodeRef")]
    labels = sorted(f"{parent_of[g]} › {name_of[g]}" for g in refs)
    cb = codebooks.default()
    expected = sorted(
        f"{cb[c].name} › {v}" for c, v in zip(codings.code, codings.valence, strict=True)
    )
    assert labels == expected


def test_export_without_valence_codes(tmp_path, corpus, codings):
    path = to_qdpx(corpus, codings, None, tmp_path / "plain.qdpx", valence_codes=False)
    root = _qde(path)
    assert not root.findall("q:CodeBook/q:Codes/q:Code/q:Code", NS)
    project = read_qdpx(path, extras=False)
    assert not project.has_valence
    assert project.codings["valence"].isna().all()
    assert len(project.codings) == len(codings)


def test_refuses_to_overwrite_and_writes_atomically(tmp_path, corpus, codings):
    path = tmp_path / "study.qdpx"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        to_qdpx(corpus, codings, None, path)
    assert path.read_bytes() == b"precious"
    bad = codings.assign(code=["no_such_code"] + codings["code"].tolist()[1:])
    with pytest.raises(CodebookError, match="no_such_code"):
        to_qdpx(corpus, bad, None, path, overwrite=True)
    assert path.read_bytes() == b"precious"  # a failed export leaves the old file alone
    assert [p.name for p in tmp_path.iterdir()] == ["study.qdpx"]  # and no temporary file
    to_qdpx(corpus, codings, None, path, overwrite=True)
    assert zipfile.is_zipfile(path)


def test_export_errors_name_the_problem(tmp_path, corpus, codings):
    with pytest.raises(CorpusError, match="no_such_segment"):
        to_qdpx(corpus, codings.assign(segment_id="no_such_segment"), None, tmp_path / "a.qdpx")
    with pytest.raises(ValueError, match=r"`valence` must be one of \['enabler'"):
        to_qdpx(corpus, codings.assign(valence="good"), None, tmp_path / "b.qdpx")
    with pytest.raises(ValueError, match="outside document"):
        to_qdpx(corpus, codings.assign(start=0, end=10**6), None, tmp_path / "c.qdpx")
    assert not list(tmp_path.iterdir())


def test_pseudonymised_export(tmp_path, corpus, codings):
    from sysreview.privacy import pseudonymise, pseudonymise_codings

    new, mapping = pseudonymise(corpus, extra_names=["P01"])
    moved = pseudonymise_codings(codings, corpus, mapping)
    path = to_qdpx(new, moved, None, tmp_path / "anon.qdpx")
    with zipfile.ZipFile(path) as zf:
        blob = b"".join(zf.read(n) for n in zf.namelist())
    assert b"Priya" not in blob and b"P01" not in blob
    project = read_qdpx(path)
    assert all(
        project.text(r.doc_id)[r.start : r.end] == r.evidence for r in project.codings.itertuples()
    )


# ----------------------------------------------------------------- round trip
def test_round_trip_gives_back_identical_tables(tmp_path, corpus, codings):
    cb = codebooks.default()
    path = to_qdpx(corpus, codings, cb, tmp_path / "study.qdpx")
    project = read_qdpx(path)
    assert project.codebook.to_dict() == cb.to_dict()
    doc_cols = list(corpus.documents.columns)
    assert list(project.documents.columns) == doc_cols
    doc_cols.remove("path")
    assert _records(project.documents, doc_cols) == _records(corpus.documents, doc_cols)
    # paths are kept relative to the sources folder: no home folders in the export
    assert project.documents.path.tolist() == ["int01.txt", "rep01.txt"]
    seg_cols = ["segment_id", "doc_id", "speaker", "start", "end", "text", "section"]
    assert _records(project.segments, seg_cols) == _records(corpus.segments, seg_cols)
    expected = codings.copy()
    for row in expected.index[expected["start"].isna()]:  # whole-segment codings
        seg = corpus.segments.set_index("segment_id").loc[expected.at[row, "segment_id"]]
        expected.loc[row, ["doc_id", "start", "end", "evidence", "area", "sector"]] = [
            seg.doc_id,
            seg.start,
            seg.end,
            seg.text,
            seg.area,
            seg.sector,
        ]
    cols = [
        "segment_id",
        "doc_id",
        "area",
        "sector",
        "code",
        "valence",
        "start",
        "end",
        "evidence",
        "score",
        "coder",
    ]
    assert _records(project.codings, cols) == _records(expected, cols)
    assert project.skipped.empty and project.has_valence


def test_round_trip_from_the_standard_alone(tmp_path, corpus, codings):
    """Without sysreview.json, as after a trip through another program."""
    cb = codebooks.default()
    path = to_qdpx(corpus, codings, cb, tmp_path / "study.qdpx", extras=False)
    with zipfile.ZipFile(path) as zf:
        assert "sysreview.json" not in zf.namelist()
    project = read_qdpx(path)
    assert project.codebook.ids == cb.ids  # kept by the "sysreview id:" line
    for c in cb:
        got = project.codebook[c.id]
        assert (got.name, got.description, got.include, got.exclude, got.color) == (
            c.name,
            c.description,
            c.include,
            c.exclude,
            c.color,
        )
    for doc_id in corpus.documents.doc_id:
        assert project.text(doc_id) == corpus.text(doc_id)
    cols = ["doc_id", "area", "sector", "source_type", "participant"]
    assert _records(project.documents, cols) == _records(corpus.documents, cols)
    seg_cols = ["segment_id", "start", "end", "text", "speaker"]
    assert _records(project.segments, seg_cols) == _records(corpus.segments, seg_cols)
    key = ["segment_id", "code", "valence", "coder"]
    assert _records(project.codings, key) == _records(codings, key)
    assert project.codings["score"].isna().all()


def test_stale_extras_are_not_trusted(tmp_path, corpus, codings):
    """If a text was edited after the export, its segments are made again."""
    path = to_qdpx(corpus, codings, None, tmp_path / "study.qdpx")
    edited = tmp_path / "edited.qdpx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(edited, "w") as dst:
        extras = json.loads(src.read("sysreview.json"))
        guid = next(g for g, s in extras["sources"].items() if s["doc_id"] == "rep01")
        for name in src.namelist():
            data = src.read(name)
            if name == f"sources/{guid}.txt":
                data = data.replace(b"Clear", b"Clean")
            dst.writestr(name, data)
    project = read_qdpx(edited)
    assert project.text("rep01").startswith("Clean escalation")
    assert any("changed after sysreview exported" in n for n in project.notes)
    assert set(project.codings["doc_id"]) == {"int01", "rep01"}


# ------------------------------------------------------------ property tests
_PARAGRAPH = (
    st.text(
        alphabet=st.characters(
            categories=("Lu", "Ll", "Lo", "Nd", "Po", "Sm", "So", "Zs"), exclude_characters=":"
        ),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)


@st.composite
def _study(draw):
    n_docs = draw(st.integers(1, 3))
    rows = []
    for d in range(n_docs):
        for p in draw(st.lists(_PARAGRAPH, min_size=1, max_size=4)):
            rows.append(
                {
                    "doc_id": f"d{d}",
                    "text": p,
                    "area": draw(st.sampled_from(["Nørth", "Süd", "東"])),
                }
            )
    corpus = sr.Corpus.from_segments(pd.DataFrame(rows))
    ids = CB.ids
    codings, seen = [], set()
    for seg in corpus.segments.itertuples():
        for _ in range(draw(st.integers(0, 2))):
            code = draw(st.sampled_from(ids))
            coder = draw(st.sampled_from(["rules", "Anna Lee", "Zoë Ó"]))
            if (seg.segment_id, code, coder) in seen:
                continue
            length = seg.end - seg.start
            a = draw(st.integers(0, length - 1))
            b = draw(st.integers(a + 1, length))
            start, end = seg.start + a, seg.start + b
            if not corpus.text(seg.doc_id)[start:end].strip():
                continue
            seen.add((seg.segment_id, code, coder))
            codings.append(
                {
                    "segment_id": seg.segment_id,
                    "doc_id": seg.doc_id,
                    "area": seg.area,
                    "sector": None,
                    "code": code,
                    "valence": draw(st.sampled_from(["enabler", "barrier", "neutral"])),
                    "start": start,
                    "end": end,
                    "evidence": corpus.text(seg.doc_id)[start:end],
                    "score": draw(st.floats(0, 1)),
                    "coder": coder,
                }
            )
    return corpus, pd.DataFrame(codings, columns=sr.coding.CODING_COLUMNS)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(study=_study())
def test_round_trip_property(tmp_path, study):
    corpus, codings = study
    path = to_qdpx(corpus, codings, CB, tmp_path / "p.qdpx", overwrite=True)
    for extras in (True, False):
        project = read_qdpx(path, extras=extras)
        for doc_id in corpus.documents.doc_id:
            assert project.text(doc_id) == corpus.text(doc_id)
        seg_cols = ["segment_id", "doc_id", "start", "end", "text"]
        assert _records(project.segments, seg_cols) == _records(corpus.segments, seg_cols)
        cols = ["segment_id", "doc_id", "code", "valence", "start", "end", "evidence", "coder"]
        if extras:
            cols.append("score")
        assert _records(project.codings, cols) == _records(codings, cols)


def test_example_study_with_its_gold_coding(tmp_path, schema):
    """Every source format of the example study, human codings without offsets."""
    from sysreview.datasets import load_example, load_example_gold

    corpus, gold = load_example(), load_example_gold()
    path = to_qdpx(corpus, gold, CB, tmp_path / "example.qdpx")
    with zipfile.ZipFile(path) as zf:
        schema.validate(zf.read("project.qde").decode("utf-8"))
    project = read_qdpx(path)
    coded = gold[gold["code"].notna()]  # rows without a code mark segments coded with nothing
    key = ["segment_id", "code", "valence", "coder"]
    assert _records(project.codings, key) == _records(coded, key)
    seg_cols = ["segment_id", "doc_id", "speaker", "start", "end", "text", "time_start"]
    assert _records(project.segments, seg_cols) == _records(corpus.segments, seg_cols)
    cols = [c for c in corpus.documents.columns if c != "path"]
    assert _records(project.documents, cols) == _records(corpus.documents, cols)
    assert all(
        project.text(r.doc_id)[r.start : r.end] == r.evidence for r in project.codings.itertuples()
    )


def test_schema_copy_matches_shared():
    """tests/data keeps a copy of the REFI-QDA schema; it must not drift from ../shared."""
    here = Path(__file__).resolve().parent
    shared = here.parents[1] / "shared" / "refi-qda" / "Project.xsd"
    if not shared.is_file():
        pytest.skip("../shared is not next to this checkout")
    assert (here / "data" / "refi-qda" / "Project.xsd").read_bytes() == shared.read_bytes()
