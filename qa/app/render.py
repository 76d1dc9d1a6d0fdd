"""HTML and Markdown for the browser app; every piece of document text is escaped here."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.app.render_table import rows_html
from qa.lang.crosslingual import message as say
from qa.records import Answer, Citation

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


@dataclass(frozen=True)
class Status:
    """What the status area shows: counts, model, retrieval mode, why meaning search is off (or still loading),
    and why translation or OCR is unavailable (None: available)."""

    documents: int
    chunks: int
    model: str | None
    mode: str
    fallback: str | None
    translation: str | None = None
    ocr: object = None
    loading: bool = False


def status_html(status: Status) -> str:
    """Counts, model, retrieval mode, BM25-only fallback or model still loading, translation and OCR availability."""
    documents, chunks, model, mode = status.documents, status.chunks, status.model, status.mode
    fallback, translation, ocr, loading = status.fallback, status.translation, status.ocr, status.loading
    if fallback:
        note = f'<div class="qa-note qa-warn"><b>BM25-only fallback.</b> {esc(fallback)}</div>'
    elif loading:
        note = (
            '<div class="qa-note qa-loading-model"><span class="qa-spinner"></span>Keyword search ready; '
            "meaning search joins when the model has loaded\u2026</div>"
        )
    else:
        note = '<div class="qa-note qa-ok"><span class="qa-dot"></span>Ready: meaning + keyword search</div>'
    return (
        '<div class="qa-status">'
        f'<div class="qa-stats"><div><b>{documents}</b><span>documents</span></div>'
        f"<div><b>{chunks}</b><span>chunks</span></div></div>"
        f'<dl class="qa-kv"><dt>Model</dt><dd>{esc(short_model(model))}</dd>'
        f"<dt>Retrieval</dt><dd>{esc(mode)}</dd></dl>{note}{translation_status_html(translation)}"
        f"{ocr_status_html(ocr)}</div>"
    )


def ocr_status_html(ocr) -> str:
    """Whether scanned pages and images can be read by OCR (Tesseract), and if not, why and how to install it."""
    if ocr is None:
        return ""
    kind = "qa-ok" if ocr.available else "qa-warn"
    return f'<div class="qa-note {kind} qa-ocr-status">{esc(ocr.reason)}</div>'


OCR_MARK = "read by OCR: check the page"


def ocr_mark(ocr: bool) -> str:
    """A badge for text read by OCR from a scanned page or an image ('' for other text)."""
    title = "This text was read from a scanned page by OCR; compare it with the page before relying on it."
    return f' <span class="qa-ocr" title="{title}">{OCR_MARK}</span>' if ocr else ""


def translation_status_html(problem: str | None) -> str:
    """Whether questions and quotes in Spanish and English can be machine-translated, and if not, why."""
    if problem is None:
        return '<div class="qa-note qa-ok qa-mt-status">Translation English ⇄ Spanish: available (apertium)</div>'
    return f'<div class="qa-note qa-warn qa-mt-status"><b>No machine translation.</b> {esc(problem)}</div>'


def question_html(question: str) -> str:
    """A user message for the chat: the question as plain text."""
    return f'<div class="qa-question">{esc(question)}</div>'


def _chip(citation: Citation) -> str:
    return (
        f'<span class="qa-chip"><b>[{citation.n}]</b> {esc(citation.title)}'
        f' <span class="qa-chip-meta">{esc(citation.location())}</span>{ocr_mark(citation.ocr)}</span>'
    )


def translation_html(translation: str | None, language: str, marker: str = "") -> str:
    """A quote's machine translation into the question's language, labelled as such; '' for none."""
    if not translation:
        return ""
    label = esc(say("Machine translation", language) + (f" {marker}" if marker else ""))
    return (
        f'<div class="qa-translation" lang="{esc(language)}"><span class="qa-mt-label">{label}:</span> '
        f"{esc(translation)}</div>"
    )


def searched_html(answer: Answer) -> str:
    """'Searched for: …' when the query searched is not the question as asked (a follow-up resolved)."""
    if not answer.searched or answer.searched == answer.question:
        return ""
    label = esc(say("Searched for", answer.language))
    return f'<p class="qa-searched"><span class="qa-searched-label">{label}:</span> {esc(answer.searched)}</p>'


def answer_html(answer: Answer) -> str:
    """An assistant message: the answer with its [n] markers, quote translations, one chip per source."""
    searched = searched_html(answer)
    if not answer.found:
        hint = esc(say("The closest passages are listed under Sources, marked", answer.language))
        label = esc(say(NOT_FOUND_LABEL, answer.language))
        return (
            f'<div class="qa-answer qa-notfound"><p>{esc(answer.answer)}</p>{rows_html(answer)}'
            f'<p class="qa-hint">{hint} “{label}”.</p>{searched}</div>'
        )
    text = _MARKER.sub(r'<span class="qa-ref">[\1]</span>', short_bold(answer))
    translations = "".join(
        translation_html(c.translation, answer.language, f"[{c.n}]") for c in answer.citations if c.translation
    )
    chips = "".join(_chip(c) for c in answer.citations)
    rows = rows_html(answer)
    chips = f'<div class="qa-chips">{chips}</div>'
    return f'<div class="qa-answer"><p>{text}</p>{rows}{translations}{searched}{chips}</div>'


def short_bold(answer: Answer) -> str:
    """The answer text escaped, with the exact answer phrase in bold inside the first quoted sentence."""
    phrase = " ".join(answer.short.text.split()) if answer.short else ""
    first = len(" ".join(answer.citations[0].quote.split())) if answer.citations else 0
    at = answer.answer.find(phrase, 0, first) if phrase else -1
    if at < 0:
        return esc(answer.answer)
    end = at + len(phrase)
    return f"{esc(answer.answer[:at])}<strong>{esc(answer.answer[at:end])}</strong>{esc(answer.answer[end:])}"


def error_html(message: str) -> str:
    """An assistant message for a question that could not be answered at all."""
    return f'<div class="qa-answer qa-notfound"><p>{esc(message)}</p></div>'


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


def reference(citation: Citation, language: str = "en") -> str:
    """One reference-list line: [n] file, lines: "quote" (and its machine translation, labelled)."""
    quote = " ".join(citation.quote.split())
    line = f"[{citation.n}] {citation.source}, {citation.location()}: \u201c{quote}\u201d"
    if citation.ocr:
        line += f" ({OCR_MARK})"
    if citation.translation:
        line += f" ({say('machine translation', language)}: \u201c{' '.join(citation.translation.split())}\u201d)"
    return line


def answer_markdown(answer: Answer) -> str:
    """The answer and its numbered references, as Markdown for pasting into a report."""
    lines = [f"**Q:** {answer.question}", "", answer.answer]
    if answer.searched and answer.searched != answer.question:
        lines[1:1] = ["", f"*{say('Searched for', answer.language)}: {answer.searched}*"]
    if answer.citations:
        heading = say("References", answer.language)
        lines += ["", f"{heading}:", ""] + [f"{reference(c, answer.language)}  " for c in answer.citations]
    return "\n".join(lines)
