"""Rows written a block at a time read back as the documents and chunks they were."""

from __future__ import annotations

from conftest import tiny_index

from qa.store.chunk_store import open_store
from qa.store.record_writer import RecordWriter


def test_rows_written_in_blocks_open_as_the_same_documents_and_chunks(tmp_path):
    index = tiny_index([f"Wells {i} in Perú.\nPumps {i}." for i in range(25)])
    documents, chunks = list(index.documents.values()), index.chunks
    writer = RecordWriter(tmp_path)
    for first in range(0, 25, 10):
        writer.add_documents(documents[first : first + 10])
        writer.add_chunks(chunks[first : first + 10])
    writer.close()
    stored_documents, stored_chunks = open_store(tmp_path)
    assert stored_documents == index.documents and stored_chunks == chunks
    assert writer.hashes == {d.doc_id: d.content_hash for d in documents}
    assert stored_chunks.rows_of({"d3.txt", "d20.txt"}).tolist() == [3, 20]
