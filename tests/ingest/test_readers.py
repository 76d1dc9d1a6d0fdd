"""Text extraction per format (txt, md, html, pdf, docx): text, title, page offsets; only DocumentError on damage."""

from __future__ import annotations

import io
import zipfile

import pytest
from conftest import make_docx, make_pdf, odd_texts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.ingest.documents import parse_document
from qa.ingest.formats import (
    READERS,
    decode_text,
    read_docx,
    read_html,
    read_markdown,
    read_pdf,
    read_plain,
)
from qa.records import DocumentError

PROPERTY = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def test_every_suffix_has_a_reader():
    assert {".docx", ".htm", ".html", ".markdown", ".md", ".pdf", ".txt"} <= READERS.keys()


# ---- plain text and decoding ------------------------------------------------------------------------


def test_plain_text_is_the_file_with_universal_newlines():
    extracted = read_plain(b"First line.\r\nSecond line.\rThird.\n", "a.txt")
    assert extracted.text == "First line.\nSecond line.\nThird.\n"
    assert extracted.title is None and extracted.page_starts == ()


def test_utf16_with_bom_is_decoded():
    document = parse_document("Café in Perú.\n".encode("utf-16"), "u.txt")
    assert document.text == "Café in Perú.\n"


def test_utf8_bom_is_dropped():
    assert decode_text(b"\xef\xbb\xbfPer\xc3\xba", "b.txt") == "Perú"


def test_binary_and_latin1_are_refused_with_the_reason():
    with pytest.raises(DocumentError, match=r"^x.txt: binary data, not text \(contains NUL bytes\)$"):
        decode_text(b"abc\x00def", "x.txt")
    with pytest.raises(DocumentError, match=r"not valid UTF-8 text \(bad byte at offset 3\)"):
        decode_text("Perú".encode("latin-1"), "x.txt")


@settings(PROPERTY, max_examples=150)
@given(odd_texts())
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


# ---- markdown -----------------------------------------------------------------------------------


def test_markdown_is_verbatim_and_its_first_heading_is_the_title():
    text = "Intro text.\n\n## Water projects ##\n\n# Later heading\n"
    extracted = read_markdown(text.encode(), "notes.md")
    assert extracted.text == text  # kept verbatim so offsets match the file
    assert extracted.title == "Water projects"
    assert read_markdown(b"No heading here.\n", "n.md").title is None


# ---- HTML ---------------------------------------------------------------------------------------


def test_html_visible_text_and_title():
    html = (
        b"<html><head><title>Report</title><style>p{}</style></head><body><h1>Aid</h1>"
        b"<p>Wells were <b>dug</b> in 2020.</p><script>alert(1)</script></body></html>"
    )
    document = parse_document(html, "page.html")
    assert document.title == "Report"
    assert "Wells were dug in 2020." in document.text
    assert "alert" not in document.text and "p{}" not in document.text


def test_html_blocks_become_paragraphs_and_the_heading_is_the_fallback_title():
    html = b"<body><h2>Clinics  in <i>Cusco</i></h2><ul><li>One</li><li>Two</li></ul><p>Three   clinics.</p></body>"
    extracted = read_html(html, "p.htm")
    assert extracted.text == "Clinics in Cusco\n\nOne\n\nTwo\n\nThree clinics."
    assert extracted.title == "Clinics in Cusco"


def test_deeply_nested_html_is_read():
    deep = b"<div>" * 5_000 + b"Deep inside." + b"</div>" * 5_000
    assert read_html(deep, "deep.html").text == "Deep inside."


# ---- PDF ----------------------------------------------------------------------------------------


def test_pdf_pages_have_offsets():
    document = parse_document(make_pdf(["Page one says hello.", "Page two says goodbye."]), "r.pdf")
    second = document.text.index("Page two")
    assert document.page_at(0) == 1 and document.page_at(second) == 2


def test_pdf_page_starts_index_the_joined_text():
    extracted = read_pdf(make_pdf(["Alpha page.", "", "Gamma page."]), "r.pdf")
    assert extracted.page_starts == (0, 13, 15)
    assert extracted.text == "Alpha page.\n\n\n\nGamma page."
    assert extracted.text[extracted.page_starts[2] :] == "Gamma page."


def test_pdf_without_a_text_layer_or_damaged_is_refused():
    with pytest.raises(DocumentError, match="no text layer"):
        read_pdf(make_pdf([""]), "scan.pdf")
    with pytest.raises(DocumentError, match=r"malformed PDF \("):
        read_pdf(b"%PDF-1.4 this is not really a pdf", "broken.pdf")


# ---- DOCX ---------------------------------------------------------------------------------------


def test_docx_paragraphs_and_heading_title():
    data = make_docx([("Annual report", "Heading 1"), ("Forty wells were built.", None)])
    document = parse_document(data, "r.docx")
    assert document.title == "Annual report"
    assert "Forty wells were built." in document.text


def test_docx_paragraphs_are_joined_by_blank_lines_and_empty_ones_dropped():
    data = make_docx([("First   paragraph.", None), ("", None), ("Second paragraph.", None)])
    extracted = read_docx(data, "r.docx")
    assert extracted.text == "First paragraph.\n\nSecond paragraph."
    assert extracted.title is None


def _zip_with(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_docx_that_is_not_a_zip_is_refused():  # a zip bomb: see test_documents
    with pytest.raises(DocumentError, match=r"malformed DOCX \(not a valid zip archive\)"):
        read_docx(b"PK\x03\x04 not a zip at all", "broken.docx")


# ---- every reader, on damaged input -----------------------------------------------------------------

SAMPLES = {
    ".pdf": make_pdf(["Page one says hello.", "Page two."]),
    ".docx": make_docx([("Annual report", "Heading 1"), ("Forty wells were built.", None)]),
    ".html": b"<html><head><title>T</title></head><body><h1>Aid</h1><p>Wells &amp; dug.</p></body></html>",
    ".htm": b"<div><div><p>x</p></div>",
    ".txt": "Café\r\nPerú.\n".encode(),
    ".md": b"# Title\n\nBody text.\n",
    ".markdown": "\ufeff# T\n".encode(),
}


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    """A sample file damaged the way files get damaged: truncated, bytes flipped, bytes inserted."""
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
    """Random bytes, or a damaged sample for the formats this file has samples of."""
    if suffix not in SAMPLES:
        return st.binary(max_size=400)
    return st.one_of(st.binary(max_size=400), mutated(SAMPLES[suffix]))


@pytest.mark.parametrize("suffix", sorted(SAMPLES))
def test_each_undamaged_sample_reads(suffix):
    document = parse_document(SAMPLES[suffix], f"file{suffix}")
    assert document.text.strip() and document.doc_id == f"file{suffix}"


@settings(PROPERTY, max_examples=100)
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


@settings(PROPERTY, max_examples=50)
@given(st.dictionaries(st.sampled_from(["word/document.xml", "[Content_Types].xml", "_rels/.rels"]), st.binary()))
def test_arbitrary_zips_named_docx_give_a_document_or_a_one_line_document_error(entries):
    # Formerly `with suppress(DocumentError): parse_document(...)`, which checked nothing about the outcome.
    try:
        document = parse_document(_zip_with(entries), "z.docx")
    except DocumentError as exc:
        assert exc.source == "z.docx" and exc.reason and "\n" not in str(exc)
        assert str(exc) == f"z.docx: {exc.reason}"
        return
    assert document.doc_id == "z.docx" and document.text.strip() and len(document.content_hash) == 64
