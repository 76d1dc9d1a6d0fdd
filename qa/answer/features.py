"""The features of each candidate sentence against the question (see qa.answer.scoring), and their hand ranking."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from qa.answer.candidates import Candidate
from qa.answer.matching import QuestionTokens, coverage, matches, question_tokens, slot, uncovered
from qa.answer.scoring import Features, Weights
from qa.answer.types import count_unit, holds_type, question_type, specific_form
from qa.embed.embedder import TokenVectors
from qa.search.retrieval import Searchable
from qa.search.tokens import tokenize


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


def _soft(c: Candidate, asked: Asked, encoded: Encoded | None):
    """Coverage, uncovered share and slot from token embeddings; without them exact overlap stands in."""
    if encoded is None or encoded.question is None:
        shared = _overlap(asked.terms, tokenize(f"{c.before} {c.text}", asked.stem, asked.language))
        return shared, 1.0 - shared, 0.0
    question, sentence = encoded.question, encoded.sentences[c.row]
    best = matches(question, sentence, c.text, encoded.befores[c.row], c.before)
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


_LABEL = re.compile(r"([^\W\d][^\n\d.!?:]{0,40}?):?[ \t]*\n")  # "Telephone" above its value, "Medical director"


def names_label(text: str, asked: Asked) -> bool:
    """Whether the sentence is a label over its value ("Telephone\n\n+51 ...") and the question names the label."""
    label = _LABEL.match(text)
    if label is None or len(label.group(1).split()) > 3:
        return False
    words = set(tokenize(label.group(1).casefold(), asked.stem, asked.language))
    return bool(words) and words <= set(tokenize(asked.text, asked.stem, asked.language))


def _features(c: Candidate, asked: Asked, encoded: Encoded | None, kind, form, best_passage) -> Features:
    tokens = tokenize(c.text, asked.stem, asked.language)
    soft_coverage, missing, soft_slot = _soft(c, asked, encoded)
    return Features(
        cosine=float(encoded.cosines[c.row]) if encoded is not None else None,
        before_cosine=float(encoded.before_cosines[c.row]) if encoded is not None and c.before else None,
        overlap=_overlap(asked.terms, tokens),
        coverage=soft_coverage,
        uncovered=missing,
        slot=soft_slot,
        bigrams=len(asked.pairs & _bigrams(c.text, asked.language)) / len(asked.pairs) if asked.pairs else 0.0,
        length=math.log1p(len(tokens)),
        typed=0 if kind is None else 1 if holds_type(c.text, kind, asked.text) else -1,
        unit=_counts_unit(tokens, asked.unit),
        form=bool(form and form.search(c.text)) or names_label(c.text, asked),
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
    for row, c in enumerate(found):  # a candidate's row is its place in what `encode` was given
        c = replace(c, row=row)
        language = index.document(c.hit.chunk.doc_id).language
        if language not in asked:
            asked[language] = Asked.of((by_language or {}).get(language, question), language, index)
        out.append(replace(c, features=_features(c, asked[language], encoded, kind, form, best_passage)))
    return out


def ranked(found: list[Candidate], weights: Weights) -> list[Candidate]:
    """Candidates scored by `weights`, best first."""
    scored = [replace(c, score=weights.score(c.features)) for c in found]
    return sorted(scored, key=lambda c: -c.score)
