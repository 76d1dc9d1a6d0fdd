"""Where an index's chunks live: in the index folder (FAISS and BM25 files) or in a Milvus collection."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qa.store.manifest import Manifest, current_manifest


@dataclass(frozen=True)
class Backend:
    """Where an index's chunks live: "local" (files in the index folder) or "milvus" (a URI and a collection)."""

    kind: str = "local"
    uri: str | None = None
    collection: str | None = None
    part: str | None = None  # a subfolder ("2019/"): this index writes only its documents into a shared collection

    @classmethod
    def of(cls, manifest: Manifest) -> Backend:
        return cls(manifest.backend, manifest.uri, manifest.collection, manifest.part)

    @classmethod
    def stored(cls, index_dir: Path) -> Backend:
        """The backend the current index in `index_dir` names (for a rebuild, which loads nothing); else local."""
        manifest = current_manifest(index_dir)
        return cls.of(manifest) if manifest is not None else cls()
