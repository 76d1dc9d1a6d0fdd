"""Building and syncing: only new or changed text is embedded, removals and kept documents, mismatches, fallbacks."""

from __future__ import annotations

import errno
import pathlib

import pytest
from conftest import FakeEmbedder, make_document

from qa.embed.models import DEFAULT_MODEL
from qa.ingest.chunking import ChunkParams
from qa.ingest.documents import UPLOADS
from qa.records import IndexMismatch, ModelUnavailable
from qa.store.build import Build
from qa.store.load import load_index
from qa.sync.folder import sync_folder
from qa.sync.update import update_index
from qa.sync.watch import watch_folder

A = "Wells were dug in Ayacucho in 2020. The committee had forty volunteers."
B = "The bridge in Lima opened in March. It took two years of work."
C = "Three clinics were built in Cusco. They serve ten villages."


@pytest.fixture()
def fake() -> FakeEmbedder:
    return FakeEmbedder()


def _update(index_dir, documents, fake, keep=lambda _: False, **kwargs):
    return update_index(Build(index_dir, embedder_for=lambda _: fake, **kwargs), documents, keep)


def test_a_first_build_embeds_every_chunk(tmp_path, fake):
    report = _update(tmp_path, [make_document("a.txt", A), make_document("b.txt", B)], fake)
    index = load_index(tmp_path)
    assert report.added == ["a.txt", "b.txt"] and report.updated == report.removed == [] and report.unchanged == 0
    assert report.documents == 2 and report.chunks == len(index.chunks) == report.embedded and report.reused == 0
    assert (report.mode, report.model, report.warning) == ("hybrid", DEFAULT_MODEL, None)
    assert {"chunk", "embed", "write", "total"} <= report.seconds.keys()
    assert [c.chunk_id for c in index.chunks] == list(range(len(index.chunks)))


def test_only_changed_text_is_embedded_again(tmp_path, fake):
    _update(tmp_path, [make_document("a.txt", A), make_document("b.txt", B)], fake)
    fake.calls.clear()
    report = _update(tmp_path, [make_document("a.txt", A), make_document("b.txt", B + " A pier was added.")], fake)
    assert report.updated == ["b.txt"] and report.unchanged == 1 and report.added == report.removed == []
    changed = [c.embed_text() for c in load_index(tmp_path).chunks if c.doc_id == "b.txt"]
    assert fake.embedded == report.embedded == len(changed) and report.reused == report.chunks - len(changed)
    assert all(text in changed for call in fake.calls for text in call)


def test_nothing_changed_embeds_nothing(tmp_path, fake):
    documents = [make_document("a.txt", A), make_document("b.txt", B)]
    _update(tmp_path, documents, fake)
    fake.calls.clear()
    report = _update(tmp_path, documents, fake)
    assert report.embedded == 0 and report.unchanged == 2 and fake.embedded == 0


def test_documents_not_given_are_removed_unless_kept(tmp_path, fake):
    _update(tmp_path, [make_document("a.txt", A), make_document("uploads/b.txt", B)], fake)
    report = _update(tmp_path, [make_document("c.txt", C)], fake, keep=lambda d: d.startswith(UPLOADS))
    assert report.added == ["c.txt"] and report.removed == ["a.txt"]
    assert sorted(load_index(tmp_path).documents) == ["c.txt", "uploads/b.txt"]
    report = _update(tmp_path, [], fake, keep=lambda d: d != "c.txt")
    assert report.removed == ["c.txt"] and sorted(load_index(tmp_path).documents) == ["uploads/b.txt"]


def test_rebuild_starts_from_scratch(tmp_path, fake):
    _update(tmp_path, [make_document("a.txt", A)], fake)
    report = _update(tmp_path, [make_document("a.txt", A)], fake, rebuild=True)
    assert report.added == ["a.txt"] and report.reused == 0 and report.embedded == report.chunks


def test_other_model_asks_for_rebuild(tmp_path, fake):
    _update(tmp_path, [make_document("a.txt", A)], fake)
    with pytest.raises(IndexMismatch, match="built with model"):
        _update(tmp_path, [make_document("n.txt", "New text.")], fake, keep=lambda _: True, model="some/other-model")


def test_other_chunking_asks_for_rebuild(tmp_path, fake):
    _update(tmp_path, [make_document("a.txt", A)], fake)
    with pytest.raises(IndexMismatch, match="chunking of 120 words, overlap 1; run `qa index --rebuild"):
        _update(tmp_path, [make_document("a.txt", A)], fake, params=ChunkParams(size=50))
    report = _update(tmp_path, [make_document("a.txt", A)], fake, params=ChunkParams(size=50), rebuild=True)
    assert load_index(tmp_path).manifest.chunking == ChunkParams(size=50) and report.added == ["a.txt"]


def test_an_unloadable_model_gives_a_bm25_only_index_with_a_warning(tmp_path):
    def unavailable(name):
        raise ModelUnavailable(f"cannot load embedding model '{name}': gone")

    report = update_index(Build(tmp_path, embedder_for=unavailable), [make_document("a.txt", A)], lambda _: False)
    assert (report.mode, report.model) == ("bm25", None)
    assert report.warning == f"cannot load embedding model '{DEFAULT_MODEL}': gone; continuing in BM25-only mode"
    index = load_index(tmp_path)
    assert index.mode == "bm25" and index.dense is None and index.manifest.model is None


def test_a_bm25_only_index_gains_vectors_once_the_model_loads(tmp_path, fake):
    def unavailable(name):
        raise ModelUnavailable("no model")

    update_index(Build(tmp_path, embedder_for=unavailable), [make_document("a.txt", A)], lambda _: False)
    report = _update(tmp_path, [make_document("a.txt", A)], fake)
    assert report.mode == "hybrid" and load_index(tmp_path).dense.count == report.chunks == report.embedded


def test_a_retitled_document_is_chunked_again(tmp_path, fake):
    _update(tmp_path, [make_document("a.md", A, title="Old title")], fake)
    _update(tmp_path, [make_document("a.md", A, title="New title")], fake)
    assert {c.heading_path for c in load_index(tmp_path).chunks} == {("New title",)}


def test_sync_folder_reads_the_folder_and_reports_skips(tmp_path, fake):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(A, encoding="utf-8")
    (docs / "empty.txt").write_bytes(b"")
    report = sync_folder(Build(tmp_path / "index", folder=docs, embedder_for=lambda _: fake))
    assert report.added == ["a.txt"] and [(s.source, s.reason) for s in report.skipped] == [("empty.txt", "empty file")]
    assert report.seconds["total"] >= report.seconds["read"] >= 0


def test_sync_folder_keeps_uploads_and_files_it_could_not_read(tmp_path, fake, monkeypatch):
    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    docs.mkdir()
    (docs / "a.txt").write_text(A, encoding="utf-8")
    (docs / "b.txt").write_text(B, encoding="utf-8")
    sync_folder(Build(index_dir, folder=docs, embedder_for=lambda _: fake))
    _update(index_dir, [make_document("uploads/c.txt", C)], fake, keep=lambda _: True)
    real_open = pathlib.Path.open

    def failing_open(self, mode="r", *args, **kwargs):
        if self.name == "a.txt":
            raise OSError(errno.EIO, "Input/output error")
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", failing_open)
    (docs / "b.txt").unlink()
    report = sync_folder(Build(index_dir, folder=docs, embedder_for=lambda _: fake))
    assert report.removed == ["b.txt"]
    assert sorted(load_index(index_dir).documents) == ["a.txt", "uploads/c.txt"], "a.txt keeps its indexed copy"


def test_watch_folder_syncs_after_a_change_settles(tmp_path, fake, monkeypatch):
    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    docs.mkdir()
    (docs / "a.txt").write_text(A, encoding="utf-8")
    sync_folder(Build(index_dir, folder=docs, embedder_for=lambda _: fake))
    sleeps = []

    def sleep(seconds):  # the first wait is when the user edits the folder; the rest pass instantly
        sleeps.append(seconds)
        if len(sleeps) == 1:
            (docs / "b.txt").write_text(B, encoding="utf-8")

    monkeypatch.setattr("qa.sync.watch.time.sleep", sleep)
    build = Build(index_dir, folder=docs, embedder_for=lambda _: fake)
    report = next(watch_folder(build, interval=0.25, debounce=0.125))
    assert report.added == ["b.txt"] and report.unchanged == 1
    assert sleeps == [0.25, 0.125], "one poll, then one debounce wait that saw no further change"
    assert "b.txt" in load_index(index_dir).documents
