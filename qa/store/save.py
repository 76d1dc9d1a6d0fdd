"""Writing an index version atomically: build it in a temporary folder, rename it into place, swap CURRENT.

A crash at any moment leaves the old or the new index; an OSError (disk full, I/O error) becomes
IndexWriteError and leaves the previous version current, with no temporary files behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
import uuid
from array import array
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa import __version__
from qa.records import QAError
from qa.search.dense import save_vectors
from qa.store.chunk_store import StoredChunks, StoredDocuments, write_tables
from qa.store.files import (
    CURRENT,
    HIDDEN,
    VERSION_NAME,
    chunk_row,
    document_row,
    fsync_path,
    pointer,
    sha256_file,
    write_error,
    write_jsonl,
)
from qa.store.index import Index
from qa.store.manifest import read_manifest
from qa.store.record_writer import copy_records


def _fault(step: str) -> None:
    """A seam for tests that inject I/O errors at each step of a write; does nothing otherwise."""


def _noting(documents, doc_ids: list[str]):
    """The documents, each one's doc_id appended to `doc_ids` as it passes."""
    for document in documents:
        doc_ids.append(document.doc_id)
        yield document


def _chunk_row(chunk, rows: dict[str, int], doc_rows) -> dict:
    """A chunk's row, its document's row number appended to `doc_rows`."""
    doc_rows.append(rows[chunk.doc_id])
    return chunk_row(chunk)


def _stored_records(index: Index) -> bool:
    """Whether the index's documents and chunks are one stored version's, read on demand."""
    documents, chunks = index.documents, index.chunks
    return isinstance(documents, StoredDocuments) and isinstance(chunks, StoredChunks) and chunks.documents is documents


def _write_records(folder: Path, index: Index) -> None:
    """The document and chunk rows, their ids and tables."""
    doc_ids: list[str] = []
    write_jsonl(folder / "documents.jsonl", (document_row(d) for d in _noting(index.documents.values(), doc_ids)))
    (folder / "documents.ids.json").write_text(json.dumps(doc_ids, ensure_ascii=False), encoding="utf-8")
    write_tables(folder / "documents.jsonl")
    _fault("chunks")
    rows = {doc_id: row for row, doc_id in enumerate(doc_ids)}
    doc_rows = array("i")
    write_jsonl(folder / "chunks.jsonl", (_chunk_row(c, rows, doc_rows) for c in index.chunks))
    np.save(folder / "chunks.doc_rows.npy", np.frombuffer(doc_rows, np.int32), allow_pickle=False)
    write_tables(folder / "chunks.jsonl")


def _write_files(folder: Path, index: Index, hidden: list[str] | None) -> dict:
    """Write every data file of `index` (and a delta's hidden base documents) into `folder`; returns
    name -> {sha256, bytes}."""
    _fault("documents")
    if hidden is not None:
        (folder / HIDDEN).write_text(json.dumps(sorted(hidden), ensure_ascii=False), encoding="utf-8")
    if _stored_records(index):  # read on demand from another version: copied byte for byte, blocks re-checked
        copy_records(index.documents, index.chunks, folder)
    else:
        _write_records(folder, index)
    _fault("lexical")
    (folder / "vocab.json").write_text(json.dumps(index.lexical.vocab, ensure_ascii=False), encoding="utf-8")
    for name, values in index.lexical.arrays().items():
        np.save(folder / f"bm25.{name}.npy", values, allow_pickle=False)
    if index.dense is not None:
        import faiss

        _fault("vectors")
        try:
            faiss.write_index(index.dense.faiss, str(folder / "vectors.faiss"))
        except RuntimeError as exc:  # faiss reports a failed write (disk full...) as "... (No space left on device)"
            found = re.search(r"\(([^()]+)\)\s*$", str(exc))
            raise OSError(found.group(1) if found else "cannot write vectors.faiss") from None
        if index.dense.exact is not None:  # the exact vectors beside an approximate index (IVF)
            save_vectors(folder / "vectors.npy", index.dense.exact)
    files = {}
    for path in sorted(folder.iterdir()):
        fsync_path(path)
        files[path.name] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    return files


def versions(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and VERSION_NAME.match(p.name))


def _with_bases(folder: Path, names: set[str]) -> set[str]:
    """These versions and the bases the deltas among them layer over (qa.store.layered)."""
    kept = set(names)
    for name in names:
        with contextlib.suppress(QAError, OSError):
            base = read_manifest(folder / name).base
            if isinstance(base, str) and VERSION_NAME.match(base):
                kept.add(base)
    return kept


def _remove_stale(folder: Path, keep: set[str]) -> None:
    """Drop temporary folders of interrupted writes and versions older than the previous one (and its base)."""
    keep = _with_bases(folder, keep)
    for path in folder.iterdir():
        stale_tmp = path.name.startswith(".tmp-")
        old_version = VERSION_NAME.match(path.name) and path.name not in keep
        if path.is_dir() and (stale_tmp or old_version):
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(f"{CURRENT}.tmp"):
            path.unlink(missing_ok=True)


def _abandon(folder: Path, tmp: Path, name: str | None) -> None:
    """Remove what a failed write left behind; a version CURRENT already names is kept."""
    shutil.rmtree(tmp, ignore_errors=True)
    with contextlib.suppress(OSError):
        for stray in folder.glob(f"{CURRENT}.tmp-*"):
            stray.unlink(missing_ok=True)
    if name is not None and pointer(folder) != name:
        shutil.rmtree(folder / name, ignore_errors=True)


def _switch(folder: Path, name: str) -> None:
    """Point CURRENT at `name` with an atomic replace."""
    _fault("switch")
    staged = folder / f"{CURRENT}.tmp-{uuid.uuid4().hex}"
    staged.write_text(name + "\n", encoding="utf-8")
    fsync_path(staged)
    os.replace(staged, folder / CURRENT)


def _write_version(folder: Path, index: Index, previous: str | None, hidden: list[str] | None) -> Index:
    """Build a new version in a temporary folder, rename it into place and point CURRENT at it."""
    _remove_stale(folder, keep={previous} if previous else set())
    tmp, name = folder / f".tmp-{uuid.uuid4().hex}", None
    try:
        tmp.mkdir()
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        files = _write_files(tmp, index, hidden)
        manifest = replace(index.manifest, qa_version=__version__, created=created, files=files)
        _fault("manifest")
        (tmp / "manifest.json").write_text(json.dumps(manifest.to_json(), indent=1, ensure_ascii=False), "utf-8")
        fsync_path(tmp / "manifest.json")
        fsync_path(tmp)
        existing = versions(folder)
        name = f"v{int(existing[-1][1:]) + 1 if existing else 1:06d}"
        _fault("rename")
        os.rename(tmp, folder / name)
        fsync_path(folder)
        _switch(folder, name)
    except BaseException:
        _abandon(folder, tmp, name)
        raise
    return replace(index, manifest=manifest, version=name)


def save_index(folder: Path, index: Index, hidden: list[str] | None = None) -> Index:
    """Write `index` as a new version and make it current; the caller holds the IndexLock.

    A delta (its manifest names a `base`) is written with the base documents it `hidden`s (qa.store.layered).
    Returns the index as written (its manifest with file checksums, its version name).
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        previous = pointer(folder)
        previous = previous if previous and VERSION_NAME.match(previous) and (folder / previous).is_dir() else None
        written = _write_version(folder, index, previous, hidden)
    except OSError as exc:
        raise write_error(folder, exc) from None
    with contextlib.suppress(OSError):  # the new version is live: flushing the folder and cleaning up are best-effort
        fsync_path(folder)
        _remove_stale(folder, keep={written.version, previous} if previous else {written.version})
    return written
