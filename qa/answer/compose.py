"""The Answer record: the chosen sentences with [n] markers and checkable citations, or a not-found answer."""

from __future__ import annotations

from dataclasses import replace

from qa.answer.candidates import Candidate, Passages
from qa.answer.lists import list_items
from qa.answer.scoring import Weights, probability
from qa.answer.short import short_answer
from qa.answer.types import question_type
from qa.records import Answer, Citation, Span
from qa.search.retrieval import Searchable
from qa.search.tokens import tokenize

NOT_FOUND = "The documents do not contain an answer to this question."


def context_words(c: Candidate, index: Searchable) -> frozenset[str]:
    """The words of a candidate's document title and headings: what its sentences are about."""
    return frozenset(tokenize(" ".join([index.document(c.hit.chunk.doc_id).title, *c.hit.chunk.heading_path])))


def earns_place(extra: Candidate, cited: list[Candidate], question: str, index: Searchable) -> bool:
    """Whether a sentence after the first answers another part of the question: it holds a question word that
    neither the sentences cited so far nor the first one's title and headings hold (from another document, a name
    the question asks about or a word of its own title or headings: another subject asked about)."""
    said = context_words(cited[0], index).union(*(tokenize(c.text) for c in cited))
    new = set(tokenize(extra.text)) & set(tokenize(question)) - said
    if extra.hit.chunk.doc_id != cited[0].hit.chunk.doc_id:
        names = tokenize(" ".join(w for w in question.split()[1:] if w[:1].isupper()))
        new &= context_words(extra, index).union(names)
    return bool(new)


def select(question: str, best_first: list[Candidate], weights: Weights, index: Searchable, sure: bool = False):
    """The best sentence, plus up to two nearly as good that hold the asked-for kind of fact: when the scorer is
    `sure` of the first, only those that answer another part of the question (earns_place)."""
    chosen = best_first[:1]
    for c in best_first[1:]:
        if len(chosen) >= weights.max_sentences or c.score < weights.extra_ratio * chosen[0].score:
            break
        if c.features.typed >= 0 and (not sure or earns_place(c, chosen, question, index)):
            chosen.append(c)
    return chosen


def citation(n: int, c: Candidate, index: Searchable) -> Citation:
    """Citation number `n` of a candidate sentence: its quote and where it is."""
    return cite(n, index.document(c.hit.chunk.doc_id), c.span.start, c.span.end, c.score, index)


def cite(n: int, document, start: int, end: int, score: float, index: Searchable) -> Citation:
    """Citation number `n` of text[start:end] of a document: the quote and where it is."""
    return Citation(
        n=n,
        source=document.doc_id,
        title=document.title,
        quote=document.text[start:end],
        start=start,
        end=end,
        line_start=document.line_at(start),
        line_end=document.line_at(end - 1),
        page=document.page_at(start),
        score=round(score, 4),
        ocr=document.ocr_at(start),
        kind=document.kind,
        sheet=(document.sheet_at(start) or (None,))[0],
        doc_sha256=document.content_hash,
        index_version=getattr(index, "version", None),
    )


def chosen(question: str, best_first: list[Candidate], index: Searchable, weights: Weights, sure: bool = False):
    """The sentences to quote: the best with the items of a list it introduces or (unless one fact of a named kind
    is asked for) belongs to, else `select`'s."""
    first = best_first[0]
    text = index.document(first.hit.chunk.doc_id).text
    items = list_items(first, text, weights, bullets=question_type(question) is None)
    if not items:
        return select(question, best_first, weights, index, sure)
    return [first] + [replace(first, span=Span(a, b), text=text[a:b]) for a, b in items]


def compose(question: str, best_first: list[Candidate], passages: Passages, weights: Weights, pick=None) -> Answer:
    """The answer quoting the chosen sentences with [n] markers; with a learned `pick` (qa.answer.pick), the exact
    phrase of the first too."""
    index, citations, parts = passages.index, [], []
    sure = pick is not None and probability(pick.readings[0].logit) >= weights.sole_confidence
    for c in chosen(question, best_first, index, weights, sure):
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
