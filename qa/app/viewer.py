"""The document viewer: which place a source card opens, and the cited page as an image rendered here, inline."""

from __future__ import annotations

import base64
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from qa.app.render import esc
from qa.app.render_sources import passage_location
from qa.ingest.documents import UPLOADS
from qa.ingest.originals import OriginalUnavailable, read_original
from qa.ingest.pages import IMAGE_SUFFIXES, render_page
from qa.records import Answer, Document, QAError

PAGE_SUFFIXES = (".pdf", *IMAGE_SUFFIXES)
CACHE_SIZE = 16  # rendered pages kept, so opening the same source again is instant


@dataclass(frozen=True)
class Opened:
    """What a source card opens: the document, the cited span, all spans to mark, and where it is."""

    source: str
    current: tuple[int, int]
    spans: tuple[tuple[int, int], ...]
    where: str


@dataclass(frozen=True)
class PageRequest:
    """A page to render: an indexed document id, its 1-based page, and the spans to highlight."""

    doc_id: str
    page: int
    spans: tuple[tuple[int, int], ...]


def opened(answer: Answer | None, target: str, documents: Mapping[str, Document]) -> Opened | None:
    """The place `target` (`c<n>` a citation, `p<n>` a passage) of `answer` opens; None if there is none."""
    n = int(target[1:]) if target else 0
    if answer is None or n < 1:
        return None
    if target.startswith("c"):
        cite = next((c for c in answer.citations if c.n == n), None)
        if cite is None:
            return None
        spans = tuple((c.start, c.end) for c in answer.citations if c.source == cite.source)
        return Opened(cite.source, (cite.start, cite.end), spans, cite.location())
    if not target.startswith("p") or n > len(answer.passages):
        return None
    chunk = answer.passages[n - 1].chunk
    where = passage_location(chunk, documents.get(chunk.doc_id))
    return Opened(chunk.doc_id, (chunk.start, chunk.end), ((chunk.start, chunk.end),), where)


def page_request(document: Document, place: Opened, folder: str | None) -> tuple[PageRequest | None, str]:
    """The page to render for `place` (None for none) and the page panel's HTML meanwhile."""
    if Path(document.doc_id).suffix.lower() not in PAGE_SUFFIXES or not document.page_starts:
        return None, ""
    if document.doc_id.startswith(UPLOADS):
        return None, note_html("Uploaded through the app: the original file is not kept, so only the text is shown.")
    if not folder:
        return None, note_html("The index does not record the folder it was read from, so only the text is shown.")
    page = document.page_at(place.current[0]) or 1
    waiting = f"Rendering page {page}\u2026"
    return PageRequest(document.doc_id, page, place.spans), f'<div class="qa-page qa-page-wait">{esc(waiting)}</div>'


def note_html(message: str) -> str:
    """A one-line note in the page panel."""
    return f'<div class="qa-page qa-page-note">{esc(message)}</div>'


def page_html(png: bytes, document: Document, page: int) -> str:
    """The rendered page as an inline PNG under a caption (open; the reader may fold it away)."""
    ocr = page in document.ocr_pages
    label = f"Page {page} of the original" + (" \u00b7 read by OCR: check the page" if ocr else "")
    alt = f"Page {page} of {document.title}, the quoted sentences highlighted"
    source = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (
        f'<details class="qa-page" open><summary>{esc(label)}</summary>'
        f'<img class="qa-page-img" alt="{esc(alt)}" src="{source}"></details>'
    )


class PageImages:
    """Renders requested pages of indexed files, keeping the last few."""

    def __init__(self, size: int = CACHE_SIZE):
        self._lock, self._size = threading.Lock(), size
        self._cache: OrderedDict[tuple, str] = OrderedDict()

    def html(self, request: PageRequest, documents: Mapping[str, Document], folder: str | None) -> str:
        """The page panel for `request`: the page image, or a one-line note saying why there is none."""
        document = documents.get(request.doc_id)
        if document is None:
            return note_html("That document is no longer in the index.")
        try:
            data = read_original(folder, request.doc_id)
        except OriginalUnavailable as exc:
            return note_html(f"No page image: {exc}.")
        if hashlib.sha256(data).hexdigest() != document.content_hash:
            return note_html("No page image: the file changed since it was indexed; index the folder again.")
        key = (request, document.content_hash)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        try:
            png = render_page(data, request.page, list(request.spans), document)
        except QAError as exc:
            return note_html(f"No page image: {str(exc)[:200]}")
        except Exception as exc:  # noqa: BLE001 - a renderer failing on one file is a note, never a traceback
            return note_html(f"No page image: page {request.page} cannot be shown ({type(exc).__name__})")
        markup = page_html(png, document, request.page)
        with self._lock:
            self._cache[key] = markup
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return markup
