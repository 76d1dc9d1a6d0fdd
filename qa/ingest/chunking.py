"""Packing a document's sentences into overlapping chunks that never cut a sentence."""

from __future__ import annotations

from dataclasses import dataclass

from qa.ingest.sentences import split_sentences
from qa.records import Chunk, Document, InputError, Span


@dataclass(frozen=True)
class ChunkParams:
    """How documents are cut: at most `size` words a chunk, `overlap` sentences repeated."""

    size: int = 120
    overlap: int = 1

    def __post_init__(self):
        if self.size < 10:
            raise InputError(f"chunk size must be at least 10 words; got {self.size}")
        if not 0 <= self.overlap < 5:
            raise InputError(f"chunk overlap must be 0 to 4 sentences; got {self.overlap}")


def _word_count(text: str) -> int:
    return len(text.split())


def _groups(sentences: list[Span], text: str, params: ChunkParams) -> list[list[int]]:
    """Indices of the sentences in each chunk; a heading opens a new chunk once one is well filled."""
    groups: list[list[int]] = []
    current: list[int] = []
    words = 0
    for i, span in enumerate(sentences):
        n = _word_count(text[span.start : span.end])
        full = current and words + n > params.size
        section = current and span.is_heading and words >= params.size // 3
        if full or section:
            groups.append(current)
            keep = [] if section else current[-params.overlap :] if params.overlap else []
            keep = [k for k in keep if not sentences[k].is_heading]
            words = sum(_word_count(text[sentences[k].start : sentences[k].end]) for k in keep)
            if words + n > params.size:  # the overlap would overfill the new chunk
                keep, words = [], 0
            current = keep
        current.append(i)
        words += n
    if current:
        groups.append(current)
    return groups


def _heading_path(document: Document, sentences: list[Span], first: int) -> tuple[str, ...]:
    """The document's real title (not a file name, so a rename changes nothing) and nearest heading."""
    titled = () if document.title == document.doc_id.rsplit("/", 1)[-1] else (document.title,)
    for span in reversed(sentences[: first + 1]):
        if span.is_heading:
            heading = " ".join(document.text[span.start : span.end].lstrip("# ").split())
            return titled + (heading,) if heading != document.title else titled
    return titled


def chunk_document(document: Document, params: ChunkParams, first_id: int = 0) -> list[Chunk]:
    """The document's chunks, numbered from `first_id`, with offsets, lines and page."""
    text = document.text
    sentences = split_sentences(text, document.language)
    chunks = []
    for group in _groups(sentences, text, params):
        spans = tuple(sentences[k] for k in group)
        start, end = spans[0].start, spans[-1].end
        chunks.append(
            Chunk(
                chunk_id=first_id + len(chunks),
                doc_id=document.doc_id,
                start=start,
                end=end,
                text=text[start:end],
                sentences=spans,
                heading_path=_heading_path(document, sentences, group[0]),
                line_start=document.line_at(start),
                line_end=document.line_at(end - 1),
                page=document.page_at(start),
            )
        )
    return chunks
