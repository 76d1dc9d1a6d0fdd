"""Encoder variants: the packaged model on ONNX Runtime (fp32, int8) exported once offline, matching torch fp32;
indexes keep vectors of different variants apart and mix the two fp32 ones."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import FakeEmbedder, make_document

from qa.embed.cache import CachedEmbedder
from qa.embed.embedder import Embedder, text_key
from qa.embed.encoders import (
    ENCODER_ENV,
    MODEL_CACHE_ENV,
    ONNX_FP32,
    ONNX_INT8,
    TORCH_FP32,
    encoder_name,
    model_cache_dir,
)
from qa.embed.export import exported
from qa.embed.models import DEFAULT_MODEL, resolve_model_path
from qa.engine import Engine
from qa.records import IndexMismatch, InputError, ModelUnavailable
from qa.store.build import Build
from qa.store.load import load_index
from qa.store.manifest import built_encoder
from qa.sync.update import update_index

SENTENCES = [
    "Maria Lopez founded the Andean Seed Bank in Cusco in 1998.",
    "She later moved the collection to Urubamba, a town in the Sacred Valley.",
    "22,295 people went missing during the period of violence.",
    "Ünïcode résumé—Vitamin D deficiency is associated with a higher risk of fractures.",
]


@pytest.fixture(scope="module")
def torch_fp32() -> Embedder:
    return Embedder(encoder=TORCH_FP32)


@pytest.fixture(scope="module")
def int8() -> Embedder:
    return Embedder(encoder=ONNX_INT8)


class FakeOnnx(FakeEmbedder):
    """A fake embedder that says it is the ONNX fp32 variant (plumbing only)."""

    encoder = ONNX_FP32


class FakeInt8(FakeEmbedder):
    """A fake embedder that says it is the int8 variant (plumbing only)."""

    encoder = ONNX_INT8
    key = f"{FakeEmbedder().name}#{ONNX_INT8}"


def _index(folder, embedder) -> None:
    documents = [make_document("a.txt", SENTENCES[0])]
    update_index(Build(folder, embedder_for=lambda _: embedder), documents, lambda _: False)


def test_the_packaged_model_runs_on_onnx_fp32_and_another_on_torch_unless_told(monkeypatch):
    monkeypatch.delenv(ENCODER_ENV, raising=False)
    assert encoder_name() == ONNX_FP32 == Embedder().encoder
    assert encoder_name(None, packaged=False) == TORCH_FP32 == Embedder("some/other-model").encoder
    monkeypatch.setenv(ENCODER_ENV, ONNX_INT8)
    assert encoder_name() == ONNX_INT8 and encoder_name(TORCH_FP32) == TORCH_FP32


def test_an_unknown_encoder_is_one_input_error():
    with pytest.raises(InputError, match="unknown encoder 'fp16'; choose one of: onnx-fp32, onnx-int8, torch-fp32"):
        Embedder(encoder="fp16")


def test_the_model_cache_is_outside_the_package_and_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(MODEL_CACHE_ENV, str(tmp_path))
    assert model_cache_dir() == tmp_path
    monkeypatch.delenv(MODEL_CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert model_cache_dir() == tmp_path / "xdg" / "qa" / "models"


def test_onnx_fp32_gives_torch_fp32_vectors_and_token_spans(embedder, torch_fp32):
    assert embedder.encoder == ONNX_FP32
    vectors, tokens = embedder.encode_with_tokens(SENTENCES)
    reference, reference_tokens = torch_fp32.encode_with_tokens(SENTENCES)
    assert (vectors * reference).sum(axis=1).min() > 1 - 1e-5
    assert np.allclose(vectors, embedder.encode(SENTENCES), atol=1e-6)
    for ours, theirs in zip(tokens, reference_tokens):
        assert ours.spans == theirs.spans
        assert np.allclose(ours.vectors.astype(np.float32), theirs.vectors.astype(np.float32), atol=2e-3)


def test_a_long_text_is_truncated_as_sentence_transformers_does(embedder, torch_fp32):
    long = [" ".join(SENTENCES * 20)]
    assert float(embedder.encode(long)[0] @ torch_fp32.encode(long)[0]) > 1 - 1e-5


def test_int8_vectors_are_close_to_fp32_with_the_same_spans(int8, embedder):
    vectors, tokens = int8.encode_with_tokens(SENTENCES)
    reference, reference_tokens = embedder.encode_with_tokens(SENTENCES)
    assert (vectors * reference).sum(axis=1).min() > 0.99
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    for ours, theirs in zip(tokens, reference_tokens):
        assert ours.spans == theirs.spans


def test_an_export_is_made_once_and_then_read_from_the_cache(embedder, int8, monkeypatch):
    path = resolve_model_path(DEFAULT_MODEL)
    fp32, quantized = exported(path, "fp32"), exported(path, "int8")
    assert fp32.parent == quantized.parent and fp32.parent.parent == model_cache_dir()
    assert {p.name for p in fp32.parent.glob("model-*")} >= {"model-fp32.onnx", "model-fp32.onnx.sha256",
                                                              "model-int8.onnx", "model-int8.onnx.sha256"}  # fmt: skip
    monkeypatch.setattr("qa.embed.export._export", lambda *a: pytest.fail("exported again"))
    monkeypatch.setattr("qa.embed.export._quantized", lambda *a: pytest.fail("quantized again"))
    assert exported(path, "fp32") == fp32 and exported(path, "int8") == quantized


def test_a_damaged_export_is_refused_in_one_line(tmp_path, monkeypatch):
    from qa.embed.onnx import checked

    target = tmp_path / "model-fp32.onnx"
    target.write_bytes(b"onnx bytes")
    (tmp_path / "model-fp32.onnx.sha256").write_text("0" * 64 + "\n", encoding="ascii")
    with pytest.raises(ModelUnavailable, match="is damaged \\(checksum mismatch\\); delete it to export again"):
        checked(target)


def test_cached_vectors_are_shared_by_the_fp32_variants_and_kept_apart_from_int8(tmp_path):
    CachedEmbedder(FakeEmbedder(), tmp_path).encode(["alpha"])
    fake = FakeInt8()
    CachedEmbedder(fake, tmp_path).encode(["alpha"])
    assert fake.calls == [["alpha"]], "an int8 embedder never reads fp32 vectors"
    assert Embedder(encoder=ONNX_FP32).key == Embedder(encoder=TORCH_FP32).key == DEFAULT_MODEL
    assert text_key(FakeInt8.key, "alpha") != text_key(FakeEmbedder().name, "alpha")


def test_the_variant_is_recorded_in_the_manifest(tmp_path):
    _index(tmp_path, FakeInt8())
    assert load_index(tmp_path).manifest.encoder == ONNX_INT8 == built_encoder(tmp_path)
    manifest = json.loads(next(tmp_path.glob("v*/manifest.json")).read_text())
    assert manifest["encoder"] == ONNX_INT8


def test_an_index_of_one_variant_refuses_the_other_with_the_rebuild_hint(tmp_path):
    documents = [make_document("a.txt", SENTENCES[0])]
    _index(tmp_path, FakeEmbedder())
    assert built_encoder(tmp_path) == TORCH_FP32
    with pytest.raises(IndexMismatch, match="built with encoder 'torch-fp32', not 'onnx-int8'; run `qa index --reb"):
        update_index(Build(tmp_path, embedder_for=lambda _: FakeInt8()), documents, lambda _: False)
    report = update_index(Build(tmp_path, rebuild=True, embedder_for=lambda _: FakeInt8()), documents, lambda _: False)
    assert report.encoder == ONNX_INT8 and built_encoder(tmp_path) == ONNX_INT8


def test_a_torch_fp32_index_is_synced_and_queried_on_onnx_fp32(tmp_path):
    _index(tmp_path, FakeEmbedder())
    engine = Engine(tmp_path)
    assert engine._embedder_for(DEFAULT_MODEL).encoder == ONNX_FP32
    assert engine.embedder(load_index(tmp_path)).encoder == ONNX_FP32
    assert Engine(tmp_path, encoder=ONNX_FP32).embedder(load_index(tmp_path)) is not None


def test_fp32_variants_sync_one_index_either_way(tmp_path):
    _index(tmp_path, FakeOnnx())
    documents = [make_document("b.txt", SENTENCES[1])]
    report = update_index(Build(tmp_path, embedder_for=lambda _: FakeEmbedder()), documents, lambda _: True)
    assert report.encoder == TORCH_FP32 and len(load_index(tmp_path).documents) == 2  # a big build on torch is fine


def test_an_engine_asked_for_the_other_variant_refuses_the_index_in_one_line(tmp_path, cli):
    docs, index_dir = tmp_path / "docs", tmp_path / "index"
    docs.mkdir()
    (docs / "a.txt").write_text(SENTENCES[0], encoding="utf-8")
    _index(index_dir, FakeInt8())
    with pytest.raises(IndexMismatch, match="built with encoder 'onnx-int8', not 'torch-fp32'"):
        Engine(index_dir, encoder=TORCH_FP32).embedder(load_index(index_dir))
    code, out, err = cli("index", docs, "--index", index_dir, "--encoder", TORCH_FP32)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "built with encoder 'onnx-int8', not 'torch-fp32'" in err


def test_an_engine_follows_the_index_variant_when_not_told(tmp_path):
    _index(tmp_path, FakeInt8())
    assert Engine(tmp_path)._embedder_for(DEFAULT_MODEL).encoder == ONNX_INT8


def test_without_onnx_runtime_the_packaged_model_runs_on_torch_and_onnx_variants_say_how_to_install(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "onnxruntime" else real(name))
    monkeypatch.delenv(ENCODER_ENV, raising=False)
    assert Embedder().encoder == TORCH_FP32
    with pytest.raises(InputError, match=r"needs ONNX Runtime: pip install 'qa\[onnx\]'"):
        Embedder(encoder=ONNX_INT8)


@pytest.mark.timeout(120)
def test_answering_imports_neither_torch_nor_transformers(seeds_index):
    Engine(seeds_index).ask("How many people went missing?")  # exports the answer scorer once if needed
    script = (
        "import sys; from qa.engine import Engine; from pathlib import Path; "
        f"reply = Engine(Path({str(seeds_index)!r})).ask('How many people went missing during the violence?'); "
        "heavy = sorted({'torch', 'transformers', 'sentence_transformers'} & set(sys.modules)); "
        "print(reply.found, reply.mode, heavy)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=100)
    assert done.stdout.strip() == "True hybrid []", done.stderr[-2000:]


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
