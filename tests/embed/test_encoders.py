"""Encoder variants: the int8 ONNX copy is exported once offline, matches fp32, and indexes keep variants apart."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import FakeEmbedder, make_document

from qa.embed.cache import CachedEmbedder
from qa.embed.embedder import Embedder, text_key
from qa.embed.encoders import (
    DEFAULT_ENCODER,
    ENCODER_ENV,
    MODEL_CACHE_ENV,
    ONNX_INT8,
    TORCH_FP32,
    encoder_name,
    int8_model_file,
    model_cache_dir,
)
from qa.engine import Engine
from qa.records import IndexMismatch, InputError
from qa.store.build import Build
from qa.store.load import load_index
from qa.store.manifest import built_encoder
from qa.sync.update import update_index

SENTENCES = [
    "Maria Lopez founded the Andean Seed Bank in Cusco in 1998.",
    "She later moved the collection to Urubamba, a town in the Sacred Valley.",
    "22,295 people went missing during the period of violence.",
    "Vitamin D deficiency is associated with a higher risk of fractures.",
]


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture()
def int8(model_cache, monkeypatch, int8_session) -> Embedder:
    monkeypatch.setenv(MODEL_CACHE_ENV, str(model_cache))
    return int8_session


@pytest.fixture(scope="session")
def int8_session(model_cache) -> Embedder:
    """One int8 embedder for the run; its export (a few seconds) goes to a temporary model cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(MODEL_CACHE_ENV, str(model_cache))
        embedder = Embedder(encoder=ONNX_INT8)
        embedder.encode(["load"])
    return embedder


class FakeInt8(FakeEmbedder):
    """A fake embedder that says it is the int8 variant (plumbing only)."""

    encoder = ONNX_INT8
    key = f"{FakeEmbedder().name}#{ONNX_INT8}"


def test_encoder_is_the_argument_else_the_environment_else_the_default(monkeypatch):
    monkeypatch.delenv(ENCODER_ENV, raising=False)
    assert encoder_name() == DEFAULT_ENCODER == TORCH_FP32
    monkeypatch.setenv(ENCODER_ENV, ONNX_INT8)
    assert encoder_name() == ONNX_INT8 and encoder_name(TORCH_FP32) == TORCH_FP32


def test_an_unknown_encoder_is_one_input_error():
    with pytest.raises(InputError, match="unknown encoder 'fp16'; choose one of: torch-fp32, onnx-int8"):
        Embedder(encoder="fp16")


def test_the_model_cache_is_outside_the_package_and_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(MODEL_CACHE_ENV, str(tmp_path))
    assert model_cache_dir() == tmp_path
    monkeypatch.delenv(MODEL_CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert model_cache_dir() == tmp_path / "xdg" / "qa" / "models"


def test_int8_sentence_vectors_are_close_to_fp32(int8, embedder):
    cosines = (int8.encode(SENTENCES) * embedder.encode(SENTENCES)).sum(axis=1)
    assert cosines.min() > 0.99, cosines
    assert np.allclose(np.linalg.norm(int8.encode(SENTENCES), axis=1), 1.0, atol=1e-5)


def test_int8_token_vectors_have_the_same_spans_and_close_vectors(int8, embedder):
    sentences, tokens = int8.encode_with_tokens(SENTENCES)
    _, reference = embedder.encode_with_tokens(SENTENCES)
    assert np.allclose(sentences, int8.encode(SENTENCES), atol=1e-5)
    for ours, theirs in zip(tokens, reference):
        assert ours.spans == theirs.spans
        cosines = (ours.vectors.astype(np.float32) * theirs.vectors.astype(np.float32)).sum(axis=1)
        assert cosines.min() > 0.95


def test_the_int8_copy_is_exported_once_into_the_model_cache_and_reused(int8, model_cache, monkeypatch):
    exported = list(model_cache.rglob("*.onnx"))
    assert len(exported) == 1 and exported[0].name == "model-int8.onnx"
    monkeypatch.setattr("qa.embed.encoders._export", lambda *a: pytest.fail("exported again"))
    from qa.embed.embedder import resolve_model_path

    assert int8_model_file(int8.model, resolve_model_path(int8.name)) == exported[0]


def test_cached_vectors_are_keyed_by_variant(tmp_path):
    CachedEmbedder(FakeEmbedder(), tmp_path).encode(["alpha"])
    fake = FakeInt8()
    CachedEmbedder(fake, tmp_path).encode(["alpha"])
    assert fake.calls == [["alpha"]], "an int8 embedder never reads fp32 vectors"
    assert text_key(FakeInt8.key, "alpha") != text_key(FakeEmbedder().name, "alpha")


def test_the_variant_is_recorded_in_the_manifest(tmp_path):
    update_index(
        Build(tmp_path, embedder_for=lambda _: FakeInt8()), [make_document("a.txt", SENTENCES[0])], lambda _: False
    )
    assert load_index(tmp_path).manifest.encoder == ONNX_INT8 == built_encoder(tmp_path)
    manifest = json.loads(next(tmp_path.glob("v*/manifest.json")).read_text())
    assert manifest["encoder"] == ONNX_INT8


def test_an_index_of_one_variant_refuses_the_other_with_the_rebuild_hint(tmp_path):
    documents = [make_document("a.txt", SENTENCES[0])]
    update_index(Build(tmp_path, embedder_for=lambda _: FakeEmbedder()), documents, lambda _: False)
    assert built_encoder(tmp_path) == TORCH_FP32
    with pytest.raises(IndexMismatch, match="built with encoder 'torch-fp32', not 'onnx-int8'; run `qa index --reb"):
        update_index(Build(tmp_path, embedder_for=lambda _: FakeInt8()), documents, lambda _: False)
    report = update_index(Build(tmp_path, rebuild=True, embedder_for=lambda _: FakeInt8()), documents, lambda _: False)
    assert report.encoder == ONNX_INT8 and built_encoder(tmp_path) == ONNX_INT8


def test_an_engine_asked_for_the_other_variant_refuses_the_index_in_one_line(tmp_path, cli):
    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    docs.mkdir()
    (docs / "a.txt").write_text(SENTENCES[0], encoding="utf-8")
    update_index(
        Build(index_dir, embedder_for=lambda _: FakeInt8()), [make_document("a.txt", SENTENCES[0])], lambda _: False
    )
    with pytest.raises(IndexMismatch, match="built with encoder 'onnx-int8', not 'torch-fp32'"):
        Engine(index_dir, encoder=TORCH_FP32).embedder(load_index(index_dir))
    code, out, err = cli("index", docs, "--index", index_dir, "--encoder", TORCH_FP32)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "built with encoder 'onnx-int8', not 'torch-fp32'" in err


def test_an_engine_follows_the_index_variant_when_not_told(tmp_path):
    update_index(
        Build(tmp_path, embedder_for=lambda _: FakeInt8()), [make_document("a.txt", SENTENCES[0])], lambda _: False
    )
    engine = Engine(tmp_path)
    assert engine._embedder_for("m").encoder == ONNX_INT8


def test_without_onnx_runtime_the_int8_encoder_says_how_to_install_it(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "onnxruntime" else real(name))
    with pytest.raises(InputError, match=r"needs ONNX Runtime: pip install 'qa\[onnx\]'"):
        Embedder(encoder=ONNX_INT8)


@pytest.mark.slow
def test_an_int8_index_of_the_seeds_answers_with_the_right_quote(tmp_path, int8):
    from conftest import SEEDS

    from qa.sync.folder import sync_folder

    report = sync_folder(Build(tmp_path, folder=SEEDS, embedder_for=lambda _: int8))
    assert (report.mode, report.encoder) == ("hybrid", ONNX_INT8)
    engine = Engine(tmp_path)
    reply = engine.ask("How many people went missing during the period of violence?")
    assert reply.found and reply.short.text == "22,295" and "22,295" in reply.citations[0].quote
    assert engine._embedder.encoder == ONNX_INT8, "questions are encoded with the index's variant"
