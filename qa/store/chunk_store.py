"""Documents and chunks read from disk on demand: JSON-lines files with an offset table and block checksums.

`documents.jsonl` and `chunks.jsonl` keep their row format. Beside each, written once the file is
complete: `<name>.offsets.npy` (the byte offset where each row starts, and the file's end) and
`<name>.blocks.npy` (the sha256 of each 64 KiB block). A row is read with one `pread` from a file
handle opened at load, so a version removed by a later write stays readable (one version per query).
Every block is checked against its sha256 the first time any of its bytes is used, so no damaged byte
becomes a quote, without hashing gigabytes before the first answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from qa.records import Chunk, Document, IndexCorrupt
from qa.store.files import REBUILD_HINT, chunk_from_row, document_from_row

BLOCK = 1 << 16  # bytes a checksum covers
READ_BLOCKS = 64  # blocks read at a time when streaming a whole file (4 MiB)
DOCUMENT_CACHE = 256  # documents kept parsed: a chunk's text is sliced from its document


def tables(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The row offsets (n + 1, the last is the file size) and the per-block sha256 digests of a JSON-lines file."""
    starts, digests, size = [np.zeros(1, np.int64)], [], 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(BLOCK), b""):
            digests.append(np.frombuffer(hashlib.sha256(block).digest(), np.uint8))
            ends = np.flatnonzero(np.frombuffer(block, np.uint8) == 10)
            starts.append(ends.astype(np.int64) + size + 1)
            size += len(block)
    offsets = np.concatenate(starts)
    if size and offsets[-1] != size:  # a last row without its newline: not a file this module wrote
        offsets = np.append(offsets, size)
    blocks = np.stack(digests) if digests else np.zeros((0, 32), np.uint8)
    return offsets, blocks


def write_tables(path: Path) -> None:
    """Write `<stem>.offsets.npy` and `<stem>.blocks.npy` beside a finished JSON-lines file."""
    offsets, blocks = tables(path)
    stem = path.with_suffix("")
    np.save(f"{stem}.offsets.npy", offsets, allow_pickle=False)
    np.save(f"{stem}.blocks.npy", blocks, allow_pickle=False)


class RecordFile:
    """Rows of a JSON-lines file by number, each byte checked (by its block's sha256) before it is used."""

    def __init__(self, path: Path, offsets: np.ndarray, blocks: np.ndarray):
        self.path = path
        self.offsets = offsets
        self.blocks = blocks
        self.size = int(offsets[-1]) if len(offsets) else 0
        if (
            len(offsets) == 0
            or offsets[0] != 0
            or np.any(np.diff(offsets) <= 0)
            or -(-self.size // BLOCK) != len(blocks)
        ):
            raise IndexCorrupt(f"{path}: its offset or block table does not fit it; {REBUILD_HINT}")
        self.verified = np.zeros(len(blocks), bool)
        self.fd = os.open(path, os.O_RDONLY)
        if os.fstat(self.fd).st_size != self.size:
            os.close(self.fd)
            raise IndexCorrupt(f"{path}: damaged (size differs from its offset table); {REBUILD_HINT}")

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __del__(self):
        fd = getattr(self, "fd", None)
        if fd is not None:
            os.close(fd)

    def _read(self, start: int, end: int) -> bytes:
        data = os.pread(self.fd, end - start, start)
        if len(data) != end - start:
            raise IndexCorrupt(f"{self.path}: damaged (truncated); {REBUILD_HINT}")
        return data

    def _verify(self, first: int, last: int) -> None:
        """Check blocks first..last (inclusive) that have not been checked yet."""
        todo = np.flatnonzero(~self.verified[first : last + 1])
        if not len(todo):
            return
        a, b = first + int(todo[0]), first + int(todo[-1])
        data = self._read(a * BLOCK, min((b + 1) * BLOCK, self.size))
        for k in range(a, b + 1):
            piece = data[(k - a) * BLOCK : (k - a + 1) * BLOCK]
            if hashlib.sha256(piece).digest() != self.blocks[k].tobytes():
                raise IndexCorrupt(f"{self.path}: damaged (checksum mismatch); {REBUILD_HINT}")
            self.verified[k] = True

    def raw(self, row: int) -> bytes:
        """Row `row`'s bytes, checked."""
        if not 0 <= row < len(self):
            raise IndexError(row)
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        self._verify(start // BLOCK, (end - 1) // BLOCK)
        return self._read(start, end)

    def row(self, row: int) -> dict:
        try:
            return json.loads(self.raw(row))
        except ValueError:
            raise IndexCorrupt(f"{self.path}:{row + 1}: not a valid row; {REBUILD_HINT}") from None

    def __iter__(self) -> Iterator[dict]:
        """Every row in order, read 4 MiB at a time."""
        carry = b""
        for first in range(0, len(self.blocks), READ_BLOCKS):
            last = min(first + READ_BLOCKS, len(self.blocks)) - 1
            self._verify(first, last)
            lines = (carry + self._read(first * BLOCK, min((last + 1) * BLOCK, self.size))).split(b"\n")
            carry = lines.pop()
            for number, line in enumerate(lines):
                try:
                    yield json.loads(line)
                except ValueError:
                    raise IndexCorrupt(
                        f"{self.path}: row near block {first + number}: not valid; {REBUILD_HINT}"
                    ) from None


def open_records(folder: Path, name: str) -> RecordFile:
    """The record file `folder/name.jsonl` with its offset and block tables."""
    offsets = np.load(folder / f"{name}.offsets.npy", allow_pickle=False)
    blocks = np.load(folder / f"{name}.blocks.npy", allow_pickle=False)
    if offsets.dtype != np.int64 or offsets.ndim != 1 or blocks.dtype != np.uint8 or blocks.shape[1:] != (32,):
        raise IndexCorrupt(f"{folder / name}.jsonl: unreadable offset or block table; {REBUILD_HINT}")
    return RecordFile(folder / f"{name}.jsonl", offsets, blocks)


class StoredDocuments(Mapping):
    """doc_id -> Document, read from disk when asked (the last few parsed kept); iterates in stored order."""

    def __init__(self, records: RecordFile, doc_ids: list[str]):
        if len(doc_ids) != len(records):
            raise IndexCorrupt(f"{records.path}: {len(records)} rows for {len(doc_ids)} document ids; {REBUILD_HINT}")
        self.records = records
        self.ids = doc_ids
        self.rows = {doc_id: row for row, doc_id in enumerate(doc_ids)}
        self._cache: OrderedDict[int, Document] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __contains__(self, doc_id) -> bool:
        return doc_id in self.rows

    def __getitem__(self, doc_id: str) -> Document:
        return self.at(self.rows[doc_id])

    def at(self, row: int) -> Document:
        """The document in row `row`."""
        with self._lock:
            if row in self._cache:
                self._cache.move_to_end(row)
                return self._cache[row]
        document = document_from_row(self.records.row(row))
        if document.doc_id != self.ids[row]:
            raise IndexCorrupt(f"{self.records.path}:{row + 1}: holds {document.doc_id!r}, not {self.ids[row]!r}")
        with self._lock:
            self._cache[row] = document
            while len(self._cache) > DOCUMENT_CACHE:
                self._cache.popitem(last=False)
        return document

    def values(self):
        """Every document in stored order, streamed (not cached)."""
        return (document_from_row(row) for row in self.records)

    def items(self):
        return ((d.doc_id, d) for d in self.values())


class StoredChunks(Sequence):
    """Chunk records by row, read from disk when asked; each chunk's text is sliced from its document."""

    def __init__(self, records: RecordFile, doc_rows: np.ndarray, documents: StoredDocuments):
        if len(doc_rows) != len(records) or (
            len(doc_rows) and not 0 <= doc_rows.min() <= doc_rows.max() < len(documents)
        ):
            raise IndexCorrupt(f"{records.path}: its document rows do not fit; {REBUILD_HINT}")
        self.records = records
        self.doc_rows = doc_rows
        self.documents = documents

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, row):
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        row = int(row) + (len(self) if row < 0 else 0)
        return self._chunk(self.records.row(row), row)

    def _chunk(self, data: dict, row: int) -> Chunk:
        document = self.documents.at(int(self.doc_rows[row]))
        if data.get("doc_id") != document.doc_id:
            raise IndexCorrupt(f"{self.records.path}:{row + 1}: chunk of {data.get('doc_id')!r} filed under another")
        return chunk_from_row(data, document)

    def __iter__(self) -> Iterator[Chunk]:
        for row, data in enumerate(self.records):
            yield self._chunk(data, row)

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None

    def rows_of(self, doc_ids: set[str]) -> np.ndarray:
        """The rows of the chunks of these documents, without reading any chunk."""
        wanted = [self.documents.rows[d] for d in doc_ids if d in self.documents.rows]
        return np.flatnonzero(np.isin(self.doc_rows, np.array(wanted, np.int64))).astype(np.int64)


def doc_ids_file(folder: Path) -> list[str]:
    """The stored order of the document ids."""
    ids = json.loads((folder / "documents.ids.json").read_text(encoding="utf-8"))
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise IndexCorrupt(f"{folder / 'documents.ids.json'}: not a list of document ids; {REBUILD_HINT}")
    return ids


def open_store(folder: Path) -> tuple[StoredDocuments, StoredChunks]:
    """The documents and chunks of a version folder, opened for reading on demand."""
    documents = StoredDocuments(open_records(folder, "documents"), doc_ids_file(folder))
    doc_rows = np.load(folder / "chunks.doc_rows.npy", allow_pickle=False)
    return documents, StoredChunks(open_records(folder, "chunks"), doc_rows, documents)
