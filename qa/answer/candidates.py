"""Candidate sentences: every distinct sentence of the retrieved passages, with the sentence before it."""

from __future__ import annotations

from dataclasses import dataclass

from qa.answer.scoring import Features
from qa.records import Hit, Span
from qa.search.retrieval import Searchable


@dataclass(frozen=True)
class Passages:
    """What an answer is read from: the retrieved passages, the index holding their documents and word
    statistics, and the retrieval mode that served them."""

    hits: tuple[Hit, ...]
    index: Searchable
    mode: str


@dataclass(frozen=True)
class Candidate:
    """A sentence from a retrieved passage, with its features and score."""

    hit: Hit
    span: Span
    text: str
    before: str = ""  # the sentence before, in the same passage
    features: Features | None = None
    score: float = 0.0
    row: int = 0  # its place among the candidates as found, which is its row in what the model encoded


def candidates(hits: list[Hit], index: Searchable) -> list[Candidate]:
    """Every distinct non-heading sentence of the hits, in rank order, with the sentence before it."""
    out, seen = [], set()
    for hit in hits:
        text = index.document(hit.chunk.doc_id).text
        spans = [s for s in hit.chunk.sentences if not s.is_heading]
        for i, span in enumerate(spans):
            key = (hit.chunk.doc_id, span.start)
            if key in seen or len(text[span.start : span.end].split()) < 2:
                continue
            seen.add(key)
            before = text[spans[i - 1].start : spans[i - 1].end] if i else ""
            out.append(Candidate(hit, span, text[span.start : span.end], before, row=len(out)))
    return out
