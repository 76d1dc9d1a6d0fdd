"""Which column a question's words name: by the words of its name (stems), else by meaning (the embedding model:
'people' is near 'Beneficiaries'), the best by a clear margin or none."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.answer.table.frame import Column
from qa.answer.table.words import STOPWORDS, stem

NEAR = 0.34  # cosine of a word and a column name the model reads as the same thing
LOOKUP_NEAR = 0.5  # without a word like 'total' or 'most', a column is taken by meaning only when this near
MARGIN = 0.05  # the best column by meaning must be this much nearer than the next, else it is unclear
_NAMES: dict[tuple[int, str], np.ndarray] = {}


@dataclass(frozen=True)
class Named:
    """The columns a question names: `best` with its score, or `tied` when two are named equally."""

    best: Column | None
    score: float = 0.0
    tied: tuple[Column, ...] = ()
    by_meaning: bool = False


def by_words(columns: list[Column], stems: set[str]) -> Named:
    """The column whose name's words the question uses most (as a share of the name), ties reported."""
    scored = []
    for column in columns:
        names = [s for s in column.stems if s not in _UNITS] or list(column.stems)
        hits = sum(s in stems for s in names)
        if hits:
            units = sum(s in stems for s in column.stems if s not in names)
            scored.append((hits / len(names) + 0.01 * (hits + units), column))
    if not scored:
        return Named(None)
    scored.sort(key=lambda x: -x[0])
    tied = tuple(c for s, c in scored if abs(s - scored[0][0]) < 1e-9)
    return Named(scored[0][1], scored[0][0], tied if len(tied) > 1 else ())


UNIT_WORDS = frozenset({"soles", "sol", "usd", "eur", "pen", "dollars", "euros", "m", "km", "kg", "percent", "metres",
                        "meters"})  # fmt: skip
_UNITS = {stem(w) for w in UNIT_WORDS}


def _vectors(embedder, texts: list[str]) -> np.ndarray:
    vectors = np.asarray(embedder.encode(texts), dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


def by_meaning(columns: list[Column], words: list[str], embedder, near: float = NEAR) -> Named:
    """The column nearest in meaning to one of the question's left-over words, when clearly nearest."""
    words = [w for w in words if w not in STOPWORDS and not w.isdigit() and len(w) > 2]
    if embedder is None or not columns or not words:
        return Named(None)
    names = _vectors(embedder, [c.name.lower() for c in columns])
    similar = _vectors(embedder, words) @ names.T  # words x columns
    best = similar.max(axis=0)
    order = np.argsort(-best)
    top = float(best[order[0]])
    if top < near:
        return Named(None)
    second = float(best[order[1]]) if len(order) > 1 else -1.0
    if top - second < MARGIN:
        return Named(columns[order[0]], top, (columns[order[0]], columns[order[1]]), True)
    return Named(columns[order[0]], top, (), True)
