"""Readers for text, Markdown, HTML, PDF (text layer, scanned pages by OCR) and DOCX; failures are DocumentErrors."""

from __future__ import annotations

import io
import re

from qa.ingest.extracted import Extracted, check_zip, decode_text, join_pages
from qa.ingest.html_tables import TableCollector
from qa.ingest.ocr import ocr_scanned_pages
from qa.ingest.tables import table_lines
from qa.records import DocumentError

BLOCK_TAGS = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "title",
    "tr",
    "ul",
]
_BLOCKS = frozenset(BLOCK_TAGS)
HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "title"})
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def read_plain(data: bytes, source: str) -> Extracted:
    """Plain text: the file itself, so offsets index the file read with universal newlines."""
    return Extracted(decode_text(data, source))


def read_markdown(data: bytes, source: str) -> Extracted:
    """Markdown is kept verbatim (offsets stay true to the file); the first heading is the title."""
    text = decode_text(data, source)
    match = _MD_HEADING.search(text)
    return Extracted(text, match.group(1) if match else None)


class _HtmlText:
    """An lxml parser target: visible text, first title and first h1/h2 in one pass, at any nesting depth."""

    def __init__(self):
        self.parts: list[str] = []
        self.stack: list[str] = []
        self.hidden = 0
        self.found: dict[str, list[str]] = {}  # "title" / "heading" -> its text pieces
        self.open: dict[str, int] = {}  # captures in progress -> depth of their tag
        self.table = TableCollector()  # the table being read, a line a row

    def start(self, tag, attrib) -> None:
        tag = tag.lower() if isinstance(tag, str) else ""
        self.stack.append(tag)
        kind = "title" if tag == "title" else "heading" if tag in ("h1", "h2") else None
        if kind and kind not in self.found:
            self.found[kind], self.open[kind] = [], len(self.stack)
        self.hidden += tag in HIDDEN_TAGS
        if tag == "table" or self.table.depth:
            self.table.start(tag, attrib)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def end(self, tag) -> None:
        tag = self.stack.pop() if self.stack else ""
        self.open = {kind: depth for kind, depth in self.open.items() if depth <= len(self.stack)}
        self.hidden -= tag in HIDDEN_TAGS
        if self.table.depth:
            lines = self.table.end(tag)
            if lines is not None:
                self.parts.append("\n" + "\n".join(lines) + "\n")
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def data(self, text: str) -> None:
        if "title" in self.open:
            self.found["title"].append(text)
        if not self.hidden and self.table.depth:
            self.table.data(text)
        elif not self.hidden:
            self.parts.append(text)
            if "heading" in self.open:
                self.found["heading"].append(text)

    def close(self) -> _HtmlText:
        return self

    def text_of(self, kind: str) -> str | None:
        return " ".join("".join(self.found.get(kind, ())).split()) or None


def read_html(data: bytes, source: str) -> Extracted:
    """Visible text of an HTML page, one line per block element; linear in size, whatever the nesting."""
    from bs4.dammit import UnicodeDammit
    from lxml import etree

    markup = UnicodeDammit(data, is_html=True).unicode_markup
    if markup is None:
        raise DocumentError(source, "HTML in an unknown text encoding")
    parser = etree.HTMLParser(target=_HtmlText(), recover=True)
    try:
        parser.feed(markup)
        page = parser.close()
    except (etree.LxmlError, ValueError) as exc:
        raise DocumentError(source, f"malformed HTML ({type(exc).__name__})") from None
    lines = (" ".join(line.split()) for line in "".join(page.parts).splitlines())
    text = "\n\n".join(line for line in lines if line)
    return Extracted(text, page.text_of("title") or page.text_of("heading"))


def read_pdf(data: bytes, source: str) -> Extracted:
    """The text layer of a PDF, page by page; scanned pages are read by OCR (qa.formats_ocr)."""
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged files are reported once, by us
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DocumentError(source, "PDF is encrypted")
        pages = [(page.extract_text() or "").replace("\r\n", "\n").strip() for page in reader.pages]
        title = (reader.metadata or {}).get("/Title") if reader.metadata else None
    except DocumentError:
        raise
    except Exception as exc:  # pypdf raises many types (its own, ValueError, KeyError, zlib...) for damaged files
        raise DocumentError(source, f"malformed PDF ({type(exc).__name__})") from None
    pages, ocr_pages, notes = ocr_scanned_pages(data, pages, source)
    if not any(pages):
        raise DocumentError(source, "PDF has no text layer, and no scanned page with text to read by OCR")
    text, starts = join_pages(pages)
    return Extracted(text, str(title) if title else None, starts, ocr_pages=ocr_pages, notes=notes)


def read_docx(data: bytes, source: str) -> Extracted:
    """Paragraphs and tables (a line a row) of a Word document; the first Title/Heading paragraph is the title."""
    check_zip(data, source)
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for damaged files
        raise DocumentError(source, f"malformed DOCX ({type(exc).__name__})") from None
    title = document.core_properties.title or None
    paragraphs = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            rows = [[" ".join(cell.text.split()) for cell in row.cells] for row in block.rows]
            paragraphs += [line for line in table_lines(rows) if line]
            continue
        text = " ".join(block.text.split())
        if not text:
            continue
        style = (block.style.name if block.style is not None else "") or ""
        if title is None and (style == "Title" or style.startswith("Heading")):
            title = text
        paragraphs.append(text)
    return Extracted("\n\n".join(paragraphs), title)
