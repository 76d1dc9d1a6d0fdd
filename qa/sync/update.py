"""Building and updating an index: only new or changed text is chunked and embedded again."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from qa.embed.embedder import Embedder, model_name
from qa.embed.encoders import TORCH_FP32, encoder_name, runtime, same_vectors
from qa.embed.models import DEFAULT_MODEL
from qa.embed.progress import finished, resumable
from qa.ingest.chunking import ChunkParams, chunk_document
from qa.ingest.documents import Unchanged
from qa.records import Chunk, Document, IndexMismatch, IndexMissing, ModelUnavailable, QAError
from qa.search.bm25_build import build_bm25
from qa.search.dense import DenseVectors
from qa.store.backend import Backend
from qa.store.build import Build, Writing
from qa.store.files import REBUILD_HINT, IndexLock
from qa.store.index import Index
from qa.store.load import load_index
from qa.store.manifest import Manifest
from qa.store.milvus.write import milvus_manifest, write_milvus
from qa.store.save import save_index
from qa.sync.delta import plan_delta, write_delta
from qa.sync.report import SyncReport, Written
from qa.sync.vectors import known_vectors, vectors_for


@dataclass(frozen=True)
class Diff:
    """How the documents differ from the previous index's: ids added, updated and removed, and unchanged."""

    added: list[str]
    updated: list[str]
    removed: list[str]
    unchanged: int
    kept: list[Unchanged]  # previous documents not given this time that `keep` accepts


def _previous(index_dir, rebuild: bool) -> Index | None:
    if rebuild:
        return None
    try:
        return load_index(index_dir)
    except IndexMissing:
        return None


def _check_compatible(previous: Index, model: str, params: ChunkParams, encoder: str) -> None:
    built = previous.manifest
    if built.model not in (None, model):
        raise IndexMismatch(f"the index was built with model '{built.model}', not '{model}'; {REBUILD_HINT}")
    if built.mode != "bm25" and not same_vectors(built.encoder, encoder):
        raise IndexMismatch(f"the index was built with encoder '{built.encoder}', not '{encoder}'; {REBUILD_HINT}")
    if built.chunking != params:
        chunking = f"{built.chunking.size} words, overlap {built.chunking.overlap}"
        raise IndexMismatch(f"the index was built with chunking of {chunking}; {REBUILD_HINT}")


def _encoder_of(embedder_for, name: str, default: str) -> str:
    """The encoder variant of the embedder that will build (`default` if it cannot be made)."""
    try:
        return getattr(embedder_for(name), "encoder", TORCH_FP32)
    except ModelUnavailable:
        return default


def _chosen_encoder(asked: str | None, previous: Index | None, name: str) -> str:
    """The encoder asked for, else the one to run for the previous index's vectors, else a new index's default."""
    packaged = name == DEFAULT_MODEL
    if asked or previous is None:
        return encoder_name(asked, packaged)
    return encoder_name(runtime(previous.manifest.encoder, packaged), packaged)


def resolve_build(build: Build) -> Writing:
    """The build's choices made: what it asks for, else what the previous index was built with, else defaults;
    `embedder_for` by default a new Embedder with the chosen encoder (qa.embed.encoders)."""
    previous = _previous(build.index_dir, build.rebuild)
    model, params = build.model, build.params
    if previous is not None:
        model, params = model or previous.manifest.model, params or previous.manifest.chunking
    name, params = model_name(model), params or ChunkParams()
    chosen = _chosen_encoder(build.encoder, previous, name)
    embedder_for = build.embedder_for or (lambda n: Embedder(n, encoder=chosen))
    encoder = _encoder_of(embedder_for, name, chosen)
    if previous is not None:
        _check_compatible(previous, name, params, encoder)
    backend = build.backend or (
        Backend.of(previous.manifest) if previous is not None else Backend.stored(build.index_dir)
    )
    return Writing(build, previous, name, params, encoder, backend, embedder_for)


def _diff(documents: list, previous: Index | None, keep: Callable[[str], bool]) -> Diff:
    old = previous.documents if previous is not None else {}
    hashes = previous.manifest.documents if previous is not None else {}  # no document read from disk to compare
    new_ids = {d.doc_id for d in documents}
    added, updated, unchanged = [], [], 0
    for document in documents:
        before = hashes.get(document.doc_id)
        if isinstance(document, Unchanged) and before != document.content_hash:  # another sync ran meanwhile
            raise QAError(f"{document.doc_id}: the index changed while the folder was read; run the sync again")
        if before is None:
            added.append(document.doc_id)
        elif before != document.content_hash:
            updated.append(document.doc_id)
        else:
            unchanged += 1
    kept = [Unchanged(doc_id, hashes[doc_id]) for doc_id in old if doc_id not in new_ids and keep(doc_id)]
    removed = sorted(doc_id for doc_id in old if doc_id not in new_ids and not keep(doc_id))
    return Diff(added, updated, removed, unchanged, kept)


def _chunks(documents: list[Document], previous: Index | None, params: ChunkParams) -> list[Chunk]:
    """Chunks for every document, reusing the previous index's chunks of unchanged documents."""
    old: dict[str, list[Chunk]] = {}
    if previous is not None:
        for chunk in previous.chunks:
            old.setdefault(chunk.doc_id, []).append(chunk)
    chunks: list[Chunk] = []
    for document in documents:
        kept = previous is not None and previous.documents.get(document.doc_id, None)
        if kept and kept.content_hash == document.content_hash and kept.title == document.title:
            first = len(chunks)  # fixed before extending: ids run on from here
            chunks.extend(replace(c, chunk_id=first + i) for i, c in enumerate(old[document.doc_id]))
        else:
            chunks.extend(chunk_document(document, params, first_id=len(chunks)))
    return chunks


def _embed(writing: Writing, chunks: list[Chunk]) -> tuple[DenseVectors | None, Written]:
    """The dense part of the new index, or None (BM25-only) when the model cannot load; and what it took."""
    previous, name = writing.previous, writing.model
    try:
        embedder = resumable(writing.embedder_for(name), writing.build.index_dir)
        old = previous.vectors() if previous is not None else None
        known = known_vectors(previous.chunks, old, embedder.name) if old is not None else {}
        vectors, embedded = vectors_for(chunks, known, embedder, writing.build.progress)
    except ModelUnavailable as exc:
        return None, Written(0, len(chunks), "bm25", None, warning=f"{exc}; continuing in BM25-only mode")
    return DenseVectors.build(vectors), Written(0, len(chunks), "hybrid", name, embedded, len(chunks) - embedded)


def _place(writing: Writing, documents: list[Document], chunks: list[Chunk]):
    """(FAISS vectors, None, what it took) for a local index; (None, dimension, ...) once Milvus holds the chunks."""
    if writing.backend.kind == "milvus":  # chunks and vectors in Milvus; the BM25 matrix and the rest in the folder
        placed = write_milvus(writing, documents, chunks)
        written = Written(0, len(chunks), "hybrid", writing.model, placed.embedded, len(chunks) - placed.embedded,
                          seconds=placed.seconds)  # fmt: skip
        return None, placed.dimension, written
    dense, written = _embed(writing, chunks)
    return dense, None, written


def _write_whole(writing: Writing, documents: list[Document]) -> Written:
    """Chunk, embed (reusing what can be) and write a whole new version."""
    previous, index_dir = writing.previous, writing.build.index_dir
    start = time.perf_counter()
    chunks = _chunks(documents, previous, writing.params)
    seconds = {"chunk": time.perf_counter() - start}
    start = time.perf_counter()
    dense, dimension, placed = _place(writing, documents, chunks)
    seconds |= placed.seconds | {"embed": time.perf_counter() - start}
    start = time.perf_counter()
    by_id = {d.doc_id: d for d in documents}
    lexical = build_bm25([c.embed_text() for c in chunks], languages=[by_id[c.doc_id].language for c in chunks])
    manifest = Manifest.describe(documents, len(chunks), writing.model, dense, writing.params)
    folder = writing.build.folder or (previous.manifest.folder if previous else None)
    manifest = replace(manifest, folder=str(folder) if folder else None, encoder=writing.encoder)
    manifest = milvus_manifest(manifest, writing.backend, writing.model, dimension) if dimension else manifest
    try:
        save_index(index_dir, Index(manifest, by_id, chunks, lexical, dense))
    finally:  # written or failed (disk full...): the saved slices are no longer needed
        finished(index_dir)
    seconds["write"] = time.perf_counter() - start
    return replace(placed, documents=len(documents), chunks=len(chunks), seconds=seconds)


def _resolved(documents: list, previous: Index | None) -> list[Document]:
    """The documents, each Unchanged one read from the previous index."""
    return [previous.documents[d.doc_id] if isinstance(d, Unchanged) else d for d in documents]


def update_index(build: Build, documents: list, keep: Callable[[str], bool]) -> SyncReport:
    """Make the index hold `documents` plus the previous ones `keep` accepts; one atomic write.

    A large local index gets a delta over its last whole version (qa.sync.delta) where that is small enough.
    """
    clock = time.perf_counter()
    with IndexLock(build.index_dir):
        writing = resolve_build(build)
        diff = _diff(documents, writing.previous, keep)
        documents = sorted(documents + diff.kept, key=lambda d: d.doc_id)
        local = writing.backend.kind == "local" and not build.rebuild
        delta = plan_delta(writing.previous, documents, diff.removed, writing.params) if local else None
        written = write_delta(writing, delta, documents) if delta is not None else None
        if written is None:
            written = _write_whole(writing, _resolved(documents, writing.previous))
    seconds = written.seconds | {"total": time.perf_counter() - clock}
    folder = str(build.folder) if build.folder else None
    counts = {"documents": written.documents, "chunks": written.chunks, "embedded": written.embedded,
              "reused": written.reused, "delta": written.delta}  # fmt: skip
    changes = {"added": diff.added, "updated": diff.updated, "removed": diff.removed, "unchanged": diff.unchanged}
    how = {"mode": written.mode, "model": written.model, "encoder": writing.encoder, "warning": written.warning}
    return SyncReport(**counts, **changes, **how, seconds=seconds, folder=folder)
