"""Bad reports get one line each: none of its citations found, binary, damaged, too large, of an unknown kind."""

from __future__ import annotations

import io
import zipfile

import pytest
from conftest import make_docx, tiny_index

from qa.records import InputError
from qa.report.read import MAX_REPORT_BYTES, read_report, report_citations
from qa.report.verify import verify_citations


def test_a_docx_reports_footnotes_and_body_quotes_are_read():
    data = make_docx([("The notes say \u201cwells serve 300 families\u201d (wells.txt, line 1).", None)])
    [found] = report_citations(data, "notes.docx")
    assert (found.quote, found.source, found.place.line_start) == ("wells serve 300 families", "wells.txt", 1)


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("binary.md", b"\x00\x01\x02 not text", "not a readable report (binary data"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "not a readable report (malformed DOCX"),
    ],
)
def test_unreadable_reports_are_one_input_error(name, data, message):
    with pytest.raises(InputError, match=r"^" + name.replace(".", r"\.") + ": " + message.replace("(", r"\(")):
        report_citations(data, name)


def test_a_zip_bomb_docx_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"0" * (201 * 2**20))
    with pytest.raises(InputError, match="zip bomb"):
        report_citations(buffer.getvalue(), "bomb.docx")


def test_missing_large_and_unknown_files_are_refused_before_reading(tmp_path):
    big = tmp_path / "big.md"
    with big.open("wb") as handle:
        handle.truncate(50 * 2**20)  # a 50 MB report (sparse: nothing is written)
    with pytest.raises(InputError, match=f"50.0 MB, over the {MAX_REPORT_BYTES // 2**20} MB limit"):
        read_report(big)
    with pytest.raises(InputError, match="no such file"):
        read_report(tmp_path / "none.md")
    (tmp_path / "r.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(InputError, match="cannot read a report of type '.pdf'"):
        read_report(tmp_path / "r.pdf")


def test_a_broken_or_unknown_reference_is_unknown_with_a_note():
    index = tiny_index(["Wells serve 300 families."], doc_ids=["wells.txt"])
    citations = report_citations(
        b'"Wells serve 300 families." (wells.txt, chapter nine) and "x y" (other.txt, line 2)', "r.md"
    )
    broken, unknown = verify_citations(citations, index)
    assert broken.status == unknown.status == "unknown"
    assert broken.note == "wells.txt: cannot read the place 'chapter nine'"
    assert unknown.note == "other.txt: no such document in the index"


def test_a_document_without_a_folder_is_checked_against_its_indexed_text():
    index = tiny_index(["Wells serve 300 families. The bridge opened."], doc_ids=["uploads/wells.txt"])
    [check] = verify_citations(report_citations(b'"The bridge opened." (wells.txt, line 1)', "r.md"), index)
    assert check.status == "ok" and check.now.source == "uploads/wells.txt" and check.now.place.start == 26
