"""The plain files of an index: JSON-lines rows, checksums, the CURRENT pointer and the one-writer lock."""

from __future__ import annotations

import errno
import hashlib
import re

import pytest
from conftest import make_document

from qa.ingest.chunking import ChunkParams, chunk_document
from qa.records import Document, IndexCorrupt, IndexLocked, IndexWriteError, InputError
from qa.store.build import Build
from qa.store.files import (
    IndexLock,
    chunk_from_row,
    chunk_row,
    current_version,
    document_from_row,
    document_row,
    pointer,
    read_jsonl,
    sha256_file,
    write_error,
    write_jsonl,
)
from qa.sync.update import update_index


def test_documents_and_chunks_survive_their_rows(tmp_path):
    document = make_document("r.txt", "# Water\n\nWells were dug in 2020.\nPumps were fixed.\n", title="Report")
    paged = Document("p.pdf", "P", "one\n\ntwo", "h", page_starts=(0, 5))
    chunks = chunk_document(document, ChunkParams(size=10, overlap=0))
    write_jsonl(tmp_path / "d.jsonl", [document_row(document), document_row(paged)])
    write_jsonl(tmp_path / "c.jsonl", [chunk_row(c) for c in chunks])
    assert [document_from_row(r) for r in read_jsonl(tmp_path / "d.jsonl")] == [document, paged]
    assert [chunk_from_row(r, document) for r in read_jsonl(tmp_path / "c.jsonl")] == chunks
    assert any(s.is_heading for c in chunks for s in c.sentences), "the heading flag is stored"


def test_a_chunk_row_holds_no_text_its_text_is_sliced_from_the_document():
    document = make_document("a.txt", "Alpha beta. Gamma delta.")
    row = chunk_row(chunk_document(document, ChunkParams())[0])
    assert "text" not in row
    edited = Document("a.txt", "a.txt", "ALPHA BETA. GAMMA DELTA.", "h2")
    assert chunk_from_row(row, edited).text == "ALPHA BETA. GAMMA DELTA."


def test_rows_are_utf8_json_one_a_line(tmp_path):
    write_jsonl(tmp_path / "r.jsonl", [{"text": "Perú"}, {"n": 2}])
    assert (tmp_path / "r.jsonl").read_text(encoding="utf-8") == '{"text": "Perú"}\n{"n": 2}\n'


def test_read_jsonl_skips_blank_lines_and_stops_at_the_limit(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text('{"a": 1}\n\n   \n{"a": 2}\n{"a": 3}\nnot json\n', encoding="utf-8")
    assert read_jsonl(path, limit=2) == [{"a": 1}, {"a": 2}]


def test_read_jsonl_names_the_file_and_the_bad_line(tmp_path):
    path = tmp_path / "r.jsonl"
    with pytest.raises(InputError, match=f"{path}: no such file"):
        read_jsonl(path)
    path.write_text('{"a": 1}\n{broken\n', encoding="utf-8")
    with pytest.raises(InputError, match=rf"{path}:2: not valid JSON \("):
        read_jsonl(path)
    path.write_text('{"a": 1}\n\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(InputError, match=f"{path}:3: expected a JSON object"):
        read_jsonl(path)


def test_sha256_file_is_the_digest_of_the_bytes(tmp_path):
    data = b"x" * (3 << 20)  # more than one read block
    (tmp_path / "f").write_bytes(data)
    assert sha256_file(tmp_path / "f") == hashlib.sha256(data).hexdigest()


def test_no_current_means_no_index_yet(tmp_path):
    assert current_version(tmp_path / "missing") is None
    assert current_version(tmp_path) is None and pointer(tmp_path) is None


def test_current_names_the_live_version(tmp_path):
    (tmp_path / "v000003").mkdir()
    (tmp_path / "CURRENT").write_text("v000003\n", encoding="utf-8")
    assert current_version(tmp_path) == "v000003" and pointer(tmp_path) == "v000003"


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"v000009\n", "points to a missing version 'v000009'"),
        (b"../../etc\n", "points to a missing version '../../etc'"),
        (b"", "points to a missing version ''"),
        (b"\xff\xfe\x00garbage", "not a version name (binary data)"),
    ],
)
def test_a_bad_current_is_corrupt_and_says_how_to_rebuild(tmp_path, content, reason):
    (tmp_path / "CURRENT").write_bytes(content)
    with pytest.raises(IndexCorrupt, match=rf"CURRENT: {re.escape(reason)}; run `qa index --rebuild FOLDER`"):
        current_version(tmp_path)


def test_the_lock_admits_one_writer_at_a_time(tmp_path):
    message = "another qa process is updating this index; wait for it to finish"
    with IndexLock(tmp_path / "index"), pytest.raises(IndexLocked, match=message):
        IndexLock(tmp_path / "index").__enter__()
    with IndexLock(tmp_path / "index"):  # released: the next writer gets in
        pass


def test_a_second_writer_is_refused(tmp_path):
    with IndexLock(tmp_path), pytest.raises(IndexLocked, match="another qa process"):
        update_index(Build(tmp_path), [make_document("d0.txt", "x y z.")], lambda _: False)


def test_a_lock_that_cannot_be_created_is_a_write_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(IndexWriteError, match=f"cannot write the index in {blocker / 'index'}: "):
        IndexLock(blocker / "index")


def test_write_error_names_the_folder_and_the_reason(tmp_path):
    error = write_error(tmp_path, OSError(errno.ENOSPC, "No space left on device"))
    reason = "No space left on device; the previous index is unchanged"
    assert str(error) == f"cannot write the index in {tmp_path}: {reason}"
