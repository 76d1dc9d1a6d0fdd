"""The chat over scanned PDFs, images, sheets and slides: OCR marks, OCR status, and the cited page as an image."""

from __future__ import annotations

import base64
import dataclasses
import io
import re
from pathlib import Path

import pytest
from conftest import make_pdf
from format_samples import SCAN_TEXT, make_pptx, make_xlsx, png, scanned_pdf

from qa.app import Handlers, render, render_sources, viewer
from qa.engine import Engine
from qa.ingest.documents import parse_document
from qa.ingest.ocr import OcrStatus, ocr_status
from qa.ingest.originals import OriginalUnavailable, read_original
from qa.records import Answer, Hit

pytestmark = [
    pytest.mark.skipif(not ocr_status().available, reason=ocr_status().reason),
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword is deprecated)"),
]
COST = "What was the average cost of a well?"
BRIDGE = "When did the Quibble bridge open?"
DATA_PNG = re.compile(r'<img class="qa-page-img" alt="[^"<>]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">')


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pages") / "docs"
    folder.mkdir()
    (folder / "scan.pdf").write_bytes(scanned_pdf(["", SCAN_TEXT[1]]))  # page 1 is a blank scan
    (folder / "photo.png").write_bytes(png(SCAN_TEXT[0]))
    (folder / "notes.txt").write_text("Bridge notes.\n\nThe Quibble bridge opened in 1911.\n", encoding="utf-8")
    (folder / "review.pptx").write_bytes(make_pptx())
    (folder / "beneficiaries.xlsx").write_bytes(make_xlsx())
    return folder


@pytest.fixture(scope="module")
def handlers(corpus, tmp_path_factory) -> Handlers:
    engine = Engine(tmp_path_factory.mktemp("pages") / "index")
    engine.sync(corpus)
    assert engine.index.manifest.folder == str(corpus.resolve())  # the sync records where the files are
    return Handlers(engine)


def _event(data: dict):
    import gradio as gr

    return gr.EventData(None, data)


def ask(handlers: Handlers, question: str) -> tuple[str, list, str]:
    """One exchange: (answer HTML, answers, sources HTML)."""
    history, _, pending = handlers.add_question(question, [])
    chat, answers, _, sources, *_ = handlers.respond(pending, history, [], "hybrid", 5)
    return chat[-1]["content"], answers, sources


def page_image(markup: str):
    """The PIL image inlined in the page panel's HTML."""
    from PIL import Image

    match = DATA_PNG.search(markup)
    assert match, markup[:300]
    return Image.open(io.BytesIO(base64.b64decode(match[1]))).convert("RGB")


def _pixels(image, test) -> int:
    import numpy as np

    rgb = np.asarray(image).astype(int)
    return int(test(rgb[..., 0], rgb[..., 1], rgb[..., 2]).sum())


def test_an_answer_read_by_ocr_is_marked_and_opens_its_page_as_an_image(handlers):
    reply, answers, sources = ask(handlers, COST)
    cite = answers[-1].citations[0]
    assert cite.source == "scan.pdf" and cite.page == 2 and cite.ocr and "3,400" in cite.quote
    assert render.OCR_MARK in reply and 'class="qa-ocr"' in reply  # the chip
    assert sources.count(render.OCR_MARK) >= 1 and "p. 2" in sources
    assert render.OCR_MARK in render.answer_markdown(answers[-1])
    text, _ = handlers.open_source(answers, 0, _event({"open": "c1"}))
    waiting, request = handlers.open_page(answers, 0, _event({"open": "c1"}))
    assert 'class="qa-current"' in text and render.OCR_MARK in text and "Rendering page 2" in waiting
    assert request == viewer.PageRequest("scan.pdf", 2, ((cite.start, cite.end),))
    markup = handlers.show_page(request)
    assert "Page 2 of the original" in markup and render.OCR_MARK in markup
    image = page_image(markup)
    assert image.size == (918, 1188)  # 612 x 792 points at 1.5 pixels a point
    dark = _pixels(image, lambda r, g, b: (r < 80) & (g < 80) & (b < 80))
    yellow = _pixels(image, lambda r, g, b: (r > 200) & (g > 170) & (b < 150))
    assert dark > 2000 and yellow > 1000  # page 2's scanned text (page 1 is blank), the quote highlighted
    assert handlers.show_page(request) is handlers.show_page(request)  # rendered once, then kept


def test_an_image_file_citation_shows_the_image(handlers):
    _, answers, _ = ask(handlers, "How many local technicians did the regional office train?")
    cite = answers[-1].citations[0]
    assert cite.source == "photo.png" and cite.ocr
    _, request = handlers.open_page(answers, 0, _event({"open": "c1"}))
    assert request.doc_id == "photo.png" and request.page == 1
    assert page_image(handlers.show_page(request)).size[0] > 1000


def test_a_text_document_shows_no_page_image(handlers):
    reply, answers, sources = ask(handlers, BRIDGE)
    assert answers[-1].citations[0].source == "notes.txt" and render.OCR_MARK not in reply + sources
    text, _ = handlers.open_source(answers, 0, _event({"open": "c1"}))
    page, request = handlers.open_page(answers, 0, _event({"open": "c1"}))
    assert "1911" in text and page == "" and request is None and "<img" not in text
    assert handlers.show_page(request) == handlers.show_page("scan.pdf") == {"__type__": "update"}  # skipped


def test_a_hostile_doc_id_or_path_is_refused(handlers, corpus, tmp_path):
    outside = tmp_path / "secret.pdf"
    outside.write_bytes(make_pdf(["Secret page."]))
    for doc_id in ("../secret.pdf", str(outside), "a/../../secret.pdf"):
        markup = handlers.show_page(viewer.PageRequest(doc_id, 1, ()))
        assert "no longer in the index" in markup and "<img" not in markup
        with pytest.raises(OriginalUnavailable, match="refused"):
            read_original(str(corpus), doc_id)
    root = tmp_path / "root"
    root.mkdir()
    (root / "link.pdf").symlink_to(outside)
    with pytest.raises(OriginalUnavailable, match="outside the indexed folder"):
        read_original(str(root), "link.pdf")
    document = parse_document(outside.read_bytes(), "link.pdf")  # indexed, then replaced by a link out
    markup = viewer.PageImages().html(viewer.PageRequest("link.pdf", 1, ()), {"link.pdf": document}, str(root))
    assert "outside the indexed folder" in markup and "<img" not in markup


def test_a_changed_missing_or_large_file_is_a_one_line_note(tmp_path, monkeypatch):
    data = make_pdf(["The lighthouse was built in 1887."])
    document = parse_document(data, "t.pdf")
    request, pages = viewer.PageRequest("t.pdf", 1, ((0, 10),)), viewer.PageImages()
    assert "no longer in the indexed folder" in pages.html(request, {"t.pdf": document}, str(tmp_path))
    (tmp_path / "t.pdf").write_bytes(data)
    assert "<img" in pages.html(request, {"t.pdf": document}, str(tmp_path))
    (tmp_path / "t.pdf").write_bytes(make_pdf(["Another text entirely."]))
    assert "changed since it was indexed" in pages.html(request, {"t.pdf": document}, str(tmp_path))
    monkeypatch.setattr("qa.ingest.originals.MAX_ORIGINAL_BYTES", 100)
    assert "over 0 MB" in pages.html(request, {"t.pdf": document}, str(tmp_path))
    assert "<img" not in pages.html(viewer.PageRequest("t.pdf", 9, ()), {"t.pdf": document}, str(tmp_path))


def test_uploads_and_an_index_without_its_folder_show_the_text_only():
    document = parse_document(make_pdf(["One page."]), "uploads/u.pdf")
    place = viewer.Opened("uploads/u.pdf", (0, 3), ((0, 3),), "p. 1")
    request, note = viewer.page_request(document, place, "/somewhere")
    assert request is None and "original file is not kept" in note
    document = dataclasses.replace(document, doc_id="u.pdf")
    request, note = viewer.page_request(document, place, None)
    assert request is None and "does not record the folder" in note
    request, note = viewer.page_request(document, place, "/somewhere")
    assert request == viewer.PageRequest("u.pdf", 1, ((0, 3),)) and "Rendering page 1" in note


def test_status_says_whether_ocr_is_available(handlers, monkeypatch):
    assert ocr_status().reason in handlers.status("hybrid") and "OCR is on" in handlers.status("hybrid")
    off = OcrStatus(False, "", "OCR is off: Tesseract is not installed (install it with: apt-get install x)")
    monkeypatch.setattr("qa.app.handlers.ocr_status", lambda: off)
    status = handlers.status("hybrid")
    assert 'qa-warn qa-ocr-status">OCR is off: Tesseract is not installed' in status


def test_passages_of_slides_and_sheets_say_slide_and_rows(handlers):
    index = handlers.engine.index
    hits = [Hit(c, 0.5) for c in index.chunks if c.doc_id in ("review.pptx", "beneficiaries.xlsx")]
    where = {render_sources.passage_location(h.chunk, index.documents[h.chunk.doc_id]) for h in hits}
    assert any(w.startswith("slide ") for w in where), where
    assert any(re.fullmatch(r"(Beneficiaries|Budget), rows? \d+(-\d+)?", w) for w in where), where
    assert not any(w.startswith(("lines", "p. ")) for w in where), where
    closest = Answer("Zanzibar?", "The documents do not contain an answer.", False, "hybrid", (), tuple(hits))
    cards = render_sources.sources_html(closest, index.documents)
    assert "slide " in cards and "rows " in cards


def test_the_page_caption_and_alt_text_are_escaped():
    hostile = '<script>x</script>"><img src=x onerror=alert(1)>'
    document = parse_document(make_pdf(["Text."]), "t.pdf")
    markup = viewer.page_html(b"\x89PNG", dataclasses.replace(document, title=hostile), 1)
    assert "<script" not in markup and "onerror=alert(1)>" not in markup and markup.count("<img") == 1
    assert render.esc(hostile) in markup
