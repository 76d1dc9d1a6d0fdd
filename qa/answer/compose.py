"""The Answer record: the chosen sentences with [n] markers and checkable citations, or a not-found answer."""

from __future__ import annotations

from dataclasses import replace

from qa.answer.candidates import Candidate, Passages
from qa.answer.lists import list_items
from qa.answer.scoring import Weights
from qa.answer.short import short_answer
from qa.records import Answer, Citation, Span
from qa.search.retrieval import Searchable

NOT_FOUND = "The documents do not contain an answer to this question."


def select(best_first: list[Candidate], weights: Weights) -> list[Candidate]:
    """The best sentence, plus up to two nearly as good that also hold the asked-for kind of fact."""
    chosen = best_first[:1]
    for c in best_first[1:]:
        if len(chosen) >= weights.max_sentences or c.score < weights.extra_ratio * chosen[0].score:
            break
        if c.features.typed >= 0:
            chosen.append(c)
    return chosen


def citation(n: int, c: Candidate, index: Searchable) -> Citation:
    """Citation number `n` of a candidate sentence: its quote and where it is."""
    document = index.document(c.hit.chunk.doc_id)
    return Citation(
        n=n,
        source=document.doc_id,
        title=document.title,
        quote=c.text,
        start=c.span.start,
        end=c.span.end,
        line_start=document.line_at(c.span.start),
        line_end=document.line_at(c.span.end - 1),
        page=document.page_at(c.span.start),
        score=round(c.score, 4),
        ocr=document.ocr_at(c.span.start),
        kind=document.kind,
        sheet=(document.sheet_at(c.span.start) or (None,))[0],
        doc_sha256=document.content_hash,
        index_version=getattr(index, "version", None),
    )


def chosen(best_first: list[Candidate], index: Searchable, weights: Weights) -> list[Candidate]:
    """The sentences to quote: the best with the items of a list it introduces or belongs to, else `select`'s."""
    first = best_first[0]
    text = index.document(first.hit.chunk.doc_id).text
    items = list_items(first, text, weights)
    if not items:
        return select(best_first, weights)
    return [first] + [replace(first, span=Span(a, b), text=text[a:b]) for a, b in items]


def compose(question: str, best_first: list[Candidate], passages: Passages, weights: Weights, pick=None) -> Answer:
    """The answer quoting the chosen sentences with [n] markers; with a learned `pick` (qa.answer.pick), the exact
    phrase of the first too."""
    index, citations, parts = passages.index, [], []
    for c in chosen(best_first, index, weights):
        cited = citation(len(citations) + 1, c, index)
        citations.append(cited)
        parts.append(f"{' '.join(c.text.split())} [{cited.n}]")
    short = None
    if pick is not None:
        first = best_first[0]
        short = short_answer(question, first, pick.readings[0], index.document(first.hit.chunk.doc_id).text,
                             pick.short_floor)  # fmt: skip
    return Answer(question, " ".join(parts), True, passages.mode, tuple(citations), passages.hits, short=short)


def not_found(question: str, passages: Passages) -> Answer:
    """The documents do not hold the answer: say so, and still list the closest passages."""
    return Answer(question, NOT_FOUND, False, passages.mode, (), passages.hits)


def decline(reply: Answer) -> Answer:
    """The same answer turned into a not-found one that still lists its passages."""
    return Answer(reply.question, NOT_FOUND, False, reply.mode, (), reply.passages, reply.searched)
