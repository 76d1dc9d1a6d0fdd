"""How a candidate sentence is scored: its hand-made Features, the Weights that sum them, and a learned
scorer's Reading of it.

A sentence is scored on meaning (cosine to the question), on the question's rare words it shares
(IDF-weighted, exactly and through token embeddings, see qa.answer.matching), on whether it holds the kind
of fact asked for (a number for "how many", a date for "when") that the question did not already
state, and on its passage's rank.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


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
    sole_confidence: float = 0.7  # probability of the first above which it stands alone (even half, own dev set)
    rerank: int = 8  # candidates the token scorer (qa.answer.token_scorer) reads, as it was trained
    reorder: bool = False  # let it re-order them: it did not beat this hand ranking on held-out even questions
    token_floor: float = 0.075  # declined when the token scorer gives none of them this probability (even half, seeds)
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
class Reading:
    """A learned scorer's view of one candidate: its logit, and the answer phrase it reads (sentence offsets)."""

    logit: float
    start: int = 0
    end: int = 0
    confidence: float = 0.0  # the phrase's probability under the span head


def probability(logit: float) -> float:
    """A learned logit as a 0-1 confidence."""
    return 1.0 / (1.0 + math.exp(-max(min(logit, 30.0), -30.0)))
