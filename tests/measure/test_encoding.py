"""The encoder comparison behind `qa bench`'s `encoding` keys, on a few real texts with the packaged model."""

from __future__ import annotations

import pytest

from qa.embed.encoders import MODEL_CACHE_ENV
from qa.measure.encoding import compare_encoders, encoding_sample

TEXTS = [
    "Vitamin D deficiency is associated with a higher risk of fractures.",
    "The bridge in Lima opened in March after two years of work.",
    "Wells were dug in Ayacucho in 2020 by a committee of forty volunteers.",
]


@pytest.mark.slow
def test_both_variants_are_timed_on_the_same_texts(tmp_path, monkeypatch):
    monkeypatch.setenv(MODEL_CACHE_ENV, str(tmp_path))
    result = compare_encoders(TEXTS + TEXTS[:1])
    assert result["texts"] == 3, "distinct texts only"
    assert set(result["per_s"]) == {"torch-fp32", "onnx-fp32", "onnx-int8"} and min(result["per_s"].values()) > 0
    rate = result["per_s"]
    assert result["speedup"]["onnx-int8"] == pytest.approx(rate["onnx-int8"] / rate["torch-fp32"], rel=0.01)
    assert result["cosine_min"]["onnx-fp32"] > 0.99999 and result["speedup"]["torch-fp32"] == 1.0
    assert 0.99 < result["cosine_min"]["onnx-int8"] <= result["cosine_mean"]["onnx-int8"] <= 1.0


def test_no_texts_give_no_keys():
    assert compare_encoders([]) == {}


def test_the_sample_is_the_first_distinct_chunk_texts():
    class Chunk:
        def __init__(self, text):
            self.text = text

        def embed_text(self):
            return self.text

    class Index:
        chunks = [Chunk("a"), Chunk("b"), Chunk("a"), Chunk("c")]

    assert encoding_sample(Index(), size=2) == ["a", "b"]
