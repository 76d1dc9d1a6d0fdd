"""Reading files: each format, and each kind of bad file skipped with its reason."""

from __future__ import annotations

import os
import zipfile

import pytest
from conftest import make_docx, make_pdf

from qa.documents import parse_document, read_document, read_folder
from qa.errors import DocumentError


def test_txt_keeps_file_text_with_universal_newlines(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"First line.\r\nSecond line.\rThird.\n")
    document = read_document(tmp_path / "a.txt", tmp_path)
    assert document.text == "First line.\nSecond line.\nThird.\n"
    assert document.doc_id == "a.txt" and document.title == "a.txt"
    assert len(document.content_hash) == 64


def test_markdown_title_is_first_heading(tmp_path):
    (tmp_path / "notes.md").write_text("Intro text.\n\n# Water projects\n\nWells were dug.\n", encoding="utf-8")
    document = read_document(tmp_path / "notes.md", tmp_path)
    assert document.title == "Water projects"
    assert "# Water projects" in document.text  # kept verbatim so offsets match the file


def test_html_visible_text_and_title():
    html = (
        b"<html><head><title>Report</title><style>p{}</style></head><body><h1>Aid</h1>"
        b"<p>Wells were <b>dug</b> in 2020.</p><script>alert(1)</script></body></html>"
    )
    document = parse_document(html, "page.html")
    assert document.title == "Report"
    assert "Wells were dug in 2020." in document.text
    assert "alert" not in document.text and "p{}" not in document.text


def test_pdf_pages_have_offsets():
    document = parse_document(make_pdf(["Page one says hello.", "Page two says goodbye."]), "r.pdf")
    second = document.text.index("Page two")
    assert document.page_at(0) == 1 and document.page_at(second) == 2


def test_docx_paragraphs_and_heading_title():
    data = make_docx([("Annual report", "Heading 1"), ("Forty wells were built.", None)])
    document = parse_document(data, "r.docx")
    assert document.title == "Annual report"
    assert "Forty wells were built." in document.text


def test_utf16_with_bom_is_decoded():
    document = parse_document("Café in Perú.\n".encode("utf-16"), "u.txt")
    assert document.text == "Café in Perú.\n"


def _zip_bomb(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (210 * 1024 * 1024))


BAD_FILES = {
    "notes.xyz": (b"some text", "unsupported file type"),
    "empty.txt": (b"", "empty file"),
    "blank.md": (b"  \n\n ", "empty file"),
    "binary.txt": (bytes(range(256)) * 4, "binary data"),
    "latin1.txt": ("Perú y café".encode("latin-1"), "not valid UTF-8"),
    "scan.pdf": (make_pdf([""]), "no text layer"),
    "broken.pdf": (b"%PDF-1.4 this is not really a pdf", "malformed PDF"),
    "broken.docx": (b"PK\x03\x04 not a zip at all", "malformed DOCX"),
}


def test_each_bad_file_is_skipped_with_its_reason_and_the_rest_indexed(tmp_path):
    (tmp_path / "good.txt").write_text("A good document about wells.", encoding="utf-8")
    for name, (data, _) in BAD_FILES.items():
        (tmp_path / name).write_bytes(data)
    _zip_bomb(tmp_path / "bomb.docx")
    outside = tmp_path.parent / "outside.txt"
    outside.write_text("secret", encoding="utf-8")
    os.symlink(outside, tmp_path / "link.txt")
    documents, skipped = read_folder(tmp_path)
    assert [d.doc_id for d in documents] == ["good.txt"]
    reasons = {s.source: s.reason for s in skipped}
    for name, (_, reason) in BAD_FILES.items():
        assert reason in reasons[name], (name, reasons[name])
    assert "zip bomb" in reasons["bomb.docx"]
    assert "symlink pointing outside" in reasons["link.txt"]


def test_oversized_file_is_refused(tmp_path):
    (tmp_path / "big.txt").write_bytes(b"word " * 1000)
    with pytest.raises(DocumentError, match="over the 0 MB limit"):
        read_document(tmp_path / "big.txt", tmp_path, max_bytes=100)


def test_missing_folder_is_an_input_error(tmp_path):
    from qa.errors import InputError

    with pytest.raises(InputError, match="not a folder"):
        read_folder(tmp_path / "nope")
