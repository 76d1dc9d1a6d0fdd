"""Fitting the reader's heads (qa.reader) on mined questions (qa.measure.train.mine); torch is used here only."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np

from qa.reader import alphanumeric, feature_row, question_vector, token_features  # noqa: F401

PROJECTION = 64
SPAN_RANK = 32


def _question(record: dict) -> SimpleNamespace:
    vectors, weights, asked, words = record["q"]
    return SimpleNamespace(vectors=vectors.astype(np.float32), weights=weights, asked=asked, words=frozenset(words))


def _tokens(pair) -> SimpleNamespace:
    return SimpleNamespace(spans=tuple(map(tuple, pair[0])), vectors=pair[1])


def prepare(record: dict):
    """Tensors of one question: its tokens, each candidate's match tokens, fresh tokens, rows and labels."""
    import torch

    q = _question(record)
    cands = []
    for c in record["cands"]:
        s, b = _tokens(c["s"]), _tokens(c["b"])
        rows = [s.vectors[alphanumeric(s.spans, c["text"])], b.vectors[alphanumeric(b.spans, c["before"])]]
        words = [c["text"][x:y].casefold() for x, y in s.spans]
        fresh = [i for i in alphanumeric(s.spans, c["text"]) if words[i] not in q.words]
        cands.append((torch.tensor(np.concatenate(rows).astype(np.float32)),
                      torch.tensor(s.vectors[fresh].astype(np.float32))))  # fmt: skip
    labels = torch.tensor([float(c["label"]) for c in record["cands"]])
    rows = torch.tensor(np.stack([c["row"] for c in record["cands"]]))
    asked = None if q.asked is None else torch.tensor(q.asked.astype(np.float32))
    return SimpleNamespace(q=torch.tensor(q.vectors), w=torch.tensor(q.weights), asked=asked, cands=cands,
                           rows=rows, labels=labels, span=_span_example(record, q))  # fmt: skip


def _span_example(record: dict, q):
    """(token vectors, token features, question vector, start token, end token) of the first positive."""
    import torch

    for c in record["cands"]:
        if c["span"] is None:
            continue
        s = _tokens(c["s"])
        a, b = c["span"]
        inside = [i for i, (x, y) in enumerate(s.spans) if y > a and x < b]
        if inside:
            return (torch.tensor(s.vectors.astype(np.float32)), torch.tensor(token_features(q, s, c["text"])),
                    torch.tensor(question_vector(q)), inside[0], inside[-1])  # fmt: skip
    return None


def _unit(x):
    return x / x.norm(dim=-1, keepdim=True).clamp_min(1e-6)


def logits(p: dict, ex) -> object:
    """The ranking head's logits for one question's candidates (as qa.reader.Reader.score computes them)."""
    import torch

    extra = []
    for tokens, fresh in ex.cands:
        cover = torch.zeros(())
        if len(tokens) and len(ex.w):
            best = (_unit(ex.q @ p["P"]) @ _unit(tokens @ p["P"]).T).max(dim=1).values
            cover = (best * ex.w).sum() / ex.w.sum()
        slot = torch.zeros(())
        if len(fresh) and ex.asked is not None:
            slot = (_unit(fresh @ p["P2"]) @ _unit(ex.asked @ p["P2"])).max()
        extra.append(torch.stack([cover, slot]))
    x = (torch.cat([ex.rows, torch.stack(extra)], dim=1) - p["mean"]) / p["scale"]
    return x @ p["w"] + p["b"][0]


def _span_loss(p: dict, example):
    import torch.nn.functional as F

    vectors, feats, q, start, end = example
    out = 0.0
    for head, gold in (("s", start), ("e", end)):
        value = (vectors @ p[f"U{head}"]) @ (q @ p[f"V{head}"]) + feats @ p[f"t{head}"]
        out = out + F.cross_entropy(value[None], value.new_tensor([gold], dtype=int))
    return out


def init(examples: list, seed: int) -> dict:
    """Starting parameters: random projections, zero weights, feature scaling from the data."""
    import torch

    g = torch.Generator().manual_seed(seed)
    rows = torch.cat([ex.rows for ex in examples])
    mean = torch.cat([rows.mean(0), torch.zeros(2)])
    scale = torch.cat([rows.std(0).clamp_min(1e-3), torch.ones(2) * 0.1])
    d, k = examples[0].q.shape[1], PROJECTION
    p = {"P": torch.randn(d, k, generator=g) / d**0.5, "P2": torch.randn(d, k, generator=g) / d**0.5,
         "w": torch.zeros(len(mean)), "b": torch.zeros(1), "mean": mean, "scale": scale}  # fmt: skip
    for head in ("s", "e"):
        p[f"U{head}"] = torch.randn(d, SPAN_RANK, generator=g) * 0.05
        p[f"V{head}"] = torch.randn(2 * d, SPAN_RANK, generator=g) * 0.05
        p[f"t{head}"] = torch.zeros(5)
    for name in p:
        p[name].requires_grad_(name not in ("mean", "scale"))
    return p


def fit(examples: list, epochs: int = 6, seed: int = 0, lr: float = 0.01, log=print) -> dict:
    """Listwise softmax over each question's candidates, a pointwise term (for declines), and the span heads."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    p, rng = init(examples, seed), random.Random(seed)
    optimizer = torch.optim.Adam([v for v in p.values() if v.requires_grad], lr=lr)
    for epoch in range(epochs):
        order, total = examples[:], 0.0
        rng.shuffle(order)
        for at in range(0, len(order), 16):
            loss = 0.0
            for ex in order[at : at + 16]:
                z = logits(p, ex)
                loss = loss + F.binary_cross_entropy_with_logits(z, ex.labels)
                if ex.labels.any():
                    loss = loss + torch.logsumexp(z, 0) - torch.logsumexp(z[ex.labels > 0], 0)
                if ex.span is not None:
                    loss = loss + 0.5 * _span_loss(p, ex.span)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss)
        log(f"epoch {epoch + 1}/{epochs}: loss {total / len(order):.4f}")
    return {k: v.detach().numpy().astype(np.float32) for k, v in p.items()}
