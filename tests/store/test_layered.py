"""Incremental sync of a large index: a delta over the untouched base, searched as one index, merged in time."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest
from conftest import FakeEmbedder, make_document

import qa.sync.delta as sync_delta
from qa.ingest.documents import Unchanged, read_folder
from qa.records import IndexCorrupt
from qa.store.build import Build
from qa.store.load import load_index
from qa.sync.folder import sync_folder
from qa.sync.update import update_index

TOWNS = ["Ayacucho", "Huanta", "Cusco", "Puno", "Tacna", "Piura", "Junin", "Loreto", "Ica", "Tumbes", "Moquegua"]


def _documents() -> dict[str, str]:
    docs = {f"{t.lower()}.txt": f"Wells were dug in {t} in {2000 + i}. The {t} committee had {i + 3} volunteers."
            for i, t in enumerate(TOWNS)}  # fmt: skip
    docs["bridge.txt"] = "The Chacas bridge in Lima opened in March 2019. It spans the Rimac river."
    return docs


def _changed(docs: dict[str, str]) -> dict[str, str]:
    """One document edited, one removed, one added."""
    docs = dict(docs)
    docs["cusco.txt"] = "Three clinics were built in Cusco in 2021. They serve ten villages of the valley."
    del docs["bridge.txt"]
    docs["schools.txt"] = "Two schools were rebuilt in Arequipa after the earthquake of 2001."
    return docs


def _update(folder, docs: dict[str, str], fake):
    documents = [make_document(name, text) for name, text in docs.items()]
    return update_index(Build(folder, embedder_for=lambda _: fake), documents, lambda _: False)


def _files(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def _content(index) -> list[tuple]:
    return sorted((c.doc_id, c.start, c.end, c.text) for c in index.chunks)


@pytest.fixture()
def layered(monkeypatch):
    """Deltas from the first chunk on, merged only when they pass the whole base."""
    monkeypatch.setattr(sync_delta, "DELTA_FROM", 1)
    monkeypatch.setattr(sync_delta, "MERGE_SHARE", 1.0)


def test_a_sync_over_a_large_base_writes_only_a_delta(tmp_path, layered):
    fake = FakeEmbedder()
    _update(tmp_path, _documents(), fake)
    base = load_index(tmp_path)
    before = _files(tmp_path / base.version)
    fake.calls.clear()
    report = _update(tmp_path, _changed(_documents()), fake)
    index = load_index(tmp_path)
    assert index.manifest.base == base.version and (tmp_path / base.version).is_dir()
    assert _files(tmp_path / base.version) == before  # the base is neither rewritten nor copied
    assert (
        report.delta == 2
        and report.embedded == 2
        and [t for call in fake.calls for t in call]
        == [c.embed_text() for c in index.chunks if c.doc_id in ("cusco.txt", "schools.txt")]
    )
    assert (report.added, report.updated, report.removed) == (["schools.txt"], ["cusco.txt"], ["bridge.txt"])
    written = (tmp_path / index.version / "documents.ids.json").read_text()
    assert written == '["cusco.txt", "schools.txt"]' and (tmp_path / index.version / "base.hidden.json").is_file()
    whole = tmp_path / "whole"
    _update(whole, _changed(_documents()), FakeEmbedder())
    rebuilt = load_index(whole)
    assert list(index.documents) == list(rebuilt.documents) and _content(index) == _content(rebuilt)
    assert len(index.chunks) == len(rebuilt.chunks) == index.manifest.chunks
    assert all(index.chunk(c.chunk_id) == c for c in index.chunks)  # a chunk's id is its row
    assert index.manifest.documents == rebuilt.manifest.documents


def test_a_layered_index_searches_like_a_whole_one(tmp_path, layered):
    fake = FakeEmbedder()
    _update(tmp_path / "layered", _documents(), fake)
    _update(tmp_path / "layered", _changed(_documents()), fake)
    _update(tmp_path / "whole", _changed(_documents()), fake)
    layered_index, whole = load_index(tmp_path / "layered"), load_index(tmp_path / "whole")

    def found(index, hits):
        return [(index.chunk(r).doc_id, round(s, 5)) for r, s in hits]

    for query in ["clinics in Cusco", "wells dug in Puno", "schools rebuilt after the earthquake", "Chacas bridge"]:
        vector = fake.encode([query])[0]
        mine = found(layered_index, layered_index.dense_search(vector, 5))
        theirs = found(whole, whole.dense_search(vector, 5))
        assert mine[0] == theirs[0] and [s for _, s in mine] == [s for _, s in theirs]  # the same, ties aside
        top = layered_index.lexical_search(query, 3)
        assert [layered_index.chunk(r).doc_id for r, _ in top][:1] == [whole.chunk(r).doc_id for r, _ in
                                                                       whole.lexical_search(query, 3)][:1]  # fmt: skip
    assert layered_index.lexical_search("Chacas Rimac", 5) == []  # the removed document is hidden in the base
    assert all(layered_index.chunk(r).doc_id != "bridge.txt" for r, _ in layered_index.dense_search(
        fake.encode(["Chacas bridge"])[0], 50))  # fmt: skip
    rows = layered_index.rows_of({"cusco.txt", "puno.txt"})
    assert sorted(layered_index.chunk(int(r)).doc_id for r in rows) == ["cusco.txt", "puno.txt"]
    assert layered_index.chunk(int(layered_index.dense_search(fake.encode(["clinics"])[0], 1, rows)[0][0])).doc_id == (
        "cusco.txt"
    )
    assert len(layered_index.lexical.rows_in("en")) == len(layered_index.chunks)


def test_a_second_sync_replaces_the_delta_over_the_same_base(tmp_path, layered):
    fake = FakeEmbedder()
    _update(tmp_path, _documents(), fake)
    base = load_index(tmp_path).version
    _update(tmp_path, _changed(_documents()), fake)
    docs = _changed(_documents())
    docs["cusco.txt"] = "Four clinics were built in Cusco in 2022."  # changed again: its first delta copy goes
    del docs["puno.txt"]
    report = _update(tmp_path, docs, fake)
    index = load_index(tmp_path)
    assert index.manifest.base == base and report.delta == 2 and report.embedded == 1 and report.reused == 1
    assert "puno.txt" not in index.documents and index.document("cusco.txt").text.startswith("Four clinics")
    assert [c.doc_id for c in index.chunks].count("cusco.txt") == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("v")) == [base, "v000002", "v000003"]
    assert list(index.documents) == sorted(docs)


def test_a_delta_past_its_share_of_the_base_is_merged_into_a_whole_version(tmp_path, layered, monkeypatch):
    fake = FakeEmbedder()
    _update(tmp_path, _documents(), fake)
    _update(tmp_path, _changed(_documents()), fake)
    monkeypatch.setattr(sync_delta, "MERGE_SHARE", 0.1)
    docs = _changed(_documents())
    docs["tacna.txt"] = "Tacna built a water plant."
    report = _update(tmp_path, docs, fake)
    index = load_index(tmp_path)
    assert report.delta is None and index.manifest.base is None and report.embedded == 1
    assert _content(index) == sorted(_content(index)) and [c.chunk_id for c in index.chunks] == list(range(len(docs)))
    _update(tmp_path, docs, fake)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("v")) == ["v000003", "v000004"]


def test_small_indexes_are_written_whole(tmp_path):
    fake = FakeEmbedder()
    _update(tmp_path, _documents(), fake)
    report = _update(tmp_path, _changed(_documents()), fake)
    assert report.delta is None and load_index(tmp_path).manifest.base is None


def test_a_missing_base_or_a_damaged_delta_is_refused_in_one_line(tmp_path, layered):
    fake = FakeEmbedder()
    _update(tmp_path / "a", _documents(), fake)
    _update(tmp_path / "a", _changed(_documents()), fake)
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    index = load_index(tmp_path / "a")
    shutil.rmtree(tmp_path / "a" / index.manifest.base)
    with pytest.raises(IndexCorrupt, match="base version 'v000001' is missing"):
        load_index(tmp_path / "a")
    (tmp_path / "b" / index.version / "base.hidden.json").write_text('["puno.txt"]')
    with pytest.raises(IndexCorrupt, match="base.hidden.json: damaged"):
        load_index(tmp_path / "b")


def test_unchanged_files_are_not_parsed_and_come_back_as_unchanged(tmp_path):
    (tmp_path / "a.txt").write_text("Wells in Puno.")
    (tmp_path / "b.txt").write_text("A bridge in Lima.")
    digest = hashlib.sha256(b"Wells in Puno.").hexdigest()
    found, skipped = read_folder(tmp_path, known={"a.txt": digest, "b.txt": "an older hash"})
    assert found[0] == Unchanged("a.txt", digest) and found[1].text == "A bridge in Lima." and not skipped


def test_a_folder_sync_answers_from_the_delta_with_exact_quotes(seeds_index, seeds_copy, tmp_path, layered):
    from qa.engine import Engine

    index_dir = tmp_path / "index"
    shutil.copytree(seeds_index, index_dir)
    target = sorted(seeds_copy.iterdir())[2]
    target.write_text(target.read_text() + "\nThe new water clinic in Puno opened in 2024 with twelve beds.\n")
    report = sync_folder(Build(index_dir, folder=seeds_copy))
    assert report.updated == [target.name] and report.delta and report.embedded <= 2 and report.unchanged == 4
    engine = Engine(index_dir)
    reply = engine.ask("When did the new water clinic in Puno open?")
    assert engine.index.manifest.base is not None and reply.found
    first = reply.citations[0]
    assert first.source == target.name and "2024" in first.quote
    for citation in reply.citations:
        assert engine.index.document(citation.source).text[citation.start : citation.end] == citation.quote
    assert np.isfinite(engine.index.lexical.term_idf("puno"))


@pytest.mark.parametrize("step", ["documents", "vectors", "manifest", "switch"])
def test_a_failed_delta_write_leaves_the_previous_index_and_its_base(tmp_path, layered, monkeypatch, step):
    import errno
    import os

    from qa.records import IndexWriteError

    def disk_full(at: str) -> None:
        if at == step:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    fake = FakeEmbedder()
    _update(tmp_path, _documents(), fake)
    _update(tmp_path, _changed(_documents()), fake)
    before = load_index(tmp_path)
    docs = _changed(_documents())
    docs["puno.txt"] = "Puno opened a library."
    monkeypatch.setattr("qa.store.save._fault", disk_full)
    with pytest.raises(IndexWriteError, match="previous index is unchanged"):
        _update(tmp_path, docs, fake)
    after = load_index(tmp_path)
    assert (after.version, after.manifest.base) == (before.version, before.manifest.base)
    assert _content(after) == _content(before)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", "CURRENT", "v000001", "v000002"]
