"""A learned scorer over the token vectors the answerer already computes: a ranking head and a span head.

The packaged MiniLM's contextual token vectors of the question and of each candidate sentence (cached
by qa.embed.cache) feed two small heads trained by `python -m qa.measure.train --heads` on SQuAD dev's
even articles (qa/answer/weights/token_scorer.npz, see its README). The ranking head adds learned
projections of question-to-sentence token matches to the hand-made Features; the span head points at
the answer phrase inside the chosen sentence. No extra model pass: it costs a few matrix products.
Without the weights file `load_token_scorer` returns None and the hand features answer alone.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np

from qa.answer.short import word_span

WEIGHTS = Path(__file__).parent / "weights" / "token_scorer.npz"
MAX_PHRASE = 12  # tokens in an exact answer phrase
_WORD = re.compile(r"\w+")


def feature_row(f, score: float) -> np.ndarray:
    """The hand-made Features of a candidate (qa.answer.features) and its hand score, as numbers."""
    meaning = f.cosine if f.cosine is not None else f.overlap
    values = [meaning, f.before_cosine or 0.0, f.overlap, f.coverage, f.uncovered, f.slot, f.bigrams, f.length,
              f.typed, f.unit, f.form, f.passage, score]  # fmt: skip
    return np.array(values, np.float32)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-6)


def alphanumeric(spans, text: str) -> list[int]:
    """Token rows that hold a letter or digit."""
    return [i for i, (a, b) in enumerate(spans) if _WORD.search(text[a:b])]


def interaction(p: dict, question, sentence, text: str, before, before_text: str) -> np.ndarray:
    """Learned coverage (question words to their best token, through projection P) and learned slot."""
    rows = [sentence.vectors[alphanumeric(sentence.spans, text)]]
    rows.append(before.vectors[alphanumeric(before.spans, before_text)])
    tokens = np.concatenate(rows).astype(np.float32)
    cover = 0.0
    if len(tokens) and len(question.weights):
        best = (_unit(question.vectors @ p["P"]) @ _unit(tokens @ p["P"]).T).max(axis=1).clip(min=0)
        cover = float((best * question.weights).sum() / question.weights.sum())
    words = [text[a:b].casefold() for a, b in sentence.spans]
    fresh = [i for i in alphanumeric(sentence.spans, text) if words[i] not in question.words]
    slot = 0.0
    if fresh and question.asked is not None:
        fresh_vectors = _unit(sentence.vectors[fresh].astype(np.float32) @ p["P2"])
        slot = max(0.0, float((fresh_vectors @ _unit(question.asked @ p["P2"])).max()))
    return np.array([cover, slot], np.float32)


def token_features(question, sentence, text: str) -> np.ndarray:
    """Per sentence token: closeness to the question's words and to its question word, in-question, digit, capital."""
    vectors = sentence.vectors.astype(np.float32)
    near = (vectors @ question.vectors.T).max(axis=1) if len(question.weights) else np.zeros(len(vectors))
    asked = vectors @ question.asked if question.asked is not None else np.zeros(len(vectors))
    words = [text[a:b] for a, b in sentence.spans]
    flags = np.array([[w.casefold() in question.words, any(c.isdigit() for c in w), w[:1].isupper()] for w in words],
                     np.float32).reshape(-1, 3)  # fmt: skip
    matched = np.flatnonzero((near > 0.7) | flags[:, 0].astype(bool))
    gaps = np.abs(np.arange(len(words))[:, None] - matched[None, :]) if len(matched) else np.full((len(words), 1), 99)
    close = np.exp(-gaps.min(axis=1) / 3.0)
    return np.column_stack([near, asked, flags, close, close * (1 - flags[:, 0])]).astype(np.float32)


def question_vector(question) -> np.ndarray:
    """The question word's vector and the weighted mean of its content words, side by side."""
    asked = question.asked if question.asked is not None else np.zeros(question.vectors.shape[1], np.float32)
    total = question.weights.sum()
    mean = (question.vectors * question.weights[:, None]).sum(0) / total if total else np.zeros_like(asked)
    return np.concatenate([asked, mean]).astype(np.float32)


class TokenScorer:
    """The two heads with their weights; `score` ranks candidates, `span` reads the phrase. Thread-safe (pure)."""

    def __init__(self, weights: Path = WEIGHTS):
        with np.load(weights, allow_pickle=False) as data:
            self.p = {k: data[k].astype(np.float32) for k in data.files}

    def score(self, features: np.ndarray, extra: np.ndarray) -> float:
        """The learned logit of one candidate from its feature row and interaction values."""
        x = (np.concatenate([features, extra]) - self.p["mean"]) / self.p["scale"]
        hidden = np.maximum(x @ self.p["W1"] + self.p["b1"], 0.0)
        return float(x @ self.p["w"] + hidden @ self.p["w2"] + self.p["b"][0])

    def span(self, question, sentence, text: str) -> tuple[int, int, float]:
        """The likeliest answer phrase in the sentence (start, end in its text) and its probability."""
        if not sentence.spans:
            return 0, 0, 0.0
        vectors, q = sentence.vectors.astype(np.float32), question_vector(question)
        g = token_features(question, sentence, text)
        logits = []
        for head in ("s", "e"):
            value = (vectors @ self.p[f"U{head}"]) @ (q @ self.p[f"V{head}"]) + g @ self.p[f"t{head}"]
            value = np.nan_to_num(value, nan=-1e4)
            logits.append(value - np.logaddexp.reduce(value))
        pair = logits[0][:, None] + logits[1][None, :]
        n = len(pair)
        allowed = np.triu(np.ones((n, n), bool)) & ~np.triu(np.ones((n, n), bool), MAX_PHRASE)
        pair = np.where(allowed, pair, -np.inf)
        i, j = divmod(int(pair.argmax()), n)
        start, end = word_span(text, sentence.spans[i][0], sentence.spans[j][1])
        return start, end, float(np.exp(pair[i, j]))


_cache: dict[str, TokenScorer | None] = {}
_load_lock = threading.Lock()


def load_token_scorer(weights: Path = WEIGHTS) -> TokenScorer | None:
    """The shipped token scorer, loaded once; None if its weights are missing or unreadable."""
    key = str(weights)
    with _load_lock:
        if key not in _cache:
            try:
                _cache[key] = TokenScorer(weights) if weights.is_file() else None
            except (OSError, ValueError, KeyError):
                _cache[key] = None
        return _cache[key]
