"""PowerPoint: each slide a page titled by its heading, with its text, tables and notes, cited by slide number."""

from __future__ import annotations

import io

import pytest
from format_samples import SLIDES, make_pptx

from qa.ingest import slides as formats_slides
from qa.ingest.chunking import ChunkParams, chunk_document
from qa.ingest.documents import parse_document
from qa.records import Citation, DocumentError


def test_each_slide_is_a_page_opening_with_its_title():
    document = parse_document(make_pptx(), "deck.pptx")
    assert document.kind == "slides" and len(document.page_starts) == 3
    assert document.title == "Water Program 2023"
    third = document.text[document.page_starts[2] :]
    assert third == "## Next Steps\n\nThe second phase starts in March 2024.\n\nIt adds 30 wells in Ucayali."
    assert document.page_at(document.text.index("Ana Torres")) == 2  # speaker notes belong to their slide


def test_a_slide_title_is_the_heading_of_its_chunks():
    document = parse_document(make_pptx(), "deck.pptx")
    chunks = chunk_document(document, ChunkParams(size=10, overlap=0))
    chunk = next(c for c in chunks if "March 2024" in c.text)
    assert chunk.heading_path[-1] == "Next Steps" and chunk.page == 3


def test_tables_on_slides_and_untitled_slides_are_read():
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])  # blank: no title placeholder
    table = slide.shapes.add_table(2, 2, Inches(1), Inches(1), Inches(4), Inches(1)).table
    for (r, c), text in {(0, 0): "Region", (0, 1): "Wells", (1, 0): "Loreto", (1, 1): "48"}.items():
        table.cell(r, c).text = text
    out = io.BytesIO()
    deck.save(out)
    document = parse_document(out.getvalue(), "t.pptx")
    assert document.text == "## Slide 1\n\nColumns: Region; Wells.\n\nRegion: Loreto; Wells: 48."  # rows as tables are


def test_slides_are_capped_with_a_note(monkeypatch, caplog):
    monkeypatch.setattr(formats_slides, "MAX_SLIDES", 2)
    document = parse_document(make_pptx(SLIDES), "deck.pptx")
    assert len(document.page_starts) == 2 and "capped" not in document.text
    assert caplog.messages == ["deck.pptx: only the first 2 slides were read (the cap)"]


def test_a_damaged_deck_is_one_line():
    with pytest.raises(DocumentError, match=r"^d.pptx: malformed PPTX \(not a valid zip archive\)$"):
        parse_document(b"PK\x03\x04 broken", "d.pptx")


def test_slide_citations_say_slide_n():
    assert Citation(1, "d.pptx", "D", "q", 0, 1, 7, 7, 3, 0.5, kind="slides").location() == "slide 3"
