"""The cited page as an image: a PDF page (or image file) rendered here, with the quoted sentences highlighted.

Boxes come from the PDF's text layer (pdfium), or, for a page read by OCR, from Tesseract's word boxes of the
same rendering the index was built from. Nothing is fetched from outside.
"""

from __future__ import annotations

import hashlib
import io
import math
from pathlib import Path

from qa.ingest.image import image_frames, open_image
from qa.ingest.ocr import ocr_image, ocr_pdf_page
from qa.records import Document, DocumentError, InputError

DISPLAY_SCALE = 1.5  # pixels per PDF point (108 dpi)
MAX_RENDER_PIXELS = 8_000_000
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
Box = tuple[float, float, float, float]  # left, top, right, bottom in pixels of the rendered page


def page_text_range(document: Document, page_number: int) -> tuple[int, int]:
    """[start, end) of a page's text in the document (pages are joined by one blank line)."""
    starts = document.page_starts
    if not 1 <= page_number <= len(starts):
        raise InputError(f"{document.doc_id}: no page {page_number} (it has {len(starts)})")
    end = starts[page_number] - 2 if page_number < len(starts) else len(document.text)
    return starts[page_number - 1], end


def _squeezed(text: str) -> tuple[str, list[int]]:
    """`text` without whitespace, and the index in `text` of each kept character."""
    keep = [i for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(text[i] for i in keep), keep


def find_quote(haystack: str, quote: str) -> tuple[int, int] | None:
    """[start, end) of `quote` in `haystack`, ignoring whitespace differences; None if absent."""
    flat, where = _squeezed(haystack)
    needle = "".join(quote.split())
    at = flat.find(needle) if needle else -1
    return (where[at], where[at + len(needle) - 1] + 1) if at >= 0 else None


def _local_ranges(document: Document, page_number: int, spans, page_text: str) -> list[tuple[int, int]]:
    """The spans that fall on the page, as [start, end) offsets into `page_text` (the text the boxes come from)."""
    start, end = page_text_range(document, page_number)
    stored = document.text[start:end]
    out = []
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if s >= e:
            continue
        if stored == page_text:
            out.append((s - start, e - start))
        elif found := find_quote(page_text, document.text[s:e]):
            out.append(found)
    return out


def _ocr_boxes(ocr_page, ranges: list[tuple[int, int]], ratio: float) -> list[Box]:
    """Word boxes (scaled by `ratio`) of the OCR words that overlap the ranges."""
    boxes = []
    for ws, we, (left, top, right, bottom) in ocr_page.words:
        if any(ws < e and s < we for s, e in ranges):
            boxes.append((left * ratio, top * ratio, right * ratio, bottom * ratio))
    return boxes


def _layer_boxes(page, document: Document, page_number: int, spans, scale: float) -> list[Box]:
    """Boxes of the quoted text found in the page's pdfium text layer."""
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range()
        height = page.get_height()
        boxes = []
        for s, e in _local_ranges(document, page_number, spans, text):
            for k in range(textpage.count_rects(s, e - s)):
                left, bottom, right, top = textpage.get_rect(k)
                boxes.append((left * scale, (height - top) * scale, right * scale, (height - bottom) * scale))
        return boxes
    finally:
        textpage.close()


def merge_lines(boxes: list[Box]) -> list[Box]:
    """Boxes of neighbouring words on one line joined into one box, so a sentence reads as a band."""
    lines: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: (b[1] + b[3]) / 2):
        line = lines[-1] if lines else None
        if line and abs((box[1] + box[3]) / 2 - (line[0][1] + line[0][3]) / 2) < (line[0][3] - line[0][1]) / 2:
            line.append(box)
        else:
            lines.append([box])
    out: list[Box] = []
    for line in lines:
        merged = [min(line, key=lambda b: b[0])]
        for box in sorted(line, key=lambda b: b[0])[1:]:
            left, top, right, bottom = merged[-1]
            if box[0] - right < 1.5 * max(bottom - top, 1):
                merged[-1] = (left, min(top, box[1]), max(right, box[2]), max(bottom, box[3]))
            else:
                merged.append(box)
        out += merged
    return out


def _draw(image, boxes: list[Box]):
    """The image with translucent yellow boxes over the quote."""
    from PIL import Image, ImageDraw

    base = image.convert("RGBA")
    overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for left, top, right, bottom in merge_lines(boxes):
        draw.rectangle((left - 2, top - 2, right + 2, bottom + 2), fill=(255, 220, 0, 90), outline=(230, 160, 0, 200))
    return Image.alpha_composite(base, overlay).convert("RGB")


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _render_pdf(data: bytes, page_number: int, spans, document: Document) -> tuple[object, list[Box]]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[page_number - 1]
        width, height = page.get_size()
        scale = min(DISPLAY_SCALE, math.sqrt(MAX_RENDER_PIXELS / (width * height)))
        image = page.render(scale=scale).to_pil()
        if page_number in document.ocr_pages:
            ocr_page, ocr_scale = ocr_pdf_page(page)
            ranges = _local_ranges(document, page_number, spans, ocr_page.text)
            boxes = _ocr_boxes(ocr_page, ranges, scale / ocr_scale)
        else:
            boxes = _layer_boxes(page, document, page_number, spans, scale)
        return _draw(image, boxes), boxes
    finally:
        pdf.close()


def _render_image(data: bytes, page_number: int, spans, document: Document) -> tuple[object, list[Box]]:

    frames = image_frames(open_image(data, document.doc_id), document.doc_id)
    frame = frames[page_number - 1]
    ocr_page = ocr_image(frame)
    ratio = min(1.0, math.sqrt(MAX_RENDER_PIXELS / (frame.size[0] * frame.size[1])))
    boxes = _ocr_boxes(ocr_page, _local_ranges(document, page_number, spans, ocr_page.text), ratio)
    shown = frame.resize((int(frame.size[0] * ratio), int(frame.size[1] * ratio))) if ratio < 1 else frame
    return _draw(shown, boxes), boxes


def _rendered(data: bytes, page_number: int, spans, document: Document) -> tuple[object, list[Box]]:
    """The page as an image with the spans highlighted, and the boxes drawn (none: the quote was not located)."""
    if hashlib.sha256(data).hexdigest() != document.content_hash:
        raise DocumentError(document.doc_id, "the file changed since it was indexed; index the folder again")
    page_text_range(document, page_number)
    suffix = Path(document.doc_id).suffix.lower()
    if suffix not in (".pdf", *IMAGE_SUFFIXES):
        raise InputError(f"{document.doc_id}: only PDF pages and images can be shown as a page image")
    try:
        render = _render_pdf if suffix == ".pdf" else _render_image
        return render(data, page_number, spans, document)
    except (DocumentError, InputError):
        raise
    except Exception as exc:  # pdfium, Pillow or Tesseract failing on this file
        raise DocumentError(document.doc_id, f"page {page_number} cannot be shown ({type(exc).__name__})") from None


def render_page_boxes(data: bytes, page_number: int, spans, document: Document) -> tuple[bytes, int]:
    """(PNG bytes of the page with the spans highlighted, number of boxes drawn: 0 if the quote was not located)."""
    image, boxes = _rendered(data, page_number, spans, document)
    return _png(image), len(boxes)


def render_page(data: bytes, page_number: int, spans, document: Document) -> bytes:
    """PNG bytes of page `page_number` (1-based) of the indexed file `data`, the [start, end) spans highlighted."""
    return render_page_boxes(data, page_number, spans, document)[0]


def render_quote(data: bytes, page_number: int, spans, document: Document, margin: int = 48) -> bytes:
    """PNG bytes of the band of the page around the highlighted spans (the whole page if they were not located)."""
    image, boxes = _rendered(data, page_number, spans, document)
    if boxes:
        top, bottom = min(b[1] for b in boxes) - margin, max(b[3] for b in boxes) + margin
        image = image.crop((0, max(0, int(top)), image.size[0], min(image.size[1], int(bottom))))
    return _png(image)
