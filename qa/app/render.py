"""HTML and Markdown for the browser app; every piece of document text is escaped here."""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path

from qa.records import Answer, Citation, Document, Hit

CONTEXT_CHARS = 320  # document text shown around a quote that no retrieved passage holds
VIEW_CHARS = 200_000  # the document viewer shows at most this much text around the cited place
NOT_FOUND_LABEL = "Closest matches (not an answer)"
_MARKER = re.compile(r"\[(\d+)\]")


def esc(text: object) -> str:
    """Text made safe to place inside HTML: it shows as characters and never as markup."""
    return html.escape(str(text), quote=True)


def highlighted(text: str, start: int, end: int) -> str:
    """`text` escaped, with [start:end] wrapped in <mark>."""
    return f"{esc(text[:start])}<mark>{esc(text[start:end])}</mark>{esc(text[end:])}"


def short_model(name: str | None) -> str:
    """'all-MiniLM-L6-v2' for 'sentence-transformers/all-MiniLM-L6-v2'; 'none' without a model."""
    return name.rstrip("/").rsplit("/", 1)[-1] if name else "none"


def loading_html(message: str = "Loading the model\u2026") -> str:
    """The status area while the app warms up."""
    return f'<div class="qa-status"><div class="qa-loading"><span class="qa-spinner"></span>{esc(message)}</div></div>'


def status_html(documents: int, chunks: int, model: str | None, mode: str, fallback: str | None) -> str:
    """Counts, model, retrieval mode, and whether the app runs in BM25-only fallback."""
    note = (
        f'<div class="qa-note qa-warn"><b>BM25-only fallback.</b> {esc(fallback)}</div>'
        if fallback
        else '<div class="qa-note qa-ok"><span class="qa-dot"></span>Ready: meaning + keyword search</div>'
    )
    return (
        '<div class="qa-status">'
        f'<div class="qa-stats"><div><b>{documents}</b><span>documents</span></div>'
        f"<div><b>{chunks}</b><span>chunks</span></div></div>"
        f'<dl class="qa-kv"><dt>Model</dt><dd>{esc(short_model(model))}</dd>'
        f"<dt>Retrieval</dt><dd>{esc(mode)}</dd></dl>{note}</div>"
    )


def question_html(question: str) -> str:
    """A user message for the chat: the question as plain text."""
    return f'<div class="qa-question">{esc(question)}</div>'


def _chip(citation: Citation) -> str:
    return (
        f'<span class="qa-chip"><b>[{citation.n}]</b> {esc(citation.title)}'
        f' <span class="qa-chip-meta">{esc(citation.location())}</span></span>'
    )


def answer_html(answer: Answer) -> str:
    """An assistant message: the answer with its [n] markers, then one chip per source."""
    if not answer.found:
        return (
            f'<div class="qa-answer qa-notfound"><p>{esc(answer.answer)}</p>'
            f'<p class="qa-hint">The closest passages are listed under Sources, marked \u201c{NOT_FOUND_LABEL}\u201d.'
            "</p></div>"
        )
    text = _MARKER.sub(r'<span class="qa-ref">[\1]</span>', esc(answer.answer))
    chips = "".join(_chip(c) for c in answer.citations)
    return f'<div class="qa-answer"><p>{text}</p><div class="qa-chips">{chips}</div></div>'


def error_html(message: str) -> str:
    """An assistant message for a question that could not be answered at all."""
    return f'<div class="qa-answer qa-notfound"><p>{esc(message)}</p></div>'


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


def _card(number: str, title: str, meta: str, body: str, target: str) -> str:
    return (
        f'<article class="qa-card"><header><span class="qa-num">{number}</span><div class="qa-card-head">'
        f'<div class="qa-title">{title}</div><div class="qa-meta">{meta}</div></div></header>'
        f'<blockquote class="qa-passage">{body}</blockquote>'
        f'<button class="qa-open" type="button" data-open="{target}">Open in document \u2192</button></article>'
    )


def _file(source: str, title: str) -> str:
    """The file name for a meta line, unless the title already is the file name."""
    return "" if title == source else f"<code>{esc(source)}</code> \u00b7 "


def _citation_card(citation: Citation, passages: Sequence[Hit], documents: Mapping[str, Document]) -> str:
    text, start, end, before, after = passage(citation, passages, documents.get(citation.source))
    body = ("\u2026 " if before else "") + highlighted(text, start, end) + (" \u2026" if after else "")
    meta = f"{_file(citation.source, citation.title)}{esc(citation.location())} \u00b7 score {citation.score:.3f}"
    return _card(str(citation.n), esc(citation.title), meta, body, f"c{citation.n}")


def _hit_card(rank: int, hit: Hit, documents: Mapping[str, Document]) -> str:
    chunk = hit.chunk
    document = documents.get(chunk.doc_id)
    where = chunk.location()
    title = document.title if document else chunk.doc_id
    meta = f"{_file(chunk.doc_id, title)}{where} \u00b7 score {hit.score:.3f}"
    return _card(str(rank), esc(title), meta, esc(chunk.text), f"p{rank}")


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
        cards = "".join(_citation_card(c, answer.passages, documents) for c in answer.citations)
        label = f"{len(answer.citations)} source{'s' if len(answer.citations) != 1 else ''}"
        return f'<div class="qa-sources"><div class="qa-label">{label}</div>{head}{cards}</div>'
    cards = "".join(_hit_card(i, h, documents) for i, h in enumerate(answer.passages, start=1))
    cards = cards or '<p class="qa-hint">No passage matched any word of the question.</p>'
    return f'<div class="qa-sources qa-closest"><div class="qa-label">{NOT_FOUND_LABEL}</div>{head}{cards}</div>'


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
        f'<div class="qa-meta">{_file(document.doc_id, document.title)}{esc(where)} \u00b7 '
        f"{document.line_at(len(text))} lines{cut}</div></div>"
        f'<div class="qa-doc-body" data-key="{secrets.token_hex(6)}">{"".join(parts)}</div></div>'
    )


def upload_html(rows: Sequence[tuple[str, str, str]]) -> str:
    """One line per uploaded file: its name, an outcome (added, updated, duplicate, rejected) and a note."""
    if not rows:
        return ""
    items = "".join(
        f'<li class="qa-up-{esc(kind)}"><b>{esc(name)}</b><span>{esc(note)}</span></li>' for name, kind, note in rows
    )
    return f'<ul class="qa-uploads">{items}</ul>'


def conversation_markdown(answers: Sequence[Answer | None]) -> str:
    """The whole conversation as Markdown, each answer followed by its numbered references."""
    body = "\n\n---\n\n".join(answer_markdown(a) for a in answers if a is not None)
    return f"# qa conversation\n\n{body}\n"


def header_html() -> str:
    """The page title and a one-line promise."""
    return (
        '<div class="qa-header"><div class="qa-logo">qa</div><div><h1>qa \u2014 ask your documents</h1>'
        "<p>Answers are sentences quoted from your files, each with a citation you can check. "
        "Everything runs on this machine.</p></div></div>"
    )


def upload_hint(suffixes: Sequence[str], max_bytes: int) -> str:
    """The accepted file types and the size limit, under the upload area."""
    kinds = " ".join(sorted({s.lstrip(".") for s in suffixes}))
    return f'<div class="qa-hint qa-upload-hint">{esc(kinds)} · up to {max_bytes // 2**20} MB each</div>'


def chat_placeholder() -> str:
    """What the empty chat shows above the example questions."""
    return (
        '<div class="qa-placeholder"><h2>What would you like to know?</h2>'
        "<p>Ask in plain language. Every answer quotes the documents and cites the file and line.</p></div>"
    )


def theme():
    """A built-in theme with system fonts only: nothing is fetched from font services."""
    import gradio as gr

    return gr.themes.Soft(
        primary_hue="indigo",
        secondary_hue="sky",
        neutral_hue="slate",
        radius_size="lg",
        font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    ).set(
        block_label_background_fill="none",
        block_label_background_fill_dark="none",
        block_label_text_color="*neutral_600",
        block_label_text_color_dark="*neutral_300",
        block_title_text_color="*neutral_700",
        block_title_text_color_dark="*neutral_200",
        block_label_text_size="*text_sm",
        block_label_padding="0 0 *spacing_sm 0",
    )


STATIC = Path(__file__).resolve().parent / "static"


def static(name: str) -> str:
    """One of the app's static files (CSS, JS snippets, the <head> fragment) as text."""
    return (STATIC / name).read_text(encoding="utf-8")


def reference(citation: Citation) -> str:
    """One reference-list line: [n] file, lines: "quote"."""
    quote = " ".join(citation.quote.split())
    return f"[{citation.n}] {citation.source}, {citation.location()}: \u201c{quote}\u201d"


def answer_markdown(answer: Answer) -> str:
    """The answer and its numbered references, as Markdown for pasting into a report."""
    lines = [f"**Q:** {answer.question}", "", answer.answer]
    if answer.citations:
        lines += ["", "References:", ""] + [f"{reference(c)}  " for c in answer.citations]
    return "\n".join(lines)
