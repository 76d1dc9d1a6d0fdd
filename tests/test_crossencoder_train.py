"""Cross-encoder training: a few steps on the real MiniLM move the weights, and the exported factors
give the inference model (qa.crossencoder) the trained model's logits."""

from __future__ import annotations

import numpy as np
import pytest

from qa.crossencoder import CrossEncoder
from qa.crossencoder_train import START_MIX, export, fit

QUESTION = "In what year was the Andean Seed Bank founded?"
GOLD = "Maria Lopez founded the Andean Seed Bank in Cusco in 1998."
OTHERS = ["She later moved the collection to Urubamba.", "The bank now stores 3,000 varieties of potato."]


def _records() -> list[dict]:
    at = GOLD.index("1998")
    gold = {"text": GOLD, "before": "", "score": 1.0, "label": True, "span": (at, at + 4)}
    others = [{"text": t, "before": GOLD, "score": 2.0, "label": False, "span": None} for t in OTHERS]
    return [{"question": QUESTION, "answers": ["1998"], "cands": [gold, *others]}]


@pytest.mark.slow
def test_trained_factors_exported_give_the_same_logits(tmp_path):
    import torch

    from qa.crossencoder import encode_pairs

    model, heads = fit(_records(), steps=3, seed=0, rank=4, batch=1)
    assert float(heads["mix"].weight.detach()[0, 0]) != START_MIX  # the hand score's weight is learned
    arrays = export(model, heads, {"top": 3, "mix": 1.0})
    assert {"learned_mix", "lora_scale", "rank_w", "span_w"} <= set(arrays)
    path = tmp_path / "ce.npz"
    with path.open("wb") as handle:
        np.savez(handle, **arrays)
    pairs = [("", GOLD), (GOLD, OTHERS[0])]
    with torch.inference_mode():
        batch, _ = encode_pairs(CrossEncoder(path).tokenizer, QUESTION, pairs)
        trained = heads["rank"](model(**batch).last_hidden_state[:, 0]).squeeze(-1).numpy()
    loaded = [r.logit for r in CrossEncoder(path).read(QUESTION, pairs)]
    assert np.allclose(loaded, trained, atol=1e-4)
