"""Chunks: whole sentences only, bounded size, overlap, headings, offsets, lines and pages."""

from __future__ import annotations

import pytest
from conftest import make_pdf, odd_texts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sentences import check_spans

from qa.ingest.chunking import ChunkParams, chunk_document
from qa.ingest.documents import parse_document
from qa.ingest.sentences import split_sentences
from qa.records import Document, InputError


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
    with pytest.raises(InputError, match="got 3"):
        ChunkParams(size=3)
    with pytest.raises(InputError, match="chunk overlap must be 0 to 4 sentences; got 5"):
        ChunkParams(overlap=5)
    with pytest.raises(InputError, match="got -1"):
        ChunkParams(overlap=-1)
    assert ChunkParams() == ChunkParams(120, 1)


def test_chunk_ids_run_on_from_first_id():
    text = " ".join(f"Fact {i} is stated here plainly." for i in range(12))
    chunks = chunk_document(_document(text), ChunkParams(size=12, overlap=0), first_id=40)
    assert [c.chunk_id for c in chunks] == list(range(40, 40 + len(chunks))) and len(chunks) > 1


def test_a_heading_opens_a_new_chunk_once_the_current_one_is_well_filled():
    body = " ".join(f"Sentence {i} is about the old wells." for i in range(4))
    text = f"{body}\n\nNew Section\n\nThe new section talks about bridges.\n"
    chunks = chunk_document(_document(text), ChunkParams(size=60, overlap=1))
    assert len(chunks) == 2
    assert chunks[1].text.startswith("New Section") and chunks[1].heading_path == ("New Section",)
    assert chunks[0].sentences[-1] not in chunks[1].sentences, "no overlap across a section break"


def test_a_file_name_title_is_not_put_in_the_heading_path():
    chunk = chunk_document(_document("Plain words here.", "dir/notes.txt", "notes.txt"), ChunkParams())[0]
    assert chunk.heading_path == () and chunk.embed_text() == "Plain words here."


def test_an_empty_document_has_no_chunks():
    assert chunk_document(_document("   \n"), ChunkParams()) == []


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(odd_texts(), st.integers(10, 40), st.integers(0, 4))
def test_chunks_slice_the_document_exactly(text, size, overlap):
    document = Document("d.txt", "Title", text, "h")
    chunks = chunk_document(document, ChunkParams(size, overlap), first_id=7)
    starts = []
    for i, chunk in enumerate(chunks):
        assert chunk.chunk_id == 7 + i
        assert chunk.text == text[chunk.start : chunk.end]
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert chunk.sentences[0].start == chunk.start and chunk.sentences[-1].end == chunk.end
        check_spans(text, chunk.sentences)
        assert 1 <= chunk.line_start <= chunk.line_end <= text.count("\n") + 1
        starts.append(chunk.start)
    assert starts == sorted(starts)
    covered = {s for chunk in chunks for s in chunk.sentences}
    assert covered == set(split_sentences(text)), "every sentence lands in a chunk"
