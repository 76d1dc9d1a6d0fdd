"""Writing an index version atomically: a new version folder, checksummed files, CURRENT swapped, debris cleaned."""

from __future__ import annotations

import errno
import json
import os

import numpy as np
import pytest
from conftest import tiny_index

from qa.records import IndexWriteError
from qa.store.files import current_version, sha256_file
from qa.store.save import save_index, versions

TEXTS = ["Wells were dug in Ayacucho.", "The bridge in Lima opened.", "Clinics were built in Cusco."]
STEPS = ["documents", "chunks", "lexical", "vectors", "manifest", "rename", "switch"]


@pytest.fixture()
def index():
    return tiny_index(TEXTS, np.eye(3, 4, dtype=np.float32))


def test_a_first_save_writes_version_one_and_points_current_at_it(tmp_path, index):
    written = save_index(tmp_path / "index", index)
    folder = tmp_path / "index"
    assert written.version == "v000001" == current_version(folder)
    assert (folder / "CURRENT").read_text(encoding="utf-8") == "v000001\n"
    names = sorted(p.name for p in (folder / "v000001").iterdir())
    assert names == sorted(
        ["manifest.json", "documents.jsonl", "chunks.jsonl", "vocab.json", "vectors.faiss", "documents.ids.json"]
        + [f"{name}.{table}.npy" for name in ("documents", "chunks") for table in ("offsets", "blocks")]
        + ["chunks.doc_rows.npy"]
        + [f"bm25.{n}.npy" for n in index.lexical.arrays()]
    )


def test_the_manifest_lists_every_file_with_its_checksum_and_size(tmp_path, index):
    written = save_index(tmp_path, index)
    version = tmp_path / written.version
    stored = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    assert stored["files"] == written.manifest.files
    assert set(stored["files"]) == {p.name for p in version.iterdir()} - {"manifest.json"}
    for name, meta in stored["files"].items():
        assert meta == {"sha256": sha256_file(version / name), "bytes": (version / name).stat().st_size}
    assert stored["qa_version"] and stored["created"].endswith("Z") and stored["mode"] == "hybrid"


def test_a_bm25_only_index_has_no_vectors_file(tmp_path):
    written = save_index(tmp_path, tiny_index(TEXTS))
    assert "vectors.faiss" not in written.manifest.files and written.manifest.mode == "bm25"


def test_each_save_is_a_new_version_and_only_the_previous_one_is_kept(tmp_path, index):
    for expected in ("v000001", "v000002", "v000003"):
        assert save_index(tmp_path, index).version == expected
    assert versions(tmp_path) == ["v000002", "v000003"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CURRENT", "v000002", "v000003"]


def test_leftovers_of_an_interrupted_write_are_removed(tmp_path, index):
    save_index(tmp_path, index)
    (tmp_path / ".tmp-deadbeef").mkdir()
    (tmp_path / ".tmp-deadbeef" / "chunks.jsonl").write_text("half", encoding="utf-8")
    (tmp_path / "CURRENT.tmp-deadbeef").write_text("v000009\n", encoding="utf-8")
    save_index(tmp_path, index)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CURRENT", "v000001", "v000002"]


@pytest.mark.parametrize("step", STEPS)
def test_a_full_disk_at_any_step_keeps_the_previous_version_and_leaves_no_debris(tmp_path, index, monkeypatch, step):
    save_index(tmp_path, index)

    def fault(at: str) -> None:
        if at == step:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("qa.store.save._fault", fault)
    with pytest.raises(IndexWriteError) as caught:
        save_index(tmp_path, tiny_index(TEXTS[:2], np.eye(2, 4, dtype=np.float32)))
    message = f"cannot write the index in {tmp_path}: No space left on device; the previous index is unchanged"
    assert str(caught.value) == message
    assert current_version(tmp_path) == "v000001"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["CURRENT", "v000001"]
