"""PowerPoint slides: each slide is a page that opens with its title as a heading, then its text, tables and notes."""

from __future__ import annotations

import io
import re

from qa.ingest.extracted import Extracted, check_zip, join_pages
from qa.ingest.tables import table_lines
from qa.records import DocumentError

MAX_SLIDES = 500
MAX_SHAPE_DEPTH = 5  # groups nested deeper than this are not read
_TERMINAL = re.compile(r"[.!?…:;]$")


def _line(text: str) -> str:
    """A bullet or cell text as a sentence of its own: spaces collapsed, a full stop added when it has none."""
    text = " ".join(text.split())
    return text if not text or _TERMINAL.search(text) else text + "."


def _position(shape) -> tuple[int, int]:
    return (shape.top or 0, shape.left or 0)


def _shape_lines(shape, depth: int = 0) -> list[str]:
    """The paragraphs of a text shape, the rows of a table ('Header: value; ...'), or the lines of a group's shapes."""
    if getattr(shape, "shape_type", None) == 6 and depth < MAX_SHAPE_DEPTH:  # MSO_SHAPE_TYPE.GROUP
        return [line for child in sorted(shape.shapes, key=_position) for line in _shape_lines(child, depth + 1)]
    if getattr(shape, "has_table", False):
        rows = [[" ".join(cell.text.split()) for cell in row.cells] for row in shape.table.rows]
        return [line for line in table_lines(rows) if line]
    if getattr(shape, "has_text_frame", False):
        return [_line(p.text) for p in shape.text_frame.paragraphs if p.text.strip()]
    return []


def _title(slide) -> str:
    shape = slide.shapes.title
    return " ".join(shape.text_frame.text.split()) if shape is not None and shape.has_text_frame else ""


def slide_text(slide, number: int) -> tuple[str, str]:
    """(title, text) of one slide: '## title', then one block per paragraph or table row, then 'Notes: ...'."""
    title = _title(slide)
    heading = title.rstrip(".!?…:;") or f"Slide {number}"
    lines = [f"## {heading}"]
    title_id = slide.shapes.title.shape_id if slide.shapes.title is not None else None
    for shape in sorted(slide.shapes, key=_position):
        if shape.shape_id != title_id:
            lines += _shape_lines(shape)
    if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
        notes = " ".join(slide.notes_slide.notes_text_frame.text.split())
        if notes:
            lines.append(_line("Notes: " + notes))
    return title, "\n\n".join(lines)


def read_pptx(data: bytes, source: str) -> Extracted:
    """A PowerPoint deck: each slide a page (cited as 'slide n'), titled by its first slide's title."""
    check_zip(data, source, "PPTX")
    from pptx import Presentation

    notes: list[str] = []
    try:
        deck = Presentation(io.BytesIO(data))
        pages, titles = [], []
        for number, slide in enumerate(deck.slides, start=1):
            if number > MAX_SLIDES:
                notes.append(f"only the first {MAX_SLIDES} slides were read (the cap)")
                break
            title, text = slide_text(slide, number)
            titles.append(title)
            pages.append(text)
        title = deck.core_properties.title or next((t for t in titles if t), None)
    except Exception as exc:  # python-pptx raises many types for damaged files
        raise DocumentError(source, f"malformed PPTX ({type(exc).__name__})") from None
    text, starts = join_pages(pages)
    return Extracted(text, title, starts, kind="slides", notes=tuple(notes))
