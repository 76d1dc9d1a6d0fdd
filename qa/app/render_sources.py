"""HTML of the Sources panel and the document viewer; every piece of document text is escaped here."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence

from qa.app.render import NOT_FOUND_LABEL, esc, highlighted, ocr_mark, say, translation_html
from qa.records import Answer, Chunk, Citation, Document, Hit

CONTEXT_CHARS = 320  # document text shown around a quote that no retrieved passage holds
VIEW_CHARS = 200_000  # the document viewer shows at most this much text around the cited place


def _window(text: str, start: int, end: int, size: int) -> tuple[int, int]:
    """A range of about `size` characters either side of [start, end), cut at whitespace."""
    lo, hi = max(0, start - size), min(len(text), end + size)
    if lo > 0:
        space = text.find(" ", lo, start)
        lo = space + 1 if space != -1 else lo
    if hi < len(text):
        space = text.rfind(" ", end, hi)
        hi = space if space != -1 else hi
    return lo, hi


def passage(citation: Citation, passages: Sequence[Hit], document: Document | None) -> tuple[str, int, int, bool, bool]:
    """The text around a quote: (text, quote start, quote end, cut before, cut after) within that text."""
    for hit in passages:
        chunk = hit.chunk
        if chunk.doc_id == citation.source and chunk.start <= citation.start and citation.end <= chunk.end:
            start, end = citation.start - chunk.start, citation.end - chunk.start
            if chunk.text[start:end] == citation.quote:
                full = len(document.text) if document else chunk.end
                return chunk.text, start, end, chunk.start > 0, chunk.end < full
    if document is not None and document.text[citation.start : citation.end] == citation.quote:
        lo, hi = _window(document.text, citation.start, citation.end, CONTEXT_CHARS)
        return document.text[lo:hi], citation.start - lo, citation.end - lo, lo > 0, hi < len(document.text)
    return citation.quote, 0, len(citation.quote), False, False


def _card(number: str, title: str, meta: str, body: str, target: str, extra: str = "") -> str:
    return (
        f'<article class="qa-card"><header><span class="qa-num">{number}</span><div class="qa-card-head">'
        f'<div class="qa-title">{title}</div><div class="qa-meta">{meta}</div></div></header>'
        f'<blockquote class="qa-passage">{body}</blockquote>{extra}'
        f'<button class="qa-open" type="button" data-open="{target}">Open in document \u2192</button></article>'
    )


def file_meta(source: str, title: str) -> str:
    """The file name for a meta line, unless the title already is the file name."""
    return "" if title == source else f"<code>{esc(source)}</code> \u00b7 "


def _citation_card(citation: Citation, answer: Answer, documents: Mapping[str, Document]) -> str:
    text, start, end, before, after = passage(citation, answer.passages, documents.get(citation.source))
    body = ("\u2026 " if before else "") + highlighted(text, start, end) + (" \u2026" if after else "")
    meta = f"{file_meta(citation.source, citation.title)}{esc(citation.location())} \u00b7 score {citation.score:.3f}"
    meta += ocr_mark(citation.ocr)
    extra = translation_html(citation.translation, answer.language)
    return _card(str(citation.n), esc(citation.title), meta, body, f"c{citation.n}", extra)


def _hit_card(rank: int, hit: Hit, documents: Mapping[str, Document]) -> str:
    chunk = hit.chunk
    document = documents.get(chunk.doc_id)
    where = passage_location(chunk, document)
    title = document.title if document else chunk.doc_id
    ocr = ocr_mark(document is not None and document.ocr_at(chunk.start))
    meta = f"{file_meta(chunk.doc_id, title)}{esc(where)} \u00b7 score {hit.score:.3f}{ocr}"
    return _card(str(rank), esc(title), meta, esc(chunk.text), f"p{rank}")


def passage_location(chunk: Chunk, document: Document | None) -> str:
    """Where a passage is, in the document's own terms: 'slide 3', 'Sheet, rows 4-9', else 'p. 2' or 'lines 1-5'."""
    if document is None:
        return chunk.location()
    if document.kind == "slides" and chunk.page is not None:
        return f"slide {chunk.page}"
    if document.kind == "table":
        first = max(1, document.line_at(chunk.start))
        last = max(first, document.line_at(max(chunk.start, chunk.end - 1)))
        rows = f"row {first}" if first == last else f"rows {first}-{last}"
        sheet = document.sheet_at(chunk.start)
        return f"{sheet[0]}, {rows}" if sheet else rows
    return chunk.location()


def sources_placeholder() -> str:
    """The sources panel before the first answer."""
    return (
        '<div class="qa-sources qa-empty"><div class="qa-empty-icon">\u275d</div>'
        "<p>Sources appear here: each quoted sentence highlighted in its passage, "
        "with the file, line and score. Open one to read the whole document.</p></div>"
    )


def sources_html(answer: Answer, documents: Mapping[str, Document]) -> str:
    """Source cards for one answer, or the closest passages when nothing answers it."""
    head = f'<div class="qa-sources-q">{esc(answer.question)}</div>'
    if answer.found and answer.citations:
        cards = "".join(_citation_card(c, answer, documents) for c in answer.citations)
        label = f"{len(answer.citations)} source{'s' if len(answer.citations) != 1 else ''}"
        return f'<div class="qa-sources"><div class="qa-label">{label}</div>{head}{cards}</div>'
    cards = "".join(_hit_card(i, h, documents) for i, h in enumerate(answer.passages, start=1))
    none = say("No passage matched any word of the question.", answer.language)
    cards = cards or f'<p class="qa-hint">{esc(none)}</p>'
    label = esc(say(NOT_FOUND_LABEL, answer.language))
    return f'<div class="qa-sources qa-closest"><div class="qa-label">{label}</div>{head}{cards}</div>'


def document_placeholder() -> str:
    """The document panel before a source is opened."""
    return (
        '<div class="qa-doc qa-empty"><p>Choose \u201cOpen in document\u201d on a source to read the full text '
        "here, scrolled to the quoted place.</p></div>"
    )


def document_html(document: Document, spans: Sequence[tuple[int, int]], current: tuple[int, int], where: str) -> str:
    """The document's text, read-only, with each cited span marked and `current` emphasised."""
    text = document.text
    lo, hi = _window(text, current[0], current[1], VIEW_CHARS // 2) if len(text) > VIEW_CHARS else (0, len(text))
    parts, pos = [], lo
    for start, end in sorted({s for s in spans if lo <= s[0] and s[1] <= hi} | {current}):
        if start < pos:
            continue  # overlapping spans: the earlier one stays marked
        cls = ' class="qa-current"' if (start, end) == current else ""
        parts.append(f"{esc(text[pos:start])}<mark{cls}>{esc(text[start:end])}</mark>")
        pos = end
    parts.append(esc(text[pos:hi]) + ("\u2026" if hi < len(text) else ""))
    parts.insert(0, "\u2026" if lo else "")
    cut = f" \u00b7 showing characters {lo:,}\u2013{hi:,} of {len(text):,}" if (lo, hi) != (0, len(text)) else ""
    return (
        f'<div class="qa-doc"><div class="qa-doc-head"><div class="qa-title">{esc(document.title)}</div>'
        f'<div class="qa-meta">{file_meta(document.doc_id, document.title)}{esc(where)} \u00b7 '
        f"{document.line_at(len(text))} lines{cut}{ocr_mark(document.ocr_at(current[0]))}</div></div>"
        f'<div class="qa-doc-body" data-key="{secrets.token_hex(6)}">{"".join(parts)}</div></div>'
    )
