"""The vocabulary every stage shares: the typed records that flow between stages, each carrying its source
offsets (Document -> Chunk -> Hit -> Answer with Citations), and the errors, each a one-line message for the user."""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Document:
    """A file's extracted text; `doc_id` is its path relative to the indexed folder."""

    doc_id: str
    title: str
    text: str
    content_hash: str
    page_starts: tuple[int, ...] = ()  # offset where each PDF page begins; empty if unpaged
    language: str = "en"  # ISO 639-1 code of the text's language (qa.lang.detect)
    kind: str = "text"  # how a place in it is cited: "text" (page or line), "table" (row) or "slides" (slide)
    ocr_pages: tuple[int, ...] = ()  # 1-based pages whose text was read by OCR
    sheets: tuple[tuple[str, int], ...] = ()  # tables: (sheet name, offset of its name line, which is row 0)

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding `offset`, or None for unpaged documents."""
        if not self.page_starts:
            return None
        page = 0
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i
        return page + 1

    @cached_property
    def _newlines(self) -> list[int]:
        return [i for i, ch in enumerate(self.text) if ch == "\n"]

    def line_at(self, offset: int) -> int:
        """The 1-based line number holding `offset`; in a sheet of a table, its row number."""
        line = bisect.bisect_left(self._newlines, offset) + 1
        sheet = self.sheet_at(offset)
        return line - bisect.bisect_left(self._newlines, sheet[1]) - 1 if sheet else line

    def sheet_at(self, offset: int) -> tuple[str, int] | None:
        """(name, start) of the sheet holding `offset` in a table with named sheets, else None."""
        i = bisect.bisect_right([start for _, start in self.sheets], offset) - 1
        return self.sheets[i] if i >= 0 else None

    def ocr_at(self, offset: int) -> bool:
        """Whether the text at `offset` was read by OCR."""
        return bool(self.ocr_pages) and self.page_at(offset) in self.ocr_pages


@dataclass(frozen=True)
class Span:
    """A half-open character range [start, end) in a document's text."""

    start: int
    end: int
    is_heading: bool = False


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences from one document, the unit that is embedded and ranked."""

    chunk_id: int
    doc_id: str
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]
    heading_path: tuple[str, ...] = ()
    line_start: int = 1
    line_end: int = 1
    page: int | None = None

    def embed_text(self) -> str:
        """The text given to the embedder: headings give a chunk its context."""
        return " > ".join(self.heading_path) + "\n" + self.text if self.heading_path else self.text

    def location(self) -> str:
        """'p. 3' for a passage of a paged document, else 'lines 12-14'."""
        return f"p. {self.page}" if self.page is not None else f"lines {self.line_start}-{self.line_end}"


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its score (higher is better) in one retrieval mode."""

    chunk: Chunk
    score: float

    def to_dict(self) -> dict:
        chunk = self.chunk
        return {
            "source": chunk.doc_id,
            "text": chunk.text,
            "start": chunk.start,
            "end": chunk.end,
            "score": round(self.score, 6),
            "line_start": chunk.line_start,
            "line_end": chunk.line_end,
            "page": chunk.page,
            "heading_path": list(chunk.heading_path),
        }


@dataclass(frozen=True)
class Citation:
    """A quoted sentence with everything needed to check it: `text[start:end] == quote`."""

    n: int
    source: str
    title: str
    quote: str
    start: int
    end: int
    line_start: int
    line_end: int
    page: int | None
    score: float
    translation: str | None = None  # a machine translation of the quote into the question's language
    ocr: bool = False  # the quote was read by OCR from a scanned page: check it against the page
    kind: str = "text"  # the document's kind: "text", "table" (lines are rows) or "slides" (pages are slides)
    sheet: str | None = None  # the sheet holding the quoted row, for tables with named sheets
    doc_sha256: str | None = None  # the SHA-256 of the document's file when it was answered from
    index_version: str | None = None  # the index version that answered ("v000007")

    def location(self) -> str:
        """'p. 3' for paged documents, 'slide 3', 'Sheet1, row 12', else 'line 12' or 'lines 12-14'."""
        if self.kind == "table":
            a, b = self.line_start, self.line_end
            rows = f"row {a}" if a == b else f"rows {a}-{b}"
            return f"{self.sheet}, {rows}" if self.sheet else rows
        if self.kind == "slides" and self.page is not None:
            return f"slide {self.page}"
        if self.page is not None:
            return f"p. {self.page}"
        if self.line_start == self.line_end:
            return f"line {self.line_start}"
        return f"lines {self.line_start}-{self.line_end}"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Short:
    """The exact phrase that answers a fact question, inside the first cited sentence: `text[start:end] == text`."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class TableCondition:
    """A condition a computed table answer put on the rows: `column` `op` `value` ('Year', '=', '2023')."""

    column: str
    op: str  # '=', '>', '>=', '<', '<=', 'between', 'in' (a year or month)
    value: str  # as the table writes it; 'a and b' for between


@dataclass(frozen=True)
class TableResult:
    """How a table answer was computed: the operation over `column` on the rows meeting `conditions` (per
    `group_by` value), its `value`, and the rows used (`rows`: their numbers as cited). `headers` and `cells`
    are the cited rows as a small table. `declined` says why no value was given, when none was."""

    operation: str  # lookup, filter, count, sum, average, min, max, argmax, argmin; group_sum, group_count, ...
    column: str | None
    conditions: tuple[TableCondition, ...]
    group_by: str | None
    value: float | int | str | tuple | dict | None  # a number, a cell's text, texts (filter), {group: number}
    shown: str  # the value as the table writes it ('2,500', 'S/ 6,800', '11.5%')
    rows: tuple[int, ...]
    source: str
    sheet: str | None = None
    headers: tuple[str, ...] = ()
    cells: tuple[tuple[str, ...], ...] = ()
    declined: str | None = None

    def to_dict(self) -> dict:
        out = asdict(self)
        value = self.value
        out["value"] = dict(value) if isinstance(value, dict) else list(value) if isinstance(value, tuple) else value
        out["conditions"] = [asdict(c) for c in self.conditions]
        out.update(rows=list(self.rows), headers=list(self.headers), cells=[list(row) for row in self.cells])
        return out


@dataclass(frozen=True)
class Answer:
    """An extractive answer: quoted sentences with markers, their citations and the passages."""

    question: str
    answer: str
    found: bool
    mode: str
    citations: tuple[Citation, ...] = ()
    passages: tuple[Hit, ...] = field(default=())
    searched: str | None = None  # the query actually searched, when it is not the question as asked
    language: str = "en"  # the question's language; fixed messages and translations are in it
    short: Short | None = None  # the exact answer phrase (document offsets, in the first citation's source)
    table: TableResult | None = None  # how a table answer was computed (qa.answer.table), else None

    def to_dict(self) -> dict:
        """The JSON object of `qa ask --json` and of the app's `ask` API."""
        return {
            "question": self.question,
            "searched": self.searched or self.question,
            "language": self.language,
            "answer": self.answer,
            "found": self.found,
            "short": asdict(self.short) if self.short else None,
            "mode": self.mode,
            "citations": [c.to_dict() for c in self.citations],
            "passages": [h.to_dict() for h in self.passages],
            "table": self.table.to_dict() if self.table else None,
        }


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation: the question as typed and the answer given."""

    question: str
    answer: Answer


# ---- errors: every failure a user sees is one of these ----


class QAError(Exception):
    """Base class: its message is one line meant for the user."""


class InputError(QAError):
    """A bad argument from the user (empty question, bad path, bad option): names the value and the fix."""


class DocumentError(QAError):
    """A file could not be read as a document; names the file and the reason."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class FileUnreadable(DocumentError):
    """The file could not be read this time (an I/O error, not its content)."""


class ModelUnavailable(QAError):
    """The embedding model could not be loaded; callers fall back to BM25-only."""


class IndexError_(QAError):
    """The index is missing, locked, built differently, or damaged."""


class IndexMissing(IndexError_):
    """No index has been built in the folder yet."""


class IndexMismatch(IndexError_):
    """The index was built with another format, model or settings."""


class IndexCorrupt(IndexError_):
    """An index file fails its checksum or cannot be parsed."""


class IndexLocked(IndexError_):
    """Another process is writing the index."""


class IndexWriteError(IndexError_):
    """The index could not be written (disk full, read-only folder, I/O error); the previous one stands."""
