"""HTML of coded text and tables: highlighted spans, code colours, escaping, pseudonyms."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

import sysreview as sr
from sysreview.codebook import Code, Codebook
from sysreview.highlight import HTMLFragment, highlight, html_table

TEXT = "Roles were clear. <script>alert(1)</script> But we lost staff."


@pytest.fixture
def codebook() -> Codebook:
    return Codebook(
        [
            Code("governance", name="Governance clarity", color="#1f77b4"),
            Code("workforce", name="Workforce & skills", color="#ff7f0e"),
        ]
    )


@pytest.fixture
def corpus() -> sr.Corpus:
    segments = pd.DataFrame(
        {
            "doc_id": ["d1", "d1", "d1"],
            "segment_id": ["d1:001", "d1:002", "d1:003"],
            "speaker": ["Interviewer", "Dr Okafor", "Dr Okafor"],
            "text": ["How was it, Dr Okafor?", TEXT, "Nothing else."],
        }
    )
    documents = pd.DataFrame({"doc_id": ["d1"], "title": ["Interview with Dr Okafor"]})
    return sr.Corpus.from_segments(segments, documents=documents)


def offsets(corpus, segment_id, fragment):
    seg = corpus.segments.set_index("segment_id").loc[segment_id]
    start = int(seg["start"]) + seg["text"].index(fragment)
    return start, start + len(fragment)


@pytest.fixture
def codings(corpus) -> pd.DataFrame:
    s1, e1 = offsets(corpus, "d1:002", "Roles were clear.")
    s2, e2 = offsets(corpus, "d1:002", "clear. <script>alert(1)</script> But we lost staff.")
    return pd.DataFrame(
        {
            "segment_id": ["d1:002", "d1:002"],
            "code": ["governance", "workforce"],
            "valence": ["enabler", "barrier"],
            "start": [s1, s2],
            "end": [e1, e2],
        }
    )


def visible_text(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def test_spans_are_marked_in_code_colours_and_source_text_is_escaped(corpus, codings, codebook):
    view = highlight(corpus, codings, doc_id="d1", codebook=codebook)
    markup = view.html
    assert "<script>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    marks = re.findall(r'<mark style="([^"]*)" title="([^"]*)">(.*?)</mark>', markup)
    # "Roles were " (governance), "clear." (both), " <script>... staff." (workforce)
    assert [html.unescape(text) for _, _, text in marks] == [
        "Roles were ",
        "clear.",
        " <script>alert(1)</script> But we lost staff.",
    ]
    assert "rgba(31, 119, 180, 0.35)" in marks[0][0]  # governance blue, translucent
    assert "box-shadow: inset 0 -4px 0 #ff7f0e" in marks[1][0]  # the second code underneath
    assert "rgba(255, 127, 14, 0.35)" in marks[2][0]
    assert (
        html.unescape(marks[1][1]) == "Governance clarity · enabler; Workforce & skills · barrier"
    )
    # every segment of the document, in order, the text intact
    text = visible_text(markup)
    assert text.index("How was it") < text.index("Roles were clear.") < text.index("Nothing else.")
    assert TEXT in text
    assert "+ Governance clarity · enabler" in text and "− Workforce & skills · barrier" in text
    assert view._repr_html_() == markup


def test_pseudonymise_replaces_names_and_moves_the_spans(corpus, codings, codebook):
    s, e = offsets(corpus, "d1:001", "Dr Okafor?")
    named = pd.concat(
        [
            codings,
            pd.DataFrame(
                {
                    "segment_id": ["d1:001"],
                    "code": ["governance"],
                    "valence": ["neutral"],
                    "start": [s],
                    "end": [e],
                }
            ),
        ],
        ignore_index=True,
    )
    view = highlight(corpus, named, doc_id="d1", codebook=codebook, pseudonymise=True)
    text = visible_text(view.html)
    assert "Okafor" not in text
    assert "How was it, Person 1?" in text
    assert "d1:002 · Person 1" in text and "Interview with Person 1" in text
    marks = re.findall(r"<mark[^>]*>(.*?)</mark>", view.html)
    assert html.unescape(marks[0]) == "Person 1?"  # the coded stretch moved with the text


def test_whole_segment_codings_and_several_coders(corpus, codings, codebook):
    gold = pd.DataFrame(
        {"segment_id": ["d1:002"], "code": ["workforce"], "valence": ["neutral"], "coder": ["gold"]}
    )
    both = pd.concat([codings.assign(coder="rules"), gold], ignore_index=True)
    view = highlight(corpus, both, segment_ids=["d1:002"], codebook=codebook)
    text = visible_text(view.html)
    assert "gold: Workforce & skills · neutral" in text
    assert "rules: Governance clarity · enabler" in text
    assert "Nothing else." not in text  # only the segment asked for
    only_gold = highlight(corpus, gold, codebook=codebook)
    assert "<mark" not in only_gold.html and "gold" not in visible_text(only_gold.html)
    assert "Workforce & skills · neutral" in visible_text(only_gold.html)


def test_default_shows_coded_segments_up_to_a_limit(corpus, codings, codebook):
    more = pd.concat(
        [
            codings,
            pd.DataFrame({"segment_id": ["d1:003"], "code": ["workforce"], "valence": ["neutral"]}),
        ],
        ignore_index=True,
    )
    view = highlight(corpus, more, codebook=codebook, max_segments=1)
    text = visible_text(view.html)
    assert "Roles were clear." in text and "Nothing else." not in text and "How was it" not in text
    assert "1 more segment(s) not shown" in text


def test_bad_input_is_named(corpus, codings, codebook):
    with pytest.raises(
        ValueError, match=r"segment 'd1:002' \(governance\) has offsets 0-17, outside"
    ):
        highlight(corpus, codings.assign(start=0, end=17), codebook=codebook)
    with pytest.raises(ValueError, match="No document with doc_id 'd9'"):
        highlight(corpus, codings, doc_id="d9")
    with pytest.raises(ValueError, match="not in the corpus"):
        highlight(corpus, codings.assign(segment_id="zz"))
    with pytest.raises(TypeError, match="must be a Corpus"):
        highlight(corpus.segments, codings)


def test_html_table_escapes_and_keeps_line_breaks():
    table = pd.DataFrame(
        {"Workforce": ["1 barrier\n“<script>x</script>” (s1, barrier)", ""], "Share": [0.256, 1.0]},
        index=pd.Index(["Ashdown <b>", "Brook"], name="area"),
    )
    markup = html_table(table, float_format="{:.0%}", caption="Cells & quotes").html
    assert "<script>" not in markup and "<b>" not in markup
    assert "1 barrier<br>“&lt;script&gt;x&lt;/script&gt;” (s1, barrier)" in markup
    assert "Ashdown &lt;b&gt;" in markup and "26%" in markup and "100%" in markup
    assert "Cells &amp; quotes" in markup
    assert markup.count("<tr>") == 3  # header + two rows
    short = html_table(table, max_rows=1, index=False).html
    assert "Brook" not in short and "1 more row(s) not shown" in short


def test_save_writes_a_page_and_refuses_to_overwrite(tmp_path, corpus, codings, codebook):
    path = tmp_path / "view.html"
    view = highlight(corpus, codings, doc_id="d1", codebook=codebook)
    assert view.save(path) == path
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and view.html in page
    path.write_text("mine", encoding="utf-8")
    with pytest.raises(FileExistsError, match="already exists"):
        view.save(path)
    assert path.read_text(encoding="utf-8") == "mine"
    HTMLFragment("<p>new</p>").save(path, force=True)
    assert "<p>new</p>" in path.read_text(encoding="utf-8")
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
