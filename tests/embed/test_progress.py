"""Builds show chunks/s, documents/s and an ETA on stderr, and an interrupted build embeds only what is left."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import FakeEmbedder, make_document

from qa.embed.cache import Shards
from qa.embed.progress import PROGRESS_FOLDER, embed_texts, progress_folder, resumable
from qa.store.build import Build
from qa.store.load import load_index
from qa.sync.update import update_index

WORDS = ["wells", "bridge", "clinic", "school", "river", "valley", "market", "harvest", "census", "budget"]
DOCUMENTS = [
    make_document(f"{n:02d}.txt", " ".join(f"{WORDS[(n + i) % 10]} {n} {i}." for i in range(6))) for n in range(30)
]


class Crashing(FakeEmbedder):
    """Raises (as Ctrl-C would) on encode call number `after` + 1."""

    def __init__(self, after: int):
        super().__init__()
        self.after = after

    def encode(self, texts, progress=False):
        if len(self.calls) == self.after:
            raise KeyboardInterrupt
        return super().encode(texts, progress)


@pytest.fixture()
def small_slices(monkeypatch):
    monkeypatch.setattr("qa.embed.progress.SLICE", 4)


def _build(index_dir, embedder, documents=DOCUMENTS, **kwargs):
    return update_index(Build(index_dir, embedder_for=lambda _: embedder, **kwargs), documents, lambda _: False)


def _texts(index_dir) -> list[str]:
    return [c.embed_text() for c in load_index(index_dir).chunks]


def test_an_interrupted_build_resumes_without_embedding_again(tmp_path, small_slices):
    crashing = Crashing(after=3)
    with pytest.raises(KeyboardInterrupt):
        _build(tmp_path, crashing)
    assert sum(map(len, crashing.calls)) == 12 and (tmp_path / PROGRESS_FOLDER).is_dir()
    fresh = FakeEmbedder()
    report = _build(tmp_path, fresh)
    texts = _texts(tmp_path)
    assert report.embedded == len(texts) and fresh.embedded == len(texts) - 12, "the 12 saved texts were reused"
    assert not {t for call in crashing.calls for t in call} & {t for call in fresh.calls for t in call}
    assert not (tmp_path / PROGRESS_FOLDER).exists(), "a written index clears its saved slices"
    reference = FakeEmbedder().encode(texts)
    assert np.allclose(load_index(tmp_path).vectors(), reference), "resumed vectors are in the right rows"


def test_a_torn_slice_is_embedded_again_and_poisons_nothing(tmp_path, small_slices):
    with pytest.raises(KeyboardInterrupt):
        _build(tmp_path, Crashing(after=2))
    keys = sorted((tmp_path / PROGRESS_FOLDER).glob("*.keys.npy"))
    keys[-1].write_bytes(keys[-1].read_bytes()[:40])  # the last slice's keys file cut short, as by a crash
    fresh = FakeEmbedder()
    _build(tmp_path, fresh)
    assert fresh.embedded == len(_texts(tmp_path)) - 4, "only the first, whole slice was reused"
    assert np.allclose(load_index(tmp_path).vectors(), FakeEmbedder().encode(_texts(tmp_path)))


def test_slices_are_written_whole_with_their_keys_last(tmp_path):
    Shards(tmp_path, "shard").save({"keys": np.array(["k"]), "vectors": np.ones((1, 2), np.float32)})
    names = sorted(p.name.split(".", 1)[1] for p in tmp_path.iterdir())
    assert names == ["keys.npy", "vectors.npy"], "no temporary files are left"


def test_progress_shows_chunks_and_documents_a_second_and_an_eta_on_stderr(tmp_path, small_slices, capsys):
    _build(tmp_path, FakeEmbedder(), progress=True)
    out, err = capsys.readouterr()
    last = err.replace("\r", "\n").strip().splitlines()[-1]
    assert out == ""
    assert f"{len(_texts(tmp_path))}/{len(_texts(tmp_path))}" in last and "chunk/s" in last
    assert "30/30 docs" in last and "docs/s" in last and "<00:00" in last  # elapsed<remaining


def test_a_resumed_build_counts_saved_chunks_as_done(tmp_path, small_slices, capsys):
    embedder = resumable(FakeEmbedder(), tmp_path)
    texts = [f"text {n}" for n in range(10)]
    embedder.encode(texts[:4])
    capsys.readouterr()
    vectors = embed_texts(resumable(FakeEmbedder(), tmp_path), texts, [f"d{n}" for n in range(10)], progress=True)
    err = capsys.readouterr().err.replace("\r", "\n")
    assert np.allclose(vectors, FakeEmbedder().encode(texts))
    assert "4/10" in err and "6/6 docs" in err, "the bar starts at the saved chunks; documents count what is left"
    assert progress_folder(tmp_path).is_dir()


def test_json_output_has_no_progress(tmp_path, cli):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("The bridge in Lima opened in March. It took two years of work.", encoding="utf-8")
    code, out, err = cli("index", docs, "--index", tmp_path / "index", "--json")
    assert code == 0 and json.loads(out)["chunks"] == 1 and "Embedding" not in out + err
    code, out, err = cli("index", docs, "--index", tmp_path / "index2")
    assert code == 0 and "Embedding" in err and "Embedding" not in out
