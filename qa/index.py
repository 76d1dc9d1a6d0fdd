"""The on-disk index: versioned folders switched atomically, every file checked by sha256.

Layout: `CURRENT` names the live version folder (`v000007/`), which holds `manifest.json`,
`documents.jsonl`, `chunks.jsonl`, the BM25 arrays (`bm25.*.npy`, `vocab.json`) and, unless the
index is BM25-only, `vectors.faiss`. A writer builds a new version in a temporary folder, renames it
into place and then replaces `CURRENT`, so a crash at any moment leaves the old or the new index.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from qa import __version__
from qa.errors import IndexCorrupt, IndexError_, IndexLocked, IndexMismatch, IndexMissing
from qa.lexical import LexicalIndex
from qa.records import Chunk, Document
from qa.store import chunk_from_row, chunk_row, document_from_row, document_row, read_jsonl, write_jsonl

FORMAT_VERSION = 1
CURRENT = "CURRENT"
REBUILD_HINT = "run `qa index --rebuild FOLDER` to rebuild it"
_VERSION = re.compile(r"^v\d{6}$")
BM25_ARRAYS = ("data", "indices", "indptr", "shape", "idf")


class IndexWriteError(IndexError_):
    """The index could not be written (disk full, read-only folder, I/O error); the previous one stands."""


def _write_error(folder: Path, exc: OSError) -> IndexWriteError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return IndexWriteError(f"cannot write the index in {folder}: {reason}; the previous index is unchanged")


@dataclass
class Index:
    """A loaded index: documents, chunks, the dense vectors (if any) and the lexical index."""

    manifest: dict
    documents: dict[str, Document]
    chunks: list[Chunk]
    lexical: LexicalIndex
    dense: object | None = None  # a faiss.IndexFlatIP over normalized vectors
    extra: dict = field(default_factory=dict)

    @property
    def mode(self) -> str:
        return self.manifest["mode"]

    def vectors(self) -> np.ndarray | None:
        """All chunk vectors in chunk order, or None for a BM25-only index."""
        if self.dense is None:
            return None
        return self.dense.reconstruct_n(0, self.dense.ntotal)


def faiss_index(vectors: np.ndarray):
    """An exact inner-product FAISS index over normalized vectors."""
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


class IndexLock:
    """One writer at a time: an exclusive lock file in the index folder."""

    def __init__(self, folder: Path):
        from filelock import FileLock

        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _write_error(folder, exc) from None
        self.folder = folder
        self.lock = FileLock(str(folder / ".lock"), timeout=0)

    def __enter__(self):
        from filelock import Timeout

        try:
            self.lock.acquire()
        except Timeout:
            raise IndexLocked(
                f"{self.folder}: another qa process is updating this index; wait for it to finish"
            ) from None
        except OSError as exc:
            raise _write_error(self.folder, exc) from None
        return self

    def __exit__(self, *exc):
        self.lock.release()


def _fault(step: str) -> None:
    """A seam for tests that inject I/O errors at each step of a write; does nothing otherwise."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_files(folder: Path, index: Index) -> dict:
    """Write every data file of `index` into `folder`; returns name -> {sha256, bytes}."""
    _fault("documents")
    write_jsonl(folder / "documents.jsonl", (document_row(d) for d in index.documents.values()))
    _fault("chunks")
    write_jsonl(folder / "chunks.jsonl", (chunk_row(c) for c in index.chunks))
    _fault("lexical")
    (folder / "vocab.json").write_text(json.dumps(index.lexical.vocab, ensure_ascii=False), encoding="utf-8")
    for name, array in index.lexical.arrays().items():
        np.save(folder / f"bm25.{name}.npy", array, allow_pickle=False)
    if index.dense is not None:
        import faiss

        _fault("vectors")
        try:
            faiss.write_index(index.dense, str(folder / "vectors.faiss"))
        except RuntimeError as exc:  # faiss reports a failed write (disk full...) as "... (No space left on device)"
            found = re.search(r"\(([^()]+)\)\s*$", str(exc))
            raise OSError(found.group(1) if found else "cannot write vectors.faiss") from None
    files = {}
    for path in sorted(folder.iterdir()):
        _fsync(path)
        files[path.name] = {"sha256": _sha256(path), "bytes": path.stat().st_size}
    return files


def _versions(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and _VERSION.match(p.name))


def _remove_stale(folder: Path, keep: set[str]) -> None:
    """Drop temporary folders of interrupted writes and versions older than the previous one."""
    for path in folder.iterdir():
        stale_tmp = path.name.startswith(".tmp-")
        old_version = _VERSION.match(path.name) and path.name not in keep
        if path.is_dir() and (stale_tmp or old_version):
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(f"{CURRENT}.tmp"):
            path.unlink(missing_ok=True)


def _pointer(folder: Path) -> str | None:
    """What CURRENT says, or None if it cannot be read."""
    try:
        return (folder / CURRENT).read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None


def _abandon(folder: Path, tmp: Path, name: str | None) -> None:
    """Remove what a failed write left behind; a version CURRENT already names is kept."""
    shutil.rmtree(tmp, ignore_errors=True)
    with contextlib.suppress(OSError):
        for stray in folder.glob(f"{CURRENT}.tmp-*"):
            stray.unlink(missing_ok=True)
    if name is not None and _pointer(folder) != name:
        shutil.rmtree(folder / name, ignore_errors=True)


def _write_version(folder: Path, index: Index, previous: str | None) -> str:
    """Build a new version in a temporary folder, rename it into place and point CURRENT at it."""
    _remove_stale(folder, keep={previous} if previous else set())
    tmp, name = folder / f".tmp-{uuid.uuid4().hex}", None
    try:
        tmp.mkdir()
        manifest = dict(index.manifest, format_version=FORMAT_VERSION, qa_version=__version__)
        manifest["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        manifest["files"] = _write_files(tmp, index)
        _fault("manifest")
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        _fsync(tmp / "manifest.json")
        _fsync(tmp)
        versions = _versions(folder)
        name = f"v{int(versions[-1][1:]) + 1 if versions else 1:06d}"
        _fault("rename")
        os.rename(tmp, folder / name)
        _fsync(folder)
        _fault("switch")
        pointer = folder / f"{CURRENT}.tmp-{uuid.uuid4().hex}"
        pointer.write_text(name + "\n", encoding="utf-8")
        _fsync(pointer)
        os.replace(pointer, folder / CURRENT)
    except BaseException:
        _abandon(folder, tmp, name)
        raise
    index.manifest = manifest
    return name


def save_index(folder: Path, index: Index) -> str:
    """Write `index` as a new version and make it current; the caller holds the IndexLock.

    An OSError (disk full, I/O error) becomes IndexWriteError and leaves the previous version current.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        previous = _pointer(folder)
        previous = previous if previous and _VERSION.match(previous) and (folder / previous).is_dir() else None
        name = _write_version(folder, index, previous)
    except OSError as exc:
        raise _write_error(folder, exc) from None
    with contextlib.suppress(OSError):  # the new version is live: flushing the folder and cleaning up are best-effort
        _fsync(folder)
        _remove_stale(folder, keep={name, previous} if previous else {name})
    return name


def current_version(folder: Path) -> str | None:
    """The live version's folder name, or None if no index was ever completed here."""
    try:
        name = (folder / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexCorrupt(f"{folder / CURRENT}: cannot read ({exc.strerror}); {REBUILD_HINT}") from None
    except ValueError:
        raise IndexCorrupt(f"{folder / CURRENT}: not a version name (binary data); {REBUILD_HINT}") from None
    if not _VERSION.match(name) or not (folder / name).is_dir():
        raise IndexCorrupt(f"{folder / CURRENT}: points to a missing version {name[:40]!r}; {REBUILD_HINT}")
    return name


def _read_manifest(version: Path) -> dict:
    path = version / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"{path}: unreadable manifest ({type(exc).__name__}); {REBUILD_HINT}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise IndexCorrupt(f"{path}: unreadable manifest (not an index manifest); {REBUILD_HINT}")
    if manifest.get("format_version") != FORMAT_VERSION:
        found = manifest.get("format_version")
        raise IndexMismatch(
            f"{path}: index format {found} is not the supported format {FORMAT_VERSION}; {REBUILD_HINT}"
        )
    return manifest


def _verify_files(version: Path, manifest: dict) -> None:
    """Refuse unknown files (pickles included) and any file whose checksum does not match."""
    listed = manifest.get("files", {})
    for path in version.iterdir():
        if path.name != "manifest.json" and path.name not in listed:
            raise IndexCorrupt(f"{path}: unexpected file in the index (never loaded); {REBUILD_HINT}")
    for name, meta in listed.items():
        path = version / name
        if not path.is_file():
            raise IndexCorrupt(f"{path}: missing index file; {REBUILD_HINT}")
        if path.stat().st_size != meta["bytes"] or _sha256(path) != meta["sha256"]:
            raise IndexCorrupt(f"{path}: damaged (checksum mismatch); {REBUILD_HINT}")


def _check_root(folder: Path) -> None:
    """Refuse unknown files beside the versions too (a stray pickle is never loaded, nor silently ignored)."""
    for path in folder.iterdir():
        name = path.name
        if name == CURRENT or name.startswith((".", f"{CURRENT}.tmp-", "README")) or _VERSION.match(name):
            continue  # the index's own files, hidden files and a README saying what the folder is
        raise IndexCorrupt(f"{path}: unexpected file in the index folder (never loaded); move it elsewhere")


def _read_dense(version: Path, chunks: int):
    """The FAISS vectors of a version, checked to have one vector per chunk."""
    import faiss

    path = version / "vectors.faiss"
    try:
        dense = faiss.read_index(str(path))
    except RuntimeError:
        raise IndexCorrupt(f"{path}: unreadable vectors; {REBUILD_HINT}") from None
    if dense.ntotal != chunks:
        raise IndexCorrupt(f"{path}: {dense.ntotal} vectors for {chunks} chunks; {REBUILD_HINT}")
    return dense


def _load_version(version: Path) -> Index:
    try:
        manifest = _read_manifest(version)
        _verify_files(version, manifest)
        documents = {d.doc_id: d for d in map(document_from_row, read_jsonl(version / "documents.jsonl"))}
        chunks = [chunk_from_row(row, documents[row["doc_id"]]) for row in read_jsonl(version / "chunks.jsonl")]
        vocab = json.loads((version / "vocab.json").read_text(encoding="utf-8"))
        arrays = {n: np.load(version / f"bm25.{n}.npy", allow_pickle=False) for n in BM25_ARRAYS}
        lexical = LexicalIndex.from_arrays(vocab, arrays, manifest.get("stem", True))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:  # a version deleted under us too
        raise IndexCorrupt(f"{version}: inconsistent index data ({type(exc).__name__}); {REBUILD_HINT}") from None
    if lexical.weights.shape[0] != len(chunks):
        raise IndexCorrupt(f"{version}: {lexical.weights.shape[0]} BM25 rows for {len(chunks)} chunks; {REBUILD_HINT}")
    dense = _read_dense(version, len(chunks)) if "vectors.faiss" in manifest.get("files", {}) else None
    return Index(manifest, documents, chunks, lexical, dense, extra={"version": version.name})


def load_index(folder: Path) -> Index:
    """The current index in `folder`, fully verified; raises IndexMissing/IndexCorrupt/IndexMismatch.

    `index.extra["version"]` names the version loaded. A version removed by a writer while it is being
    read is retried from the new CURRENT.
    """
    for attempt in range(3):
        name = current_version(folder) if folder.is_dir() else None
        if name is None:
            raise IndexMissing(f"{folder}: no index here yet; build one with `qa index FOLDER`")
        _check_root(folder)
        try:
            return _load_version(folder / name)
        except IndexCorrupt:
            if attempt == 2 or current_version(folder) == name:
                raise  # the same version failed twice: it is really damaged
    raise AssertionError("unreachable")
