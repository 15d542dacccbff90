"""Importing REFI-QDA projects as NVivo, ATLAS.ti, MAXQDA and QualCoder write them.

The fixtures are built here, file by file, following what these programs put
in their exports (as documented by the REFI-QDA standard and by the import
code and bug reports of open-source QDA tools): where the source texts live
(``Sources/`` or ``sources/``, ``internal://``, ``relative://``, bare paths,
inline ``PlainTextContent``), NVivo's empty plain-text files next to a .docx,
Windows line endings counted as one or two characters, variables on cases or
on sources, nested codes, users.
"""

from __future__ import annotations

import io
import uuid
import warnings
import zipfile
from xml.sax.saxutils import escape, quoteattr

import docx
import pandas as pd
import pytest

import sysreview as sr
from sysreview.agreement import agreement
from sysreview.exceptions import SourceFormatError, SysreviewWarning
from sysreview.exchange import read_qdpx


def guid() -> str:
    return str(uuid.uuid4()).upper()


def make_qdpx(path, qde: str, files: dict[str, bytes] | None = None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", qde.encode("utf-8"))
        for name, data in (files or {}).items():
            zf.writestr(name, data)
    return path


def project_xml(body: str, *, origin: str, name: str = "Study", extra: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<Project xmlns="urn:QDA-XML:project:1.0" name="{name}" origin="{origin}" {extra}>\n'
        f"{body}\n</Project>"
    )


def selection(text: str, part: str, users_codes, *, units=lambda i: i, named=True, nth=0) -> str:
    """A PlainTextSelection over the ``nth`` occurrence of ``part`` in ``text``."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    end = start + len(part)
    name = f" name={quoteattr(part[:40])}" if named else ""
    codings = "".join(
        f'<Coding guid="{guid()}" creatingUser="{u}"><CodeRef targetGUID="{c}"/></Coding>'
        for u, c in users_codes
    )
    return (
        f'<PlainTextSelection guid="{guid()}"{name} startPosition="{units(start)}" '
        f'endPosition="{units(end)}">{codings}</PlainTextSelection>'
    )


def vv(variable: str, value: str) -> str:
    """A VariableValue element giving ``variable`` the text ``value``."""
    return (
        f'<VariableValue><VariableRef targetGUID="{variable}"/>'
        f"<TextValue>{escape(value)}</TextValue></VariableValue>"
    )


def crlf2(text: str):
    """Offsets as a program that counts \\r\\n as two characters sees them."""
    return lambda i: i + text[:i].count("\n")


def read(path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SysreviewWarning)
        return read_qdpx(path, **kwargs)


# ------------------------------------------------------------------- NVivo
NVIVO_PARAS = [
    "Interview with the care home manager",
    "",
    "Care homes were left out of the planning meetings.",
    "We had worked together for years, so we just picked up the phone.",
    "Our café-style drop-in worked well — everyone came.",
]


@pytest.fixture
def nvivo(tmp_path):
    """NVivo: Sources/, an empty .txt next to the .docx, CRLF offsets, cases with variables."""
    ann, ben = guid(), guid()
    themes, sector, gov, rel = guid(), guid(), guid(), guid()
    var_area, var_sector, var_type = guid(), guid(), guid()
    src, txt, rich, case = guid(), guid(), guid(), guid()
    document = docx.Document()
    for p in NVIVO_PARAS:
        document.add_paragraph(p)
    buffer = io.BytesIO()
    document.save(buffer)
    text = "\n".join(NVIVO_PARAS)  # the text as NVivo counts it, with \r\n line breaks
    units = crlf2(text)
    # unnamed selections: nothing but the convention says how \r\n was counted
    selections = [
        selection(text, "Care homes were left out", [(ann, sector)], units=units, named=False),
        # one selection over two paragraphs, coded by Ben
        selection(
            text,
            "so we just picked up the phone.\nOur café",
            [(ben, rel)],
            units=units,
            named=False,
        ),
        selection(text, "everyone came", [(ann, rel), (ben, rel)], units=units, named=False),
    ]
    body = f"""
  <Users><User guid="{ann}" name="Anna Lee"/><User guid="{ben}" name="Ben Okafor"/></Users>
  <CodeBook><Codes>
    <Code guid="{themes}" name="Themes" isCodable="false">
      <Code guid="{sector}" name="Sector inclusion" isCodable="true" color="#FF0000">
        <Description>Who is at the table.</Description></Code>
      <Code guid="{gov}" name="Governance clarity" isCodable="true" color="#0F0"/>
    </Code>
    <Code guid="{rel}" name="Pre-existing relationships" isCodable="true"/>
  </Codes></CodeBook>
  <Variables>
    <Variable guid="{var_area}" name="Person:Area" typeOfVariable="Text"/>
    <Variable guid="{var_sector}" name="Person:Sector" typeOfVariable="Text"/>
    <Variable guid="{var_type}" name="Source type" typeOfVariable="Text"/>
  </Variables>
  <Cases><Case guid="{case}" name="Care home manager">
    {vv(var_area, "Ashdown Vale")}
    {vv(var_sector, "Care homes")}
    {vv(var_type, "interview")}
    <SourceRef targetGUID="{src}"/>
  </Case></Cases>
  <Sources>
    <TextSource guid="{src}" name="Care home manager" plainTextPath="internal://{txt}.txt"
                richTextPath="internal://{rich}.docx" creatingUser="{ann}">
      {"".join(selections)}
    </TextSource>
    <PictureSource guid="{guid()}" name="Site photo" path="internal://{guid()}.jpg">
      <PictureSelection guid="{guid()}" firstX="1" firstY="1" secondX="5" secondY="5">
        <Coding guid="{guid()}" creatingUser="{ann}"><CodeRef targetGUID="{gov}"/></Coding>
      </PictureSelection>
    </PictureSource>
  </Sources>
  <Notes><Note guid="{guid()}" name="Memo on access" plainTextPath="internal://{guid()}.txt"/></Notes>"""
    return make_qdpx(
        tmp_path / "nvivo.qdpx",
        project_xml(body, origin="NVivo 14"),
        {f"Sources/{txt}.txt": b"", f"Sources/{rich}.docx": buffer.getvalue()},
    )


def test_nvivo_docx_fallback_crlf_offsets_cases_and_coders(nvivo):
    with pytest.warns(SysreviewWarning, match="not imported"):
        project = read_qdpx(nvivo)
    assert project.documents["doc_id"].tolist() == ["Care home manager"]
    doc = project.documents.iloc[0]
    assert (doc.area, doc.sector, doc.source_type, doc.format) == (
        "Ashdown Vale",
        "Care homes",
        "interview",
        "docx",
    )
    text = project.text("Care home manager")
    assert text == "\n".join(NVIVO_PARAS)
    assert any("used the text of its .docx" in n for n in project.notes)
    # each Word paragraph is a segment
    assert project.segments["text"].tolist() == [p for p in NVIVO_PARAS if p]
    c = project.codings
    assert c["valence"].isna().all() and not project.has_valence
    got = sorted(zip(c.code, c.coder, c.evidence, strict=True))
    assert got == sorted(
        [
            ("sector_inclusion", "Anna Lee", "Care homes were left out"),
            ("pre_existing_relationships", "Ben Okafor", "so we just picked up the phone."),
            # Ben's two selections in the last paragraph make one coding of that segment
            ("pre_existing_relationships", "Ben Okafor", NVIVO_PARAS[4].rstrip(".")),
            ("pre_existing_relationships", "Anna Lee", "everyone came"),
        ]
    )
    assert all(text[r.start : r.end] == r.evidence for r in c.itertuples())
    # nested codes and colours
    cb = project.codebook
    assert cb["sector_inclusion"].parent == "themes" and cb["themes"].parent is None
    assert cb["sector_inclusion"].color == "#ff0000" and cb["governance_clarity"].color == "#00ff00"
    assert cb["sector_inclusion"].description == "Who is at the table."
    parts = set(project.skipped["part"])
    assert {"picture", "note"} <= parts
    assert "1 coded selection" in project.skipped.set_index("part").loc["picture", "reason"]


def test_nvivo_coder_agrees_with_sysreview_coder(nvivo):
    """Imported codings keep the coder's name, so agreement compares them directly."""
    project = read(nvivo)
    human = project.codings[project.codings.coder == "Anna Lee"]
    rules = sr.code(project.corpus, coder="rules")
    assert set(rules["coder"]) == {"rules"}
    table = agreement(pd.concat([human, rules]), segments=project.segments)
    assert "sector_inclusion" in table.index
    assert table.loc["sector_inclusion", "percent_agreement"] == 100.0  # both coded it
    assert table.loc["overall", "n_units"] > 0


# ---------------------------------------------------------------- ATLAS.ti
ATLAS_TEXT = (
    "Facilitator: What helped?\r\n\r\n"
    "P1: Clear escalation routes meant decisions were made quickly.\r\n\r\n"
    "P2: Guidance came too late and changed every week.\r\n"
)


def test_atlas_internal_sources_and_crlf_counted_once(tmp_path):
    """ATLAS.ti: lower-case sources/, internal:// names, \\r\\n counted as one character."""
    user, gov, nat, src, txt = guid(), guid(), guid(), guid(), guid()
    flat = ATLAS_TEXT.replace("\r\n", "\n")
    sels = [
        selection(flat, "Clear escalation routes", [(user, gov)], named=False),
        selection(flat, "Guidance came too late", [(user, nat)], named=False),
    ]
    body = f"""
  <Users><User guid="{user}" name="Chris"/></Users>
  <CodeBook><Codes>
    <Code guid="{gov}" name="Governance clarity" isCodable="true" color="#AABBCC"/>
    <Code guid="{nat}" name="National guidance" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{src}" name="Focus group 2.docx" plainTextPath="internal://{txt}.txt"
        richTextPath="internal://{guid()}.docx">{"".join(sels)}</TextSource>
  </Sources>
  <Sets><Set guid="{guid()}" name="Code group 1"><MemberCode targetGUID="{gov}"/></Set></Sets>"""
    path = make_qdpx(
        tmp_path / "atlas.qdpx",
        project_xml(body, origin="ATLAS.ti Windows 23.2.1"),
        {f"sources/{txt}.txt": ATLAS_TEXT.encode("utf-8")},
    )
    project = read(path)
    assert project.documents.doc_id.tolist() == ["Focus group 2"]
    assert project.documents.title.tolist() == ["Focus group 2.docx"]
    assert project.text("Focus group 2") == flat
    assert sorted(project.codings.evidence) == ["Clear escalation routes", "Guidance came too late"]
    assert set(project.codings.coder) == {"Chris"}
    # speaker turns are segments, as for any transcript
    assert project.segments.speaker.tolist() == ["Facilitator", "P1", "P2"]
    assert project.codings.segment_id.tolist() == ["Focus group 2:002", "Focus group 2:003"]
    assert "set" in set(project.skipped.part)


def test_crlf_convention_follows_the_selection_names(tmp_path):
    """A program (not ATLAS.ti) that counts \\r\\n once: the names show it."""
    user, code, src, txt = guid(), guid(), guid(), guid()
    flat = ATLAS_TEXT.replace("\r\n", "\n")
    sels = [selection(flat, part, [(user, code)]) for part in ("Clear escalation", "Guidance came")]
    body = f"""
  <Users><User guid="{user}" name="Dee"/></Users>
  <CodeBook><Codes><Code guid="{code}" name="Pace" isCodable="true"/></Codes></CodeBook>
  <Sources><TextSource guid="{src}" name="fg" plainTextPath="internal://{txt}.txt">{"".join(sels)}
  </TextSource></Sources>"""
    path = make_qdpx(
        tmp_path / "other.qdpx",
        project_xml(body, origin="Some QDA 1.0"),
        {f"Sources/{txt}.txt": ATLAS_TEXT.encode("utf-8")},
    )
    assert sorted(read(path).codings.evidence) == ["Clear escalation", "Guidance came"]
    # forcing the other convention shifts the spans: the choice matters
    forced = read(path, offsets="crlf2").codings
    assert sorted(forced.evidence) != ["Clear escalation", "Guidance came"]
    with pytest.raises(ValueError, match="`offsets` must be one of"):
        read_qdpx(path, offsets="bytes")


# ------------------------------------------------------------------ MAXQDA
def test_maxqda_inline_text_source_variables_and_valence_children(tmp_path):
    """MAXQDA-style: inline PlainTextContent, variables on the source, valence child codes."""
    user, work, w_en, w_ba, w_ne = guid(), guid(), guid(), guid(), guid()
    src, var_area, var_type, case = guid(), guid(), guid(), guid()
    text = (
        "We were short of staff all winter.\n\n"
        "New roles spanning organisations helped.\n\nNo comment."
    )
    sels = [
        selection(text, "short of staff", [(user, w_ba)]),
        selection(text, "New roles spanning organisations helped", [(user, w_en)]),
        selection(text, "No comment", [(user, work)]),  # the code itself: no valence
    ]
    memo = (
        f'<PlainTextSelection guid="{guid()}" startPosition="0" endPosition="2">'
        "<Description>Check this with the team</Description></PlainTextSelection>"
    )
    to_case = selection(text, "winter", [(user, case)])  # a coding of a case, not a code
    body = f"""
  <Users><User guid="{user}" name="Eva Müller"/></Users>
  <CodeBook><Codes>
    <Code guid="{work}" name="Workforce" isCodable="true" color="#123456">
      <Code guid="{w_en}" name="enabler" isCodable="true"/>
      <Code guid="{w_ba}" name="barrier" isCodable="true"/>
      <Code guid="{w_ne}" name="neutral" isCodable="true"/>
    </Code>
  </Codes></CodeBook>
  <Variables>
    <Variable guid="{var_area}" name="Area" typeOfVariable="Text"/>
    <Variable guid="{var_type}" name="Source type" typeOfVariable="Text"/>
  </Variables>
  <Cases><Case guid="{case}">
    {vv(var_type, "review report")}
    <SourceRef targetGUID="{src}"/>
  </Case></Cases>
  <Sources>
    <TextSource guid="{src}" name="Workforce report">
      <PlainTextContent>{escape(text)}</PlainTextContent>
      {"".join(sels)}{memo}{to_case}
      {vv(var_area, "Kestrel Downs")}
    </TextSource>
  </Sources>"""
    path = make_qdpx(tmp_path / "maxqda.qdpx", project_xml(body, origin="MAXQDA 2022"))
    project = read(path)
    assert project.has_valence
    assert project.codebook.ids == ["workforce"]  # the valence children are not codes
    doc = project.documents.iloc[0]
    assert (doc.area, doc.source_type) == ("Kestrel Downs", "review report")
    got = dict(zip(project.codings.evidence, project.codings.valence, strict=True))
    assert got["short of staff"] == "barrier"
    assert got["New roles spanning organisations helped"] == "enabler"
    assert pd.isna(got["No comment"])
    assert set(project.codings.coder) == {"Eva Müller"}
    reasons = " ".join(project.skipped.reason)
    assert "memo but no code" in reasons and "not a code of the codebook" in reasons


# --------------------------------------------------------------- QualCoder
def test_qualcoder_relative_bare_and_absolute_paths(tmp_path):
    user, code, s1, s2, s3 = guid(), guid(), guid(), guid(), guid()
    interview = "The pooled budget let us commission home care jointly."
    notes = "Every organisation was protecting its own priorities."
    secret = "Healthwatch gave strong input."
    body = f"""
  <Users><User guid="{user}" name="default"/></Users>
  <CodeBook><Codes><Code guid="{code}" name="Funding" isCodable="true"/></Codes></CodeBook>
  <Sources>
    <TextSource guid="{s1}" name="interview3.txt" plainTextPath="relative://interview3.txt">
      {selection(interview, "pooled budget", [(user, code)])}</TextSource>
    <TextSource guid="{s2}" name="notes" plainTextPath="notes.txt">
      {selection(notes, "own priorities", [(user, code)])}</TextSource>
    <TextSource guid="{s3}" name="elsewhere" plainTextPath="absolute:///home/someone/secret.txt"/>
  </Sources>"""
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "interview3.txt").write_text(interview, encoding="utf-8")  # next to the .qdpx
    path = make_qdpx(
        folder / "qualcoder.qdpx",
        project_xml(body, origin="QualCoder 3.5", extra='basePath="/home/someone/project"'),
        {"notes.txt": notes.encode("utf-8")},
    )
    project = read(path)
    assert project.documents.doc_id.tolist() == ["interview3", "notes"]
    assert sorted(project.codings.evidence) == ["own priorities", "pooled budget"]
    row = project.skipped.set_index("name").loc["elsewhere"]
    assert "base_path" in row.reason  # says what to do
    outside = tmp_path / "external"
    outside.mkdir()
    (outside / "secret.txt").write_text(secret, encoding="utf-8")
    again = read(path, base_path=outside)
    assert again.text("elsewhere") == secret


def test_sources_that_cannot_be_read_are_reported(tmp_path):
    src = guid()
    body = f"""<Sources>
    <TextSource guid="{src}" name="missing" plainTextPath="internal://{guid()}.txt"/>
    <AudioSource guid="{guid()}" name="interview.m4a" path="internal://{guid()}.m4a"/>
    <VideoSource guid="{guid()}" name="meeting.mp4" path="relative:///x.mp4"/>
    <PDFSource guid="{guid()}" name="report.pdf" path="internal://{guid()}.pdf"/>
  </Sources>"""
    path = make_qdpx(tmp_path / "p.qdpx", project_xml(body, origin="x"))
    with pytest.warns(SysreviewWarning, match="see project.skipped"):
        project = read_qdpx(path)
    assert project.documents.empty and project.codings.empty
    skipped = project.skipped.set_index("name")
    assert "not in the archive" in skipped.loc["missing", "reason"]
    assert {"audio", "video", "PDF"} <= set(project.skipped.part)
    assert "<QdaProject" in repr(project)


def test_a_corrupt_docx_is_reported_and_the_rest_imported(tmp_path):
    good, bad = guid(), guid()
    body = f"""<Sources>
    <TextSource guid="{good}" name="fine">
      <PlainTextContent>Some text.</PlainTextContent></TextSource>
    <TextSource guid="{bad}" name="broken" plainTextPath="internal://{bad}.txt"
        richTextPath="internal://{bad}.docx"/></Sources>"""
    path = make_qdpx(
        tmp_path / "p.qdpx",
        project_xml(body, origin="NVivo"),
        {f"Sources/{bad}.txt": b"", f"Sources/{bad}.docx": b"PK\x03\x04 not really a docx"},
    )
    project = read(path)
    assert project.documents.doc_id.tolist() == ["fine"]
    reason = project.skipped.set_index("name").loc["broken", "reason"]
    assert "is empty" in reason and "cannot be read" in reason


def test_pdf_text_representation_is_imported(tmp_path):
    user, code, pdf, rep = guid(), guid(), guid(), guid()
    text = "Delayed discharges built up."
    body = f"""
  <Users><User guid="{user}" name="Fay"/></Users>
  <CodeBook><Codes><Code guid="{code}" name="Service design" isCodable="true"/></Codes></CodeBook>
  <Sources><PDFSource guid="{pdf}" name="Review.pdf" path="internal://{pdf}.pdf">
    <PDFSelection guid="{guid()}" page="1" firstX="0" firstY="0" secondX="9" secondY="9"/>
    <Representation guid="{rep}" plainTextPath="internal://{rep}.txt">
      {selection(text, "Delayed discharges", [(user, code)])}</Representation>
  </PDFSource></Sources>"""
    path = make_qdpx(
        tmp_path / "pdf.qdpx", project_xml(body, origin="x"), {f"sources/{rep}.txt": text.encode()}
    )
    project = read(path)
    assert project.documents.format.tolist() == ["pdf"]
    assert project.codings.evidence.tolist() == ["Delayed discharges"]
    assert "PDF selections" in set(project.skipped.part)


def test_not_a_project(tmp_path):
    path = tmp_path / "x.qdpx"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(SourceFormatError, match="not a valid zip"):
        read_qdpx(path)
    make_qdpx(path, "<CodeBook/>")
    with pytest.raises(SourceFormatError, match="not <Project>"):
        read_qdpx(path)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(SourceFormatError, match="no project.qde"):
        read_qdpx(path)
    make_qdpx(path, "<Project name='x'><Users>")
    with pytest.raises(SourceFormatError, match="well-formed"):
        read_qdpx(path)
