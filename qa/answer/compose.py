"""Extractive answers: the 1 to 3 retrieved sentences that best answer the question, cited.

Candidate sentences are scored in qa.answer.features. The answer says the documents do not contain
it (and still lists passages) when nothing scores well enough, when the best sentence is off-topic
and leaves part of the question unmatched, or when the question names something the documents never
mention (a misspelt name still counts as mentioned).
"""

from __future__ import annotations

import difflib
from dataclasses import replace

from qa.answer.features import Candidate, Weights, encode, featurize, ranked
from qa.answer.rerank import declines, list_items, rerank, short_answer
from qa.records import Answer, Citation, Hit, Span
from qa.search.retrieval import Searchable
from qa.search.tokens import tokenize

NOT_FOUND = "The documents do not contain an answer to this question."


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
            out.append(Candidate(hit, span, text[span.start : span.end], before))
    return out


def _known(token: str, vocab: dict[str, int], spelling: float) -> bool:
    """Whether the corpus has the token, a form of it ('japanes' ~ 'japan') or a close spelling ('ghengi')."""
    if token in vocab:
        return True
    if len(token) >= 5 and any(t[:5] == token[:5] and (t in token or token in t) for t in vocab):
        return True
    similar = [t for t in vocab if abs(len(t) - len(token)) <= 2]
    return bool(difflib.get_close_matches(token, similar, n=1, cutoff=spelling))


def unknown_names(question: str, index: Searchable, spelling: float = Weights.spelling) -> list[str]:
    """Capitalized words of the question (not its first) that no indexed chunk contains, even misspelt."""
    names = [w.strip("?.,!;:'\"()") for w in question.split()[1:] if w[:1].isupper()]
    vocab = index.lexical.vocab
    return [n for n in names if n and not all(_known(t, vocab, spelling) for t in tokenize(n, index.lexical.stem))]


def _select(best_first: list[Candidate], weights: Weights) -> list[Candidate]:
    """The best sentence, plus up to two nearly as good that also hold the asked-for kind of fact."""
    chosen = best_first[:1]
    for c in best_first[1:]:
        if len(chosen) >= weights.max_sentences or c.score < weights.extra_ratio * chosen[0].score:
            break
        if c.features.typed >= 0:
            chosen.append(c)
    return chosen


def supported(question: str, best_first: list[Candidate], index: Searchable, weights: Weights) -> bool:
    """Whether the best sentence is strong enough evidence to answer at all."""
    if not best_first:
        return False
    dense = best_first[0].features.cosine is not None
    if best_first[0].score < (weights.found_threshold if dense else weights.lexical_threshold):
        return False
    if best_first[0].score < weights.named_threshold and unknown_names(question, index, weights.spelling):
        return False
    best = best_first[0].features
    meaning = max(best.cosine or 0.0, best.before_cosine or 0.0)
    off_topic = meaning < weights.min_cosine and best.uncovered >= weights.off_topic_uncovered
    return best.cosine is None or best.form or not off_topic


def _citation(n: int, c: Candidate, index: Searchable) -> Citation:
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
    )


def _chosen(best_first: list[Candidate], index: Searchable, weights: Weights) -> list[Candidate]:
    """The sentences to quote: the best with the items of a list it introduces or belongs to, else `_select`."""
    first = best_first[0]
    items = list_items(first, index.document(first.hit.chunk.doc_id).text, weights)
    if not items:
        return _select(best_first, weights)
    text = index.document(first.hit.chunk.doc_id).text
    return [first] + [replace(first, span=Span(a, b), text=text[a:b]) for a, b in items]


def compose(
    question: str,
    best_first: list[Candidate],
    hits: list[Hit],
    index: Searchable,
    mode: str,
    weights: Weights,
    readings: list | None = None,
) -> Answer:
    """The Answer record: chosen sentences with [n] markers (and the exact phrase), or a not-found answer."""
    if (readings is None and not supported(question, best_first, index, weights)) or (
        readings and declines(readings, weights)
    ):  # with readings, `answer` has checked the feature ranking
        return Answer(question, NOT_FOUND, False, mode, (), tuple(hits))
    citations, parts = [], []
    for c in _chosen(best_first, index, weights):
        citation = _citation(len(citations) + 1, c, index)
        citations.append(citation)
        parts.append(f"{' '.join(c.text.split())} [{citation.n}]")
    first = best_first[0]
    document = index.document(first.hit.chunk.doc_id)
    short = short_answer(question, first, readings[0], document.text, weights) if readings else None
    return Answer(question, " ".join(parts), True, mode, tuple(citations), tuple(hits), short=short)


def decline(reply: Answer) -> Answer:
    """The same answer turned into a not-found one that still lists its passages."""
    return Answer(reply.question, NOT_FOUND, False, reply.mode, (), reply.passages, reply.searched)


def answer(
    question: str,
    hits: list[Hit],
    index: Searchable,
    mode: str,
    embedder=None,
    weights: Weights = Weights(),
    by_language: dict[str, str] | None = None,
    reader=None,
) -> Answer:
    """Answer `question` from `hits`; `embedder` is a CachedEmbedder, or None when dense cannot serve;
    `by_language` holds the question in each language of the documents (qa.lang.crosslingual)."""
    # `reader` (qa.answer.token_scorer), when given, scores the best candidates, may decline, and reads the exact phrase
    found = candidates(hits, index)
    encoded = encode(question, found, index, embedder) if embedder is not None and found else None
    best_first = ranked(featurize(question, found, index, encoded, by_language), weights)
    learned = reader is not None and encoded is not None and encoded.question is not None
    if not learned or not best_first or not supported(question, best_first, index, weights):
        return compose(question, best_first, hits, index, mode, weights)
    position = {(c.hit.chunk.doc_id, c.span.start): i for i, c in enumerate(found)}
    reordered, readings = rerank(question, best_first, reader, encoded, position, weights)
    return compose(question, reordered, hits, index, mode, weights, readings)
