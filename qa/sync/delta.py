"""Incremental sync of a large index: the changed documents go into a small delta over the base (qa.store.layered).

Nothing of the base is read but the hashes in its manifest, the rows of the documents that changed and
their vectors (reused when a chunk's text is unchanged); the new version holds only the delta's files.
Once the delta would outgrow MERGE_SHARE of the base, the sync writes a whole version instead (a merge).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from qa.embed.progress import finished, resumable
from qa.ingest.chunking import ChunkParams, chunk_document
from qa.ingest.documents import Unchanged
from qa.records import Chunk, Document, ModelUnavailable
from qa.search.bm25_build import build_bm25
from qa.search.dense import DenseVectors
from qa.store.index import Index
from qa.store.layered import LayeredChunks, rows_of
from qa.store.manifest import Manifest
from qa.store.save import save_index
from qa.sync.report import Written
from qa.sync.vectors import known_vectors, vectors_for

DELTA_FROM = 10_000  # base chunks from which a sync writes a delta (a whole version of 20k chunks took 5.5 s)
MERGE_SHARE = 0.1  # a delta whose chunks and hidden base chunks pass this share of the base is merged instead
MERGE_MAX = 50_000  # ... or this many: the delta's vectors are searched exactly (qa.search.dense.APPROXIMATE_FROM)


@dataclass(frozen=True)
class Delta:
    """What a delta version will hold: its documents and chunks, and the base documents it hides."""

    documents: dict[str, Document]
    chunks: list[Chunk]
    hidden: frozenset[str]


def plan_delta(previous: Index | None, documents: list, removed: list[str], params: ChunkParams) -> Delta | None:
    """The delta for this sync, or None when a whole version should be written (small, BM25-only or Milvus
    index, or a delta grown past MERGE_SHARE of its base)."""
    if previous is None or previous.mode != "hybrid" or previous.manifest.backend != "local":
        return None
    layered = isinstance(previous.chunks, LayeredChunks)
    base_rows = previous.chunks.first_delta if layered else len(previous.chunks)
    if base_rows < DELTA_FROM:
        return None
    base_ids = previous.documents.base if layered else previous.documents
    hidden = set(previous.chunks.hidden) if layered else set()
    hashes = previous.manifest.documents
    fresh = {d.doc_id: d for d in documents if not isinstance(d, Unchanged) and hashes.get(d.doc_id) != d.content_hash}
    old = previous.documents.delta if layered else {}
    kept = {d: old[d] for d in old if d not in fresh and d not in removed}
    hidden |= {d for d in [*fresh, *removed] if d in base_ids}
    chunks = _delta_chunks(sorted({**kept, **fresh}.values(), key=lambda d: d.doc_id), previous, base_rows, params)
    hidden_rows = len(rows_of(previous.chunks.base if layered else previous.chunks, hidden))
    if len(chunks) + hidden_rows > min(MERGE_SHARE * base_rows, MERGE_MAX):
        return None
    return Delta({**kept, **fresh}, chunks, frozenset(hidden))


def _delta_chunks(documents: list[Document], previous: Index, first: int, params: ChunkParams) -> list[Chunk]:
    """The delta's chunks, numbered on from the base's rows; an unchanged delta document keeps its chunks."""
    old = previous.chunks.delta if isinstance(previous.chunks, LayeredChunks) else []
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in old:
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    chunks: list[Chunk] = []
    for document in documents:
        same = document.doc_id in by_doc and previous.documents[document.doc_id].content_hash == document.content_hash
        at = first + len(chunks)
        if same:
            chunks.extend(replace(c, chunk_id=at + i) for i, c in enumerate(by_doc[document.doc_id]))
        else:
            chunks.extend(chunk_document(document, params, first_id=at))
    return chunks


def delta_vectors(delta: Delta, previous: Index, embedder, progress: bool) -> tuple[np.ndarray, int]:
    """The delta chunks' vectors, reused by text key from the previous rows of the same documents, else embedded;
    and how many were embedded."""
    rows = previous.rows_of(set(delta.documents))
    known = (
        known_vectors([previous.chunk(int(r)) for r in rows], previous.dense.rows(rows), embedder.name)
        if len(rows)
        else {}
    )
    return vectors_for(delta.chunks, known, embedder, progress)


def delta_index(delta: Delta, previous: Index, vectors: np.ndarray, hashes: dict[str, str], encoder: str) -> Index:
    """The delta version to write: its own BM25 (weighted with the base's statistics) and exact vectors."""
    base_lexical = getattr(previous.lexical, "base", previous.lexical)
    languages = [delta.documents[c.doc_id].language for c in delta.chunks]
    lexical = build_bm25([c.embed_text() for c in delta.chunks], languages=languages, reference=base_lexical)
    dense = DenseVectors.build(vectors, approximate_from=len(vectors) + 1)
    built = previous.manifest
    live = len(previous.chunks) - len(previous.rows_of(set(delta.documents) | (set(built.documents) - set(hashes))))
    manifest = Manifest(
        mode="hybrid", model=built.model, dimension=built.dimension, chunking=built.chunking, documents=hashes,
        chunks=live + len(delta.chunks), stem=built.stem,
        languages=tuple(sorted(set(built.languages) | {d.language for d in delta.documents.values()})),
        folder=built.folder, dense_index=built.dense_index, encoder=encoder, base=_base_name(previous),
    )  # fmt: skip
    return Index(manifest, delta.documents, delta.chunks, lexical, dense)


def _base_name(previous: Index) -> str:
    return previous.manifest.base or previous.version


def write_delta(writing, delta: Delta, documents: list) -> Written | None:
    """Embed and write the delta version (`writing` a qa.sync.build.Writing); None (nothing written) when the model
    cannot load."""
    previous, index_dir = writing.previous, writing.build.index_dir
    start = time.perf_counter()
    try:
        embedder = resumable(writing.embedder_for(writing.model), index_dir)
    except ModelUnavailable:  # a whole version is written instead, BM25-only
        return None
    vectors, embedded = delta_vectors(delta, previous, embedder, writing.build.progress)
    seconds = {"embed": time.perf_counter() - start}
    start = time.perf_counter()
    hashes = {d.doc_id: d.content_hash for d in documents}
    index = delta_index(delta, previous, vectors, hashes, writing.encoder)
    if writing.build.folder:
        index = replace(index, manifest=replace(index.manifest, folder=str(writing.build.folder)))
    try:
        save_index(index_dir, index, hidden=sorted(delta.hidden))
    finally:
        finished(index_dir)
    seconds["write"] = time.perf_counter() - start
    reused = len(delta.chunks) - embedded
    return Written(len(hashes), index.manifest.chunks, "hybrid", writing.model, embedded, reused,
                   delta=len(delta.chunks), seconds=seconds)  # fmt: skip
