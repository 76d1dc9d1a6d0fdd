"""OCR of scanned PDF pages and image files: exact offsets, OCR pages, caps with a note, a missing Tesseract."""

from __future__ import annotations

import io
import logging
import os
import time

import pytest
from conftest import make_pdf
from format_samples import (
    DEJAVU,
    SCAN_TEXT,
    SCAN_TEXT_ES,
    merge_pdfs,
    png,
    scanned_pdf,
    scanner_noise,
    text_image,
)

from qa.ingest import ocr as formats_ocr
from qa.ingest.documents import parse_document
from qa.ingest.image import read_image
from qa.ingest.ocr import OcrStatus, ocr_status
from qa.records import Citation, Document, DocumentError
from qa.store.files import document_from_row, document_row

needs_tesseract = pytest.mark.skipif(not ocr_status().available, reason=ocr_status().reason)
OFF = OcrStatus(False, "", f"OCR is off: Tesseract is not installed (install it with: {formats_ocr.INSTALL})")


def cer(expected: str, got: str) -> float:
    """Character error rate: edit distance over the expected length, whitespace runs counted as one space."""
    a, b = " ".join(expected.split()), " ".join(got.split())
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return row[-1] / max(1, len(a))


@needs_tesseract
def test_a_scanned_pdf_is_read_at_300_dpi_with_under_2_percent_cer(capsys):
    start = time.perf_counter()
    document = parse_document(scanned_pdf(SCAN_TEXT), "scan.pdf")
    seconds = (time.perf_counter() - start) / len(SCAN_TEXT)
    pages = [document.text[s:e] for s, e in zip(document.page_starts, [*document.page_starts[1:], None])]
    rates = [cer(truth, page) for truth, page in zip(SCAN_TEXT, pages)]
    with capsys.disabled():
        print(f"\n  OCR at 300 dpi: CER {max(rates):.2%} (worst page), {seconds:.2f} s/page")
    assert max(rates) <= 0.02
    assert document.ocr_pages == (1, 2) and len(document.page_starts) == 2


@pytest.mark.slow
@needs_tesseract
@pytest.mark.skipif(not os.path.exists(DEJAVU), reason="needs fonts-dejavu-core to draw Spanish accents")
@pytest.mark.parametrize("dpi", [300, 200])
def test_noisy_english_and_spanish_scans_stay_under_2_percent_cer(dpi, capsys):
    texts = [*SCAN_TEXT, SCAN_TEXT_ES]
    images = [scanner_noise(text_image(t, dpi), seed) for seed, t in enumerate(texts)]
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    start = time.perf_counter()
    document = parse_document(out.getvalue(), "noisy.pdf")
    seconds = (time.perf_counter() - start) / len(texts)
    pages = [document.text[s:e] for s, e in zip(document.page_starts, [*document.page_starts[1:], None])]
    rates = [cer(truth, page) for truth, page in zip(texts, pages)]
    with capsys.disabled():
        print(f"\n  noisy scans at {dpi} dpi: CER mean {sum(rates) / len(rates):.2%}, worst {max(rates):.2%}; "
              f"{seconds:.2f} s/page")  # fmt: skip
    assert max(rates) <= 0.02


@needs_tesseract
def test_a_pdf_mixing_text_and_scanned_pages_gets_both():
    data = merge_pdfs(make_pdf(["A typed cover page with a proper text layer."]), scanned_pdf(SCAN_TEXT[:1]))
    document = parse_document(data, "mixed.pdf")
    assert document.text.startswith("A typed cover page with a proper text layer.")
    assert document.ocr_pages == (2,)
    at = document.text.index("48 new wells")
    assert document.page_at(at) == 2 and document.ocr_at(at) and not document.ocr_at(0)


@needs_tesseract
def test_an_image_file_is_one_ocr_page_and_a_tiff_may_hold_several():
    document = parse_document(png(SCAN_TEXT[0]), "page.png")
    assert "48 new wells" in document.text and document.ocr_pages == (1,) and document.page_starts == (0,)
    frames = [text_image(t) for t in SCAN_TEXT]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw")
    tiff = parse_document(out.getvalue(), "pages.tif")
    assert tiff.ocr_pages == (1, 2) and tiff.page_at(tiff.text.index("3,400 dollars")) == 2


@needs_tesseract
def test_ocr_pages_are_capped_with_a_note_and_progress_is_shown_per_page(monkeypatch, caplog):
    monkeypatch.setattr(formats_ocr, "MAX_OCR_PAGES", 1)
    seen = []
    monkeypatch.setattr(formats_ocr, "progress", lambda source, done, total, s: seen.append((source, done, total)))
    with caplog.at_level(logging.WARNING, logger="qa.ingest.documents"):
        document = parse_document(scanned_pdf(SCAN_TEXT), "long.pdf")
    assert document.ocr_pages == (1,) and "3,400" not in document.text
    assert seen == [("long.pdf", 1, 1)]
    assert [r.getMessage() for r in caplog.records] == [
        "long.pdf: OCR read the first 1 of 2 scanned pages (the cap per document)"
    ]


@needs_tesseract
def test_a_page_over_the_pixel_cap_is_read_at_a_lower_resolution(monkeypatch):
    monkeypatch.setattr(formats_ocr, "MAX_PAGE_PIXELS", 4_000_000)
    extracted = read_image(png(SCAN_TEXT[0]), "big.png")
    assert "48 new wells" in extracted.text  # 8.4 MP shrunk to 4 MP (about 200 dpi) still reads


def test_without_tesseract_a_scanned_pdf_is_one_line_with_the_install_command(monkeypatch):
    monkeypatch.setattr(formats_ocr, "ocr_status", lambda: OFF)
    with pytest.raises(DocumentError) as info:
        parse_document(scanned_pdf(SCAN_TEXT[:1]), "scan.pdf")
    assert "\n" not in str(info.value)
    assert str(info.value).startswith("scan.pdf: PDF has no text layer (scanned pages); OCR is off")
    assert "apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-spa" in str(info.value)
    with pytest.raises(DocumentError, match="an image needs OCR; OCR is off"):
        parse_document(png("Hello there."), "a.png")


def test_without_tesseract_a_mixed_pdf_keeps_its_text_pages_with_a_note(monkeypatch, caplog):
    monkeypatch.setattr(formats_ocr, "ocr_status", lambda: OFF)
    data = merge_pdfs(make_pdf(["A typed cover page with a proper text layer."]), scanned_pdf(SCAN_TEXT[:1]))
    with caplog.at_level(logging.WARNING, logger="qa.ingest.documents"):
        document = parse_document(data, "mixed.pdf")
    assert document.text.startswith("A typed cover page") and document.ocr_pages == ()
    assert "1 scanned pages were not read: OCR is off" in caplog.text


def test_a_pdf_with_neither_text_nor_images_still_says_no_text_layer():
    with pytest.raises(DocumentError, match="no text layer"):
        parse_document(make_pdf(["", ""]), "blank.pdf")


def test_ocr_status_says_why_when_off(monkeypatch):
    import pytesseract

    ocr_status.cache_clear()
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    try:
        status = ocr_status()
        assert not status.available and "apt-get install tesseract-ocr" in status.reason
    finally:
        ocr_status.cache_clear()


def test_ocr_fields_survive_the_store_and_old_rows_still_load():
    document = Document("s.pdf", "S", "one\n\ntwo", "h", (0, 5), kind="text", ocr_pages=(2,))
    row = document_row(document)
    assert row["ocr_pages"] == [2] and document_from_row(row) == document
    old = {"doc_id": "a.txt", "title": "A", "text": "x", "content_hash": "h", "page_starts": []}
    loaded = document_from_row(old)
    assert loaded.kind == "text" and loaded.ocr_pages == () and loaded.sheets == ()
    assert "ocr_pages" not in document_row(loaded) and "kind" not in document_row(loaded)


def test_every_citation_says_whether_it_was_read_by_ocr():
    citation = Citation(1, "s.pdf", "S", "q", 0, 1, 1, 1, 2, 0.5, ocr=True)
    assert citation.to_dict()["ocr"] is True and citation.location() == "p. 2"
    assert Citation(1, "a.txt", "A", "q", 0, 1, 3, 3, None, 0.5).to_dict()["ocr"] is False


def test_an_unchanged_file_is_not_parsed_again_when_its_document_is_known(tmp_path, monkeypatch):
    from qa.ingest import documents

    (tmp_path / "scan.png").write_bytes(png("Hello there, reader."))
    digest = documents.hashlib.sha256((tmp_path / "scan.png").read_bytes()).hexdigest()
    monkeypatch.setattr(documents, "parse_document", lambda data, source: pytest.fail("parsed again"))
    found, skipped = documents.read_folder(tmp_path, known={"scan.png": digest})
    assert found == [documents.Unchanged("scan.png", digest)] and skipped == []
