"""A report as Markdown: each answer with footnote markers, its footnotes after it, then the sources."""

from __future__ import annotations

from qa.lang.crosslingual import message
from qa.records import Citation
from qa.report.build import Report
from qa.report.references import footnote_text

INTRO = (
    "Each quote is followed by its source: the file, the place in it, the document's SHA-256 and the quote's "
    "characters. `qa verify {name}` checks every citation against the documents as they are now."
)
OCR_NOTE = "read by OCR: check the page"


def footnote_tail(citation: Citation, language: str) -> str:
    """What follows a footnote's reference: the OCR note and a labelled machine translation, if any."""
    tail = f"; {OCR_NOTE}" if citation.ocr else ""
    if citation.translation:
        tail += f". {message('Machine translation', language)}: \u201c{' '.join(citation.translation.split())}\u201d"
    return tail


def source_rows(report: Report) -> list[str]:
    rows = ["| document | file | SHA-256 | indexed |", "| --- | --- | --- | --- |"]
    for s in report.sources:
        indexed = " ".join(filter(None, [s.indexed, f"({s.index_version})" if s.index_version else None]))
        rows.append(f"| {_cell(s.title)} | `{_cell(s.path)}` | `{s.sha256 or '?'}` | {indexed or '?'} |")
    return rows


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def markdown(report: Report, name: str = "REPORT.md") -> str:
    """The whole report as Markdown text."""
    lines = [f"# {report.title}", "", f"*Written by qa on {report.created}. {INTRO.format(name=name)}*", ""]
    for number, entry in enumerate(report.entries, start=1):
        reply = entry.answer
        lines += [f"## {number}. {' '.join(reply.question.split())}", ""]
        if reply.searched and reply.searched != reply.question:
            lines += [f"*{message('Searched for', reply.language)}: {reply.searched}*", ""]
        lines += [" ".join(entry.text(lambda n: f"[^{n}]").split()).replace(" [^", "[^"), ""]
        lines += [f"[^{c.n}]: {footnote_text(c)}{footnote_tail(c, reply.language)}" for c in reply.citations]
        lines += [""] if reply.citations else []
    if report.sources:
        lines += ["## Sources", "", *source_rows(report), ""]
    return "\n".join(lines)
