"""Chunk vectors for a write: reused by text key from what the index already holds, the rest embedded."""

from __future__ import annotations

import numpy as np

from qa.embed.embedder import text_key
from qa.embed.progress import embed_texts
from qa.records import Chunk


def vectors_for(chunks: list[Chunk], known: dict[str, np.ndarray], embedder, progress: bool) -> tuple[np.ndarray, int]:
    """The chunks' vectors (a row each, in order) and how many were embedded; `known` maps text keys to vectors
    already held (see qa.embed.progress.embed_texts for how the rest are embedded)."""
    keys = [text_key(embedder.name, c.embed_text()) for c in chunks]
    todo = {k: c for k, c in zip(keys, chunks) if k not in known}  # in document order, for the progress bar
    if todo:
        texts, doc_ids = [c.embed_text() for c in todo.values()], [c.doc_id for c in todo.values()]
        known = {**known, **dict(zip(todo, embed_texts(embedder, texts, doc_ids, progress)))}
    if not keys:
        return np.zeros((0, embedder.dimension), dtype=np.float32), len(todo)
    return np.stack([known[k] for k in keys]).astype(np.float32), len(todo)


def known_vectors(chunks, vectors, model: str) -> dict[str, np.ndarray]:
    """Text key -> vector of chunks an index holds, for reuse."""
    return {text_key(model, chunk.embed_text()): vector for chunk, vector in zip(chunks, vectors)}
