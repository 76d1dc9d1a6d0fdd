"""A report: the questions and their answers, footnotes numbered through the whole report, each cited document
listed once, and the cited pages of PDFs and images cropped around their quotes."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from pathlib import Path

from qa.ingest.originals import read_original
from qa.ingest.pages import IMAGE_SUFFIXES, render_quote
from qa.records import Answer, Citation, QAError
from qa.store.index import Index

_MARKER = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class Source:
    """A document the report cites, listed once: its title, path and SHA-256, and the index that answered."""

    path: str
    title: str
    sha256: str | None
    index_version: str | None
    indexed: str | None  # when that index version was written


@dataclass(frozen=True)
class Figure:
    """The cited page of a PDF or image, cropped around the quote with it highlighted (PNG)."""

    n: int  # the footnote it illustrates
    caption: str
    png: bytes


@dataclass(frozen=True)
class Entry:
    """One question and its answer; the citations numbered as the report's footnotes."""

    answer: Answer
    figures: tuple[Figure, ...] = ()

    def segments(self) -> list[str | int]:
        """The answer's text in pieces, each "[n]" marker turned into the footnote's number in the report."""
        first = self.answer.citations[0].n - 1 if self.answer.citations else 0
        local = {c.n - first: c.n for c in self.answer.citations}
        pieces = _MARKER.split(self.answer.answer)  # text, number, text, number, ...
        return [p if i % 2 == 0 else local.get(int(p), int(p)) for i, p in enumerate(pieces) if p]

    def text(self, marker) -> str:
        """The answer with each "[n]" replaced by `marker(n)` (n the footnote's number in the report)."""
        return "".join(marker(p) if isinstance(p, int) else p for p in self.segments())


@dataclass(frozen=True)
class Report:
    """A cited report of a conversation or a batch of questions."""

    title: str
    created: str
    entries: tuple[Entry, ...]
    sources: tuple[Source, ...]


def _numbered(answers: list[Answer]) -> list[Answer]:
    """The answers with their citations numbered on through the report (1, 2, then 3, 4, ...)."""
    out, n = [], 0
    for reply in answers:
        citations = tuple(replace(c, n=n + c.n) for c in reply.citations)
        n += len(reply.citations)
        out.append(replace(reply, citations=citations))
    return out


def _sources(answers: list[Answer], index: Index) -> tuple[Source, ...]:
    seen: dict[str, Source] = {}
    for citation in (c for reply in answers for c in reply.citations):
        if citation.source not in seen:
            created = index.manifest.created if citation.index_version in (None, index.version) else None
            seen[citation.source] = Source(citation.source, citation.title, citation.doc_sha256,
                                           citation.index_version, created)  # fmt: skip
    return tuple(seen.values())


def figure(citation: Citation, index: Index) -> Figure | None:
    """The cited page cropped around the quote, for a citation of a PDF page or an image; None otherwise (or when
    the original file is no longer what was indexed)."""
    if citation.page is None or Path(citation.source).suffix.lower() not in (".pdf", *IMAGE_SUFFIXES):
        return None
    try:
        document = index.document(citation.source)
        data = read_original(index.manifest.folder, citation.source)
        png = render_quote(data, citation.page, [(citation.start, citation.end)], document)
    except (QAError, KeyError):
        return None
    return Figure(citation.n, f"[{citation.n}] {citation.source}, {citation.location()}", png)


def build_report(answers: list[Answer], index: Index, title: str = "Report", figures: bool = True) -> Report:
    """The report of these answers (in order) from `index`; with `figures`, the cited PDF pages and images."""
    numbered = _numbered([a for a in answers if a is not None])
    entries = []
    for reply in numbered:
        shown = tuple(f for f in (figure(c, index) for c in reply.citations) if f) if figures else ()
        entries.append(Entry(reply, shown))
    created = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return Report(title, created, tuple(entries), _sources(numbered, index))
