"""The loaded index, typed: a frozen Manifest, the documents and chunks, BM25 and (unless BM25-only) the vectors.

On disk (see qa.store.files), `CURRENT` names the live version folder (`v000007/`), which holds `manifest.json`,
`documents.jsonl`, `chunks.jsonl` with their tables (qa.store.chunk_store: read a row at a time while serving),
the BM25 arrays (`bm25.*.npy`, memory-mapped, and `vocab.json`), `vectors.faiss` and, when that is
approximate, the exact `vectors.npy` (qa.search.dense). Large files are checked by block or in the background
(qa.store.integrity), so opening an index of a million chunks takes seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from qa.records import Chunk, Document
from qa.search.bm25 import LexicalIndex
from qa.search.dense import DenseVectors
from qa.store.integrity import Integrity
from qa.store.manifest import Manifest


@dataclass(frozen=True)
class Index:
    """A loaded index version; retrieval and the answerer read it through the methods below."""

    manifest: Manifest
    documents: Mapping[str, Document]  # a dict, or qa.store.chunk_store.StoredDocuments read from disk on demand
    chunks: Sequence[Chunk]  # a list, or qa.store.chunk_store.StoredChunks
    lexical: LexicalIndex  # also the vocabulary and IDF the answerer reads
    dense: DenseVectors | None = None
    version: str | None = None  # the version folder it was loaded from; None before it is written
    integrity: Integrity | None = field(default=None, compare=False, kw_only=True)  # background check of large files

    @property
    def mode(self) -> str:
        return self.manifest.mode

    def chunk(self, row: int) -> Chunk:
        return self.chunks[row]

    def document(self, doc_id: str) -> Document:
        return self.documents[doc_id]

    def doc_ids(self) -> list[str]:
        return list(self.documents)

    def rows_of(self, doc_ids: set[str]) -> np.ndarray:
        """The rows of the chunks of these documents."""
        if hasattr(self.chunks, "rows_of"):
            return self.chunks.rows_of(doc_ids)
        return np.array([i for i, c in enumerate(self.chunks) if c.doc_id in doc_ids], dtype=np.int64)

    def dense_search(self, query_vector: np.ndarray, k: int, rows: np.ndarray | None = None):
        if self.integrity is not None:
            self.integrity.check()
        return self.dense.search(query_vector, k, rows) if self.dense is not None else []

    def lexical_search(self, query, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """BM25's top k (among `rows`); `query` is a text or (text, language) pairs scored together."""
        if self.integrity is not None:
            self.integrity.check()
        matched, scores = self.lexical.matches(query)
        if rows is not None:
            kept = np.isin(matched, rows)
            matched, scores = matched[kept], scores[kept]
        return [(int(matched[i]), s) for i, s in top_scores(scores, k)]

    def vectors(self) -> np.ndarray | None:
        """All chunk vectors in chunk order, or None for a BM25-only index."""
        return self.dense.vectors() if self.dense is not None else None


def top_scores(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (row, score) pairs with a positive score, best first."""
    k = min(k, len(scores))
    if k <= 0:
        return []
    rows = np.argpartition(-scores, k - 1)[:k]
    rows = rows[np.argsort(-scores[rows], kind="stable")]
    return [(int(r), float(scores[r])) for r in rows if scores[r] > 0]
