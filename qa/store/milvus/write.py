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

from qa.embed.embedder import text_key
from qa.records import Chunk, Document, IndexMismatch, InputError
from qa.store import milvus
from qa.store.backend import Backend
from qa.store.build import Writing
from qa.store.index import Index
from qa.store.manifest import Manifest

INSERT_BATCH = 500  # entities per upsert call
QUERY_BATCH = 1000  # rows per page when reading what a collection holds


def check_part(folder: Path, part: str) -> str:
    """A worker's subfolder as a document-id prefix ("2019/reports/"), or InputError naming what is wrong."""
    relative = Path(part)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts or part.strip() in ("", "."):
        raise InputError(f"--part {part}: give a subfolder of {folder}, relative to it")
    if not (folder / relative).is_dir():
        raise InputError(f"--part {part}: {folder / relative} is not a folder")
    return relative.as_posix().strip("/") + "/"


def _same(backend: Backend, previous: Index | None) -> bool:
    """Whether the previous index lives in this very collection (and part of it)."""
    if previous is None or previous.manifest.backend != "milvus":
        return False
    where = (previous.manifest.uri, previous.manifest.collection, previous.manifest.part)
    return where == (milvus.public_uri(backend.uri), backend.collection, backend.part)


def _create(client, name: str, dimension: int) -> None:
    """Create the collection; another worker creating it at the same moment is fine."""
    try:
        milvus.create_collection(client, name, dimension)
    except Exception:
        if not client.has_collection(name):
            raise


def _scope_rows(client, backend: Backend) -> dict[int, tuple[str, str]]:
    """The collection's rows this index may touch, pk -> (source, text key): all, or those below its part."""
    part = backend.part or ""
    where = f"source like {json.dumps(part + '%')}" if part else "pk >= 0"
    rows: dict[int, tuple[str, str]] = {}
    batches = client.query_iterator(backend.collection, batch_size=QUERY_BATCH, filter=where,
                                    output_fields=["source", "key"])  # fmt: skip
    try:
        while batch := batches.next():
            rows.update((int(r["pk"]), (r["source"], r["key"])) for r in batch if r["source"].startswith(part))
    finally:
        batches.close()
    return rows


def _prepare(client, backend: Backend, same: bool, rebuild: bool, dimension) -> dict[int, tuple[str, str]]:
    """Make sure the collection exists; the rows in this index's scope that a new index folder may adopt.

    A rebuild drops the collection, or with a part deletes only that part's rows, so workers indexing
    disjoint subfolders into one collection never touch each other's chunks.
    """
    name = backend.collection
    if client.has_collection(name) and not same and rebuild and not backend.part:
        client.drop_collection(name)
    if not client.has_collection(name):
        _create(client, name, dimension())
    milvus.check_collection(client, name, None, backend.uri)
    if same:
        return {}
    rows = _scope_rows(client, backend)
    if rows and rebuild:
        _delete_sources(client, name, {source for source, _ in rows.values()})
        return {}
    if rows:
        milvus.check_collection(client, name, dimension(), backend.uri)
    return rows


def _check_foreign(backend: Backend, rows: dict, documents: list[Document]) -> None:
    """Refuse to adopt a collection holding chunks of documents this folder (or part) does not have."""
    doc_ids = {d.doc_id for d in documents}
    foreign = {source for source, _ in rows.values() if source not in doc_ids}
    if foreign:
        where = f"below {backend.part!r} " if backend.part else ""
        raise IndexMismatch(
            f"collection {backend.collection!r} at Milvus {milvus.public_uri(backend.uri)} already holds chunks of "
            f"{len(foreign)} documents {where}that this folder does not have (e.g. {min(foreign)!r}); choose another "
            "--collection, or pass --rebuild to replace them"
        )


def _delete_sources(client, name: str, sources: set[str]) -> None:
    names = sorted(sources)
    for first in range(0, len(names), 100):
        client.delete(name, filter=milvus.source_filter(names[first : first + 100]))


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


def _vectors(chunks: list[Chunk], known: dict, embedder, progress: bool) -> tuple[list[np.ndarray], int]:
    """A vector for each chunk, reused by text key, the rest embedded in one call; and how many were embedded."""
    keys = [text_key(embedder.name, c.embed_text()) for c in chunks]
    todo = sorted({k: c.embed_text() for k, c in zip(keys, chunks) if k not in known}.items())
    if todo:
        known.update(zip([k for k, _ in todo], embedder.encode([t for _, t in todo], progress=progress)))
    return [known[k] for k in keys], len(todo)


def _written(previous: Index | None, same: bool, rows: dict, chunks: list[Chunk], model: str) -> dict[int, str]:
    """What the collection holds for this index, pk -> source; adopted rows made with another model left out."""
    if same:
        return {milvus.chunk_pk(c): c.doc_id for c in previous.chunks}
    keys = {milvus.chunk_pk(c): text_key(model, c.embed_text()) for c in chunks}
    return {pk: source for pk, (source, key) in rows.items() if keys.get(pk, key) == key}


def _changed(chunks: list[Chunk], old: dict[int, str]) -> tuple[set[str], list[Chunk]]:
    """The documents whose chunks differ from what the collection holds, and their new chunks."""
    new = {milvus.chunk_pk(c): c for c in chunks}
    sources = {doc for pk, doc in old.items() if pk not in new} | {c.doc_id for pk, c in new.items() if pk not in old}
    return sources, [c for c in chunks if c.doc_id in sources]


def milvus_manifest(manifest: Manifest, backend: Backend, model: str, dimension: int) -> Manifest:
    """The manifest of a Milvus-backed index: hybrid, with the URI stripped of secrets."""
    return replace(manifest, mode="hybrid", model=model, dimension=dimension, backend="milvus",
                   uri=milvus.public_uri(backend.uri), collection=backend.collection, part=backend.part)  # fmt: skip


@dataclass(frozen=True)
class MilvusWritten:
    """What a write to Milvus did: the vector dimension, chunks embedded, and where the time went."""

    dimension: int
    embedded: int
    seconds: dict[str, float]


def write_milvus(writing: Writing, documents: list[Document], chunks: list[Chunk]) -> MilvusWritten:
    """Bring the collection in line with `chunks`, deleting and upserting by source."""
    backend, previous, model = writing.backend, writing.previous, writing.model
    client, same = milvus.connect(backend.uri), _same(backend, previous)
    embedder = writing.embedder_for(model)  # the model itself loads on first use
    dimension = previous.manifest.dimension if same else None
    rows = _prepare(client, backend, same, writing.build.rebuild, lambda: dimension or embedder.dimension)
    _check_foreign(backend, rows, documents)
    old = _written(previous, same, rows, chunks, model)
    sources, todo = _changed(chunks, old)
    start = time.perf_counter()
    vectors, embedded = [], 0
    if todo:
        known = _known_vectors(client, backend.collection, sources & set(old.values()), previous, model)
        vectors, embedded = _vectors(todo, known, embedder, writing.build.progress)
    seconds = {"milvus_embed": time.perf_counter() - start}
    start = time.perf_counter()
    _delete_sources(client, backend.collection, sources & set(old.values()))
    languages, old_bm25 = {d.doc_id: d.language for d in documents}, milvus.has_old_bm25(client, backend.collection)
    for first in range(0, len(todo), INSERT_BATCH):
        batch = zip(todo[first : first + INSERT_BATCH], vectors[first : first + INSERT_BATCH])
        entities = [milvus.entity(c, text_key(model, c.embed_text()), v, languages[c.doc_id], old_bm25)
                    for c, v in batch]  # fmt: skip
        client.upsert(backend.collection, entities)
    if todo or sources:
        client.flush(backend.collection)  # seal what was written: Milvus Lite scans unflushed rows one by one
    seconds["milvus_write"] = time.perf_counter() - start
    size = int(dimension or (len(vectors[0]) if vectors else embedder.dimension))
    return MilvusWritten(size, embedded, seconds)
