"""An index whose chunks and vectors live in Milvus; the local folder keeps the rest.

The index folder keeps the manifest (backend, URI without secrets, collection), the documents' full
texts (documents.jsonl: citations are sliced from them), the chunk records and the BM25 matrix of
exactly the chunks this index serves. Milvus ranks the dense side; BM25 and the fusion of the two run
in qa with the local index's own code, so a question ranks and answers the same on both backends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qa.store import milvus
from qa.store.index import Index

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
        """(row, score) pairs of the chunks this index knows, best first."""
        found = []
        for hit in results[0] if results else []:
            row = self.rows_by_pk.get(int(hit.id))
            if row is not None:
                found.append((row, float(hit.distance)))
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
