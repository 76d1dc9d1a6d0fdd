"""Writing to Milvus: a sync deletes and re-inserts only the chunks of added, changed and removed documents.

Vectors are reused by text key: from the Milvus entities about to be replaced (a rename or a small edit
embeds nothing new) and, when a local index moves to Milvus, from its FAISS vectors, so switching
backends does not re-embed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qa import milvus
from qa.embedding import text_key
from qa.errors import IndexMismatch, QAError
from qa.index import Index, Manifest
from qa.records import Chunk, Document
from qa.store import current_version

INSERT_BATCH = 500  # entities per upsert call


@dataclass(frozen=True)
class Backend:
    """Where an index's chunks live: "local" (files in the index folder) or "milvus" (a URI and a collection)."""

    kind: str = "local"
    uri: str | None = None
    collection: str | None = None

    @classmethod
    def of(cls, manifest: Manifest) -> Backend:
        return cls(manifest.backend, manifest.uri, manifest.collection)

    @classmethod
    def stored(cls, index_dir: Path) -> Backend:
        """The backend the current index in `index_dir` names (for a rebuild, which loads nothing); else local."""
        try:
            name = current_version(index_dir)
            data = json.loads((index_dir / str(name) / "manifest.json").read_text(encoding="utf-8")) if name else {}
            return cls(data.get("backend", "local"), data.get("uri"), data.get("collection"))
        except (OSError, ValueError, QAError, AttributeError):
            return cls()

    def describe(self, manifest: Manifest, model: str, dimension: int) -> Manifest:
        """The manifest of a Milvus-backed index: hybrid, with the URI stripped of secrets."""
        return replace(manifest, mode="hybrid", model=model, dimension=dimension, backend="milvus",
                       uri=milvus.public_uri(self.uri), collection=self.collection)  # fmt: skip


def _same(backend: Backend, previous: Index | None) -> bool:
    """Whether the previous index lives in this very collection."""
    if previous is None or previous.manifest.backend != "milvus":
        return False
    return (previous.manifest.uri, previous.manifest.collection) == (milvus.public_uri(backend.uri), backend.collection)


def _prepare(client, backend: Backend, same: bool, rebuild: bool, dimension) -> None:
    """Make sure the collection exists; a fresh build never writes into someone else's rows."""
    name, shown = backend.collection, milvus.public_uri(backend.uri)
    if client.has_collection(name) and not same:
        rows = int(client.get_collection_stats(name).get("row_count", 0))
        if rebuild or rows == 0:
            client.drop_collection(name)
        else:
            raise IndexMismatch(
                f"collection {name!r} at Milvus {shown} already holds {rows} chunks this index folder did not "
                "write; choose another --collection, or pass --rebuild to replace them"
            )
    if not client.has_collection(name):
        milvus.create_collection(client, name, dimension())
    milvus.check_collection(client, name, None, backend.uri)


def _known_vectors(client, name: str, sources: set[str], previous: Index | None, model: str) -> dict:
    """Vectors by text key: the Milvus entities of the documents about to be replaced, and a local index's."""
    known: dict[str, np.ndarray] = {}
    if previous is not None and previous.manifest.backend == "local" and previous.dense is not None:
        for chunk, vector in zip(previous.chunks, previous.vectors()):
            known[text_key(model, chunk.embed_text())] = vector
    names = sorted(sources)
    for first in range(0, len(names), 100):
        where = milvus.source_filter(names[first : first + 100])
        for entity in client.query(name, filter=where, output_fields=["key", "dense"]):
            known[entity["key"]] = np.asarray(entity["dense"], dtype=np.float32)
    return known


def _vectors(chunks: list[Chunk], known: dict, embedder, report, progress: bool) -> list[np.ndarray]:
    """A vector for each chunk: reused by text key, the rest embedded in one call."""
    keys = [text_key(embedder.name, c.embed_text()) for c in chunks]
    todo = sorted({k: c.embed_text() for k, c in zip(keys, chunks) if k not in known}.items())
    if todo:
        known.update(zip([k for k, _ in todo], embedder.encode([t for _, t in todo], progress=progress)))
    report.embedded = len(todo)
    return [known[k] for k in keys]


def _changed(chunks: list[Chunk], previous: Index | None, same: bool) -> tuple[set[str], list[Chunk]]:
    """The documents whose chunks differ from what the collection holds, and their new chunks."""
    old = {milvus.chunk_pk(c): c.doc_id for c in previous.chunks} if same else {}
    new = {milvus.chunk_pk(c): c for c in chunks}
    sources = {doc for pk, doc in old.items() if pk not in new} | {c.doc_id for pk, c in new.items() if pk not in old}
    return sources, [c for c in chunks if c.doc_id in sources]


def write_milvus(backend: Backend, documents: list[Document], chunks: list[Chunk], previous: Index | None,
                 model: str, embedder_for, report, progress: bool = False, rebuild: bool = False) -> int:  # fmt: skip
    """Bring the collection in line with `chunks`; returns the vector dimension. Deletes and upserts by source."""
    client, same = milvus.connect(backend.uri), _same(backend, previous)
    embedder = embedder_for(model)  # the model itself loads on first use
    dimension = previous.manifest.dimension if same else None
    _prepare(client, backend, same, rebuild, lambda: dimension or embedder.dimension)
    sources, todo = _changed(chunks, previous, same)
    start = time.perf_counter()
    vectors = []
    if todo:
        known = _known_vectors(client, backend.collection, sources if same else set(), previous, model)
        vectors = _vectors(todo, known, embedder, report, progress)
    report.reused = len(chunks) - report.embedded
    report.seconds["milvus_embed"] = time.perf_counter() - start
    start = time.perf_counter()
    names = sorted(sources)
    for first in range(0, len(names), 100) if same else ():
        client.delete(backend.collection, filter=milvus.source_filter(names[first : first + 100]))
    languages = {d.doc_id: d.language for d in documents}
    for first in range(0, len(todo), INSERT_BATCH):
        batch = zip(todo[first : first + INSERT_BATCH], vectors[first : first + INSERT_BATCH])
        rows = [milvus.entity(c, text_key(model, c.embed_text()), v, languages[c.doc_id]) for c, v in batch]
        client.upsert(backend.collection, rows)
    if todo or sources:
        client.flush(backend.collection)  # seal what was written: Milvus Lite scans unflushed rows one by one
    report.seconds["milvus_write"] = time.perf_counter() - start
    report.mode, report.model = "hybrid", model
    return int(dimension or (len(vectors[0]) if vectors else embedder.dimension))
