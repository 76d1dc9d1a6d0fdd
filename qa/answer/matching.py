"""Soft matching of a question to a sentence through the model's contextual token embeddings.

Word overlap misses paraphrase ("captured" for "showed up") and a sentence cosine blurs which words
matter. Here each question word is matched to its closest token in the sentence, or in the sentence
before it (which often names what "he" or "this" refers to), weighted by how rare the word is.
The question word ("who", "when") is matched against the sentence's tokens the question does not
contain: in context its embedding resembles the kind of answer it asks for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qa.embed.embedder import TokenVectors

WH_WORDS = frozenset({"who", "whom", "whose", "when", "where", "why", "how", "which", "what"})
_WORD = re.compile(r"\w+")
CLOSE = 0.45  # token similarity below which a question word counts as unmatched


@dataclass(frozen=True, eq=False)
class QuestionTokens:
    """The question's content tokens with their weights, its question word, and the words it uses."""

    vectors: np.ndarray
    weights: np.ndarray
    asked: np.ndarray | None
    words: frozenset[str]


def _word_at(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the whole word a token belongs to."""
    for match in _WORD.finditer(text):
        if match.start() <= start < match.end():
            return match.span()
    return start, end


def question_tokens(question: str, tokens: TokenVectors, weight: Callable[[str], float]) -> QuestionTokens:
    """Token weights: the word's `weight` (0 for stop words) shared among the word's tokens."""
    words = tokens.words(question)
    owners = [_word_at(question, start, end) for start, end in tokens.spans]
    pieces = {owner: owners.count(owner) for owner in owners}
    asked, rows, weights = None, [], []
    for i, owner in enumerate(owners):
        word = question[owner[0] : owner[1]].casefold()
        if word in WH_WORDS:
            asked = tokens.vectors[i].astype(np.float32) if asked is None else asked
            continue
        w = weight(word) / pieces[owner]
        if w > 0:
            rows.append(i)
            weights.append(w)
    return QuestionTokens(
        tokens.vectors[rows].astype(np.float32), np.array(weights, np.float32), asked, frozenset(words)
    )


def _alphanumeric(tokens: TokenVectors, text: str) -> np.ndarray:
    return tokens.vectors[[i for i, w in enumerate(tokens.words(text)) if _WORD.search(w)]].astype(np.float32)


def matches(question: QuestionTokens, sentence: TokenVectors, text: str, before: TokenVectors, before_text: str):
    """Each question word's closest token similarity in the sentence or the one before."""
    best = np.zeros(len(question.weights), np.float32)
    for tokens, words in ((sentence, text), (before, before_text)):
        vectors = _alphanumeric(tokens, words)
        if len(vectors) and len(best):
            best = np.maximum(best, (question.vectors @ vectors.T).max(axis=1))
    return best


def coverage(question: QuestionTokens, best: np.ndarray) -> float:
    """Weighted share of the question's words that have a close match (`best`, from `matches`)."""
    total = question.weights.sum()
    return float((best * question.weights).sum() / total) if total else 0.0


def uncovered(question: QuestionTokens, best: np.ndarray) -> float:
    """Weighted share of the question's words with no token near them (below CLOSE) in the evidence."""
    total = question.weights.sum()
    return float(question.weights[best < CLOSE].sum() / total) if total else 0.0


def slot(question: QuestionTokens, sentence: TokenVectors, text: str) -> float:
    """How closely a token the question does not contain resembles the question word in context."""
    if question.asked is None:
        return 0.0
    fresh = [i for i, w in enumerate(sentence.words(text)) if _WORD.search(w) and w not in question.words]
    if not fresh:
        return 0.0
    return float((sentence.vectors[fresh].astype(np.float32) @ question.asked).max())
