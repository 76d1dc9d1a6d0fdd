"""The manifest: how an index version was built and what it holds, read in one place.

Every version folder has a `manifest.json`; `read_manifest` parses and checks it, and the helpers
below answer the questions other code asks of the current one (its documents' hashes, its encoder),
so nothing else opens the file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from qa.ingest.chunking import ChunkParams
from qa.records import Document, IndexCorrupt, IndexMismatch, InputError, QAError
from qa.search.dense import DenseVectors
from qa.store.files import REBUILD_HINT, current_version

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Manifest:
    """How an index was built, what it holds, and (once written) the sha256 and size of each of its files."""

    mode: str
    model: str | None
    dimension: int | None
    chunking: ChunkParams
    documents: dict[str, str]  # doc_id -> content hash
    chunks: int
    stem: bool = True
    languages: tuple[str, ...] = ("en",)  # the languages of the documents it holds
    format_version: int = FORMAT_VERSION
    qa_version: str | None = None
    created: str | None = None
    files: dict[str, dict] = field(default_factory=dict)  # name -> {"sha256": str, "bytes": int}
    backend: str = "local"  # "local" (FAISS and BM25 files here) or "milvus" (chunks and ranking in Milvus)
    uri: str | None = None  # the Milvus URI, without secrets
    collection: str | None = None  # the Milvus collection
    part: str | None = None  # the subfolder ("2019/") whose documents this index owns in a shared collection
    folder: str | None = None  # the folder the documents were read from (absolute), for showing original pages
    dense_index: dict = field(default_factory=dict)  # the FAISS index type and its parameters; {} is exact (flat)
    encoder: str = "torch-fp32"  # the model's encoder variant (qa.embed.encoders); vectors of two variants never mix
    base: str | None = None  # a delta (qa.store.layered): the version it layers over; its files hold only the changes

    @classmethod
    def describe(
        cls, documents: list[Document], chunks: int, model: str | None, dense: DenseVectors | None, params: ChunkParams
    ) -> Manifest:
        """The manifest of an index about to be written: hybrid with vectors, else BM25-only."""
        return cls(
            mode="hybrid" if dense is not None else "bm25",
            model=model if dense is not None else None,
            dimension=dense.dimension if dense is not None else None,
            chunking=params,
            documents={d.doc_id: d.content_hash for d in documents},
            chunks=chunks,
            languages=tuple(sorted({d.language for d in documents})) or ("en",),
            dense_index=dict(dense.params) if dense is not None else {},
        )

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Manifest:
        """A manifest from its JSON; raises KeyError/TypeError when fields are missing or mistyped."""
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        fields["chunking"] = ChunkParams(**data["chunking"])
        fields["languages"] = tuple(data.get("languages", ("en",)))
        return cls(**fields)


def read_manifest(version: Path) -> Manifest:
    """The manifest of a version folder; IndexCorrupt if unreadable, IndexMismatch if of another format."""
    path = version / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"{path}: unreadable manifest ({type(exc).__name__}); {REBUILD_HINT}") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise IndexCorrupt(f"{path}: unreadable manifest (not an index manifest); {REBUILD_HINT}")
    if data.get("format_version") != FORMAT_VERSION:
        found = data.get("format_version")
        raise IndexMismatch(
            f"{path}: index format {found} is not the supported format {FORMAT_VERSION}; {REBUILD_HINT}"
        )
    try:
        return Manifest.from_json(data)
    except (KeyError, TypeError, InputError) as exc:
        raise IndexCorrupt(f"{path}: unreadable manifest ({type(exc).__name__}); {REBUILD_HINT}") from None


def current_manifest(folder: Path) -> Manifest | None:
    """The current version's manifest, or None when there is no readable index in `folder`."""
    try:
        name = current_version(Path(folder))
        return read_manifest(Path(folder) / name) if name else None
    except (QAError, OSError):
        return None


def known_hashes(folder: Path) -> dict[str, str]:
    """doc_id -> content hash of the current version's documents, or none when there is no readable index:
    a hint for a sync, which does not parse a file whose hash is unchanged (see qa.ingest.documents.Unchanged)."""
    manifest = current_manifest(folder)
    return dict(manifest.documents) if manifest is not None else {}


def built_encoder(folder: Path) -> str | None:
    """The encoder variant the index in `folder` was built with, or None when there is no readable hybrid index."""
    manifest = current_manifest(folder)
    return manifest.encoder if manifest is not None and manifest.mode == "hybrid" else None
