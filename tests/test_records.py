"""The records passed between stages: frozen, with pages, lines, locations and the JSON shapes of the contract."""

from __future__ import annotations

import dataclasses
import json

import pytest

from qa.records import Answer, Chunk, Citation, Document, Hit, Span

TEXT = "First line.\nSecond line.\n\nFourth line."


def _chunk(**changes) -> Chunk:
    fields = dict(chunk_id=3, doc_id="a/b.txt", start=12, end=24, text="Second line.", sentences=(Span(12, 24),))
    return Chunk(**{**fields, **changes})


def _citation(**changes) -> Citation:
    fields = dict(n=1, source="b.txt", title="B", quote="Second line.", start=12, end=24, line_start=2, line_end=2,
                  page=None, score=4.25)  # fmt: skip
    return Citation(**{**fields, **changes})


def test_records_are_frozen():
    document = Document("d.txt", "d.txt", TEXT, "h")
    for record, field in ((document, "text"), (Span(0, 1), "end"), (_chunk(), "text"), (_citation(), "quote")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(record, field, None)


def test_line_at_counts_newlines_before_the_offset():
    document = Document("d.txt", "d.txt", TEXT, "h")
    assert document.line_at(0) == 1
    assert document.line_at(TEXT.index("\n")) == 1  # the newline ends line 1
    assert document.line_at(TEXT.index("Second")) == 2
    assert document.line_at(TEXT.index("Fourth")) == 4
    assert document.line_at(len(TEXT)) == 4


def test_page_at_is_one_based_and_none_without_pages():
    assert Document("d.txt", "d.txt", TEXT, "h").page_at(5) is None
    paged = Document("r.pdf", "R", "one\n\ntwo\n\nthree", "h", page_starts=(0, 5, 10))
    assert [paged.page_at(i) for i in (0, 4, 5, 9, 10, 14)] == [1, 1, 2, 2, 3, 3]


def test_embed_text_prefixes_the_heading_path():
    assert _chunk().embed_text() == "Second line."
    assert _chunk(heading_path=("Report", "Water")).embed_text() == "Report > Water\nSecond line."


def test_chunk_location_is_its_page_or_its_lines():
    assert _chunk(line_start=2, line_end=4).location() == "lines 2-4"
    assert _chunk(line_start=2, line_end=2).location() == "lines 2-2"
    assert _chunk(page=3).location() == "p. 3"


def test_citation_location_is_page_line_or_lines():
    assert _citation().location() == "line 2"
    assert _citation(line_end=5).location() == "lines 2-5"
    assert _citation(page=7, line_end=5).location() == "p. 7"


def test_hit_to_dict_is_the_passage_contract():
    hit = Hit(_chunk(heading_path=("Report",), line_start=2, line_end=2), 0.123456789)
    assert hit.to_dict() == {
        "source": "a/b.txt",
        "text": "Second line.",
        "start": 12,
        "end": 24,
        "score": 0.123457,
        "line_start": 2,
        "line_end": 2,
        "page": None,
        "heading_path": ["Report"],
    }


def test_answer_to_dict_is_json_and_nests_citations_and_passages():
    answer = Answer("Q?", "Second line. [1]", True, "hybrid", (_citation(),), (Hit(_chunk(), 1.0),))
    data = json.loads(json.dumps(answer.to_dict()))
    assert {"question", "answer", "found", "mode", "citations", "passages"} <= data.keys()
    assert (data["question"], data["answer"], data["found"], data["mode"]) == ("Q?", "Second line. [1]", True, "hybrid")
    assert data["citations"] == [dataclasses.asdict(_citation())]
    assert data["citations"][0]["quote"] == TEXT[12:24]
    assert data["passages"][0]["source"] == "a/b.txt" and data["passages"][0]["score"] == 1.0
    empty = Answer("Q?", "none", False, "bm25").to_dict()
    assert empty["citations"] == [] and empty["passages"] == [] and empty["found"] is False
