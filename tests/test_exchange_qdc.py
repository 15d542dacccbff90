"""REFI-QDA codebooks (.qdc): export, import, Codebook.load/save."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import xmlschema

from sysreview import Code, Codebook, codebooks
from sysreview.exceptions import SourceFormatError
from sysreview.exchange import VALENCE_CODES, read_qdc, write_qdc

NS = {"c": "urn:QDA-XML:codebook:1.0"}


@pytest.fixture(scope="module")
def qdc_schema(refi_xsd):
    """The codebook schema: REFI-QDA's code types in the codebook namespace, root <CodeBook>.

    Codebook.xsd uses the same CodeType, CodesType and SetsType as Project.xsd,
    under the root element CodeBook (Codes, then optional Sets; attribute origin).
    """
    text = refi_xsd.read_text(encoding="utf-8").replace(
        "urn:QDA-XML:project:1.0", "urn:QDA-XML:codebook:1.0"
    )
    root = (
        '<xsd:element name="CodeBook" type="QdcCodeBookType"/>'
        '<xsd:complexType name="QdcCodeBookType"><xsd:sequence>'
        '<xsd:element name="Codes" type="CodesType"/>'
        '<xsd:element name="Sets" type="SetsType" minOccurs="0"/>'
        '</xsd:sequence><xsd:attribute name="origin" type="xsd:string"/></xsd:complexType>'
    )
    marker = "<!-- ===== Type Definitions ===== -->"
    assert marker in text
    return xmlschema.XMLSchema(text.replace(marker, root + marker))


@pytest.fixture(scope="module")
def nested() -> Codebook:
    return Codebook(
        [
            Code(
                id="system",
                name="Système de santé",
                description="Tout le système.\n\nDeux paragraphes.",
            ),
            Code(
                id="gov",
                name="Gouvernance",
                parent="system",
                include="Qui décide.",
                exclude="Les personnes.",
                color="#abcdef",
            ),
            Code(id="lead", name="Leadership", parent="system"),
            Code(id="lead_local", name="Local leaders", parent="lead", description="Émile & <co>"),
        ],
        name="nested",
    )


def _same(a: Codebook, b: Codebook) -> None:
    assert a.ids == b.ids
    for code in a:
        other = b[code.id]
        assert (
            other.name,
            other.description,
            other.include,
            other.exclude,
            other.color,
            other.parent,
        ) == (
            code.name,
            code.description,
            code.include,
            code.exclude,
            code.color,
            code.parent,
        )


def test_qdc_validates_and_has_valence_children(tmp_path, qdc_schema):
    path = write_qdc(codebooks.default(), tmp_path / "default.qdc")
    qdc_schema.validate(str(path))
    root = ET.parse(path).getroot()
    assert root.tag == "{urn:QDA-XML:codebook:1.0}CodeBook"
    top = root.findall("c:Codes/c:Code", NS)
    assert len(top) == 13
    assert [c.get("name") for c in top[0].findall("c:Code", NS)] == list(VALENCE_CODES)


@pytest.mark.parametrize("which", ["default", "nested"])
def test_qdc_round_trip(tmp_path, qdc_schema, nested, which):
    cb = codebooks.default() if which == "default" else nested
    path = write_qdc(cb, tmp_path / "cb.qdc")
    qdc_schema.validate(str(path))
    _same(cb, read_qdc(path))


def test_codebook_load_and_save_delegate_to_qdc(tmp_path, nested):
    path = tmp_path / "nested.qdc"
    nested.save(path)
    assert ET.parse(path).getroot().tag.endswith("CodeBook")
    loaded = Codebook.load(path)
    _same(nested, loaded)
    assert loaded.name == "nested"


def test_without_valence_codes(tmp_path, nested):
    path = write_qdc(nested, tmp_path / "plain.qdc", valence_codes=False)
    names = [c.get("name") for c in ET.parse(path).getroot().iter("{urn:QDA-XML:codebook:1.0}Code")]
    assert not set(VALENCE_CODES) & set(names)
    _same(nested, read_qdc(path))


def test_refuses_to_overwrite(tmp_path, nested):
    path = tmp_path / "cb.qdc"
    path.write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError, match="already exists"):
        write_qdc(nested, path)
    assert path.read_text(encoding="utf-8") == "mine"
    write_qdc(nested, path, overwrite=True)
    assert read_qdc(path).ids == nested.ids


def test_reads_a_codebook_from_another_program(tmp_path):
    """ATLAS.ti-style: another namespace version, code groups in Sets, 3-digit colours."""
    path = tmp_path / "atlas.qdc"
    path.write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:0:4" origin="ATLAS.ti Win 23.4.0">
  <Codes>
    <Code guid="1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" name="Coordination" isCodable="false"
          color="#46AA00">
      <Description>Parent &amp; group</Description>
      <Code guid="2FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" name="Réunions" isCodable="true"
            color="#F0A"/>
      <Code guid="3FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" name="Réunions" isCodable="true"/>
    </Code>
  </Codes>
  <Sets><Set name="group" guid="ECA18D76-2B8B-4F26-BC1D-19ECA19FB3F0">
    <MemberCode targetGUID="1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294"/></Set></Sets>
</CodeBook>""",
        encoding="utf-8",
    )
    cb = read_qdc(path)
    assert cb.ids == ["coordination", "réunions", "réunions_2"]
    assert cb["coordination"].description == "Parent & group"
    assert cb["coordination"].color == "#46aa00" and cb["réunions"].color == "#ff00aa"
    assert cb["réunions"].parent == cb["réunions_2"].parent == "coordination"


def test_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such codebook"):
        read_qdc(tmp_path / "missing.qdc")
    path = tmp_path / "project.qdc"
    path.write_text('<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>', encoding="utf-8")
    with pytest.raises(SourceFormatError, match="not a REFI-QDA codebook") as info:
        read_qdc(path)
    assert str(path) in str(info.value)
    path.write_text("<CodeBook><Codes>", encoding="utf-8")
    with pytest.raises(SourceFormatError, match="line 1"):
        read_qdc(path)
