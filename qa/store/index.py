"""The loaded index, typed: a frozen Manifest, the documents and chunks, BM25 and (unless BM25-only) the vectors.

On disk (see qa.store.files), `CURRENT` names the live version folder (`v000007/`), which holds `manifest.json`,
`documents.jsonl`, `chunks.jsonl` with their tables (qa.store.chunk_store: read a row at a time while serving),
the BM25 arrays (`bm25.*.npy`, memory-mapped, and `vocab.json`), `vectors.faiss` and, when that is
approximate, the exact `vectors.npy` (qa.search.dense). Large files are checked by block or in the background
(qa.store.integrity), so opening an index of a million chunks takes seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from qa.ingest.chunking import ChunkParams
from qa.records import Chunk, Document
from qa.search.bm25 import LexicalIndex
from qa.search.dense import APPROXIMATE_FROM, HNSW, DenseVectors  # noqa: F401 - re-exported
from qa.store.integrity import Integrity

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Manifest:
    """How an index was built, what it holds, and (once written) the sha256 and size of each of its files."""

    mode: str
    model: str | None
    dimension: int | None
    chunking: ChunkParams
    documents: dict[str, str]  # doc_id -> content hash
    chunks: int
    stem: bool = True
    languages: tuple[str, ...] = ("en",)  # the languages of the documents it holds
    format_version: int = FORMAT_VERSION
    qa_version: str | None = None
    created: str | None = None
    files: dict[str, dict] = field(default_factory=dict)  # name -> {"sha256": str, "bytes": int}
    backend: str = "local"  # "local" (FAISS and BM25 files here) or "milvus" (chunks and ranking in Milvus)
    uri: str | None = None  # the Milvus URI, without secrets
    collection: str | None = None  # the Milvus collection
    part: str | None = None  # the subfolder ("2019/") whose documents this index owns in a shared collection
    folder: str | None = None  # the folder the documents were read from (absolute), for showing original pages
    dense_index: dict = field(default_factory=dict)  # the FAISS index type and its parameters; {} is exact (flat)
    encoder: str = "torch-fp32"  # the model's encoder variant (qa.embed.encoders); vectors of two variants never mix
    base: str | None = None  # a delta (qa.store.layered): the version it layers over; its files hold only the changes

    @classmethod
    def describe(
        cls, documents: list[Document], chunks: int, model: str | None, dense: DenseVectors | None, params: ChunkParams
    ) -> Manifest:
        """The manifest of an index about to be written: hybrid with vectors, else BM25-only."""
        return cls(
            mode="hybrid" if dense is not None else "bm25",
            model=model if dense is not None else None,
            dimension=dense.dimension if dense is not None else None,
            chunking=params,
            documents={d.doc_id: d.content_hash for d in documents},
            chunks=chunks,
            languages=tuple(sorted({d.language for d in documents})) or ("en",),
            dense_index=dict(dense.params) if dense is not None else {},
        )

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        """A manifest from its JSON; raises KeyError/TypeError when fields are missing or mistyped."""
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        fields["chunking"] = ChunkParams(**data["chunking"])
        fields["languages"] = tuple(data.get("languages", ("en",)))
        return cls(**fields)


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
