"""A layered index: a large base version read as it is, plus a small delta written by an incremental sync.

The delta holds the documents added or changed since the base (its own chunks, BM25 and exact vectors)
and names the base documents it hides (changed or removed). Rows keep one numbering: the base's rows,
then the delta's (`chunk_id` is the row), so a hidden base row is simply never returned. The classes
below give the layered whole the same interface as one version (qa.store.index.Index's fields); iterating the
chunks yields only live ones.
"""

from __future__ import annotations

import heapq
from collections import ChainMap
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from qa.records import Chunk, Document, IndexCorrupt
from qa.store.files import REBUILD_HINT
from qa.store.index import Index
from qa.store.integrity import Joined


class LayeredDocuments(Mapping):
    """doc_id -> Document: the delta's, then the base's that are not hidden; iterates in doc_id order."""

    def __init__(self, base: Mapping[str, Document], delta: Mapping[str, Document], hidden: frozenset[str]):
        self.base, self.delta, self.hidden = base, delta, hidden
        self._len = len(base) - len(hidden) + len(delta)

    def __len__(self) -> int:
        return self._len

    def __contains__(self, doc_id) -> bool:
        return doc_id in self.delta or (doc_id in self.base and doc_id not in self.hidden)

    def __getitem__(self, doc_id: str) -> Document:
        if doc_id in self.delta:
            return self.delta[doc_id]
        if doc_id in self.hidden:
            raise KeyError(doc_id)
        return self.base[doc_id]

    def __iter__(self) -> Iterator[str]:
        return heapq.merge((d for d in self.base if d not in self.hidden), sorted(self.delta))

    def values(self):
        """Every live document in doc_id order, streamed."""
        base = (d for d in self.base.values() if d.doc_id not in self.hidden)
        return heapq.merge(base, (self.delta[d] for d in sorted(self.delta)), key=lambda d: d.doc_id)

    def items(self):
        return ((d.doc_id, d) for d in self.values())


class LayeredChunks(Sequence):
    """Chunks by row (base rows, then delta rows); iteration and len() cover the live chunks only."""

    def __init__(self, base: Sequence[Chunk], delta: Sequence[Chunk], hidden_rows: np.ndarray, hidden: frozenset):
        self.base, self.delta, self.hidden_rows, self.hidden = base, delta, hidden_rows, hidden
        self.first_delta = len(base)

    def __len__(self) -> int:
        return self.first_delta - len(self.hidden_rows) + len(self.delta)

    def __getitem__(self, row):
        if isinstance(row, slice):
            return list(self)[row]
        row = int(row)
        if row < 0:
            raise IndexError("rows of a layered index are not counted from the end")
        return self.base[row] if row < self.first_delta else self.delta[row - self.first_delta]

    def __iter__(self) -> Iterator[Chunk]:
        hidden = set(self.hidden_rows.tolist())
        yield from (c for row, c in enumerate(self.base) if row not in hidden)
        yield from self.delta

    def rows_of(self, doc_ids: set[str]) -> np.ndarray:
        """The live rows of the chunks of these documents."""
        base = rows_of(self.base, set(doc_ids) - self.hidden)
        return np.concatenate([base, rows_of(self.delta, doc_ids) + self.first_delta])


def rows_of(chunks: Sequence[Chunk], doc_ids: set[str]) -> np.ndarray:
    """The rows of the chunks of these documents in one version's chunks."""
    if hasattr(chunks, "rows_of"):
        return chunks.rows_of(doc_ids)
    return np.array([i for i, c in enumerate(chunks) if c.doc_id in doc_ids], dtype=np.int64)


def _live(rows: np.ndarray, hidden_rows: np.ndarray) -> np.ndarray:
    return rows[~np.isin(rows, hidden_rows)] if len(hidden_rows) and len(rows) else rows


class LayeredLexical:
    """BM25 over base and delta; the delta was weighted with the base's statistics (qa.search.bm25_build)."""

    def __init__(self, base, delta, hidden_rows: np.ndarray, first_delta: int):
        self.base, self.delta, self.hidden_rows, self.first_delta = base, delta, hidden_rows, first_delta
        self.stem = base.stem
        self.vocab = ChainMap(base.vocab, delta.vocab)
        self.idf = np.concatenate([np.asarray(base.idf, np.float32), np.asarray(delta.idf, np.float32)])

    def term_idf(self, token: str) -> float:
        return self.base.term_idf(token) if token in self.base.vocab else self.delta.term_idf(token)

    def matches(self, query, language: str = "en") -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the live chunks matching a query term."""
        rows, scores = self.base.matches(query, language)
        if len(self.hidden_rows) and len(rows):
            live = ~np.isin(rows, self.hidden_rows)
            rows, scores = rows[live], scores[live]
        more, more_scores = self.delta.matches(query, language)
        return np.concatenate([rows, more + self.first_delta]), np.concatenate([scores, more_scores])

    def rows_in(self, language: str) -> np.ndarray:
        base = _live(self.base.rows_in(language), self.hidden_rows)
        return np.concatenate([base, self.delta.rows_in(language) + self.first_delta])


class LayeredDense:
    """Dense search over the base (hidden rows excluded inside FAISS) and the delta's exact vectors, merged."""

    def __init__(self, base, delta, hidden_rows: np.ndarray, first_delta: int):
        self.base, self.delta, self.hidden_rows, self.first_delta = base, delta, hidden_rows, first_delta
        self.params = base.params

    @property
    def dimension(self) -> int:
        return self.base.dimension

    @property
    def count(self) -> int:
        return self.first_delta - len(self.hidden_rows) + self.delta.count

    @property
    def approximate(self) -> bool:
        return self.base.approximate

    def vectors(self) -> np.ndarray:
        """Every live vector, in the order the live chunks iterate."""
        base = self.base.vectors()
        if len(self.hidden_rows):
            base = np.delete(np.asarray(base), self.hidden_rows, axis=0)
        return np.concatenate([np.asarray(base, np.float32), self.delta.vectors()])

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """The vectors of these rows."""
        low = rows < self.first_delta
        out = np.zeros((len(rows), self.dimension), np.float32)
        out[low] = self.base.rows(rows[low])
        out[~low] = self.delta.rows(rows[~low] - self.first_delta)
        return out

    def search(self, query_vector: np.ndarray, k: int, rows: np.ndarray | None = None, exact: bool = False):
        """The k nearest live rows (among `rows`, which are live, when given), best first."""
        if rows is None:
            found = self.base.search(query_vector, k, exact=exact, excluded=self.hidden_rows)
            found += [(r + self.first_delta, s) for r, s in self.delta.search(query_vector, k, exact=exact)]
        else:
            low = rows < self.first_delta
            found = self.base.search(query_vector, k, rows[low], exact) if low.any() else []
            high = rows[~low] - self.first_delta
            if len(high):
                found += [(r + self.first_delta, s) for r, s in self.delta.search(query_vector, k, high)]
        return sorted(found, key=lambda pair: -pair[1])[:k]


def layer(manifest, base, delta, hidden: frozenset[str], version: str):
    """The Index of a delta version over its base (both loaded as plain versions)."""

    strays = [d for d in hidden if d not in base.documents] + [d for d in delta.documents if d in base.documents
                                                                and d not in hidden]  # fmt: skip
    if strays:
        raise IndexCorrupt(f"{version}: the delta and its base disagree on {strays[0]!r}; {REBUILD_HINT}")
    hidden_rows = np.sort(rows_of(base.chunks, set(hidden))).astype(np.int64)
    first = len(base.chunks)
    documents = LayeredDocuments(base.documents, delta.documents, hidden)
    chunks = LayeredChunks(base.chunks, delta.chunks, hidden_rows, hidden)
    lexical = LayeredLexical(base.lexical, delta.lexical, hidden_rows, first)
    dense = LayeredDense(base.dense, delta.dense, hidden_rows, first) if base.dense is not None else None
    integrity = Joined(base.integrity, delta.integrity)
    return Index(manifest, documents, chunks, lexical, dense, version=version, integrity=integrity)
