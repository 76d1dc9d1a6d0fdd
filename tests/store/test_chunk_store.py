"""Documents and chunks read from disk on demand: the same records, damage found before use, old versions readable."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import tiny_index

from qa.records import IndexCorrupt
from qa.store.chunk_store import BLOCK, StoredChunks, StoredDocuments, tables
from qa.store.files import current_version
from qa.store.load import load_index
from qa.store.save import save_index

TEXTS = [f"Report {i}: wells were dug in Ayacucho in 20{i:02d}; pumps café Perú.\n" * (i % 7 + 1) for i in range(40)]


@pytest.fixture
def written(tmp_path):
    original = tiny_index(TEXTS, np.eye(40, 8, dtype=np.float32))
    save_index(tmp_path, original)
    return tmp_path, original


def test_a_loaded_index_reads_the_same_documents_and_chunks_from_disk(written):
    folder, original = written
    index = load_index(folder)
    assert isinstance(index.documents, StoredDocuments) and isinstance(index.chunks, StoredChunks)
    assert index.documents == original.documents and list(index.documents) == list(original.documents)
    assert index.chunks == original.chunks and list(index.chunks) == original.chunks
    assert index.chunks[-1] == original.chunks[-1] and index.chunks[3:9:2] == original.chunks[3:9:2]
    assert index.chunk(7) == original.chunks[7] and index.document("d5.txt") == original.documents["d5.txt"]
    assert "d5.txt" in index.documents and "nope" not in index.documents and index.documents.get("nope") is None
    assert index.rows_of({"d3.txt", "d7.txt", "nope"}).tolist() == [3, 7]
    with pytest.raises(IndexError):
        index.chunks[40]


def test_offsets_and_blocks_describe_the_rows(tmp_path):
    path = tmp_path / "rows.jsonl"
    rows = [b'{"a": "' + b"x" * n + b'"}\n' for n in (3, BLOCK, 10)]
    path.write_bytes(b"".join(rows))
    offsets, blocks = tables(path)
    assert offsets.tolist() == [0, len(rows[0]), len(rows[0]) + len(rows[1]), sum(map(len, rows))]
    assert len(blocks) == -(-sum(map(len, rows)) // BLOCK)


def _large(monkeypatch) -> None:
    """Treat every file as large: checked by block or in the background, not at load."""
    monkeypatch.setattr("qa.store.load.VERIFY_AT_LOAD", -1)


def test_a_damaged_block_is_refused_when_read_and_by_the_background_check(tmp_path, monkeypatch):
    monkeypatch.setattr("qa.store.chunk_store.BLOCK", 256)  # many blocks in a small file
    folder, original = tmp_path, tiny_index(TEXTS, np.eye(40, 8, dtype=np.float32))
    save_index(folder, original)
    _large(monkeypatch)
    path = folder / current_version(folder) / "documents.jsonl"
    data = bytearray(path.read_bytes())
    at = data.index(b"Report 3")
    data[at] ^= 1
    path.write_bytes(bytes(data))
    index = load_index(folder)  # ready without hashing the large files
    assert index.document("d0.txt") == original.documents["d0.txt"]  # an intact block reads fine
    with pytest.raises(IndexCorrupt, match="documents.jsonl: damaged"):
        index.document("d3.txt")
    assert index.integrity.wait(10)
    with pytest.raises(IndexCorrupt, match="documents.jsonl: damaged.*qa index --rebuild"):
        index.lexical_search("wells", 3)


def test_a_truncated_large_file_is_refused_at_load(written, monkeypatch):
    folder, _ = written
    _large(monkeypatch)
    path = folder / current_version(folder) / "chunks.jsonl"
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(IndexCorrupt, match="chunks.jsonl: damaged"):
        load_index(folder)


def test_a_reader_keeps_its_version_after_later_writes_remove_it(written):
    folder, original = written
    index = load_index(folder)
    first = index.version
    for _ in range(2):  # the writer keeps only the current and the previous version
        save_index(folder, tiny_index(["Something else entirely."]))
    assert not (folder / first).exists()
    assert list(index.chunks) == original.chunks and index.document("d9.txt") == original.documents["d9.txt"]


def test_saving_a_loaded_index_copies_its_rows_and_refuses_damaged_ones(written, monkeypatch):
    folder, original = written
    index = load_index(folder)
    again = save_index(folder, index)
    assert again.version != index.version and load_index(folder).chunks == original.chunks
    _large(monkeypatch)
    loaded = load_index(folder)
    path = folder / loaded.version / "chunks.jsonl"
    data = bytearray(path.read_bytes())
    data[10] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match="chunks.jsonl: damaged"):
        save_index(folder, loaded)
    assert current_version(folder) == loaded.version


def test_a_loaded_index_can_be_saved_again_after_its_version_was_removed(written):
    folder, original = written
    index = load_index(folder)
    for _ in range(2):
        save_index(folder, tiny_index(["Something else entirely."]))
    assert not (folder / index.version).exists()
    save_index(folder, index)  # rows copied from the handles opened at load
    again = load_index(folder)
    assert again.chunks == original.chunks and again.documents == original.documents
