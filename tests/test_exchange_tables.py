"""CSV and Excel exports of codings and of the framework matrix."""

from __future__ import annotations

import codecs

import pandas as pd
import pytest
from openpyxl import load_workbook

import sysreview as sr
from sysreview import codebooks
from sysreview.analysis import framework_matrix
from sysreview.exchange import (
    codings_to_csv,
    codings_to_excel,
    framework_to_csv,
    framework_to_excel,
)

CB = codebooks.default()


@pytest.fixture
def codings() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment_id": ["a:001", "a:002", "b:001", "b:002", "c:001"],
            "doc_id": ["a", "a", "b", "b", "c"],
            "area": ["Ashdown Vale", "Ashdown Vale", "Brackenfield", "Brackenfield", None],
            "code": ["workforce", "leadership", "workforce", "workforce", "leadership"],
            "valence": ["barrier", "enabler", "enabler", "neutral", "neutral"],
            "evidence": [
                "Équipe réduite — short of staff.",
                '=HYPERLINK("http://evil","click")',
                "New roles helped.",
                "- a bullet point",
                "Leaders met weekly.",
            ],
            "score": [0.9, 0.8, 0.7, 0.6, 0.5],
        }
    )


def test_codings_csv_opens_in_excel(tmp_path, codings):
    path = codings_to_csv(codings, tmp_path / "codings.csv")
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    back = pd.read_csv(path, encoding="utf-8-sig")
    assert back["evidence"][0] == "Équipe réduite — short of staff."
    # text Excel would run as a formula is written as text
    assert back["evidence"][1].startswith("'=HYPERLINK")
    assert back["evidence"][3] == "'- a bullet point"
    assert back["score"].tolist() == codings["score"].tolist()  # numbers stay numbers
    plain = codings_to_csv(codings, tmp_path / "plain.csv", excel_safe=False)
    assert (
        pd.read_csv(plain, encoding="utf-8-sig")["evidence"].tolist()
        == codings["evidence"].tolist()
    )


def test_refuses_to_overwrite(tmp_path, codings):
    path = tmp_path / "codings.csv"
    path.write_text("keep me", encoding="utf-8")
    for write in (
        lambda: codings_to_csv(codings, path),
        lambda: codings_to_excel(codings, path),
        lambda: framework_to_csv(codings, path),
        lambda: framework_to_excel(codings, path),
    ):
        with pytest.raises(FileExistsError, match="already exists"):
            write()
    assert path.read_text(encoding="utf-8") == "keep me"
    codings_to_csv(codings, path, overwrite=True)
    assert len(pd.read_csv(path, encoding="utf-8-sig")) == len(codings)


def test_framework_csv_is_the_framework_matrix(tmp_path, codings):
    path = framework_to_csv(codings, tmp_path / "matrix.csv", codebook=CB)
    assert path.read_bytes().startswith(codecs.BOM_UTF8)
    back = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False).set_index("area")
    expected = framework_matrix(codings, codebook=CB)
    assert back.columns.tolist() == expected.columns.tolist()  # code names, codebook order
    assert back.index.tolist() == expected.index.tolist()
    cell = back.loc["Ashdown Vale", "Workforce and skills"]
    assert cell == expected.loc["Ashdown Vale", "Workforce and skills"]
    assert "Équipe réduite" in cell
    # the quote that looks like a formula stays text
    lead = back.loc["Ashdown Vale", "System leadership"]
    assert "=HYPERLINK" in lead and not lead.startswith("=")


def test_framework_workbook_one_sheet_per_code(tmp_path, codings):
    path = framework_to_excel(codings, tmp_path / "framework.xlsx", codebook=CB)
    wb = load_workbook(path)
    used = ["System leadership", "Workforce and skills"]
    assert wb.sheetnames == ["framework", *used]
    header = [c.value for c in wb["framework"][1]]
    assert header[0] == "area" and set(used) <= set(header)
    ws = wb["Workforce and skills"]
    assert [c.value for c in ws[1]] == ["area", "enabler", "barrier", "neutral"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert list(rows) == ["Ashdown Vale", "Brackenfield"]
    assert rows["Ashdown Vale"][2] == "[barrier] Équipe réduite — short of staff. (a:001)"
    assert rows["Brackenfield"][1] == "[enabler] New roles helped. (b:001)"
    assert rows["Brackenfield"][3] == "[neutral] - a bullet point (b:002)"
    # nothing is a formula, even text that looks like one
    cell = wb["System leadership"].cell(row=2, column=2)
    assert cell.data_type == "s" and cell.value.startswith("[enabler] =HYPERLINK")
    with pytest.raises(ValueError, match="`by` must be one of"):
        framework_to_excel(codings, tmp_path / "x.xlsx", by="area")
    with pytest.raises(ValueError, match="no valence"):  # the matrix counts valences
        framework_to_excel(codings.assign(valence=None), tmp_path / "y.xlsx")
    assert not (tmp_path / "y.xlsx").exists()


def test_framework_workbook_one_sheet_per_case(tmp_path, codings):
    path = framework_to_excel(codings, tmp_path / "areas.xlsx", by="case", codebook=CB)
    wb = load_workbook(path)
    assert wb.sheetnames == ["framework", "Ashdown Vale", "Brackenfield", "(none)"]
    rows = list(wb["Brackenfield"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["Workforce and skills"]


def test_framework_from_a_corpus_pseudonymised(tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "i.txt").write_text(
        "Interviewer: And?\n\nDr Shah: We were short of staff all winter, said Priya Shah.\n",
        encoding="utf-8",
    )
    (folder / "documents.csv").write_text(
        "file,area,participant\ni.txt,North,Priya Shah\n", encoding="utf-8"
    )
    corpus = sr.load_corpus(folder)
    gold = pd.DataFrame(  # human codings: no area, no evidence; looked up in the corpus
        {"segment_id": ["i:002"], "code": ["workforce"], "valence": ["barrier"]}
    )
    with pytest.raises(ValueError, match="needs the corpus"):
        framework_to_excel(gold, tmp_path / "x.xlsx", pseudonymise=True)
    path = framework_to_excel(
        gold, tmp_path / "f.xlsx", corpus=corpus, cases="participant", pseudonymise=True
    )
    wb = load_workbook(path)
    cells = [c for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c]
    assert not any("Shah" in str(c) or "Priya" in str(c) for c in cells)
    ws = wb["Workforce and skills"]
    assert [c.value for c in ws[2]][:3] == [
        "Person 1",
        None,
        "[barrier] We were short of staff all winter, said Person 1. (Person 1, i:002)",
    ]
    csv = framework_to_csv(gold, tmp_path / "f.csv", corpus=corpus, pseudonymise=True)
    assert "Shah" not in csv.read_text(encoding="utf-8-sig")


def test_codings_workbook(tmp_path, codings):
    long_area = "A very long area name: with [brackets] / slashes * and more words"
    codings = codings.assign(area=[long_area, long_area, "Brackenfield", "Brackenfield", None])
    path = codings_to_excel(codings, tmp_path / "codings.xlsx", by="area")
    with pytest.raises(ValueError, match="`by` must be None or a column"):
        codings_to_excel(codings, tmp_path / "bad.xlsx", by="speaker")
    wb = load_workbook(path)
    names = wb.sheetnames
    assert names[0] == "codings" and len(names) == 4
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    ws = wb["codings"]
    assert ws.max_row == len(codings) + 1
    assert ws.cell(row=3, column=6).value == codings["evidence"][1]  # the text itself, as text
    assert ws.cell(row=3, column=6).data_type == "s"
    by_code = load_workbook(codings_to_excel(codings, tmp_path / "c2.xlsx", by="code", codebook=CB))
    assert by_code.sheetnames == ["codings", "System leadership", "Workforce and skills"]
    assert by_code["Workforce and skills"].max_row == 4
