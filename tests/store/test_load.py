"""Loading the current index version: a faithful round trip, and every kind of damage refused by name."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder, make_document, tiny_index

from qa.ingest.chunking import ChunkParams
from qa.records import Document, IndexCorrupt, IndexMismatch, IndexMissing
from qa.store.build import Build
from qa.store.files import current_version
from qa.store.load import load_index
from qa.store.save import save_index
from qa.sync.update import update_index


def _docs(*texts: str) -> list[Document]:
    return [make_document(f"d{i}.txt", t) for i, t in enumerate(texts)]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """An index written by update_index, with vectors from a model-free FakeEmbedder."""
    folder = tmp_path_factory.mktemp("index")
    documents = _docs("Wells were dug in Ayacucho in 2020.", "The bridge in Lima opened.")
    update_index(Build(folder, embedder_for=lambda _: FakeEmbedder()), documents, lambda _: False)
    return folder


def _copy(built: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(built, target)
    return target


def test_round_trip_keeps_documents_chunks_and_vectors(built):
    index = load_index(built)
    assert sorted(index.documents) == ["d0.txt", "d1.txt"]
    assert index.mode == "hybrid" and index.dense.count == len(index.chunks) == 2
    manifest = index.manifest
    assert manifest.model == "sentence-transformers/all-MiniLM-L6-v2" and manifest.dimension == 384
    assert manifest.chunking == ChunkParams(120, 1)
    for chunk in index.chunks:
        assert index.documents[chunk.doc_id].text[chunk.start : chunk.end] == chunk.text
    assert index.version == current_version(built)


def test_a_saved_index_loads_back_equal(tmp_path):
    vectors = np.eye(3, 4, dtype=np.float32)
    original = tiny_index(["Wells in Ayacucho.", "Bridge in Lima.", "Clinic in Cusco."], vectors)
    written = save_index(tmp_path, original)
    loaded = load_index(tmp_path)
    assert loaded.manifest == written.manifest and loaded.version == written.version
    assert loaded.documents == original.documents and loaded.chunks == original.chunks
    assert loaded.lexical.vocab == original.lexical.vocab
    assert np.allclose(loaded.lexical.scores("lima clinic"), original.lexical.scores("lima clinic"))
    assert np.allclose(loaded.vectors(), vectors)


def test_a_bm25_only_index_loads_without_vectors(tmp_path):
    save_index(tmp_path, tiny_index(["Wells in Ayacucho.", "Bridge in Lima."]))
    loaded = load_index(tmp_path)
    assert loaded.mode == "bm25" and loaded.dense is None


@pytest.mark.parametrize("name", ["vectors.faiss", "chunks.jsonl", "bm25.data.npy", "documents.jsonl"])
def test_altered_truncated_or_zeroed_files_are_named(built, tmp_path, name):
    folder = _copy(built, tmp_path)
    path = folder / current_version(folder) / name
    for damage in (lambda b: b[: len(b) // 2], lambda b: b"\0" * len(b), lambda b: b[:-1] + bytes([b[-1] ^ 1])):
        original = path.read_bytes()
        path.write_bytes(damage(original))
        with pytest.raises(IndexCorrupt, match=f"{name}.*qa index --rebuild"):
            load_index(folder)
        path.write_bytes(original)
    load_index(folder)


def test_a_missing_file_is_named(built, tmp_path):
    folder = _copy(built, tmp_path)
    (folder / current_version(folder) / "vocab.json").unlink()
    with pytest.raises(IndexCorrupt, match="vocab.json: missing index file"):
        load_index(folder)


def test_unknown_files_such_as_pickles_are_refused(built, tmp_path):
    folder = _copy(built, tmp_path)
    (folder / current_version(folder) / "evil.pkl").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(IndexCorrupt, match="evil.pkl: unexpected file"):
        load_index(folder)


def test_unknown_files_beside_the_versions_are_refused_but_a_readme_is_not(built, tmp_path):
    folder = _copy(built, tmp_path)
    (folder / "README.md").write_text("This folder holds the index.", encoding="utf-8")
    load_index(folder)
    (folder / "index.pkl").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(IndexCorrupt, match="index.pkl: unexpected file in the index folder"):
        load_index(folder)


def test_other_format_version_asks_for_rebuild(built, tmp_path):
    folder = _copy(built, tmp_path)
    path = folder / current_version(folder) / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["format_version"] = 999
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match="format 999.*--rebuild"):
        load_index(folder)


@pytest.mark.parametrize("content", ["", "[1, 2]", '{"format_version": 1}', "{not json"])
def test_an_unreadable_manifest_is_named(built, tmp_path, content):
    folder = _copy(built, tmp_path)
    path = folder / current_version(folder) / "manifest.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(IndexCorrupt, match=r"manifest.json: unreadable manifest .*qa index --rebuild"):
        load_index(folder)


@pytest.mark.parametrize("damage", ["files not a mapping", "lies about a file"])
def test_a_manifest_that_misdescribes_its_files_is_named_in_one_line(built, tmp_path, damage):
    folder = _copy(built, tmp_path)
    path = folder / current_version(folder) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    lies = dict(manifest["files"], **{"chunks.jsonl": {"sha256": "0" * 64, "bytes": 1}})
    files = ["documents.jsonl"] if damage == "files not a mapping" else lies
    path.write_text(json.dumps(dict(manifest, files=files)), encoding="utf-8")
    with pytest.raises(IndexCorrupt) as caught:
        load_index(folder)
    message = str(caught.value)
    assert message.startswith(str(path.parent)) and message.endswith("run `qa index --rebuild FOLDER` to rebuild it")
    assert "\n" not in message


def test_vectors_that_do_not_match_the_chunks_are_refused(tmp_path):
    save_index(tmp_path / "a", tiny_index(["One.", "Two.", "Three."], np.eye(3, 4, dtype=np.float32)))
    save_index(tmp_path / "b", tiny_index(["One.", "Two."], np.eye(2, 4, dtype=np.float32)))
    a, b = tmp_path / "a" / "v000001", tmp_path / "b" / "v000001"
    shutil.copy(b / "vectors.faiss", a / "vectors.faiss")
    manifest = json.loads((a / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["vectors.faiss"] = json.loads((b / "manifest.json").read_text())["files"]["vectors.faiss"]
    (a / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="vectors.faiss: 2 vectors for 3 chunks"):
        load_index(tmp_path / "a")


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(IndexMissing, match="qa index"):
        load_index(tmp_path)
