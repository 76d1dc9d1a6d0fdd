"""Cross-encoder training: a few steps on the real MiniLM move the weights, and the exported factors
give the inference model (qa.answer.cross_encoder) the trained model's logits."""

from __future__ import annotations

import random

import numpy as np
import pytest

from qa.answer.cross_encoder import CrossEncoder
from qa.measure.train.fit_cross import START_MIX, Recipe, export, fit_adapters

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

    from qa.answer.cross_readers import encode_pairs

    model, heads = fit_adapters(_records(), Recipe(steps=3, seed=0, rank=4, batch=1))
    assert float(heads["mix"].weight.detach()[0, 0]) != START_MIX  # the hand score's weight is learned
    arrays = export(model, heads, {"top": 3, "mix": 1.0})
    assert {"learned_mix", "lora_scale", "rank_w", "span_w"} <= set(arrays)
    path = tmp_path / "ce.npz"
    with path.open("wb") as handle:
        np.savez(handle, **arrays)
    pairs = [("", GOLD), (GOLD, OTHERS[0])]
    with torch.inference_mode():
        batch, _ = encode_pairs(CrossEncoder(path, runtime="torch").reader.tokenizer, QUESTION, pairs)
        trained = heads["rank"](model(**batch).last_hidden_state[:, 0]).squeeze(-1).numpy()
    loaded = [r.logit for r in CrossEncoder(path).score(QUESTION, pairs)]
    assert np.allclose(loaded, trained, atol=1e-4)


@pytest.mark.slow
def test_a_soup_reads_like_the_mean_of_its_ingredients(tmp_path):
    """Averaging two weight files: each layer's delta is exactly the mean of theirs, the heads their mean."""
    from qa.measure.train.fit_cross import soup

    paths = []
    for seed in (0, 1):
        model, heads = fit_adapters(_records(), Recipe(steps=3, seed=seed, rank=4, batch=1))
        paths.append(tmp_path / f"ce{seed}.npz")
        with paths[-1].open("wb") as handle:
            np.savez(handle, **export(model, heads, {"top": 3, "mix": 1.0}))
    arrays = soup(paths)
    name = next(k[: -len(".lora_A")] for k in arrays if k.endswith(".lora_A"))
    assert arrays[f"{name}.lora_A"].shape[0] == 8 and "top" not in arrays  # ranks add up; settings re-chosen
    delta = arrays[f"{name}.lora_B"] @ arrays[f"{name}.lora_A"] * arrays["lora_scale"][0]
    parts = []
    for path in paths:
        with np.load(path) as w:
            parts.append(w[f"{name}.lora_B"] @ w[f"{name}.lora_A"] * w["lora_scale"][0])
    assert np.allclose(delta, (parts[0] + parts[1]) / 2, atol=1e-6) and not np.allclose(parts[0], parts[1])
    heads = []
    for path in paths:
        with np.load(path) as w:
            heads.append(w["rank_w"])
    assert np.allclose(arrays["rank_w"], (heads[0] + heads[1]) / 2)


def test_truncating_a_delta_keeps_its_best_low_rank_part():
    from qa.measure.train.fit_cross import truncated

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(8, 20)), rng.normal(size=(30, 8))
    cut = truncated({"layer.lora_A": a, "layer.lora_B": b, "rank_w": np.ones(3)}, 4)
    assert cut["layer.lora_A"].shape == (4, 20) and cut["layer.lora_B"].shape == (30, 4)
    s = np.linalg.svd(b @ a, compute_uv=False)
    error = np.linalg.norm(b @ a - cut["layer.lora_B"] @ cut["layer.lora_A"])
    assert np.isclose(error, np.sqrt((s[4:] ** 2).sum()))  # Eckart-Young: the best rank-4 approximation
    assert truncated(cut, 4)["layer.lora_A"] is cut["layer.lora_A"] and np.array_equal(cut["rank_w"], np.ones(3))


@pytest.mark.slow
def test_the_span_weight_scales_only_the_phrase_loss():
    """loss_of adds span_weight x the start/end loss to the ranking losses (dropout off: deterministic)."""
    import torch

    from qa.measure.train.fit_cross import build, group, loss_of

    model, tokenizer, heads = build(rank=4, seed=0)
    model.eval()
    cands = group(_records()[0], negatives=2, rng=random.Random(0))
    with torch.no_grad():
        losses = [float(loss_of(model, heads, tokenizer, QUESTION, cands, w)) for w in (0.0, 1.0, 2.0)]
    phrase = losses[1] - losses[0]
    assert phrase > 0.1 and losses[2] - losses[1] == pytest.approx(phrase, rel=1e-4)
