"""Building and syncing an index: only new or changed text is chunked and embedded again."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from qa.embed.embedder import Embedder, model_name, text_key, variant
from qa.embed.encoders import TORCH_FP32, encoder_name
from qa.embed.progress import embed_texts, finished, resumable
from qa.ingest.chunking import ChunkParams, chunk_document
from qa.ingest.documents import Skipped, Unchanged, read_folder
from qa.records import Chunk, Document, IndexMismatch, IndexMissing, ModelUnavailable, QAError
from qa.search.bm25_build import build_bm25
from qa.search.dense import DenseVectors
from qa.store.backend import Backend
from qa.store.files import REBUILD_HINT, IndexLock
from qa.store.index import Index
from qa.store.load import load_index
from qa.store.manifest import Manifest, known_hashes
from qa.store.milvus.write import write_milvus
from qa.store.save import save_index
from qa.sync.delta import plan, write_delta

UPLOADS = "uploads/"  # doc_id prefix of documents added through the app, kept by folder syncs


@dataclass
class SyncReport:
    """What an index update did, for the CLI summary and benchmarks."""

    documents: int = 0
    chunks: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    embedded: int = 0
    reused: int = 0
    mode: str = "hybrid"
    model: str | None = None
    encoder: str = TORCH_FP32
    warning: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    folder: str | None = None  # the folder synced (absolute); the manifest keeps it for showing original pages
    delta: int | None = (
        None  # chunks in the delta written over a large base (qa.store.layered); None for a whole version
    )


def _previous(index_dir: Path, rebuild: bool) -> Index | None:
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
    if built.mode != "bm25" and built.encoder != encoder:
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


def _vectors(chunks: list[Chunk], previous: Index | None, embedder, report: SyncReport, progress: bool) -> np.ndarray:
    """Vectors for all chunks: reused by text key from the previous index, the rest embedded (see embed_texts)."""
    known: dict[str, np.ndarray] = {}
    old_vectors = previous.vectors() if previous is not None else None
    if old_vectors is not None:
        for chunk, vector in zip(previous.chunks, old_vectors):
            known[text_key(embedder.name, chunk.embed_text())] = vector
    keys = [text_key(embedder.name, c.embed_text()) for c in chunks]
    todo = {k: c for k, c in zip(keys, chunks) if k not in known}  # in document order, for the progress bar
    if todo:
        texts, doc_ids = [c.embed_text() for c in todo.values()], [c.doc_id for c in todo.values()]
        known.update(zip(todo, embed_texts(embedder, texts, doc_ids, progress)))
    report.embedded, report.reused = len(todo), len(chunks) - len(todo)
    if not chunks:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    return np.stack([known[k] for k in keys]).astype(np.float32)


def _diff(documents: list[Document], previous: Index | None, report: SyncReport, keep: Callable[[str], bool]):
    old = previous.documents if previous is not None else {}
    hashes = previous.manifest.documents if previous is not None else {}  # no document read from disk to compare
    new_ids = {d.doc_id for d in documents}
    for document in documents:
        before = hashes.get(document.doc_id)
        if isinstance(document, Unchanged) and before != document.content_hash:  # another sync ran meanwhile
            raise QAError(f"{document.doc_id}: the index changed while the folder was read; run the sync again")
        if before is None:
            report.added.append(document.doc_id)
        elif before != document.content_hash:
            report.updated.append(document.doc_id)
        else:
            report.unchanged += 1
    kept = [Unchanged(doc_id, hashes[doc_id]) for doc_id in old if doc_id not in new_ids and keep(doc_id)]
    report.removed = sorted(doc_id for doc_id in old if doc_id not in new_ids and not keep(doc_id))
    return kept


def _embed(chunks, previous, name: str, embedder_for, report: SyncReport, progress: bool, index_dir: Path):
    """The dense part of the new index (DenseVectors), or None (BM25-only) when the model cannot load."""
    try:
        embedder = resumable(embedder_for(name), index_dir)
        dense = DenseVectors.build(_vectors(chunks, previous, embedder, report, progress))
    except ModelUnavailable as exc:
        report.mode, report.model, report.warning = "bm25", None, f"{exc}; continuing in BM25-only mode"
        return None
    report.mode, report.model = "hybrid", name
    return dense


def _place(
    backend: Backend, documents, chunks, previous, name: str, embedder_for, report, progress, rebuild, index_dir
):
    """(FAISS vectors, None) for a local index; (None, dimension) once Milvus holds the chunks and vectors."""
    if backend.kind == "milvus":  # chunks, vectors and BM25 ranking in Milvus; the rest stays in the folder
        return None, write_milvus(backend, documents, chunks, previous, name, embedder_for, report, progress, rebuild)
    return _embed(chunks, previous, name, embedder_for, report, progress, index_dir), None


def update_index(
    index_dir: Path,
    documents: list[Document],
    keep: Callable[[str], bool],
    model: str | None = None,
    params: ChunkParams | None = None,
    rebuild: bool = False,
    progress: bool = False,
    report: SyncReport | None = None,
    embedder_for: Callable[[str], Embedder] | None = None,
    backend: Backend | None = None,
    encoder: str | None = None,
) -> SyncReport:
    """Make the index hold `documents` plus the previous ones `keep` accepts; one atomic write.

    `embedder_for(model_name)` gives the embedder (a loaded one can be shared); by default a new Embedder
    with `encoder` (default: the previous index's variant, else $QA_ENCODER or torch fp32).
    `backend` moves the index to Milvus (or back); by default it stays where the previous one is.
    """
    report = report or SyncReport()
    clock = time.perf_counter()
    with IndexLock(index_dir):
        previous = _previous(index_dir, rebuild)
        if previous is not None:
            model = model or previous.manifest.model
            params = params or previous.manifest.chunking
        name, params = model_name(model), params or ChunkParams()
        chosen = encoder_name(encoder or (previous.manifest.encoder if previous is not None else None))
        embedder_for = embedder_for or (lambda n: Embedder(n, **variant(chosen)))
        report.encoder = _encoder_of(embedder_for, name, chosen)
        if previous is not None:
            _check_compatible(previous, name, params, report.encoder)
        documents = sorted(documents + _diff(documents, previous, report, keep), key=lambda d: d.doc_id)
        backend = backend or (Backend.of(previous.manifest) if previous is not None else Backend.stored(index_dir))
        delta = plan(previous, documents, report.removed, params) if backend.kind == "local" and not rebuild else None
        written = delta is not None and write_delta(index_dir, delta, previous, documents, name, embedder_for,
                                                    report, progress)  # fmt: skip
        if not written:
            documents = _resolved(documents, previous)
            _write_whole(index_dir, documents, previous, name, params, embedder_for, report, progress, rebuild, backend)
    report.seconds["total"] = time.perf_counter() - clock
    return report


def _resolved(documents: list, previous: Index | None) -> list[Document]:
    """The documents, each Unchanged one read from the previous index."""
    return [previous.documents[d.doc_id] if isinstance(d, Unchanged) else d for d in documents]


def _write_whole(index_dir, documents, previous, name, params, embedder_for, report, progress, rebuild, backend):
    """Chunk, embed (reusing what can be) and write a whole new version."""
    start = time.perf_counter()
    chunks = _chunks(documents, previous, params)
    report.seconds["chunk"] = time.perf_counter() - start
    start = time.perf_counter()
    dense, dimension = _place(backend, documents, chunks, previous, name, embedder_for, report, progress, rebuild,
                              index_dir)  # fmt: skip
    report.seconds["embed"] = time.perf_counter() - start
    start = time.perf_counter()
    by_id = {d.doc_id: d for d in documents}
    lexical = build_bm25([c.embed_text() for c in chunks], languages=[by_id[c.doc_id].language for c in chunks])
    manifest = Manifest.describe(documents, len(chunks), name, dense, params)
    manifest = replace(manifest, folder=report.folder or (previous.manifest.folder if previous else None))
    manifest = replace(manifest, encoder=report.encoder)
    manifest = backend.describe(manifest, name, dimension) if dimension else manifest
    try:
        save_index(index_dir, Index(manifest, by_id, chunks, lexical, dense))
    finally:  # written or failed (disk full...): the saved slices are no longer needed
        finished(index_dir)
    report.seconds["write"] = time.perf_counter() - start
    report.documents, report.chunks = len(documents), len(chunks)


def sync_folder(
    folder: Path,
    index_dir: Path,
    *,
    model: str | None = None,
    params: ChunkParams | None = None,
    rebuild: bool = False,
    progress: bool = False,
    embedder_for: Callable[[str], Embedder] | None = None,
    backend: Backend | None = None,
    encoder: str | None = None,
) -> SyncReport:
    """Bring the index in line with `folder`: add, update and remove documents as needed."""
    report = SyncReport(folder=str(Path(folder).resolve()))
    start = time.perf_counter()
    known = {} if rebuild else known_hashes(index_dir)  # unchanged files are not parsed (nor OCR'd) again
    part = (backend or Backend.stored(index_dir)).part  # a worker's subfolder of a shared Milvus collection
    documents, report.skipped = read_folder(folder, known=known, under=part)
    report.seconds["read"] = time.perf_counter() - start
    unreadable = {s.source for s in report.skipped if s.keep}  # an I/O failure does not drop the indexed copy
    keep = lambda doc_id: doc_id.startswith(UPLOADS) or doc_id in unreadable  # noqa: E731
    update_index(index_dir, documents, keep, model, params, rebuild, progress, report, embedder_for, backend, encoder)
    report.seconds["total"] += report.seconds["read"]
    return report
