"""Extractive answers, the one path users, `qa eval` and the training data all take: the passages' sentences
scored by hand, re-read by the learned scorers, and the best quoted with citations (or a not-found answer)."""

from __future__ import annotations

from dataclasses import dataclass

from qa.answer.candidates import Candidate, Passages, candidates
from qa.answer.compose import compose, not_found
from qa.answer.features import Encoded, encode, featurize, ranked
from qa.answer.pick import learned_pick
from qa.answer.scorer import Scorer
from qa.answer.support import supported
from qa.answer.table import quotes_a_row, table_answer
from qa.records import Answer


@dataclass(frozen=True)
class Ranked:
    """The passages' candidate sentences in the hand order, best first, and what the model made of them."""

    best_first: tuple[Candidate, ...]
    encoded: Encoded | None  # None when no embedder served


def rank_sentences(question: str, passages: Passages, scorer: Scorer, by_language: dict | None = None) -> Ranked:
    """Every candidate sentence of the passages with its features and hand score, best first; `by_language`
    holds the question in each language of the documents (qa.lang.crosslingual)."""
    found = candidates(list(passages.hits), passages.index)
    encoded = (
        encode(question, found, passages.index, scorer.embedder) if scorer.embedder is not None and found else None
    )
    best_first = ranked(featurize(question, found, passages.index, encoded, by_language), scorer.weights)
    return Ranked(tuple(best_first), encoded)


def answer(question: str, passages: Passages, scorer: Scorer, by_language: dict | None = None) -> Answer:
    """The answer to `question` from `passages`: a value computed from a table (qa.answer.table), cited
    sentences, or not found when nothing is evidence enough. When the table path declines, sentences that answer
    from outside any table still do (the question was not about the table after all)."""
    computed = table_answer(question, passages, scorer.embedder, by_language)
    if computed is not None and computed.found:
        return computed
    quoted = quoted_answer(question, passages, scorer, by_language)
    if computed is None or (quoted.found and not any(quotes_a_row(c, passages.index) for c in quoted.citations)):
        return quoted
    return computed


def quoted_answer(question: str, passages: Passages, scorer: Scorer, by_language: dict | None = None) -> Answer:
    """The answer quoting the passages' best sentences, or not found."""
    ranking = rank_sentences(question, passages, scorer, by_language)
    best_first = list(ranking.best_first)
    versions = tuple(t for t in (by_language or {}).values() if t != question)
    if not supported(question, best_first, passages.index, scorer.weights, versions):
        return not_found(question, passages)
    pick = learned_pick(question, best_first, ranking.encoded, scorer)
    if pick is None:
        return compose(question, best_first, passages, scorer.weights)
    if pick.declined:
        return not_found(question, passages)
    return compose(question, list(pick.order), passages, scorer.weights, pick)
