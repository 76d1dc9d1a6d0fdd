"""Scoring candidate sentences: the features of a sentence against the question, and the weights that sum them.

A sentence is scored on meaning (cosine to the question), on the question's rare words it shares
(IDF-weighted, exactly and through token embeddings, see qa.answer.matching), on whether it holds the kind
of fact asked for (a number for "how many", a date for "when") that the question did not already
state, and on its passage's rank.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from qa.answer.matching import QuestionTokens, coverage, matches, question_tokens, slot, uncovered
from qa.answer.types import count_unit, holds_type, question_type, specific_form
from qa.embed.embedder import TokenVectors
from qa.records import Hit, Span
from qa.search.retrieval import Searchable
from qa.search.tokens import tokenize


@dataclass(frozen=True)
class Features:
    """What is known of one sentence against the question; `typed` is +1 fits, -1 misses, 0 untyped."""

    cosine: float | None
    before_cosine: float | None  # of the sentence before, which may carry this one's subject
    overlap: float
    coverage: float  # soft match of the question's words in this sentence or the one before (qa.answer.matching)
    uncovered: float  # share of the question's word weight with no close match there
    slot: float  # a new token of the sentence resembles the question word in context
    bigrams: float  # share of the question's word pairs found in the sentence, in order
    length: float  # log word count: a longer sentence can hold the answer and its setting
    typed: int
    unit: bool
    form: bool
    passage: float  # the passage's score relative to the best passage


@dataclass(frozen=True)
class Weights:
    """How the sentence score is put together; tuned on half of SQuAD dev (even articles) and the seed questions."""

    cosine: float = 1.0
    overlap: float = 0.625
    coverage: float = 3.75
    slot: float = 1.0
    bigrams: float = 0.112
    length: float = 0.0
    type_match: float = 0.113
    unit: float = 0.25
    form: float = 1.2
    passage: float = 0.625
    found_threshold: float = 3.6
    lexical_threshold: float = 2.5  # the same, in BM25-only mode where no cosine or slot adds to the score
    named_threshold: float = 5.5  # above this a name the corpus lacks (often a misspelling) does not block
    min_cosine: float = 0.35  # below this the best sentence may be off-topic ...
    off_topic_uncovered: float = 0.3  # ... and is, when this share of the question's words finds no match
    spelling: float = 0.8  # a name this close (difflib ratio) to a corpus word is a misspelling, not unknown
    extra_ratio: float = 0.9
    max_sentences: int = 3
    rerank: int = 8  # candidates the learned reader (qa.answer.token_scorer) scores, as it was trained
    reorder: bool = False  # let the reader re-order them: it did not beat this hand ranking on held-out even questions
    reader_floor: float = 0.075  # declined when the reader gives none of them this probability (even half, seeds)
    short_confidence: float = 0.2  # span probability above which the exact phrase is given
    list_items: int = 8  # items of a list or bullet block brought along with its sentence

    def score(self, f: Features) -> float:
        # Without embeddings (BM25-only) word overlap stands in for meaning.
        meaning = f.cosine if f.cosine is not None else f.overlap
        return (
            self.cosine * meaning
            + self.overlap * f.overlap
            + self.coverage * f.coverage
            + self.slot * f.slot
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
    before: str = ""  # the sentence before, in the same passage
    features: Features | None = None
    score: float = 0.0


def _overlap(question_terms: dict[str, float], tokens: list[str]) -> float:
    """Share of the question's IDF mass (terms the corpus knows) that the sentence covers."""
    total = sum(question_terms.values())
    if not total:
        return 0.0
    present = set(tokens)
    return sum(w for t, w in question_terms.items() if t in present) / total


def _bigrams(text: str, language: str = "en") -> set[tuple[str, str]]:
    words = tokenize(text, stem=False, language=language)
    return set(zip(words, words[1:]))


def _counts_unit(tokens: list[str], unit: str | None) -> bool:
    """Whether a number in the sentence is followed closely by the counted thing."""
    if unit is None:
        return False
    return any(any(ch.isdigit() for ch in t) and unit in tokens[i + 1 : i + 4] for i, t in enumerate(tokens))


def word_weight(index: Searchable) -> Callable[[str], float]:
    """A word's IDF in the corpus; 0 for stop words, the highest IDF for words the corpus lacks."""
    lexical, rarest = index.lexical, float(index.lexical.idf.max(initial=1.0))

    def weight(word: str) -> float:
        terms = tokenize(word, lexical.stem)
        return max((lexical.term_idf(t) if t in lexical.vocab else rarest for t in terms), default=0.0)

    return weight


@dataclass(frozen=True)
class Encoded:
    """What the model makes of the question and the candidates, when it can serve."""

    cosines: np.ndarray
    before_cosines: np.ndarray
    question: QuestionTokens | None = None
    sentences: list[TokenVectors] | None = None
    befores: list[TokenVectors] | None = None


def encode(question: str, found: list[Candidate], index: Searchable, embedder) -> Encoded:
    """Cosines and token embeddings for the candidates (token ones only if the model gives them)."""
    texts = [question] + [c.text for c in found]
    tokens = embedder.encode_tokens(texts + [c.before for c in found])  # also caches the sentence vectors
    vectors = embedder.encode(texts + [c.before for c in found])
    cosines = vectors[1:] @ vectors[0]
    cosines, before_cosines = cosines[: len(found)], cosines[len(found) :]
    if tokens is None:
        return Encoded(cosines, before_cosines)
    asked = question_tokens(question, tokens[0], word_weight(index))
    return Encoded(cosines, before_cosines, asked, tokens[1 : len(texts)], tokens[len(texts) :])


def _soft(c: Candidate, i: int, asked: Asked, encoded: Encoded | None):
    """Coverage, uncovered share and slot from token embeddings; without them exact overlap stands in."""
    if encoded is None or encoded.question is None:
        shared = _overlap(asked.terms, tokenize(f"{c.before} {c.text}", asked.stem, asked.language))
        return shared, 1.0 - shared, 0.0
    question, sentence = encoded.question, encoded.sentences[i]
    best = matches(question, sentence, c.text, encoded.befores[i], c.before)
    return coverage(question, best), uncovered(question, best), slot(question, sentence, c.text)


@dataclass(frozen=True)
class Asked:
    """The question's words as a sentence in one language is compared with them."""

    text: str
    language: str
    stem: bool
    terms: dict[str, float]  # known terms and their IDF
    unit: str | None  # the counted thing of "how many X"
    pairs: set[tuple[str, str]]

    @classmethod
    def of(cls, text: str, language: str, index: Searchable) -> Asked:
        lexical = index.lexical
        terms = {t: lexical.term_idf(t) for t in tokenize(text, lexical.stem, language) if t in lexical.vocab}
        unit = (tokenize(count_unit(text) or "", lexical.stem, language) or [None])[0]
        return cls(text, language, lexical.stem, terms, unit, _bigrams(text, language))


def _features(c: Candidate, i: int, asked: Asked, encoded: Encoded | None, kind, form, best_passage) -> Features:
    tokens = tokenize(c.text, asked.stem, asked.language)
    soft_coverage, missing, soft_slot = _soft(c, i, asked, encoded)
    return Features(
        cosine=float(encoded.cosines[i]) if encoded is not None else None,
        before_cosine=float(encoded.before_cosines[i]) if encoded is not None and c.before else None,
        overlap=_overlap(asked.terms, tokens),
        coverage=soft_coverage,
        uncovered=missing,
        slot=soft_slot,
        bigrams=len(asked.pairs & _bigrams(c.text, asked.language)) / len(asked.pairs) if asked.pairs else 0.0,
        length=math.log1p(len(tokens)),
        typed=0 if kind is None else 1 if holds_type(c.text, kind, asked.text) else -1,
        unit=_counts_unit(tokens, asked.unit),
        form=bool(form and form.search(c.text)),
        passage=c.hit.score / best_passage,
    )


def featurize(
    question: str,
    found: list[Candidate],
    index: Searchable,
    encoded: Encoded | None,
    by_language: dict[str, str] | None = None,
) -> list[Candidate]:
    """The candidates with their Features filled in; a sentence's words are compared with the question in
    the sentence's own language when `by_language` has it (qa.lang.crosslingual)."""
    kind, form = question_type(question), specific_form(question)
    best_passage = max((c.hit.score for c in found), default=1.0) or 1.0
    asked: dict[str, Asked] = {}
    out = []
    for i, c in enumerate(found):
        language = index.document(c.hit.chunk.doc_id).language
        if language not in asked:
            asked[language] = Asked.of((by_language or {}).get(language, question), language, index)
        out.append(replace(c, features=_features(c, i, asked[language], encoded, kind, form, best_passage)))
    return out


def ranked(found: list[Candidate], weights: Weights) -> list[Candidate]:
    """Candidates scored by `weights`, best first."""
    scored = [replace(c, score=weights.score(c.features)) for c in found]
    return sorted(scored, key=lambda c: -c.score)
