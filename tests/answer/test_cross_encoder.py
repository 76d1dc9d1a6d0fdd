"""The cross-encoder: shipped weights load onto the packaged MiniLM, pick the answering sentence, read its phrase."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import tiny_index

import qa.answer.cross_encoder as cross_encoder
from qa.answer.candidates import Passages
from qa.answer.cross_encoder import WEIGHTS, CrossEncoder, best_phrase, load_cross_encoder
from qa.answer.cross_readers import OnnxReader, apply_deltas, encode_pairs, first_segment
from qa.answer.extract import answer
from qa.answer.scorer import shipped_scorer
from qa.embed.cache import CachedEmbedder
from qa.records import Hit

FOUNDED = "Maria Lopez founded the Andean Seed Bank in Cusco in 1998."
MOVED = "She later moved the collection to Urubamba, a town in the Sacred Valley."
STORES = "The bank now stores more than 3,000 varieties of native potato."
QUESTION = "In what year was the Andean Seed Bank founded?"


@pytest.fixture(scope="module")
def cross():
    loaded = load_cross_encoder()
    assert loaded is not None, "the shipped cross-encoder weights must load"
    return loaded


def test_the_shipped_weights_are_small_low_rank_factors_and_heads():
    assert WEIGHTS.is_file() and WEIGHTS.stat().st_size < 3_000_000
    with np.load(WEIGHTS) as data:
        names = set(data.files)
        assert all(data[n].ndim <= 2 and min(data[n].shape, default=1) <= 384 for n in names)
    factors = [n for n in names if n.endswith((".lora_A", ".lora_B"))]
    assert factors and {"rank_w", "rank_b", "span_w", "span_b", "top", "mix", "floor"} <= names
    assert all(n in factors or "." not in n for n in names)  # nothing else of the model is stored


def test_deltas_are_added_to_the_named_linear_layers():
    import torch

    model = torch.nn.Sequential()
    model.add_module("dense", torch.nn.Linear(3, 2, bias=False))
    before = model.dense.weight.detach().clone()
    a, b = np.ones((1, 3), np.float32), np.array([[1.0], [2.0]], np.float32)
    apply_deltas(model, {"dense.lora_A": a, "dense.lora_B": b, "lora_scale": np.array([0.5], np.float32)})
    assert torch.allclose(model.dense.weight - before, torch.tensor([[0.5] * 3, [1.0] * 3]))


@pytest.fixture(scope="module")
def on_torch():
    return CrossEncoder(runtime="torch")


def test_only_the_candidate_sentence_tokens_carry_offsets(cross):
    _, inside = cross.reader.hidden(QUESTION, [("It opened.", FOUNDED), ("", STORES)])
    assert isinstance(cross.reader, OnnxReader) and len(inside) == 2
    for sentence, spans in ((FOUNDED, inside[0]), (STORES, inside[1])):
        pieces = [sentence[a:b] for a, b in (s for s in spans if s is not None)]
        assert pieces and all(p and p in sentence for p in pieces)
        assert "".join(pieces).lower() == "".join(sentence.split()).lower()


def test_onnx_runtime_reads_as_torch_does(cross, on_torch):
    pairs = [("It opened in the spring.", FOUNDED), ("", STORES), (FOUNDED, MOVED * 12)]
    batch, inside = encode_pairs(on_torch.reader.tokenizer, QUESTION, pairs)
    ours = cross.reader.model.tokenize([(first_segment(QUESTION, b), s) for b, s in pairs])
    assert (ours.ids == batch["input_ids"].numpy()).all() and (ours.types == batch["token_type_ids"].numpy()).all()
    assert cross.reader.hidden(QUESTION, pairs)[1] == inside
    for onnx_read, torch_read in zip(cross.score(QUESTION, pairs), on_torch.score(QUESTION, pairs)):
        assert onnx_read.logit == pytest.approx(torch_read.logit, abs=1e-4)
        assert (onnx_read.start, onnx_read.end) == (torch_read.start, torch_read.end)


def test_the_best_phrase_stays_inside_the_sentence_tokens():
    spans = [None, (0, 5), (6, 11), None]
    start_logits, end_logits = np.array([9.0, 0.0, 1.0, 9.0]), np.array([9.0, 1.0, 0.0, 9.0])
    start, end, confidence = best_phrase(start_logits, end_logits, spans)
    assert (start, end) == (0, 5) and 0 < confidence <= 1
    assert best_phrase(start_logits, end_logits, [None] * 4) == (0, 0, 0.0)


def test_the_cross_encoder_prefers_the_answering_sentence(cross):
    reads = cross.score(QUESTION, [("", MOVED), ("", STORES), ("", FOUNDED)])
    assert max(range(3), key=lambda k: reads[k].logit) == 2
    phrase = FOUNDED[reads[2].start : reads[2].end]
    assert 0 <= reads[2].start < reads[2].end <= len(FOUNDED) and "1998" in phrase


def test_without_its_weights_the_answer_falls_back(tmp_path, embedder, monkeypatch):
    assert load_cross_encoder(tmp_path / "missing.npz") is None
    monkeypatch.setitem(cross_encoder._cache, str(WEIGHTS), None)
    index = tiny_index([MOVED, STORES, FOUNDED])
    scorer = shipped_scorer(CachedEmbedder(embedder))
    assert scorer.cross is None and scorer.token_scorer is not None
    reply = answer(QUESTION, Passages(tuple(Hit(index.chunk(i), 1.0) for i in range(3)), index, "hybrid"), scorer)
    assert reply.found and reply.citations[0].quote == FOUNDED


def test_the_onnx_copy_is_exported_once_with_its_weights_apart(cross, monkeypatch):
    from qa.answer.cross_encoder import prepare_cross_encoder
    from qa.embed.encoders import model_cache_dir

    monkeypatch.setattr("qa.embed.export._export", lambda *a: pytest.fail("exported again"))
    prepare_cross_encoder()  # already exported: nothing to do
    names = {p.name for p in model_cache_dir().glob("*/cross-model-fp32.onnx*")}
    assert {"cross-model-fp32.onnx", "cross-model-fp32.onnx.data", "cross-model-fp32.onnx.sha256"} <= names
