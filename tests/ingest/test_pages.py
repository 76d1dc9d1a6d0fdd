"""The cited page as an image with the quote highlighted, and the question set over scans, sheets and slides."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import make_pdf
from format_samples import SCAN_TEXT, merge_pdfs, png, scanned_pdf, write_corpus

from qa.engine import Engine
from qa.ingest.documents import parse_document
from qa.ingest.ocr import ocr_status
from qa.ingest.pages import find_quote, merge_lines, page_text_range, render_page, render_page_boxes
from qa.records import DocumentError, InputError
from qa.store.build import Build
from qa.sync.folder import sync_folder

QUESTIONS = Path(__file__).parents[1] / "data" / "formats_qa.jsonl"
needs_tesseract = pytest.mark.skipif(not ocr_status().available, reason=ocr_status().reason)
COVER = "Annual report of the rural water program, prepared by the regional office."


def _yellow(png_bytes: bytes) -> int:
    """How many pixels of the image are highlighter yellow."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png_bytes)).convert("RGB")).astype(int)
    return int(((rgb[..., 0] > 200) & (rgb[..., 1] > 170) & (rgb[..., 2] < 150)).sum())


def test_a_text_layer_page_is_rendered_with_its_quote_highlighted():
    data = make_pdf(["First page sentence here.", "The quoted sentence is on page two."])
    document = parse_document(data, "t.pdf")
    start = document.text.index("The quoted")
    image, boxes = render_page_boxes(data, 2, [(start, len(document.text))], document)
    assert image.startswith(b"\x89PNG") and boxes >= 1 and _yellow(image) > 500
    plain, none = render_page_boxes(data, 1, [(start, len(document.text))], document)  # the quote is not on page 1
    assert none == 0 and _yellow(plain) == 0


@needs_tesseract
def test_an_ocr_page_is_highlighted_from_the_word_boxes():
    data = merge_pdfs(make_pdf([COVER]), scanned_pdf(SCAN_TEXT[:1]))
    document = parse_document(data, "r.pdf")
    start = document.text.index("Each well serves")
    end = document.text.index("opened.", start) + len("opened.")
    image, boxes = render_page_boxes(data, 2, [(start, end)], document)
    assert boxes == len(document.text[start:end].split()) and _yellow(image) > 2000


@needs_tesseract
def test_an_image_file_is_shown_with_its_quote_highlighted():
    data = png(SCAN_TEXT[1])
    document = parse_document(data, "p.png")
    start = document.text.index("The average cost")
    image = render_page(data, 1, [(start, start + 40)], document)
    assert _yellow(image) > 500


def test_the_page_image_is_refused_for_a_changed_file_a_missing_page_or_another_format():
    data = make_pdf(["One page of text here."])
    document = parse_document(data, "t.pdf")
    with pytest.raises(DocumentError, match="changed since it was indexed"):
        render_page(make_pdf(["Another text."]), 1, [], document)
    with pytest.raises(InputError, match="no page 2"):
        render_page(data, 2, [], document)
    text = parse_document(b"Plain text here.", "a.txt")
    with pytest.raises(InputError, match="no page 1"):
        render_page(b"Plain text here.", 1, [], text)


def test_quotes_are_found_whatever_the_whitespace_and_boxes_merge_into_lines():
    assert find_quote("The  quick\nbrown fox.", "quick brown fox") == (5, 20)
    assert find_quote("abc", "zzz") is None
    assert merge_lines([(0, 0, 10, 10), (12, 1, 20, 10), (0, 20, 10, 30)]) == [(0, 0, 20, 10), (0, 20, 10, 30)]
    document = parse_document(make_pdf(["ab", "cd"]), "x.pdf")
    assert [document.text[slice(*page_text_range(document, n))] for n in (1, 2)] == ["ab", "cd"]


def test_a_citation_gives_the_page_holding_the_quote_even_when_its_chunk_starts_before(tmp_path, fake_model):
    folder = tmp_path / "docs"
    folder.mkdir()
    first = "The district council met in April. It discussed the budget for roads and schools."
    data = make_pdf([first, "The bridge over the Nanay river opened in May 2021."])
    (folder / "minutes.pdf").write_bytes(data)
    sync_folder(Build(tmp_path / "index", folder=folder))
    engine = Engine(tmp_path / "index")
    reply = engine.ask("When did the bridge over the Nanay river open?", mode="bm25")
    chunk = reply.passages[0].chunk
    citation = reply.citations[0]
    assert chunk.page == 1 and chunk.start < citation.start  # the chunk starts on page 1...
    assert citation.page == 2 and citation.location() == "p. 2" and not citation.ocr  # ...the quote is on page 2
    document = engine.index.document("minutes.pdf")
    assert render_page_boxes(data, citation.page, [(citation.start, citation.end)], document)[1] >= 1


@needs_tesseract
@pytest.mark.slow  # the formats question set end to end: OCR, indexing and ten answers
def test_the_question_set_is_answered_with_the_right_page_row_or_slide(tmp_path):
    write_corpus(tmp_path / "docs")
    report = sync_folder(Build(tmp_path / "index", folder=tmp_path / "docs"))
    assert report.skipped == [] and report.documents == 4
    engine = Engine(tmp_path / "index")
    misses = []
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        reply = engine.ask(case["question"])
        cited = reply.citations[0] if reply.citations else None
        got = cited and (cited.source, cited.location(), cited.ocr, case["quote_contains"] in cited.quote)
        if got != (case["source"], case["location"], case["ocr"], True):
            misses.append((case["question"], got))
        if cited:
            assert engine.index.document(cited.source).text[cited.start : cited.end] == cited.quote
    assert misses == []
