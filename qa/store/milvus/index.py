"""An index whose chunks, vectors and BM25 ranking live in Milvus; the local folder keeps the rest.

The index folder keeps the manifest (backend, URI without secrets, collection), the documents' full
texts (documents.jsonl: citations are sliced from them) and the chunk records with a local BM25
vocabulary and IDF, which the answerer reads for question word weights. Every ranking is done by Milvus.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qa.search.fusion import POOL, convex
from qa.store import milvus
from qa.store.index import Index

MILVUS_FUSIONS = ("rrf", "weighted", "convex")  # in Milvus, in Milvus, in qa over two Milvus searches
MILVUS_FUSION = "weighted"  # SciFact nDCG@10: weighted 0.7269, rrf 0.7192 (README "Scaling out")
RRF_K = 60
BATCH = 1000  # primary keys per query when reading vectors back


class MilvusDense:
    """The dense side as retrieval sees it: a dimension, a count, and vectors read back on request."""

    def __init__(self, index: MilvusIndex):
        self.index = index
        self.dimension = int(index.manifest.dimension)
        self.count = len(index.chunks)

    def vectors(self) -> np.ndarray:
        return self.index.vectors_of(list(range(self.count)))


@dataclass(frozen=True)
class MilvusIndex(Index):
    """An Index served by a Milvus collection: rows are local chunk rows, mapped by primary key."""

    client: object = None
    rows_by_pk: dict[int, int] = field(default_factory=dict)

    @property
    def collection(self) -> str:
        return self.manifest.collection

    def _hits(self, results) -> list[tuple[int, float]]:
        """(row, score) pairs of the chunks this index knows, best first; BM25 distances may come negated."""
        found = []
        for hit in results[0] if results else []:
            row = self.rows_by_pk.get(int(hit.id))
            if row is not None:
                found.append((row, abs(float(hit.distance))))
        return found

    def _filter(self, rows: np.ndarray | None) -> str:
        """The filter expression limiting a search to these rows' documents ('' for all)."""
        if rows is None:
            return ""
        return milvus.source_filter({self.chunks[int(r)].doc_id for r in rows})

    def _call(self, method: str, **kwargs):
        try:
            return getattr(self.client, method)(self.collection, **kwargs)
        except Exception as exc:  # a server gone away mid-session: one clear line
            raise milvus.BackendUnavailable(
                f"Milvus at {self.manifest.uri} failed a {method} ({milvus.first_line(exc)}); "
                "check that the server is running"
            ) from None

    def dense_search(self, query_vector: np.ndarray, k: int, rows: np.ndarray | None = None):
        if (rows is not None and not len(rows)) or not self.chunks:
            return []
        data = [np.asarray(query_vector, dtype=np.float32).tolist()]
        results = self._call("search", data=data, anns_field="dense", limit=min(k, len(self.chunks)),
                             filter=self._filter(rows), search_params={"metric_type": "IP"},
                             output_fields=["pk"])  # fmt: skip
        return self._hits(results)

    def lexical_search(self, query, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        terms = milvus.query_text(query, self.manifest.stem)
        if not terms or (rows is not None and not len(rows)) or not self.chunks:
            return []
        results = self._call("search", data=[terms], anns_field="sparse", limit=min(k, len(self.chunks)),
                             filter=self._filter(rows), search_params={"metric_type": "BM25"},
                             output_fields=["pk"])  # fmt: skip
        return self._hits(results)

    def hybrid_search(self, query, query_vector: np.ndarray, k: int, rows=None, fusion: str = MILVUS_FUSION):
        """Dense and BM25 candidates fused inside Milvus (RRF, or weighted with Milvus's score normalization),
        or ("convex") ranked by Milvus twice and fused here as the local index does."""
        terms = milvus.query_text(query, self.manifest.stem)
        if not terms:
            return self.dense_search(query_vector, k, rows)
        if (rows is not None and not len(rows)) or not self.chunks:
            return []
        if fusion == "convex":
            pool = max(POOL, k)
            fused = convex(self.dense_search(query_vector, pool, rows), self.lexical_search(query, pool, rows))
            return sorted(fused.items(), key=lambda item: -item[1])[:k]
        module, where, limit = milvus.pymilvus(), self._filter(rows), min(k, len(self.chunks))
        pool = min(max(POOL, k), len(self.chunks))  # candidates from each side, as local fusion takes
        requests = [
            module.AnnSearchRequest(data=[np.asarray(query_vector, dtype=np.float32).tolist()], anns_field="dense",
                                    param={"metric_type": "IP"}, limit=pool, expr=where or None),
            module.AnnSearchRequest(data=[terms], anns_field="sparse", param={"metric_type": "BM25"}, limit=pool,
                                    expr=where or None),
        ]  # fmt: skip
        ranker = module.RRFRanker(RRF_K) if fusion != "weighted" else module.WeightedRanker(0.5, 0.5, norm_score=True)
        return self._hits(self._call("hybrid_search", reqs=requests, ranker=ranker, limit=limit, output_fields=["pk"]))

    def vectors_of(self, rows: list[int]) -> np.ndarray:
        """The stored vectors of these rows, in order (read back from Milvus in batches)."""
        pks = [milvus.chunk_pk(self.chunks[r]) for r in rows]
        found: dict[int, list[float]] = {}
        for first in range(0, len(pks), BATCH):
            batch = pks[first : first + BATCH]
            for entity in self._call("query", filter=f"pk in {batch}", output_fields=["pk", "dense"]):
                found[int(entity["pk"])] = entity["dense"]
        missing = [pk for pk in pks if pk not in found]
        if missing:
            raise milvus.BackendUnavailable(
                f"collection {self.collection!r} at Milvus {self.manifest.uri} lacks {len(missing)} chunks of this "
                "index; rebuild it with `qa index --rebuild FOLDER`"
            )
        return np.array([found[pk] for pk in pks], dtype=np.float32).reshape(len(pks), -1)


def open_milvus(index: Index) -> MilvusIndex:
    """The Milvus-backed index for a loaded local part (manifest, documents, chunks, BM25 vocabulary)."""
    manifest = index.manifest
    client = milvus.connect(manifest.uri)
    milvus.check_collection(client, manifest.collection, manifest.dimension, manifest.uri)
    rows = {milvus.chunk_pk(c): i for i, c in enumerate(index.chunks)}
    opened = MilvusIndex(manifest, index.documents, index.chunks, index.lexical, None, index.version, client, rows)
    object.__setattr__(opened, "dense", MilvusDense(opened))
    return opened
