"""Loading the current index version, every file checked against its sha256 and unknown files refused."""

from __future__ import annotations

import json
import mmap
from pathlib import Path

import numpy as np

from qa.records import IndexCorrupt, IndexMissing, InputError
from qa.search.bm25 import LexicalIndex
from qa.search.dense import DenseVectors, StoredVectors
from qa.store.access import RULES_FILE
from qa.store.chunk_store import open_store
from qa.store.files import (
    CURRENT,
    HIDDEN,
    REBUILD_HINT,
    VERSION_NAME,
    chunk_from_row,
    current_version,
    document_from_row,
    read_jsonl,
)
from qa.store.index import Index
from qa.store.integrity import VERIFY_AT_LOAD, Integrity, file_matches
from qa.store.layered import layer
from qa.store.manifest import Manifest, read_manifest
from qa.store.milvus.index import open_milvus

BM25_ARRAYS = ("data", "indices", "indptr", "shape", "idf", "languages", "avgdl")  # the last two: not in old indexes
OPTIONAL_BM25 = ("languages", "avgdl")


ON_DEMAND = (
    "documents.jsonl",
    "chunks.jsonl",
    "bm25.data.npy",
    "bm25.indices.npy",
    "bm25.languages.npy",
    "vectors.npy",
)  # read piecemeal while serving: large ones are checked by block or in the background


def _verify_files(version: Path, manifest: Manifest) -> dict[Path, dict]:
    """Refuse unknown files (pickles included) and any file whose checksum does not match.

    Large files read on demand only have their size checked here; they are returned for the background check.
    """
    for path in version.iterdir():
        if path.name != "manifest.json" and path.name not in manifest.files:
            raise IndexCorrupt(f"{path}: unexpected file in the index (never loaded); {REBUILD_HINT}")
    later = {}
    for name, meta in manifest.files.items():
        path = version / name
        if not path.is_file():
            raise IndexCorrupt(f"{path}: missing index file; {REBUILD_HINT}")
        if name in ON_DEMAND and meta["bytes"] > VERIFY_AT_LOAD and "documents.offsets.npy" in manifest.files:
            if path.stat().st_size != meta["bytes"]:
                raise IndexCorrupt(f"{path}: damaged (size differs); {REBUILD_HINT}")
            later[path] = meta
        elif not file_matches(path, meta):
            raise IndexCorrupt(f"{path}: damaged (checksum mismatch); {REBUILD_HINT}")
    return later


def _check_root(folder: Path) -> None:
    """Refuse unknown files beside the versions too (a stray pickle is never loaded, nor silently ignored)."""
    for path in folder.iterdir():
        name = path.name
        if (
            name in (CURRENT, RULES_FILE)
            or name.startswith((".", f"{CURRENT}.tmp-", "README"))
            or VERSION_NAME.match(name)
        ):
            continue  # the index's own files (its versions, access rules), hidden files and a README
        raise IndexCorrupt(f"{path}: unexpected file in the index folder (never loaded); move it elsewhere")


def mapped_array(path: Path) -> np.ndarray:
    """A .npy array memory-mapped read-only, without read-ahead: a query touches scattered pages, and
    read-ahead would make each touch bring ~128 KiB into the process's resident memory."""
    array = np.load(path, mmap_mode="r", allow_pickle=False)
    raw = getattr(array, "_mmap", None)
    if raw is not None and hasattr(mmap, "MADV_RANDOM"):
        raw.madvise(mmap.MADV_RANDOM)
    return array


def _read_dense(version: Path, chunks: int, params: dict | None = None) -> DenseVectors:
    """The FAISS vectors of a version, checked to have one vector per chunk, with the manifest's search params."""
    import faiss

    path = version / "vectors.faiss"
    try:
        dense = DenseVectors(faiss.read_index(str(path)), params)
    except (RuntimeError, AttributeError):
        raise IndexCorrupt(f"{path}: unreadable vectors; {REBUILD_HINT}") from None
    if dense.count != chunks:
        raise IndexCorrupt(f"{path}: {dense.count} vectors for {chunks} chunks; {REBUILD_HINT}")
    if (version / "vectors.npy").is_file():
        try:
            dense.exact = StoredVectors(version / "vectors.npy")
        except (OSError, ValueError):
            raise IndexCorrupt(f"{version / 'vectors.npy'}: unreadable vectors; {REBUILD_HINT}") from None
        if dense.exact.shape != (chunks, dense.dimension) or dense.exact.dtype != np.float32:
            shape = dense.exact.shape
            raise IndexCorrupt(f"{version / 'vectors.npy'}: {shape} vectors for {chunks} chunks; {REBUILD_HINT}")
    return dense


def _records(version: Path, manifest: Manifest) -> tuple:
    """(documents, chunks): read on demand from disk, or all parsed (indexes written before the tables)."""
    if "documents.offsets.npy" in manifest.files:
        return open_store(version)
    documents = {d.doc_id: d for d in map(document_from_row, read_jsonl(version / "documents.jsonl"))}
    chunks = [chunk_from_row(row, documents[row["doc_id"]]) for row in read_jsonl(version / "chunks.jsonl")]
    return documents, chunks


def _lexical(version: Path, manifest: Manifest) -> LexicalIndex:
    """BM25 with its postings memory-mapped (read from disk as queries touch them)."""
    vocab = json.loads((version / "vocab.json").read_text(encoding="utf-8"))
    names = [n for n in BM25_ARRAYS if n not in OPTIONAL_BM25 or f"bm25.{n}.npy" in manifest.files]
    load = lambda path: mapped_array(path) if path.name in ON_DEMAND else np.load(path, allow_pickle=False)  # noqa: E731
    arrays = {n: load(version / f"bm25.{n}.npy") for n in names}
    return LexicalIndex.from_arrays(vocab, arrays, manifest.stem)


def _load_files(version: Path, manifest: Manifest) -> Index:
    """The index a version's own files hold (a delta's only, without its base)."""
    try:
        later = _verify_files(version, manifest)
        documents, chunks = _records(version, manifest)
        lexical = _lexical(version, manifest)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, InputError) as exc:  # a version deleted under us
        raise IndexCorrupt(f"{version}: inconsistent index data ({type(exc).__name__}); {REBUILD_HINT}") from None
    if lexical.weights.shape[0] != len(chunks):
        raise IndexCorrupt(f"{version}: {lexical.weights.shape[0]} BM25 rows for {len(chunks)} chunks; {REBUILD_HINT}")
    has_dense = "vectors.faiss" in manifest.files
    params = None if manifest.base else manifest.dense_index  # a delta's vectors are exact; the base's are described
    dense = _read_dense(version, len(chunks), params) if has_dense else None
    return Index(manifest, documents, chunks, lexical, dense, version=version.name, integrity=Integrity(later))


def _load_version(version: Path) -> Index:
    manifest = read_manifest(version)
    if manifest.base:
        return _load_layered(version, manifest)
    index = _load_files(version, manifest)
    if manifest.backend == "milvus":
        return open_milvus(index)
    return index


def _load_layered(version: Path, manifest: Manifest) -> Index:
    """A delta over its base version (qa.store.layered), checked to fit together."""

    base_dir = version.parent / manifest.base
    if not VERSION_NAME.match(manifest.base) or not base_dir.is_dir():
        raise IndexCorrupt(f"{version}: its base version {manifest.base!r} is missing; {REBUILD_HINT}")
    base = _load_files(base_dir, read_manifest(base_dir))
    if base.manifest.base or base.manifest.backend != "local":
        raise IndexCorrupt(f"{version}: its base {manifest.base} is not a whole local version; {REBUILD_HINT}")
    delta = _load_files(version, manifest)
    try:
        hidden = json.loads((version / HIDDEN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise IndexCorrupt(f"{version / HIDDEN}: unreadable; {REBUILD_HINT}") from None
    if not isinstance(hidden, list) or not all(isinstance(d, str) for d in hidden):
        raise IndexCorrupt(f"{version / HIDDEN}: not a list of document ids; {REBUILD_HINT}")
    if (base.dense is None) != (delta.dense is None):
        raise IndexCorrupt(f"{version}: the delta and its base disagree on meaning search; {REBUILD_HINT}")
    return layer(manifest, base, delta, frozenset(hidden), version.name)


def load_index(folder: Path) -> Index:
    """The current index in `folder`, fully verified; raises IndexMissing/IndexCorrupt/IndexMismatch.

    A version removed by a writer while it is being read is retried from the new CURRENT.
    """
    for attempt in range(3):
        name = current_version(folder)
        if name is None:
            raise IndexMissing(f"{folder}: no index here yet; build one with `qa index FOLDER`")
        _check_root(folder)
        try:
            return _load_version(folder / name)
        except IndexCorrupt:
            if attempt == 2 or current_version(folder) == name:
                raise  # the same version failed twice: it is really damaged
    raise AssertionError("unreachable")
