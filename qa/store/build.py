"""How an index is to be written (Build), and the same resolved against the index it replaces (Writing)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa.ingest.chunking import ChunkParams
from qa.store.backend import Backend
from qa.store.index import Index


@dataclass(frozen=True)
class Build:
    """How to write an index: where, from which folder, with which model and encoder, how documents are cut into
    chunks and where the chunks live; whether to start over and show progress. Unset values follow the previous
    index, else the defaults. `embedder_for(model name)` gives the embedder (a loaded one can be shared)."""

    index_dir: Path
    folder: Path | None = None  # the folder the documents come from; the manifest keeps it for showing pages
    model: str | None = None
    encoder: str | None = None
    params: ChunkParams | None = None
    backend: Backend | None = None
    rebuild: bool = False
    progress: bool = False
    embedder_for: Callable[[str], object] | None = None


@dataclass(frozen=True)
class Writing:
    """A Build resolved against the index it replaces: every choice made, and that index (None: none yet)."""

    build: Build
    previous: Index | None
    model: str
    params: ChunkParams
    encoder: str
    backend: Backend
    embedder_for: Callable[[str], object]
