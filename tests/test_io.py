"""Readers, metadata join and bad input, on real files written by the tests."""

from __future__ import annotations

import warnings

import docx
import openpyxl
import pandas as pd
import pytest

import sysreview as sr
from sysreview.exceptions import CorpusError, SourceFormatError, SysreviewWarning


def _load(path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SysreviewWarning)
        return sr.load_corpus(path, **kw)


def assert_offsets(corpus):
    """The offset invariant: every segment is an exact slice of its document."""
    assert len(corpus.segments) > 0
    for row in corpus.segments.itertuples():
        assert corpus.text(row.doc_id)[row.start : row.end] == row.text, row.segment_id


# --------------------------------------------------------------------------- readers


def test_txt_transcript_speakers_and_continuations(tmp_path):
    (tmp_path / "int-01.txt").write_text(
        "Interview transcript - Test Vale - GP (P03)\n\n"
        "Interviewer: Could you describe your role?\n\n"
        "P03: I'm a GP partner.\n\n"
        "We joined the federation in 2019.\n\n"
        "[00:12:31] Dr Shah: Escalation worked well.\n",
        encoding="utf-8",
    )
    c = _load(tmp_path)
    segs = c.segments
    assert list(segs["speaker"].fillna("")) == ["", "Interviewer", "P03", "P03", "Dr Shah"]
    assert segs["text"].iloc[3] == "We joined the federation in 2019."
    assert segs["time_start"].iloc[4] == pytest.approx(12 * 60 + 31)
    assert segs["segment_id"].iloc[0] == "int-01:001"
    assert_offsets(c)


def test_md_report_sections(tmp_path):
    (tmp_path / "report.md").write_text(
        "# Review of Test Vale\n\n## Governance\n\nThe board met weekly.\n\nRoles were clear.\n\n"
        "## Workforce\n\nStaff were stretched.\n",
        encoding="utf-8",
    )
    c = _load(tmp_path)
    body = c.segments[c.segments["text"] == "Staff were stretched."]
    assert body["section"].iloc[0] == "Workforce"
    assert "Roles were clear." in set(c.segments["text"])
    assert_offsets(c)


def test_docx_paragraphs_headings_and_tables(tmp_path):
    d = docx.Document()
    d.add_heading("Findings", level=1)
    d.add_paragraph("Social care had a seat at the table.")
    d.add_paragraph("")
    d.add_paragraph("Interviewer: And the GPs?")
    table = d.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Ambulance"
    table.cell(0, 1).text = "Not invited"
    d.save(tmp_path / "rep.docx")
    c = _load(tmp_path)
    texts = list(c.segments["text"])
    assert "Social care had a seat at the table." in texts
    assert any("Not invited" in t for t in texts)
    seat = c.segments[c.segments["text"] == "Social care had a seat at the table."]
    assert seat["section"].iloc[0] == "Findings"
    assert_offsets(c)


def test_vtt_voice_tags_and_merging(tmp_path):
    (tmp_path / "int.vtt").write_text(
        "WEBVTT\n\n"
        "00:00:04.000 --> 00:00:11.500\n<v Interviewer>Could you describe your role?\n\n"
        "00:00:12.000 --> 00:00:25.000\n<v P12>I manage the discharge team.\n\n"
        "00:00:25.500 --> 00:00:31.000\n<v P12>We meet the council daily.\n",
        encoding="utf-8",
    )
    c = _load(tmp_path)
    segs = c.segments
    assert list(segs["speaker"]) == ["Interviewer", "P12"]
    assert "daily" in segs["text"].iloc[1] and "discharge" in segs["text"].iloc[1]
    assert segs["time_start"].iloc[1] == pytest.approx(12.0)
    assert segs["time_end"].iloc[1] == pytest.approx(31.0)
    assert_offsets(c)


def test_srt_name_prefix_utf16(tmp_path):
    content = (
        "1\n00:00:01,000 --> 00:00:03,000\nInterviewer: Hello, Zoë.\n\n"
        "2\n00:00:04,000 --> 00:00:09,000\nZoë Brennan: The café ran the hub.\n"
    )
    (tmp_path / "int.srt").write_text(content, encoding="utf-16")
    c = _load(tmp_path)
    assert list(c.segments["speaker"]) == ["Interviewer", "Zoë Brennan"]
    assert c.segments["text"].iloc[1] == "The café ran the hub."
    assert c.documents["format"].iloc[0] == "srt"
    assert_offsets(c)


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("utf-16-le", b"\xff\xfe")],
)
def test_encodings(tmp_path, encoding, bom):
    answer = "The council\u2019s \u201cone front door\u201d cost \u00a340 \u2013 worth it."
    text = f"Interviewer: Was it?\n\nP01: {answer}\n"
    (tmp_path / "e.txt").write_bytes(bom + text.encode(encoding))
    c = _load(tmp_path)
    assert c.segments["text"].iloc[1] == answer
    assert c.segments["speaker"].iloc[1] == "P01"
    assert not c.text("e").startswith("\ufeff")
    assert_offsets(c)


def test_crlf_is_normalised_and_offsets_hold(tmp_path):
    (tmp_path / "w.txt").write_bytes(b"Interviewer: One.\r\n\r\nP02: Two\r\nlines.\r\n")
    c = _load(tmp_path)
    assert "\r" not in c.text("w")
    assert list(c.segments["speaker"]) == ["Interviewer", "P02"]
    assert_offsets(c)


def test_csv_table_segments_and_extra_columns(tmp_path):
    pd.DataFrame(
        {
            "doc_id": ["ws-01", "ws-01", "ws-02"],
            "segment_id": ["ws-01:a", "ws-01:b", "ws-02:a"],
            "speaker": ["F1 (GP)", "F2", "F3"],
            "text": ["GPs were not invited.", "Daily calls helped.", "Pooled budget."],
            "area": ["North", "North", "South"],
            "theme_note": ["x", "y", "z"],
        }
    ).to_csv(tmp_path / "notes.csv", index=False)
    c = _load(tmp_path)
    assert set(c.documents["doc_id"]) == {"ws-01", "ws-02"}
    assert list(c.segments["segment_id"]) == ["ws-01:a", "ws-01:b", "ws-02:a"]
    assert c.segments.set_index("segment_id").loc["ws-02:a", "area"] == "South"
    assert "theme_note" in c.segments.columns
    assert_offsets(c)


def test_missing_metadata_warning_fits_the_input(tmp_path):
    """A table carrying its own area and sector needs no documents.csv; one
    without them is named, with both remedies."""
    own = tmp_path / "own"
    own.mkdir()
    pd.DataFrame(
        {"segment_id": ["a:1"], "text": ["Daily calls helped."], "area": ["X"], "sector": ["nhs"]}
    ).to_csv(own / "coded.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SysreviewWarning)
        assert sr.load_corpus(own).segments["area"].tolist() == ["X"]
    bare = tmp_path / "bare"
    bare.mkdir()
    pd.DataFrame({"segment_id": ["a:1"], "text": ["Daily calls helped."]}).to_csv(
        bare / "plain.csv", index=False
    )
    (bare / "report.md").write_text("# R\n\nGPs were left out.\n", encoding="utf-8")
    with pytest.warns(SysreviewWarning) as record:
        sr.load_corpus(bare)
    message = " ".join(str(w.message) for w in record)
    assert "2 of 2 document(s) have no area or sector" in message
    assert "`area` and `sector` columns to plain.csv" in message


def test_xlsx_table(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["text", "speaker"])
    ws.append(["Care homes felt isolated.", "R01"])
    ws.append(["The dentists were never asked.", "R02"])
    wb.save(tmp_path / "survey.xlsx")
    c = _load(tmp_path)
    assert list(c.segments["text"]) == [
        "Care homes felt isolated.",
        "The dentists were never asked.",
    ]
    assert list(c.segments["speaker"]) == ["R01", "R02"]
    assert_offsets(c)


def test_csv_without_text_column_names_file(tmp_path):
    (tmp_path / "bad.csv").write_text("id,words\n1,hello\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"bad\.csv.*text"):
        _load(tmp_path)


# --------------------------------------------------------------------------- metadata


def test_metadata_join_by_file_and_doc_id_keeps_extras(tmp_path):
    (tmp_path / "a-01.txt").write_text("P01: Hello.\n", encoding="utf-8")
    (tmp_path / "b-01.md").write_text("# R\n\nText.\n", encoding="utf-8")
    pd.DataFrame(
        {
            "file": ["a-01.txt", ""],
            "doc_id": ["", "b-01"],
            "area": ["North Vale", "South Vale"],
            "sector": ["GP practice", "system"],
            "source_type": ["interview", "review report"],
            "date": ["2025-01-02", "2025-02-03"],
            "participant": ["P01", ""],
        }
    ).to_csv(tmp_path / "documents.csv", index=False)
    c = _load(tmp_path)
    docs = c.documents.set_index("doc_id")
    assert docs.loc["a-01", "area"] == "North Vale"
    assert docs.loc["b-01", "source_type"] == "review report"
    assert docs.loc["a-01", "participant"] == "P01"
    assert set(c.segments["area"]) == {"North Vale", "South Vale"}
    assert c.summary()["area"].loc["North Vale", "documents"] == 1


def test_metadata_row_without_file_and_file_without_row_warn(tmp_path):
    (tmp_path / "a-01.txt").write_text("P01: Hello.\n", encoding="utf-8")
    (tmp_path / "orphan.txt").write_text("P02: Hi.\n", encoding="utf-8")
    pd.DataFrame({"file": ["a-01.txt", "missing.txt"], "area": ["N", "S"]}).to_csv(
        tmp_path / "documents.csv", index=False
    )
    with pytest.warns(SysreviewWarning) as record:
        c = sr.load_corpus(tmp_path)
    messages = " ".join(str(w.message) for w in record)
    assert "missing.txt" in messages
    assert "orphan" in messages
    assert set(c.documents["doc_id"]) == {"a-01", "orphan"}  # nothing silently dropped


def test_duplicate_doc_ids(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "same.txt").write_text("P01: a\n", encoding="utf-8")
    (tmp_path / "y" / "same.md").write_text("b\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="same"):
        _load(tmp_path, recursive=True)


def test_duplicate_rows_in_metadata_name_the_row(tmp_path):
    (tmp_path / "a.txt").write_text("P01: a\n", encoding="utf-8")
    (tmp_path / "documents.csv").write_text("file,area\na.txt,N\na.txt,S\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"documents\.csv, line 2.*rows \[2, 3\]"):
        _load(tmp_path)


# --------------------------------------------------------------------------- bad input


def test_empty_file_named(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(SourceFormatError, match=r"empty\.txt.*empty"):
        _load(tmp_path)


def test_binary_file_with_text_extension(tmp_path):
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(SourceFormatError, match=r"image\.txt"):
        _load(tmp_path)


def test_corrupt_docx(tmp_path):
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(SourceFormatError, match=r"broken\.docx") as info:
        _load(tmp_path)
    assert info.value.hint


def test_malformed_vtt_names_line(tmp_path):
    (tmp_path / "bad.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v A>ok\n\n00:00:xx --> nonsense\n<v B>bad\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceFormatError, match=r"bad\.vtt.*line 6"):
        _load(tmp_path)


def test_vtt_without_header(tmp_path):
    (tmp_path / "nohead.vtt").write_text(
        "00:00:01.000 --> 00:00:02.000\n<v A>ok\n", encoding="utf-8"
    )
    with pytest.raises(SourceFormatError, match=r"nohead\.vtt.*WEBVTT"):
        _load(tmp_path)


def test_unsupported_and_lock_files_are_skipped_and_reported(tmp_path):
    (tmp_path / "a.txt").write_text("P01: a\n", encoding="utf-8")
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "~$a.docx").write_bytes(b"lock")
    c = _load(tmp_path)
    skipped = c.skipped.set_index(c.skipped["path"].map(lambda p: p.rsplit("/", 1)[-1]))
    assert "pdf" in skipped.loc["scan.pdf", "reason"]
    assert "lock" in skipped.loc["~$a.docx", "reason"].lower()
    assert list(c.documents["doc_id"]) == ["a"]


def test_on_error_skip_reports_the_bad_file(tmp_path):
    (tmp_path / "good.txt").write_text("P01: fine\n", encoding="utf-8")
    (tmp_path / "empty.md").write_bytes(b"")
    c = _load(tmp_path, on_error="skip")
    assert list(c.documents["doc_id"]) == ["good"]
    assert any("empty.md" in p for p in c.skipped["path"])


def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        sr.load_corpus(tmp_path / "nowhere")
