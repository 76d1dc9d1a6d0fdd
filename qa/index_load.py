"""Loading the current index version, every file checked against its sha256 and unknown files refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from qa.errors import IndexCorrupt, IndexMismatch, IndexMissing, InputError, QAError
from qa.index import FORMAT_VERSION, DenseVectors, Index, Manifest
from qa.lexical import LexicalIndex
from qa.records import Document
from qa.store import (
    CURRENT,
    REBUILD_HINT,
    VERSION_NAME,
    chunk_from_row,
    current_version,
    document_from_row,
    read_jsonl,
    sha256_file,
)

BM25_ARRAYS = ("data", "indices", "indptr", "shape", "idf", "languages")  # languages: absent in old indexes


def _read_manifest(version: Path) -> Manifest:
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


def _verify_files(version: Path, manifest: Manifest) -> None:
    """Refuse unknown files (pickles included) and any file whose checksum does not match."""
    for path in version.iterdir():
        if path.name != "manifest.json" and path.name not in manifest.files:
            raise IndexCorrupt(f"{path}: unexpected file in the index (never loaded); {REBUILD_HINT}")
    for name, meta in manifest.files.items():
        path = version / name
        if not path.is_file():
            raise IndexCorrupt(f"{path}: missing index file; {REBUILD_HINT}")
        if path.stat().st_size != meta["bytes"] or sha256_file(path) != meta["sha256"]:
            raise IndexCorrupt(f"{path}: damaged (checksum mismatch); {REBUILD_HINT}")


def _check_root(folder: Path) -> None:
    """Refuse unknown files beside the versions too (a stray pickle is never loaded, nor silently ignored)."""
    for path in folder.iterdir():
        name = path.name
        if name == CURRENT or name.startswith((".", f"{CURRENT}.tmp-", "README")) or VERSION_NAME.match(name):
            continue  # the index's own files, hidden files and a README saying what the folder is
        raise IndexCorrupt(f"{path}: unexpected file in the index folder (never loaded); move it elsewhere")


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
    return dense


def _load_version(version: Path) -> Index:
    manifest = _read_manifest(version)
    try:
        _verify_files(version, manifest)
        documents = {d.doc_id: d for d in map(document_from_row, read_jsonl(version / "documents.jsonl"))}
        chunks = [chunk_from_row(row, documents[row["doc_id"]]) for row in read_jsonl(version / "chunks.jsonl")]
        vocab = json.loads((version / "vocab.json").read_text(encoding="utf-8"))
        names = [n for n in BM25_ARRAYS if n != "languages" or "bm25.languages.npy" in manifest.files]
        arrays = {n: np.load(version / f"bm25.{n}.npy", allow_pickle=False) for n in names}
        lexical = LexicalIndex.from_arrays(vocab, arrays, manifest.stem)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, InputError) as exc:  # a version deleted under us
        raise IndexCorrupt(f"{version}: inconsistent index data ({type(exc).__name__}); {REBUILD_HINT}") from None
    if lexical.weights.shape[0] != len(chunks):
        raise IndexCorrupt(f"{version}: {lexical.weights.shape[0]} BM25 rows for {len(chunks)} chunks; {REBUILD_HINT}")
    has_dense = "vectors.faiss" in manifest.files
    dense = _read_dense(version, len(chunks), manifest.dense_index) if has_dense else None
    index = Index(manifest, documents, chunks, lexical, dense, version=version.name)
    if manifest.backend == "milvus":
        from qa.milvus.index import open_milvus

        return open_milvus(index)
    return index


def known_documents(folder: Path) -> dict[str, Document]:
    """The current version's documents (their file checked), or none when there is no readable index: a hint
    for a sync, which reuses a Document whose file hash is unchanged instead of parsing the file again."""
    try:
        version = folder / (current_version(folder) or "")
        manifest = _read_manifest(version)
        meta, path = manifest.files["documents.jsonl"], version / "documents.jsonl"
        if path.stat().st_size != meta["bytes"] or sha256_file(path) != meta["sha256"]:
            return {}
        return {d.doc_id: d for d in map(document_from_row, read_jsonl(path))}
    except (QAError, OSError, ValueError, KeyError, TypeError):
        return {}


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
