"""Extractive answers: the 1 to 3 retrieved sentences that best answer the question, cited.

A sentence is scored on meaning (cosine to the question), on the question's rare words it shares
(IDF-weighted), on whether it holds the kind of fact asked for (a number for "how many", a date
for "when") that the question did not already state, and on its passage's rank. When nothing
scores well enough the answer says the documents do not contain it, and still lists passages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from qa.answer_types import count_unit, holds_type, question_type, specific_form
from qa.index import Index
from qa.lexical import tokenize
from qa.records import Answer, Citation, Hit, Span

NOT_FOUND = "The documents do not contain an answer to this question."


@dataclass(frozen=True)
class Features:
    """What is known of one sentence against the question; `typed` is +1 fits, -1 misses, 0 untyped."""

    cosine: float | None
    overlap: float
    context: float  # overlap of the sentence with its neighbours, for answers that lean on them
    bigrams: float  # share of the question's word pairs found in the sentence, in order
    length: float  # log word count: a longer sentence can hold the answer and its setting
    typed: int
    unit: bool
    form: bool
    passage: float  # the passage's score relative to the best passage


@dataclass(frozen=True)
class Weights:
    """How the sentence score is put together; tuned on SQuAD dev and the seed questions."""

    cosine: float = 1.0
    overlap: float = 1.0
    context: float = 0.4
    bigrams: float = 0.3
    length: float = 0.05
    type_match: float = 0.1
    unit: float = 0.2
    form: float = 0.8
    passage: float = 0.5
    found_threshold: float = 1.5
    min_cosine: float = 0.35  # below this the best sentence is off-topic, however many words it shares
    extra_ratio: float = 0.9
    max_sentences: int = 3

    def score(self, f: Features) -> float:
        # Without embeddings (BM25-only) word overlap stands in for meaning.
        meaning = f.cosine if f.cosine is not None else f.overlap
        return (
            self.cosine * meaning
            + self.overlap * f.overlap
            + self.context * f.context
            + self.bigrams * f.bigrams
            + self.length * f.length
            + self.type_match * f.typed
            + self.unit * f.unit
            + self.form * f.form
            + self.passage * f.passage
        )


@dataclass(frozen=True)
class Candidate:
    """A sentence from a retrieved passage, with its features and score."""

    hit: Hit
    span: Span
    text: str
    around: str = ""
    features: Features | None = None
    score: float = 0.0


def candidates(hits: list[Hit], index: Index) -> list[Candidate]:
    """Every distinct non-heading sentence of the hits, in rank order, with its neighbours' text."""
    out, seen = [], set()
    for hit in hits:
        text = index.documents[hit.chunk.doc_id].text
        spans = [s for s in hit.chunk.sentences if not s.is_heading]
        for i, span in enumerate(spans):
            key = (hit.chunk.doc_id, span.start)
            if key in seen or len(text[span.start : span.end].split()) < 2:
                continue
            seen.add(key)
            around = text[spans[max(i - 1, 0)].start : spans[min(i + 1, len(spans) - 1)].end]
            out.append(Candidate(hit, span, text[span.start : span.end], around))
    return out


def _overlap(question_terms: dict[str, float], tokens: list[str]) -> float:
    """Share of the question's IDF mass (terms the corpus knows) that the sentence covers."""
    total = sum(question_terms.values())
    if not total:
        return 0.0
    present = set(tokens)
    return sum(w for t, w in question_terms.items() if t in present) / total


def _bigrams(text: str) -> set[tuple[str, str]]:
    words = tokenize(text, stem=False)
    return set(zip(words, words[1:]))


def _counts_unit(tokens: list[str], unit: str | None) -> bool:
    """Whether a number in the sentence is followed closely by the counted thing."""
    if unit is None:
        return False
    return any(any(ch.isdigit() for ch in t) and unit in tokens[i + 1 : i + 4] for i, t in enumerate(tokens))


def _known(token: str, vocab: dict[str, int]) -> bool:
    """Whether the corpus has the token or a close form of it ('japanes' ~ 'japan')."""
    if token in vocab:
        return True
    return len(token) >= 5 and any(t[:5] == token[:5] and (t in token or token in t) for t in vocab)


def unknown_names(question: str, index: Index) -> list[str]:
    """Capitalized words of the question (not its first) that no indexed chunk contains."""
    names = [w.strip("?.,!;:'\"()") for w in question.split()[1:] if w[:1].isupper()]
    vocab = index.lexical.vocab
    return [n for n in names if n and not all(_known(t, vocab) for t in tokenize(n, index.lexical.stem))]


def featurize(question: str, found: list[Candidate], index: Index, cosines: np.ndarray | None) -> list[Candidate]:
    """The candidates with their Features filled in."""
    stem = index.lexical.stem
    terms = {t: index.lexical.term_idf(t) for t in tokenize(question, stem) if t in index.lexical.vocab}
    kind, form = question_type(question), specific_form(question)
    unit = (tokenize(count_unit(question) or "", stem) or [None])[0]
    pairs = _bigrams(question)
    best_passage = max((c.hit.score for c in found), default=1.0) or 1.0
    out = []
    for i, c in enumerate(found):
        tokens = tokenize(c.text, stem)
        features = Features(
            cosine=float(cosines[i]) if cosines is not None else None,
            overlap=_overlap(terms, tokens),
            context=_overlap(terms, tokenize(c.around, stem)),
            bigrams=len(pairs & _bigrams(c.text)) / len(pairs) if pairs else 0.0,
            length=math.log1p(len(tokens)),
            typed=0 if kind is None else 1 if holds_type(c.text, kind, question) else -1,
            unit=_counts_unit(tokens, unit),
            form=bool(form and form.search(c.text)),
            passage=c.hit.score / best_passage,
        )
        out.append(replace(c, features=features))
    return out


def ranked(found: list[Candidate], weights: Weights) -> list[Candidate]:
    """Candidates scored by `weights`, best first."""
    scored = [replace(c, score=weights.score(c.features)) for c in found]
    return sorted(scored, key=lambda c: -c.score)


def _select(best_first: list[Candidate], weights: Weights) -> list[Candidate]:
    """The best sentence, plus up to two nearly as good that also hold the asked-for kind of fact."""
    chosen = best_first[:1]
    for c in best_first[1:]:
        if len(chosen) >= weights.max_sentences or c.score < weights.extra_ratio * chosen[0].score:
            break
        if c.features.typed >= 0:
            chosen.append(c)
    return chosen


def supported(question: str, best_first: list[Candidate], index: Index, weights: Weights) -> bool:
    """Whether the best sentence is strong enough evidence to answer at all."""
    if not best_first or best_first[0].score < weights.found_threshold or unknown_names(question, index):
        return False
    best = best_first[0].features
    return best.cosine is None or best.cosine >= weights.min_cosine or best.form


def _citation(n: int, c: Candidate, index: Index) -> Citation:
    document = index.documents[c.hit.chunk.doc_id]
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
    )


def compose(question: str, best_first: list[Candidate], hits: list[Hit], index: Index, mode: str, weights: Weights):
    """The Answer record: chosen sentences with [n] markers, or a not-found answer."""
    if not supported(question, best_first, index, weights):
        return Answer(question, NOT_FOUND, False, mode, (), tuple(hits))
    citations, parts = [], []
    for c in _select(best_first, weights):
        citation = _citation(len(citations) + 1, c, index)
        citations.append(citation)
        parts.append(f"{' '.join(c.text.split())} [{citation.n}]")
    return Answer(question, " ".join(parts), True, mode, tuple(citations), tuple(hits))


def answer(
    question: str, hits: list[Hit], index: Index, mode: str, encode=None, weights: Weights = Weights()
) -> Answer:
    """Answer `question` from `hits`; `encode` embeds texts (None when dense cannot serve)."""
    found = candidates(hits, index)
    cosines = None
    if encode is not None and found:
        vectors = encode([question] + [c.text for c in found])
        cosines = vectors[1:] @ vectors[0]
    best_first = ranked(featurize(question, found, index, cosines), weights)
    return compose(question, best_first, hits, index, mode, weights)
