"""Property-based tests: offsets always map back to the source text, and readers fail only with DocumentError."""

from __future__ import annotations

import contextlib
import io
import zipfile

from conftest import make_docx, make_pdf
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from qa.chunking import ChunkParams, chunk_document
from qa.documents import parse_document
from qa.errors import DocumentError
from qa.formats import READERS, decode_text
from qa.records import Document
from qa.sentences import split_sentences

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text made of the pieces that trouble splitters: bullets, figures, headings, odd spaces and scripts.
PIECES = st.sampled_from(
    [
        "Wells were dug in 2020.",
        "The bridge opened",
        " ",
        "\n",
        "\n\n",
        "\r\n",
        "\r",
        "\t",
        "• ",
        "- ",
        "* ",
        "1. ",
        "2) ",
        "# ",
        "## Water projects",
        "22,295",
        "97.5%.",
        "Telephone:",
        "527-0427",
        "e.g. ",
        "Mr. Smith said so!",
        "Why?",
        "...",
        "“Quoted.”",
        "(see p. 4)",
        "café Perú",
        "水は重要です。",
        "الماء مهم.",
        "\u00a0",
        "\u2028",
        "\x0c",
        "\x85",
        "a" * 60,
        "word " * 30,
    ]
)
TEXTS = st.one_of(
    st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=40).map("".join),
    st.text(max_size=300),
)


def _check_sentences(text: str, spans) -> None:
    previous_end = 0
    for span in spans:
        body = text[span.start : span.end]
        assert 0 <= span.start < span.end <= len(text)
        assert span.start >= previous_end, "sentences overlap or are out of order"
        assert body == body.strip() and body, repr(body)
        previous_end = span.end


@FAST
@given(TEXTS)
@example("")
@example("\r\n\r\n")
@example("x" * 6000)
@example("A.\u2028B.")
def test_sentence_spans_are_stripped_sorted_and_inside_the_text(text):
    _check_sentences(text, split_sentences(text))


@FAST
@given(TEXTS, st.integers(10, 40), st.integers(0, 4))
def test_chunks_slice_the_document_exactly(text, size, overlap):
    document = Document("d.txt", "Title", text, "h")
    chunks = chunk_document(document, ChunkParams(size, overlap), first_id=7)
    starts = []
    for i, chunk in enumerate(chunks):
        assert chunk.chunk_id == 7 + i
        assert chunk.text == text[chunk.start : chunk.end]
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert chunk.sentences[0].start == chunk.start and chunk.sentences[-1].end == chunk.end
        _check_sentences(text, chunk.sentences)
        assert 1 <= chunk.line_start <= chunk.line_end <= text.count("\n") + 1
        starts.append(chunk.start)
    assert starts == sorted(starts)
    covered = {s for chunk in chunks for s in chunk.sentences}
    assert covered == set(split_sentences(text)), "every sentence lands in a chunk"


@FAST
@given(TEXTS)
def test_plain_text_offsets_match_the_file_read_with_universal_newlines(text):
    data = text.encode("utf-8")
    with io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=None) as handle:
        expected = handle.read()
    try:
        decoded = decode_text(data, "f.txt")
    except DocumentError:
        assert "\0" in text[:8192]
        return
    assert decoded == expected


def _docx_seed() -> bytes:
    return make_docx([("Annual report", "Heading 1"), ("Forty wells were built.", None)])


def _zip_with(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


SEEDS = {
    ".pdf": make_pdf(["Page one says hello.", "Page two."]),
    ".docx": _docx_seed(),
    ".html": b"<html><head><title>T</title></head><body><h1>Aid</h1><p>Wells &amp; dug.</p></body></html>",
    ".htm": b"<div><div><p>x</p></div>",
    ".txt": "Café\r\nPerú.\n".encode(),
    ".md": b"# Title\n\nBody text.\n",
    ".markdown": "\ufeff# T\n".encode(),
}


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """A seed file damaged the way files get damaged: truncated, bytes flipped, bytes inserted."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "truncate":
            del data[at:]
        elif kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif data:
            del data[at : at + draw(st.integers(1, 64))]
    return bytes(data)


def _bytes_for(suffix: str):
    return st.one_of(st.binary(max_size=400), mutated(SEEDS[suffix]))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(READERS)).flatmap(lambda s: st.tuples(st.just(s), _bytes_for(s))))
def test_readers_raise_only_document_error(case):
    suffix, data = case
    try:
        document = parse_document(data, f"file{suffix}")
    except DocumentError as exc:
        assert exc.source == f"file{suffix}" and "\n" not in str(exc)
        return
    assert document.text.strip() and len(document.content_hash) == 64
    for start in document.page_starts:
        assert 0 <= start <= len(document.text)


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.sampled_from(["word/document.xml", "[Content_Types].xml", "_rels/.rels"]), st.binary()))
def test_arbitrary_zips_named_docx_raise_only_document_error(entries):
    with contextlib.suppress(DocumentError):
        parse_document(_zip_with(entries), "z.docx")
