"""What a write did: one version written (Written), and a whole update of the index (SyncReport)."""

from __future__ import annotations

from dataclasses import dataclass, field

from qa.embed.encoders import TORCH_FP32
from qa.ingest.documents import Skipped


@dataclass(frozen=True)
class Written:
    """What writing one version did: its size, how it embeds, and where the time went."""

    documents: int
    chunks: int
    mode: str
    model: str | None
    embedded: int = 0
    reused: int = 0
    warning: str | None = None
    delta: int | None = None  # chunks of a delta written over a large base (qa.store.layered)
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
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
