"""The on-disk index: round trip, checksums, refusal of unknown files, one writer at a time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.errors import IndexCorrupt, IndexLocked, IndexMismatch, IndexMissing
from qa.index import IndexLock, current_version, load_index
from qa.records import Document
from qa.sync import update_index


def _docs(*texts: str) -> list[Document]:
    return [Document(f"d{i}.txt", f"d{i}.txt", t, f"h{i}-{hash(t)}") for i, t in enumerate(texts)]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("index")
    update_index(folder, _docs("Wells were dug in Ayacucho in 2020.", "The bridge in Lima opened."), lambda _: False)
    return folder


def test_round_trip_keeps_documents_chunks_and_vectors(built):
    index = load_index(built)
    assert sorted(index.documents) == ["d0.txt", "d1.txt"]
    assert index.mode == "hybrid" and index.dense.ntotal == len(index.chunks) == 2
    manifest = index.manifest
    assert manifest["model"] == "sentence-transformers/all-MiniLM-L6-v2" and manifest["dimension"] == 384
    assert manifest["chunking"] == {"size": 120, "overlap": 1}
    for chunk in index.chunks:
        assert index.documents[chunk.doc_id].text[chunk.start : chunk.end] == chunk.text


def _copy(built: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "copy"
    shutil.copytree(built, target)
    return target


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


def test_unknown_files_such_as_pickles_are_refused(built, tmp_path):
    folder = _copy(built, tmp_path)
    (folder / current_version(folder) / "evil.pkl").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(IndexCorrupt, match="evil.pkl: unexpected file"):
        load_index(folder)


def test_other_format_version_asks_for_rebuild(built, tmp_path):
    folder = _copy(built, tmp_path)
    path = folder / current_version(folder) / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["format_version"] = 999
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match="format 999.*--rebuild"):
        load_index(folder)


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(IndexMissing, match="qa index"):
        load_index(tmp_path)


def test_a_second_writer_is_refused(tmp_path):
    with IndexLock(tmp_path), pytest.raises(IndexLocked, match="another qa process"):
        update_index(tmp_path, _docs("x y z."), lambda _: False)


def test_other_model_asks_for_rebuild(built, tmp_path):
    folder = _copy(built, tmp_path)
    with pytest.raises(IndexMismatch, match="built with model"):
        update_index(folder, _docs("New text."), lambda _: True, model="some/other-model")
