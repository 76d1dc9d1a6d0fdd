"""Writing documents and chunks as JSON-lines rows a block at a time, then their offset and block tables.

The files are the ones qa.store.chunk_store reads on demand: `documents.jsonl`, `documents.ids.json`,
`chunks.jsonl`, `chunks.doc_rows.npy` and each JSON-lines file's `.offsets.npy` and `.blocks.npy`.
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from qa.records import Chunk, Document, IndexCorrupt
from qa.store.chunk_store import tables, write_tables
from qa.store.files import REBUILD_HINT, chunk_row, document_row


class RecordWriter:
    """Rows appended in order (each chunk's document added before it); `close()` writes the tables."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.doc_ids: list[str] = []
        self.rows: dict[str, int] = {}
        self.doc_rows = array("i")
        self.hashes: dict[str, str] = {}
        self.languages: dict[str, str] = {}
        self._documents = (folder / "documents.jsonl").open("w", encoding="utf-8")
        self._chunks = (folder / "chunks.jsonl").open("w", encoding="utf-8")

    def add_documents(self, documents: Iterable[Document]) -> None:
        lines = []
        for document in documents:
            self.rows[document.doc_id] = len(self.doc_ids)
            self.doc_ids.append(document.doc_id)
            self.hashes[document.doc_id] = document.content_hash
            self.languages[document.doc_id] = document.language
            lines.append(json.dumps(document_row(document), ensure_ascii=False) + "\n")
        self._documents.write("".join(lines))

    def add_chunks(self, chunks: Iterable[Chunk]) -> None:
        lines = []
        for chunk in chunks:
            self.doc_rows.append(self.rows[chunk.doc_id])
            lines.append(json.dumps(chunk_row(chunk), ensure_ascii=False) + "\n")
        self._chunks.write("".join(lines))

    def close(self) -> None:
        """Finish the row files and write the ids, document rows and tables beside them."""
        self._documents.close()
        self._chunks.close()
        (self.folder / "documents.ids.json").write_text(json.dumps(self.doc_ids, ensure_ascii=False), encoding="utf-8")
        np.save(self.folder / "chunks.doc_rows.npy", np.frombuffer(self.doc_rows, np.int32), allow_pickle=False)
        write_tables(self.folder / "documents.jsonl")
        write_tables(self.folder / "chunks.jsonl")


def _copy_file(records, target: Path) -> None:
    """A record file's bytes, read from its open handle (its version may have been removed since)."""
    with target.open("wb") as handle:
        for start in range(0, records.size, 1 << 24):
            handle.write(os.pread(records.fd, min(1 << 24, records.size - start), start))


def copy_records(documents, chunks, target: Path) -> None:
    """Copy a stored version's documents and chunks byte for byte, each copy checked against its block table."""
    for name, records in (("documents", documents.records), ("chunks", chunks.records)):
        _copy_file(records, target / f"{name}.jsonl")
        np.save(target / f"{name}.offsets.npy", records.offsets, allow_pickle=False)
        np.save(target / f"{name}.blocks.npy", records.blocks, allow_pickle=False)
        if not np.array_equal(tables(target / f"{name}.jsonl")[1], records.blocks):
            raise IndexCorrupt(f"{records.path}: damaged (checksum mismatch); {REBUILD_HINT}")
    (target / "documents.ids.json").write_text(json.dumps(documents.ids, ensure_ascii=False), encoding="utf-8")
    np.save(target / "chunks.doc_rows.npy", np.asarray(chunks.doc_rows, np.int32), allow_pickle=False)
