"""Chunks: whole sentences only, bounded size, overlap, headings, offsets, lines and pages."""

from __future__ import annotations

import pytest
from conftest import make_pdf

from qa.chunking import ChunkParams, chunk_document
from qa.documents import parse_document
from qa.records import Document


def _document(text: str, doc_id: str = "d.txt", title: str = "d.txt") -> Document:
    return Document(doc_id, title, text, "hash")


def test_chunks_never_cut_a_sentence_and_respect_size():
    text = " ".join(f"Sentence number {i} talks about wells and water." for i in range(40))
    chunks = chunk_document(_document(text), ChunkParams(size=30, overlap=1))
    sentence_starts = {s.start for c in chunks for s in c.sentences}
    for chunk in chunks:
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.start in sentence_starts and chunk.text.endswith(".")
        assert len(chunk.text.split()) <= 30
    # overlap: each chunk after the first repeats the previous chunk's last sentence
    assert all(a.sentences[-1] == b.sentences[0] for a, b in zip(chunks, chunks[1:]))


def test_no_overlap_partitions_sentences():
    text = " ".join(f"Fact {i} is stated here plainly." for i in range(30))
    chunks = chunk_document(_document(text), ChunkParams(size=20, overlap=0))
    spans = [s for c in chunks for s in c.sentences]
    assert len(spans) == len(set(spans)) == 30


def test_heading_path_and_line_numbers():
    text = "Intro line one.\n\nWater Projects\n\nWells were dug in 2020.\nPumps were fixed.\n"
    chunks = chunk_document(_document(text, "notes.txt", "Field notes"), ChunkParams(size=200))
    chunk = chunks[0]
    assert chunk.line_start == 1 and chunk.line_end == 6
    assert chunk.heading_path == ("Field notes",)
    later = chunk_document(_document(text, "notes.txt", "Field notes"), ChunkParams(size=10, overlap=0))
    assert later[-1].heading_path == ("Field notes", "Water Projects")


def test_pdf_chunks_carry_their_page():
    document = parse_document(
        make_pdf(["First page talks of wells and new water pumps.", "Second page talks of pumps and old wells."]),
        "r.pdf",
    )
    chunks = chunk_document(document, ChunkParams(size=10, overlap=0))
    assert [c.page for c in chunks] == [1, 2]


def test_bad_params_are_refused_with_the_value():
    with pytest.raises(ValueError, match="Currently, it is 3"):
        ChunkParams(size=3)
