"""Extractive answers: the 1 to 3 retrieved sentences that best answer the question, cited.

A sentence is scored on meaning (cosine to the question), on the question's rare words it shares
(IDF-weighted, exactly and through token embeddings, see qa.matching), on whether it holds the kind
of fact asked for (a number for "how many", a date for "when") that the question did not already
state, and on its passage's rank. The answer says the documents do not contain it (and still lists
passages) when nothing scores well enough, when the best sentence is off-topic and leaves part of the
question unmatched, or when the question names something the documents never mention (a misspelt
name still counts as mentioned).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from qa.answer_types import count_unit, holds_type, question_type, specific_form
from qa.embedding import TokenVectors
from qa.index import Index
from qa.lexical import tokenize
from qa.matching import QuestionTokens, coverage, matches, question_tokens, slot, uncovered
from qa.records import Answer, Citation, Hit, Span

NOT_FOUND = "The documents do not contain an answer to this question."


@dataclass(frozen=True)
class Features:
    """What is known of one sentence against the question; `typed` is +1 fits, -1 misses, 0 untyped."""

    cosine: float | None
    before_cosine: float | None  # of the sentence before, which may carry this one's subject
    overlap: float
    coverage: float  # soft match of the question's words in this sentence or the one before (qa.matching)
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


def candidates(hits: list[Hit], index: Index) -> list[Candidate]:
    """Every distinct non-heading sentence of the hits, in rank order, with the sentence before it."""
    out, seen = [], set()
    for hit in hits:
        text = index.documents[hit.chunk.doc_id].text
        spans = [s for s in hit.chunk.sentences if not s.is_heading]
        for i, span in enumerate(spans):
            key = (hit.chunk.doc_id, span.start)
            if key in seen or len(text[span.start : span.end].split()) < 2:
                continue
            seen.add(key)
            before = text[spans[i - 1].start : spans[i - 1].end] if i else ""
            out.append(Candidate(hit, span, text[span.start : span.end], before))
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


def _known(token: str, vocab: dict[str, int], spelling: float) -> bool:
    """Whether the corpus has the token, a form of it ('japanes' ~ 'japan') or a close spelling ('ghengi')."""
    if token in vocab:
        return True
    if len(token) >= 5 and any(t[:5] == token[:5] and (t in token or token in t) for t in vocab):
        return True
    similar = [t for t in vocab if abs(len(t) - len(token)) <= 2]
    return bool(difflib.get_close_matches(token, similar, n=1, cutoff=spelling))


def unknown_names(question: str, index: Index, spelling: float = Weights.spelling) -> list[str]:
    """Capitalized words of the question (not its first) that no indexed chunk contains, even misspelt."""
    names = [w.strip("?.,!;:'\"()") for w in question.split()[1:] if w[:1].isupper()]
    vocab = index.lexical.vocab
    return [n for n in names if n and not all(_known(t, vocab, spelling) for t in tokenize(n, index.lexical.stem))]


def _word_weight(index: Index) -> Callable[[str], float]:
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


def encode(question: str, found: list[Candidate], index: Index, embedder) -> Encoded:
    """Cosines and token embeddings for the candidates (token ones only if the model gives them)."""
    texts = [question] + [c.text for c in found]
    tokens = embedder.encode_tokens(texts + [c.before for c in found])  # also caches the sentence vectors
    vectors = embedder.encode(texts + [c.before for c in found])
    cosines = vectors[1:] @ vectors[0]
    cosines, before_cosines = cosines[: len(found)], cosines[len(found) :]
    if tokens is None:
        return Encoded(cosines, before_cosines)
    asked = question_tokens(question, tokens[0], _word_weight(index))
    return Encoded(cosines, before_cosines, asked, tokens[1 : len(texts)], tokens[len(texts) :])


def _soft(c: Candidate, i: int, stem: bool, terms: dict[str, float], encoded: Encoded | None):
    """Coverage, uncovered share and slot from token embeddings; without them exact overlap stands in."""
    if encoded is None or encoded.question is None:
        shared = _overlap(terms, tokenize(f"{c.before} {c.text}", stem))
        return shared, 1.0 - shared, 0.0
    asked, sentence = encoded.question, encoded.sentences[i]
    best = matches(asked, sentence, c.text, encoded.befores[i], c.before)
    return coverage(asked, best), uncovered(asked, best), slot(asked, sentence, c.text)


def featurize(question: str, found: list[Candidate], index: Index, encoded: Encoded | None) -> list[Candidate]:
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
        soft_coverage, missing, soft_slot = _soft(c, i, stem, terms, encoded)
        features = Features(
            cosine=float(encoded.cosines[i]) if encoded is not None else None,
            before_cosine=float(encoded.before_cosines[i]) if encoded is not None and c.before else None,
            overlap=_overlap(terms, tokens),
            coverage=soft_coverage,
            uncovered=missing,
            slot=soft_slot,
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
    question: str, hits: list[Hit], index: Index, mode: str, embedder=None, weights: Weights = Weights()
) -> Answer:
    """Answer `question` from `hits`; `embedder` is a CachedEmbedder, or None when dense cannot serve."""
    found = candidates(hits, index)
    encoded = encode(question, found, index, embedder) if embedder is not None and found else None
    best_first = ranked(featurize(question, found, index, encoded), weights)
    return compose(question, best_first, hits, index, mode, weights)
