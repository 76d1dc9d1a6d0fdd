"""Fitting the cross-encoder (qa.answer.cross_encoder) with LoRA adapters (peft); training-time only.

Per question: the gold-holding candidate and hand-mined hard negatives from the hand order's top few
(qa.measure.train.mine), read together with the question. Loss: listwise softmax over the group of
logit + mix * hand score (a learned mix, as it is used: the adapter learns what the hand score misses),
a pointwise logistic term on the logit alone (so it also means "answers it" for declines) and start/end
cross-entropy on the gold sentence's answer tokens.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import numpy as np

from qa.answer.cross_encoder import SETTINGS
from qa.answer.cross_readers import encode_pairs
from qa.embed.encoders import set_offline_env
from qa.embed.models import DEFAULT_MODEL, resolve_model_path

SPAN_WEIGHT = 0.5  # the start/end loss's weight against the ranking losses
START_MIX = 2.0  # the hand score's weight in the listwise loss at the start (learned from there)
TARGETS = ["query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense"]


def build(rank: int, seed: int):
    """The packaged MiniLM with LoRA adapters, its tokenizer, and fresh heads."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel, AutoTokenizer

    set_offline_env()
    torch.manual_seed(seed)
    path = resolve_model_path(DEFAULT_MODEL)
    config = LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.05, target_modules=TARGETS)
    model = get_peft_model(AutoModel.from_pretrained(path), config)
    heads = torch.nn.ModuleDict({"rank": torch.nn.Linear(384, 1), "span": torch.nn.Linear(384, 2),
                                 "mix": torch.nn.Linear(1, 1, bias=False)})  # fmt: skip
    torch.nn.init.normal_(heads["rank"].weight, std=0.02)
    torch.nn.init.constant_(heads["mix"].weight, START_MIX)
    torch.nn.init.normal_(heads["span"].weight, std=0.02)
    return model, AutoTokenizer.from_pretrained(path), heads


def group(record: dict, negatives: int, rng: random.Random) -> list[dict] | None:
    """The first gold candidate with span, then up to `negatives` non-gold ones from the top; None if no gold."""
    golds = [c for c in record["cands"] if c["label"] and c["span"] is not None]
    if not golds:
        return None
    others = [c for c in record["cands"] if not c["label"]][: negatives + 2]
    rng.shuffle(others)
    return [golds[0]] + others[:negatives]


def _token_span(spans: list, start: int, end: int) -> tuple[int, int] | None:
    inside = [i for i, s in enumerate(spans) if s is not None and s[1] > start and s[0] < end]
    return (inside[0], inside[-1]) if inside else None


def loss_of(model, heads, tokenizer, question: str, cands: list[dict], span_weight: float = SPAN_WEIGHT):
    """Listwise + pointwise ranking loss and span loss (weighted) of one question's group (gold first)."""
    import torch
    import torch.nn.functional as F

    batch, inside = encode_pairs(tokenizer, question, [(c["before"], c["text"]) for c in cands])
    hidden = model(**batch).last_hidden_state
    logits = heads["rank"](hidden[:, 0]).squeeze(-1)
    labels = torch.tensor([float(c["label"]) for c in cands])
    mixed = logits + heads["mix"].weight[0, 0] * torch.tensor([float(c["score"]) for c in cands])
    loss = F.cross_entropy(mixed[None], torch.tensor([0])) + F.binary_cross_entropy_with_logits(logits, labels)
    gold = _token_span(inside[0], *cands[0]["span"])
    if gold is not None:
        mask = torch.tensor([s is None for s in inside[0]])
        span = heads["span"](hidden[0]).masked_fill(mask[:, None], -1e4)
        loss = loss + span_weight * (F.cross_entropy(span[None, :, 0], torch.tensor([gold[0]]))
                             + F.cross_entropy(span[None, :, 1], torch.tensor([gold[1]])))  # fmt: skip
    return loss


@dataclass(frozen=True)
class Recipe:
    """How the cross-encoder is fitted: `steps` optimizer steps of `batch` questions (learning rate `lr` decaying
    linearly), the seed, the LoRA rank, hard negatives per question and the phrase loss's weight."""

    steps: int
    seed: int = 0
    rank: int = 16
    negatives: int = 3
    lr: float = 1e-3
    batch: int = 4
    span_weight: float = SPAN_WEIGHT


def fit_adapters(records: list[dict], recipe: Recipe, log=print):
    """The adapters and heads fitted by `recipe` on the records with a gold span; returns (model, heads)."""
    import torch

    steps, seed, negatives, lr, batch = recipe.steps, recipe.seed, recipe.negatives, recipe.lr, recipe.batch
    span_weight = recipe.span_weight
    model, tokenizer, heads = build(recipe.rank, seed)
    model.train()
    rng = random.Random(seed)
    params = [p for p in model.parameters() if p.requires_grad] + list(heads.parameters())
    optimizer = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    usable = [r for r in records if any(c["label"] and c["span"] for c in r["cands"])]
    began, step, at = time.time(), 0, len(usable)
    while step < steps:
        if at >= len(usable):
            rng.shuffle(usable)
            at = 0
        chunk, at = usable[at : at + batch], at + batch
        losses = [loss_of(model, heads, tokenizer, r["question"], group(r, negatives, rng), span_weight) for r in chunk]
        loss = sum(losses) / len(chunk)
        optimizer.zero_grad()
        loss.backward()
        for g in optimizer.param_groups:
            g["lr"] = lr * (1 - step / steps)
        optimizer.step()
        step += 1
        if step % 50 == 0:
            elapsed = time.time() - began
            log(f"step {step}/{steps} ({step * batch / len(usable):.2f} passes): loss {float(loss):.3f}, "
                f"{elapsed:.0f}s, {elapsed / step:.2f}s/step", flush=True)  # fmt: skip
    model.eval()
    return model, heads


def export(model, heads, settings: dict) -> dict:
    """The adapter factors (per target layer, named as in the plain BertModel) and heads as float arrays."""
    out = {}
    scale = None
    for name, module in model.named_modules():
        if hasattr(module, "lora_A") and "default" in getattr(module, "lora_A", {}):
            plain = name.replace("base_model.model.", "")
            out[f"{plain}.lora_A"] = module.lora_A["default"].weight.detach().numpy().copy()
            out[f"{plain}.lora_B"] = module.lora_B["default"].weight.detach().numpy().copy()
            scale = module.scaling["default"]
    out["lora_scale"] = np.array([scale], np.float32)
    out["learned_mix"] = np.array([float(heads["mix"].weight.detach()[0, 0])], np.float32)
    out["rank_w"] = heads["rank"].weight.detach().numpy()[0].copy()
    out["rank_b"] = heads["rank"].bias.detach().numpy().copy()
    out["span_w"] = heads["span"].weight.detach().numpy().T.copy()
    out["span_b"] = heads["span"].bias.detach().numpy().copy()
    out.update({k: np.array([v], np.float32) for k, v in settings.items()})
    return out


def soup(paths: list) -> dict:
    """The uniform average of several weight files of one recipe (a "model soup"): each layer's delta becomes
    the mean of theirs, kept exactly as low-rank factors side by side (rank adds up); heads are averaged."""

    loaded = []
    for path in paths:
        with np.load(path, allow_pickle=False) as data:
            loaded.append({k: data[k].astype(np.float32) for k in data.files})
    n, first = len(loaded), loaded[0]
    out = {}
    for key in first:
        if key.endswith(".lora_A"):
            out[key] = np.concatenate([w[key] * w["lora_scale"][0] for w in loaded], axis=0)
        elif key.endswith(".lora_B"):
            out[key] = np.concatenate([w[key] / n for w in loaded], axis=1)
        elif key not in SETTINGS:
            out[key] = np.mean([w[key] for w in loaded], axis=0)
    out["lora_scale"] = np.array([1.0], np.float32)
    return out


def truncated(arrays: dict, rank: int) -> dict:
    """The same weights with each delta B @ A cut to its best rank-`rank` approximation (SVD), to keep a soup
    small; deltas already of that rank or less are unchanged."""
    out = dict(arrays)
    for key in arrays:
        if key.endswith(".lora_A") and arrays[key].shape[0] > rank:
            name = key[: -len(".lora_A")]
            u, s, vt = np.linalg.svd(arrays[f"{name}.lora_B"] @ arrays[key], full_matrices=False)
            out[f"{name}.lora_B"], out[key] = u[:, :rank] * s[:rank], vt[:rank]
    return out
