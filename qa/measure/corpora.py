"""Benchmark corpora indexed once: embeddings cached on disk, indexes built under the cache and reused."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa.embed.cache import CachedEmbedder
from qa.embed.embedder import Embedder, model_name, variant
from qa.engine import Engine
from qa.ingest.chunking import ChunkParams
from qa.records import Document
from qa.store.backend import Backend
from qa.store.build import Build
from qa.store.files import current_version
from qa.store.index import Index
from qa.store.load import load_index
from qa.sync.update import update_index


@dataclass(frozen=True)
class Setup:
    """Where benchmark embeddings and indexes are cached, and the model and encoder variant that embed."""

    cache: Path
    model: str | None = None
    encoder: str | None = None
    embedder: object | None = None  # an Embedder-like object to use instead of loading the model


def cached_embedder(setup: Setup) -> CachedEmbedder:
    """The model with its embeddings cached on disk under the cache, keyed by model, encoder variant and text."""
    name = model_name(setup.model)
    slug = re.sub(r"\W+", "-", name).strip("-")[-60:]
    embedder = setup.embedder or Embedder(name, **variant(setup.encoder))
    return CachedEmbedder(embedder, setup.cache / "embeddings" / slug)


def corpus_index(
    cache: Path, key: str, documents: Callable[[], list[Document]], embedder: CachedEmbedder, backend: str = "local"
) -> Index:
    """A benchmark corpus's index, built once under the cache folder and reused after (Milvus: a Milvus Lite file)."""
    digest = hashlib.sha256(f"{key}|{embedder.key}|{ChunkParams()}".encode()).hexdigest()[:16]
    folder, target = cache / "indexes" / digest, None
    if backend == "milvus":
        folder, target = cache / "indexes" / f"{digest}-milvus", Backend("milvus", str(cache / f"{digest}.db"), "qa")
    if not current_version(folder):
        build = Build(folder, model=embedder.name, params=ChunkParams(), backend=target, progress=True,
                      embedder_for=lambda _: embedder)  # fmt: skip
        update_index(build, documents(), lambda _: False)
    return load_index(folder)


def folder_engine(corpus: Path, setup: Setup, backend: str = "local") -> Engine:
    """An engine over an index of `corpus` kept under the cache folder (synced, so it is current; Milvus: a Milvus
    Lite file beside it)."""
    encoder = setup.encoder
    key = hashlib.sha256(f"{corpus.resolve()}{'#' + encoder if encoder else ''}".encode()).hexdigest()[:16]
    folder = setup.cache / "indexes" / (f"folder-{key}" if backend == "local" else f"folder-{key}-{backend}")
    target = Backend("milvus", str(setup.cache / f"folder-{key}.db"), "qa") if backend == "milvus" else None
    engine = Engine(folder, setup.model, encoder=encoder, embedder=setup.embedder)
    engine.sync(corpus, backend=target)
    return engine
