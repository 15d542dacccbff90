"""A .qdpx is a zip from someone else: crafted malicious files are refused, clearly."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest

from sysreview import Codebook
from sysreview.exceptions import SourceFormatError, UnsafeArchiveError
from sysreview.exchange import SafeZip, read_qdc, read_qdpx

QDE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<Project xmlns="urn:QDA-XML:project:1.0" name="x" origin="test"/>'
)
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Project [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&lol3;"/>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Project xmlns="urn:QDA-XML:project:1.0" name="&xxe;"/>"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE Project SYSTEM "http://example.invalid/evil.dtd">
<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>"""


def archive(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for entry, data in entries:
            zf.writestr(entry, data)
    return path


@pytest.mark.parametrize(
    "name, why",
    [
        ("../evil.txt", "climbs out"),
        ("sources/../../evil.txt", "climbs out"),
        ("..\\evil.txt", "climbs out"),
        ("/etc/cron.d/evil", "absolute path"),
        ("C:/Windows/evil.dll", "drive letter"),
    ],
)
def test_entries_escaping_the_archive_are_refused(tmp_path, name, why):
    path = archive(tmp_path / "evil.qdpx", [("project.qde", QDE), (name, "x")])
    with pytest.raises(UnsafeArchiveError, match=why) as info:
        read_qdpx(path)
    assert str(path) in str(info.value) and repr(name) in str(info.value)
    assert not (tmp_path.parent / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()


def test_symlinks_are_refused(tmp_path):
    path = tmp_path / "link.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", QDE)
        link = zipfile.ZipInfo("sources/passwd.txt")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        read_qdpx(path)


def test_zip_bombs_are_refused(tmp_path):
    zeros = b"\0" * (20 * 1024 * 1024)  # compresses about a thousand times
    path = archive(tmp_path / "bomb.qdpx", [("project.qde", QDE), ("sources/a.txt", zeros)])
    assert path.stat().st_size < 200_000
    with pytest.raises(UnsafeArchiveError, match="compressed .* times"):
        read_qdpx(path)
    # a genuine archive over the size limit
    path = archive(tmp_path / "big.qdpx", [("project.qde", QDE), ("sources/a.txt", b"x" * 5000)])
    with pytest.raises(UnsafeArchiveError, match="more than 1,000 bytes"):
        read_qdpx(path, max_total_size=1000)
    with pytest.raises(UnsafeArchiveError, match="entries"):
        SafeZip(path, max_entries=1)


def test_a_zip_bomb_disguised_as_a_docx_is_refused(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b" " * (30 * 1024 * 1024))
    qde = (
        '<Project xmlns="urn:QDA-XML:project:1.0" name="x"><Sources>'
        '<TextSource guid="9E5C1E1A-0000-4000-8000-000000000001" name="a" '
        'plainTextPath="internal://a.txt" richTextPath="internal://a.docx"/>'
        "</Sources></Project>"
    )
    path = archive(
        tmp_path / "docx-bomb.qdpx",
        [("project.qde", qde), ("Sources/a.txt", b""), ("Sources/a.docx", inner.getvalue())],
    )
    with pytest.raises(UnsafeArchiveError, match="a.docx"):
        read_qdpx(path)


@pytest.mark.parametrize("xml", [BILLION_LAUGHS, XXE, EXTERNAL_DTD], ids=["laughs", "xxe", "dtd"])
def test_xml_entities_and_dtds_are_refused(tmp_path, xml):
    path = archive(tmp_path / "xml.qdpx", [("project.qde", xml)])
    with pytest.raises(UnsafeArchiveError, match="DTD, entities or external references") as info:
        read_qdpx(path)
    assert "project.qde" in str(info.value)
    qdc = tmp_path / "codebook.qdc"
    qdc.write_text(xml.replace("Project", "CodeBook"), encoding="utf-8")
    with pytest.raises(UnsafeArchiveError):
        read_qdc(qdc)
    with pytest.raises(UnsafeArchiveError):
        Codebook.load(qdc)


def test_corrupt_entries_name_the_archive(tmp_path):
    noisy = bytes((i * 7919) % 251 for i in range(5000))  # compresses badly: long data
    path = archive(tmp_path / "ok.qdpx", [("project.qde", QDE), ("sources/a.txt", noisy)])
    data = bytearray(path.read_bytes())
    start = data.index(b"sources/a.txt") + len(b"sources/a.txt")  # local header, then the data
    data[start + 50 : start + 60] = b"\xff" * 10  # corrupt the compressed bytes
    path.write_bytes(bytes(data))
    with SafeZip(path) as zf, pytest.raises(SourceFormatError, match="corrupt") as info:
        zf.read("sources/a.txt")
    assert str(path) in str(info.value)


def test_safezip_finds_entries_whatever_their_case(tmp_path):
    path = archive(tmp_path / "a.zip", [("Sources/A.txt", "hi"), ("project.qde", QDE)])
    with SafeZip(path) as zf:
        assert zf.find("sources/a.txt") == "Sources/A.txt"
        assert zf.find("sources/b.txt") is None
        assert zf.read(zf.find("SOURCES/A.TXT")) == b"hi"
