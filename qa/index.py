"""The loaded index, typed: a frozen Manifest, the documents and chunks, BM25 and (unless BM25-only) the vectors.

On disk (see qa.store), `CURRENT` names the live version folder (`v000007/`), which holds `manifest.json`,
`documents.jsonl`, `chunks.jsonl`, the BM25 arrays (`bm25.*.npy`, `vocab.json`) and `vectors.faiss`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from qa.chunking import ChunkParams
from qa.lexical import LexicalIndex
from qa.records import Chunk, Document

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


APPROXIMATE_FROM = 200_000  # chunks from which the dense side is HNSW, not exact: see DenseVectors.build
HNSW = {"type": "hnsw", "M": 32, "efConstruction": 80, "efSearch": 128}


class DenseVectors:
    """Normalized chunk vectors behind an inner-product FAISS index (exact, or HNSW when large); row i is chunk i."""

    def __init__(self, faiss_index, params: dict | None = None):
        self.faiss = faiss_index
        self.params = dict(params or {"type": "flat"})  # as the Manifest records it; {} (old indexes) is flat
        if self.approximate:
            self.faiss.hnsw.efSearch = int(self.params["efSearch"])

    @classmethod
    def build(cls, vectors: np.ndarray, approximate_from: int | None = None) -> DenseVectors:
        """An exact inner-product index over normalized vectors, or HNSW from `approximate_from` vectors up."""
        import faiss

        if len(vectors) < (APPROXIMATE_FROM if approximate_from is None else approximate_from):
            index, params = faiss.IndexFlatIP(vectors.shape[1]), {"type": "flat"}
        else:
            index, params = faiss.IndexHNSWFlat(vectors.shape[1], HNSW["M"], faiss.METRIC_INNER_PRODUCT), HNSW
            index.hnsw.efConstruction = HNSW["efConstruction"]
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index, params)

    @property
    def approximate(self) -> bool:
        return self.params.get("type") == "hnsw"

    @property
    def dimension(self) -> int:
        return int(self.faiss.d)

    @property
    def count(self) -> int:
        return int(self.faiss.ntotal)

    def vectors(self) -> np.ndarray:
        """Every vector, in row order."""
        return self.faiss.reconstruct_n(0, self.count)

    def search(
        self, query_vector: np.ndarray, k: int, rows: np.ndarray | None = None, exact: bool = False
    ) -> list[tuple[int, float]]:
        """The k nearest rows (only among `rows` when given, always exactly), best first."""
        import faiss

        _one_faiss_thread()
        k = min(k, self.count if rows is None else len(rows))
        if k <= 0:
            return []
        index, params = self.faiss, None
        if self.approximate and (rows is not None or exact):  # HNSW's flat storage, scanned: exact
            index = faiss.downcast_index(self.faiss.storage)
        elif self.approximate:
            params = faiss.SearchParametersHNSW(efSearch=max(k, int(self.params["efSearch"])))
        if rows is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(rows.astype(np.int64)))
        scores, found = index.search(query_vector.reshape(1, -1).astype(np.float32), k, params=params)
        return [(int(r), float(s)) for r, s in zip(found[0], scores[0]) if r >= 0]


_faiss_threads_set = False


def _one_faiss_thread() -> None:
    """One query at a time is fastest on one thread: OpenMP start-up costs more than the scan."""
    global _faiss_threads_set
    if not _faiss_threads_set:
        import faiss

        faiss.omp_set_num_threads(1)
        _faiss_threads_set = True


@dataclass(frozen=True)
class Index:
    """A loaded index version; retrieval and the answerer read it through the methods below."""

    manifest: Manifest
    documents: dict[str, Document]
    chunks: list[Chunk]
    lexical: LexicalIndex  # also the vocabulary and IDF the answerer reads
    dense: DenseVectors | None = None
    version: str | None = None  # the version folder it was loaded from; None before it is written

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
        return np.array([i for i, c in enumerate(self.chunks) if c.doc_id in doc_ids], dtype=np.int64)

    def dense_search(self, query_vector: np.ndarray, k: int, rows: np.ndarray | None = None):
        return self.dense.search(query_vector, k, rows) if self.dense is not None else []

    def lexical_search(self, query, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """BM25's top k (among `rows`); `query` is a text or (text, language) pairs scored together."""
        scores = self.lexical.scores(query)
        if rows is not None:
            kept = np.zeros_like(scores)
            kept[rows] = scores[rows]
            scores = kept
        return top_scores(scores, k)

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
