"""``sysreview export`` and ``sysreview import-qdpx``."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

import sysreview as sr
from sysreview.cli import main
from sysreview.exchange import read_qdpx


@pytest.fixture
def sources(tmp_path):
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "int1.txt").write_text(
        "Interviewer: How was it?\n\n"
        "Dr Shah: Care homes were left out of the planning. Priya Shah said so.\n\n"
        "Dr Shah: We had worked together for years, so we just picked up the phone.\n",
        encoding="utf-8",
    )
    (folder / "rep1.md").write_text(
        "# Review\n\nClear escalation routes meant decisions were made quickly.\n\n"
        "The pooled budget let us commission home care jointly.\n",
        encoding="utf-8",
    )
    (folder / "documents.csv").write_text(
        "file,area,sector,source_type,participant\n"
        "int1.txt,North,Care homes,interview,Priya Shah\n"
        "rep1.md,South,NHS,review report,\n",
        encoding="utf-8",
    )
    return folder


def test_export_everything_pseudonymised(tmp_path, sources, capsys):
    out = tmp_path / "out"
    args = [
        "export",
        str(sources),
        "--qdpx",
        str(out / "s.qdpx"),
        "--csv",
        str(out / "c.csv"),
        "--xlsx",
        str(out / "f.xlsx"),
        "--matrix-csv",
        str(out / "m.csv"),
        "--qdc",
        str(out / "cb.qdc"),
        "--pseudonymise",
        "--mapping",
        str(tmp_path / "key.csv"),
    ]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "Pseudonymised 1 person" in err and "key.csv" in err
    assert sorted(p.name for p in out.iterdir()) == ["c.csv", "cb.qdc", "f.xlsx", "m.csv", "s.qdpx"]
    with zipfile.ZipFile(out / "s.qdpx") as zf:
        blob = b"".join(zf.read(n) for n in zf.namelist())
    assert b"Priya" not in blob and b"Shah" not in blob
    assert b"Priya" not in (out / "c.csv").read_bytes()
    key = pd.read_csv(tmp_path / "key.csv", encoding="utf-8-sig")
    assert "Priya Shah" in set(key.original)
    project = read_qdpx(out / "s.qdpx")
    assert set(project.codings.coder) == {"rules"} and len(project.codings) >= 3
    assert sr.Codebook.load(out / "cb.qdc").ids == sr.codebooks.default().ids


def test_export_refuses_to_overwrite(tmp_path, sources, capsys):
    target = tmp_path / "s.qdpx"
    target.write_bytes(b"old")
    assert main(["export", str(sources), "--qdpx", str(target)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--force" in err
    assert target.read_bytes() == b"old"
    assert main(["export", str(sources), "--qdpx", str(target), "--force"]) == 0
    assert zipfile.is_zipfile(target)
    assert main(["export", str(sources)]) == 2
    assert "nothing to export" in capsys.readouterr().err


def test_export_given_codings_then_import(tmp_path, sources, capsys):
    codings = tmp_path / "codings.csv"
    assert main(["code", str(sources), "--rules-only", "-o", str(codings)]) == 0
    table = pd.read_csv(codings, encoding="utf-8-sig")
    assert (
        main(
            ["export", str(sources), "--codings", str(codings), "--qdpx", str(tmp_path / "s.qdpx")]
        )
        == 0
    )
    out = tmp_path / "imported"
    assert main(["import-qdpx", str(tmp_path / "s.qdpx"), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"{len(table)} codings (by coder: rules {len(table)})" in err
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert names == {
        "sources/int1.txt",
        "sources/rep1.md",
        "sources/documents.csv",
        "segments.csv",
        "codings.csv",
        "codebook.yml",
    }
    # the folder loads back into the same corpus
    original = sr.load_corpus(sources)
    again = sr.load_corpus(out / "sources")
    for doc_id in original.documents.doc_id:
        assert again.text(doc_id) == original.text(doc_id)
    assert again.documents.set_index("doc_id").loc["int1", "area"] == "North"
    assert again.segments.text.tolist() == original.segments.text.tolist()
    back = pd.read_csv(out / "codings.csv", encoding="utf-8-sig")
    cols = ["segment_id", "code", "valence", "start", "end"]
    assert (
        back[cols].sort_values(cols).values.tolist()
        == table[cols].sort_values(cols).values.tolist()
    )
    assert sr.Codebook.load(out / "codebook.yml").to_dict() == sr.codebooks.default().to_dict()
    # a second import into the same folder needs --force
    assert main(["import-qdpx", str(tmp_path / "s.qdpx"), "-o", str(out)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["import-qdpx", str(tmp_path / "s.qdpx"), "-o", str(out), "--force"]) == 0


def test_bad_inputs_give_one_line_errors(tmp_path, sources, capsys):
    evil = tmp_path / "evil.qdpx"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("project.qde", "<Project name='x'/>")
        zf.writestr("../../escape.txt", "x")
    assert main(["import-qdpx", str(evil), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "climbs out of the archive" in err
    assert not (tmp_path / "o").exists()
    bad = tmp_path / "bad.csv"
    bad.write_text("segment_id,code,valence\nint1:002,workforce,good\n", encoding="utf-8")
    assert (
        main(["export", str(sources), "--codings", str(bad), "--qdpx", str(tmp_path / "x.qdpx")])
        == 2
    )
    err = capsys.readouterr().err.strip()
    assert "bad.csv" in err and "'good'" in err and len(err.splitlines()) == 1
