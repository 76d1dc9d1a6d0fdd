"""OCR with Tesseract (through pytesseract) for scanned PDF pages and image files, bounded in pages and pixels."""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from qa.records import DocumentError

OCR_DPI = 300
MAX_OCR_PAGES = 30  # scanned pages read per document; the rest are left out with a note
MAX_PAGE_PIXELS = 40_000_000  # a page rendered or given larger than this is read at a lower resolution
MAX_IMAGE_PIXELS = 100_000_000  # an image file larger than this is refused (a decompression bomb?)
PAGE_TIMEOUT = 180  # seconds Tesseract may spend on one page
MIN_LAYER_CHARS = 20  # a PDF page with less text than this and an image on it is read by OCR
LANGUAGES = ("eng", "spa")
INSTALL = "sudo apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-spa"


class OcrStatus(NamedTuple):
    """Whether OCR can run here, with which Tesseract languages, and a one-line reason for the status."""

    available: bool
    languages: str
    reason: str


@dataclass(frozen=True)
class OcrPage:
    """One page's OCR text and each word's [start, end) offsets in it with its pixel box (left, top, right, bottom)."""

    text: str
    words: tuple[tuple[int, int, tuple[int, int, int, int]], ...]


def _stderr_progress(source: str, done: int, total: int, seconds: float) -> None:
    if sys.stderr.isatty():
        end = "\n" if done == total else ""
        print(f"\r  OCR {source}: page {done}/{total} ({seconds:.1f}s)", end=end, file=sys.stderr, flush=True)


progress: Callable[[str, int, int, float], None] = _stderr_progress  # the app may replace it


@lru_cache(maxsize=1)
def ocr_status() -> OcrStatus:
    """Whether Tesseract and its English or Spanish data are installed (checked once)."""
    try:
        import pytesseract
    except ImportError:
        return OcrStatus(False, "", "OCR is off: pytesseract is not installed (pip install pytesseract)")
    try:
        version = pytesseract.get_tesseract_version()
        installed = set(pytesseract.get_languages(config=""))
    except Exception:  # TesseractNotFoundError, or a broken binary: OCR is off either way
        return OcrStatus(False, "", f"OCR is off: Tesseract is not installed (install it with: {INSTALL})")
    wanted = "+".join(code for code in LANGUAGES if code in installed)
    if not wanted:
        return OcrStatus(False, "", f"OCR is off: Tesseract has no English or Spanish data (install: {INSTALL})")
    return OcrStatus(True, wanted, f"OCR is on (Tesseract {version}, languages {wanted})")


def _lines(data: dict) -> list[tuple[int, int, int, list[tuple[str, tuple[int, int, int, int]]]]]:
    """Tesseract's words grouped into lines: (block, top, bottom, [(word, box)]) in reading order."""
    lines: dict[tuple[int, int, int], list] = {}
    for i, word in enumerate(data["text"]):
        word = " ".join(str(word).split())
        if word:
            left, top = data["left"][i], data["top"][i]
            box = (left, top, left + data["width"][i], top + data["height"][i])
            lines.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append((word, box))
    out = []
    for (block, _, _), words in lines.items():
        out.append((block, min(b[1] for _, b in words), max(b[3] for _, b in words), words))
    return out


def ocr_image(image) -> OcrPage:
    """Tesseract's words of an image: a line's words joined by spaces, lines by newlines, paragraphs by a blank line."""
    import pytesseract

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one thread a page is faster on a shared, small CPU
    data = pytesseract.image_to_data(
        image, lang=ocr_status().languages, output_type=pytesseract.Output.DICT, timeout=PAGE_TIMEOUT
    )
    text, words, last = "", [], None
    for block, top, bottom, line in _lines(data):  # a paragraph ends at a new block or a gap over 1.5 lines
        if last is not None:
            gap = top - last[2]
            text += "\n\n" if block != last[0] or gap > 1.5 * (last[2] - last[1]) else "\n"
        last = (block, top, bottom)
        for k, (word, box) in enumerate(line):
            text += " " if k else ""
            words.append((len(text), len(text) + len(word), box))
            text += word
    return OcrPage(text, tuple(words))


def page_scale(width_pt: float, height_pt: float) -> float:
    """Render scale (pixels per point) for OCR: 300 dpi, less for a page that would pass the pixel cap."""
    scale = OCR_DPI / 72
    pixels = width_pt * height_pt * scale * scale
    return scale if pixels <= MAX_PAGE_PIXELS else math.sqrt(MAX_PAGE_PIXELS / (width_pt * height_pt))


def ocr_pdf_page(page) -> tuple[OcrPage, float]:
    """OCR of one pypdfium2 page, rendered in grey at `page_scale`; the scale maps boxes back to points."""
    scale = page_scale(*page.get_size())
    image = page.render(scale=scale, grayscale=True).to_pil()
    return ocr_image(image), scale


def _has_image(page) -> bool:
    import pypdfium2.raw as pdfium_c

    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))


def _scanned(pdf, pages: list[str]) -> list[int]:
    """Indices of the pages with (almost) no text layer but an image on them."""
    return [i for i, text in enumerate(pages) if len(text.strip()) < MIN_LAYER_CHARS and _has_image(pdf[i])]


def _read_pages(pdf, todo: list[int], pages: list[str], source: str) -> tuple[list[str], list[str]]:
    """The pages with OCR text put in for the `todo` ones, and notes on pages read at a lower resolution."""
    out, notes, clock = list(pages), [], time.perf_counter()
    for done, i in enumerate(todo, start=1):
        try:
            page = pdf[i]
            if page_scale(*page.get_size()) < OCR_DPI / 72:
                notes.append(f"page {i + 1} is over the {MAX_PAGE_PIXELS // 10**6} MP cap; read at a lower resolution")
            out[i] = ocr_pdf_page(page)[0].text
        except RuntimeError as exc:  # pdfium failing to load the page, pytesseract's timeout, or Tesseract failing
            notes.append(f"page {i + 1} could not be read by OCR ({str(exc)[:80]})")
        progress(source, done, len(todo), time.perf_counter() - clock)
    return out, notes


def ocr_scanned_pages(data: bytes, pages: list[str], source: str) -> tuple[list[str], tuple[int, ...], tuple[str, ...]]:
    """A PDF's page texts with its scanned pages read by OCR: (pages, 1-based OCR pages, notes)."""
    if all(len(text.strip()) >= MIN_LAYER_CHARS for text in pages):
        return pages, (), ()
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:  # pdfium rejects some files pypdf could read; keep their text layer
        if any(pages):
            return pages, (), (f"scanned pages not read: the PDF cannot be rendered ({type(exc).__name__})",)
        raise DocumentError(source, f"malformed PDF ({type(exc).__name__})") from None
    try:
        try:
            todo = _scanned(pdf, pages)
        except RuntimeError as exc:  # pdfium opened the file but cannot load one of its pages
            if any(pages):
                return pages, (), (f"scanned pages not read: a page cannot be rendered ({type(exc).__name__})",)
            raise DocumentError(source, f"malformed PDF ({type(exc).__name__})") from None
        if not todo:
            return pages, (), ()
        status = ocr_status()
        if not status.available:
            if not any(pages):
                raise DocumentError(source, f"PDF has no text layer (scanned pages); {status.reason}")
            return pages, (), (f"{len(todo)} scanned pages were not read: {status.reason}",)
        notes = []
        if len(todo) > MAX_OCR_PAGES:
            notes.append(f"OCR read the first {MAX_OCR_PAGES} of {len(todo)} scanned pages (the cap per document)")
            todo = todo[:MAX_OCR_PAGES]
        out, more = _read_pages(pdf, todo, pages, source)
        return out, tuple(i + 1 for i in todo), tuple(notes + more)
    finally:
        pdf.close()
