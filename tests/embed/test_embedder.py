"""The embedder: which model, loaded offline, normalized sentence vectors and token vectors with true offsets."""

from __future__ import annotations

import numpy as np
import pytest

from qa.embed.embedder import MODEL_ENV, Embedder, TokenVectors, model_name, text_key
from qa.embed.encoders import set_offline_env
from qa.embed.models import DEFAULT_MODEL, resolve_model_path
from qa.records import ModelUnavailable

FOUNDED = "Maria Lopez founded the Andean Seed Bank in Cusco in 1998."


def test_model_name_is_the_argument_else_the_environment_else_the_packaged_model(monkeypatch):
    monkeypatch.delenv(MODEL_ENV, raising=False)
    assert model_name() == DEFAULT_MODEL
    monkeypatch.setenv(MODEL_ENV, "env/model")
    assert model_name() == "env/model"
    assert model_name("given/model") == "given/model"


def test_the_default_model_resolves_to_the_packaged_copy_and_others_as_given(tmp_path):
    assert resolve_model_path(DEFAULT_MODEL) != DEFAULT_MODEL
    assert resolve_model_path(str(tmp_path)) == str(tmp_path)


def test_offline_environment_is_set_without_overriding(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    set_offline_env()
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "0" and os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_text_key_depends_on_model_and_text():
    key = text_key("m", "some text")
    assert len(key) == 32 and key == text_key("m", "some text")
    assert key != text_key("other", "some text") and key != text_key("m", "some text.")


def test_the_model_loads_lazily():
    lazy = Embedder()
    assert lazy._loaded is None and lazy.name == DEFAULT_MODEL


@pytest.mark.parametrize("encoder", [None, "onnx-fp32"])
def test_an_unloadable_model_is_model_unavailable_in_one_line(tmp_path, encoder):
    with pytest.raises(ModelUnavailable, match=f"{tmp_path / 'no-model'}") as caught:
        Embedder(str(tmp_path / "no-model"), encoder=encoder).encode(["x"])
    assert "\n" not in str(caught.value)


def test_vectors_are_normalized_float32_and_similar_texts_are_close(embedder):
    vectors = embedder.encode(["Wells were dug in Ayacucho.", "Ayacucho got new wells.", "The stock market fell."])
    assert vectors.dtype == np.float32 and vectors.shape == (3, embedder.dimension) == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert embedder.encode([]).shape == (0, 384)


def test_token_spans_point_into_the_text_and_sentence_vectors_match_encode(embedder):
    texts = ["Ünïcode résumé—22,295 people.", FOUNDED, "  spaced   out  "]
    vectors, tokens = embedder.encode_with_tokens(texts)
    assert np.allclose(vectors, embedder.encode(texts), atol=1e-5)
    for text, tv in zip(texts, tokens):
        assert len(tv.spans) == len(tv.vectors) > 0
        assert all(text[start:end].strip() == text[start:end] != "" for start, end in tv.spans)
        assert np.allclose(np.linalg.norm(tv.vectors.astype(np.float32), axis=1), 1.0, atol=1e-2)
    assert [tokens[1].words(FOUNDED)[i] for i in (0, 1)] == ["maria", "lopez"]


def test_no_texts_give_no_token_vectors(embedder):
    assert embedder.encode_with_tokens([]) is None


def test_token_words_are_casefolded_slices():
    tokens = TokenVectors(((0, 5), (6, 11)), np.zeros((2, 4), np.float16))
    assert tokens.words("Hello WORLD") == ["hello", "world"]
