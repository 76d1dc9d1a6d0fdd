"""The typed records that flow between pipeline stages, each carrying its source offsets."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """A file's extracted text; `doc_id` is its path relative to the indexed folder."""

    doc_id: str
    title: str
    text: str
    content_hash: str
    page_starts: tuple[int, ...] = ()  # offset where each PDF page begins; empty if unpaged

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding `offset`, or None for unpaged documents."""
        if not self.page_starts:
            return None
        page = 0
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i
        return page + 1

    def line_at(self, offset: int) -> int:
        """The 1-based line number holding `offset`."""
        return self.text.count("\n", 0, offset) + 1


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


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its score (higher is better) in one retrieval mode."""

    chunk: Chunk
    score: float


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


@dataclass(frozen=True)
class Answer:
    """An extractive answer: quoted sentences with markers, their citations and the passages."""

    question: str
    answer: str
    found: bool
    mode: str
    citations: tuple[Citation, ...] = ()
    passages: tuple[Hit, ...] = field(default=())
