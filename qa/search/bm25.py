"""BM25 scored as a sparse product: a chunk-by-term weight matrix times the query's term counts.

Okapi's IDF goes negative (or zero) for a term in half the chunks or more, which would rank chunks
that match below chunks that do not, so the IDF is Lucene's always-positive form. Scoring multiplies
a precomputed chunk-by-term weight matrix by the query's term counts instead of looping over every
chunk in Python. The matrix is built streaming (qa.search.bm25_build); a mixed index keeps each
chunk's language.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from qa.search.tokens import query_terms

K1, B = 1.2, 0.75


class LexicalIndex:
    """BM25 over tokenized chunks, held as a chunk-by-term matrix of term weights, with each chunk's language."""

    def __init__(
        self,
        vocab: dict[str, int],
        weights: sparse.csc_matrix,
        idf: np.ndarray,
        stem: bool = True,
        languages: np.ndarray | None = None,
        avgdl: float | None = None,
    ):
        self.vocab = vocab
        self.avgdl = avgdl  # the chunks' average length in tokens (None in indexes saved before it was kept)
        self.weights = weights
        self.idf = idf
        self.stem = stem
        rows = weights.shape[0]
        self.languages = np.full(rows, "en") if languages is None else np.asarray(languages, dtype=str)

    def term_idf(self, token: str) -> float:
        """IDF of a token the corpus uses."""
        return float(self.idf[self.vocab[token]])

    def scores(self, query: str | Sequence[tuple[str, str]], language: str = "en") -> np.ndarray:
        """BM25 score of every chunk (0 where no term matches) for a query in `language`, or for (text, lang) pairs."""
        parts = [(query, language)] if isinstance(query, str) else query
        counts: dict[int, int] = {}
        for token, n in query_terms(parts, self.stem).items():
            if token in self.vocab:
                counts[self.vocab[token]] = n
        if not counts:
            return np.zeros(self.weights.shape[0], dtype=np.float32)
        columns = self.weights[:, list(counts)]
        return np.asarray(columns @ np.array(list(counts.values()), np.float32)).ravel()

    def matches(self, query: str | Sequence[tuple[str, str]], language: str = "en") -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the chunks matching a query term, as scores() gives them; reads only those postings."""
        parts = [(query, language)] if isinstance(query, str) else query
        terms = [(self.vocab[t], n) for t, n in query_terms(parts, self.stem).items() if t in self.vocab]
        w = self.weights
        spans = [(int(w.indptr[col]), int(w.indptr[col + 1]), n) for col, n in terms]
        if not spans or not any(b > a for a, b, _ in spans):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        postings = sum(b - a for a, b, _ in spans)
        # summed in float32 in term order, as the sparse product in scores() does, so the two agree bit for bit
        if len(spans) == 1 or postings * 32 < w.shape[0]:  # few postings: sort them rather than touch every row
            rows = np.concatenate([w.indices[a:b] for a, b, _ in spans]).astype(np.int64)
            values = np.concatenate([np.asarray(w.data[a:b], np.float32) * np.float32(n) for a, b, n in spans])
            if len(spans) == 1:
                return rows, values
            unique, inverse = np.unique(rows, return_inverse=True)
            totals = np.zeros(len(unique), np.float32)
            np.add.at(totals, inverse, values)
            return unique, totals
        totals = np.zeros(w.shape[0], np.float32)
        for a, b, n in spans:  # a term's rows are distinct: a vectorized add, term by term as add.at would
            totals[w.indices[a:b]] += np.asarray(w.data[a:b], np.float32) * np.float32(n)
        unique = np.flatnonzero(totals > 0)  # weights are positive; a bool mask is found ~10x faster than floats
        return unique, totals[unique]

    def rows_in(self, language: str) -> np.ndarray:
        """Row numbers of the chunks in `language`, e.g. to restrict a search to them."""
        return np.flatnonzero(self.languages == language)

    def arrays(self) -> dict[str, np.ndarray]:
        """The matrix and the chunks' languages as plain arrays, for saving without pickles."""
        w = self.weights
        return {
            "data": w.data,
            "indices": w.indices,
            "indptr": w.indptr,
            "shape": np.array(w.shape),
            "idf": self.idf,
            "languages": self.languages,
        } | ({"avgdl": np.array([self.avgdl], np.float64)} if self.avgdl else {})

    @classmethod
    def from_arrays(cls, vocab: dict[str, int], arrays: dict[str, np.ndarray], stem: bool) -> LexicalIndex:
        """The index saved by arrays(); an index saved before languages were kept is all English."""
        shape = tuple(int(x) for x in arrays["shape"])
        weights = sparse.csc_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape)
        languages = arrays.get("languages")
        if languages is not None and len(languages) != shape[0]:
            raise ValueError(f"{len(languages)} chunk languages for {shape[0]} BM25 rows")
        avgdl = arrays.get("avgdl")
        return cls(vocab, weights, arrays["idf"], stem, languages, float(avgdl[0]) if avgdl is not None else None)
