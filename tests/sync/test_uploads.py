"""Uploads: safe names, size limits, parsing, de-duplication by content, and one index update for a batch."""

from __future__ import annotations

import pytest
from conftest import make_document

from qa.engine import Engine
from qa.records import DocumentError
from qa.store.build import Build
from qa.store.files import IndexLock
from qa.sync.update import update_index
from qa.sync.uploads import Upload, read_upload, safe_name, unique_name

RIVER = "The Zorblat river is 321 kilometres long. It flows into the Glimmerfen lake.\n"


@pytest.fixture()
def engine(tmp_path, fake_model) -> Engine:
    documents = [make_document("wells.txt", "The committee dug forty wells in Ayacucho during 2020.")]
    update_index(Build(tmp_path / "index", embedder_for=lambda _: fake_model), documents, lambda _: False)
    return Engine(tmp_path / "index", embedder=fake_model)


@pytest.fixture()
def uploads(tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    return folder


@pytest.mark.parametrize(
    "name, safe",
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\My Report (final).PDF", "My_Report_final.pdf"),
        ("<script>.md", "script.md"),
        ("...", "document"),
        ("notes.TXT", "notes.txt"),
        ("archive.tar.gz", "archive_tar.gz"),
        ("weird.suffix-with-dash", "weird_suffix-with-dash"),
        ("x" * 300 + ".txt", "x" * 100 + ".txt"),
    ],
)
def test_safe_name_keeps_letters_digits_and_the_suffix(name, safe):
    assert safe_name(name) == safe


def test_unique_numbers_a_repeated_name():
    assert unique_name("a.txt", set()) == "a.txt"
    assert unique_name("a.txt", {"a.txt", "a-2.txt"}) == "a-3.txt"


def test_read_upload_parses_the_file_under_its_id(uploads):
    (uploads / "river.txt").write_text(RIVER, encoding="utf-8")
    document = read_upload(uploads / "river.txt", "uploads/river.txt")
    assert document.doc_id == "uploads/river.txt" and document.text == RIVER


def test_read_upload_refuses_big_missing_and_unparsable_files(uploads):
    (uploads / "big.txt").write_bytes(b"word " * 100)
    with pytest.raises(DocumentError, match=r"^uploads/big.txt: file is 0.0 MB, over the 0 MB limit$"):
        read_upload(uploads / "big.txt", "uploads/big.txt", max_bytes=100)
    with pytest.raises(DocumentError, match="the upload could not be read; try again"):
        read_upload(uploads / "gone.txt", "uploads/gone.txt")
    (uploads / "empty.txt").write_bytes(b"")
    with pytest.raises(DocumentError, match="empty file"):
        read_upload(uploads / "empty.txt", "uploads/empty.txt")


def test_uploads_are_added_in_one_update_and_each_gets_a_row(engine, uploads, fake_model):
    (uploads / "river (1).txt").write_text(RIVER, encoding="utf-8")
    (uploads / "lake.md").write_text("# Lake\n\nThe Glimmerfen lake is shallow.\n", encoding="utf-8")
    (uploads / "bad.xyz").write_text("text", encoding="utf-8")
    read = []
    rows = engine.upload(sorted(uploads.iterdir()), on_read=lambda i, name: read.append((i, name)))
    assert [(r.name, r.status) for r in rows] == [
        ("bad.xyz", "rejected"),
        ("lake.md", "added"),
        ("river_1.txt", "added"),
    ]
    assert "unsupported file type" in rows[0].note
    assert rows[2].note == "1 passages; ask about it now"
    assert read == [(0, "bad.xyz"), (1, "lake.md"), (2, "river_1.txt")]
    assert sorted(engine.index.documents) == ["uploads/lake.md", "uploads/river_1.txt", "wells.txt"]
    assert engine.index.version == "v000002", "one index write for the whole batch"


def test_a_file_already_indexed_is_a_duplicate_and_a_changed_one_replaces_its_upload(engine, uploads):
    (uploads / "river.txt").write_text(RIVER, encoding="utf-8")
    assert engine.upload([uploads / "river.txt"])[0].status == "added"
    again = engine.upload([uploads / "river.txt"])
    assert again == [Upload("river.txt", "duplicate", "already indexed (uploads/river.txt)")]
    (uploads / "river.txt").write_text(RIVER.replace("321", "654"), encoding="utf-8")
    [row] = engine.upload([uploads / "river.txt"])
    assert row.status == "updated" and row.note.startswith("replaced the earlier upload; ")
    assert "654" in engine.index.documents["uploads/river.txt"].text


def test_two_identical_files_in_one_batch_are_added_once(engine, uploads):
    (uploads / "a.txt").write_text(RIVER, encoding="utf-8")
    (uploads / "b.txt").write_text(RIVER, encoding="utf-8")
    rows = engine.upload([uploads / "a.txt", uploads / "b.txt"])
    assert [(r.name, r.status) for r in rows] == [("a.txt", "added"), ("b.txt", "duplicate")]


def test_same_named_files_in_one_batch_get_distinct_names(engine, tmp_path):
    paths = []
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / "notes.txt"
        path.write_text(f"Notes from folder {folder} about wells.", encoding="utf-8")
        paths.append(path)
    rows = engine.upload(paths)
    assert [(r.name, r.status) for r in rows] == [("notes.txt", "added"), ("notes-2.txt", "added")]


def test_a_failed_index_write_rejects_the_batch_with_the_reason(engine, uploads):
    (uploads / "river.txt").write_text(RIVER, encoding="utf-8")
    with IndexLock(engine.index_dir):
        [row] = engine.upload([uploads / "river.txt"])
    assert row.status == "rejected" and "another qa process is updating this index" in row.note
    assert "uploads/river.txt" not in engine.index.documents  # the lock error went to the row, not the caller
