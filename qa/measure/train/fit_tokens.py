"""Fitting the token scorer's heads (qa.answer.token_scorer) on mined questions (qa.measure.train.tokens.mine);
torch is used here only."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np

from qa.answer.token_scorer import alphanumeric, question_vector, token_features

PROJECTION = 64
SPAN_RANK = 32
HIDDEN = 16


def question_of(record: dict) -> SimpleNamespace:
    vectors, weights, asked, words = record["q"]
    return SimpleNamespace(vectors=vectors.astype(np.float32), weights=weights, asked=asked, words=frozenset(words))


def tokens_of(pair) -> SimpleNamespace:
    return SimpleNamespace(spans=tuple(map(tuple, pair[0])), vectors=pair[1])


def prepare(record: dict):
    """Tensors of one question: its tokens, each candidate's match tokens, fresh tokens, rows and labels."""
    import torch

    q = question_of(record)
    match, fresh, match_seg, fresh_seg = [], [], [], []
    for n, c in enumerate(record["cands"]):
        s, b = tokens_of(c["s"]), tokens_of(c["b"])
        rows = [s.vectors[alphanumeric(s.spans, c["text"])], b.vectors[alphanumeric(b.spans, c["before"])]]
        words = [c["text"][x:y].casefold() for x, y in s.spans]
        new = [i for i in alphanumeric(s.spans, c["text"]) if words[i] not in q.words]
        match += rows
        fresh.append(s.vectors[new])
        match_seg += [n] * (len(rows[0]) + len(rows[1]))
        fresh_seg += [n] * len(new)
    match_rows, fresh_rows = np.concatenate(match).astype(np.float32), np.concatenate(fresh).astype(np.float32)
    cands = (torch.tensor(match_rows), torch.tensor(match_seg), torch.tensor(fresh_rows),
             torch.tensor(fresh_seg, dtype=torch.long))  # fmt: skip
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
        s = tokens_of(c["s"])
        a, b = c["span"]
        inside = [i for i, (x, y) in enumerate(s.spans) if y > a and x < b]
        if inside:
            return (torch.tensor(s.vectors.astype(np.float32)), torch.tensor(token_features(q, s, c["text"])),
                    torch.tensor(question_vector(q)), inside[0], inside[-1])  # fmt: skip
    return None


def _unit(x):
    return x / x.norm(dim=-1, keepdim=True).clamp_min(1e-6)


def logits(p: dict, ex) -> object:
    """The ranking head's logits for one question's candidates (as TokenScorer.score computes them)."""
    import torch

    match, match_seg, fresh, fresh_seg = ex.cands
    count = len(ex.rows)
    cover = torch.zeros(count)
    if len(match) and len(ex.w):
        sim = _unit(ex.q @ p["P"]) @ _unit(match @ p["P"]).T
        best = torch.full((len(ex.w), count), -2.0).scatter_reduce(
            1, match_seg.expand(len(ex.w), -1), sim, "amax", include_self=True
        )
        cover = (best.clamp_min(0) * ex.w[:, None]).sum(0) / ex.w.sum() * (best > -2).any(0)
    slot = torch.zeros(count)
    if len(fresh) and ex.asked is not None:
        sim = _unit(fresh @ p["P2"]) @ _unit(ex.asked @ p["P2"])
        slot = torch.full((count,), -2.0).scatter_reduce(0, fresh_seg, sim, "amax", include_self=True).clamp_min(0)
    extra = [cover, slot]
    x = (torch.cat([ex.rows, torch.stack(extra, 1)], dim=1) - p["mean"]) / p["scale"]
    return x @ p["w"] + (x @ p["W1"] + p["b1"]).relu() @ p["w2"] + p["b"][0]


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
    p["w"][rows.shape[1] - 1] = 1.0  # start from the hand score's order
    p.update(W1=torch.randn(len(mean), HIDDEN, generator=g) * 0.1, b1=torch.zeros(HIDDEN), w2=torch.zeros(HIDDEN))
    width = next(ex.span[1].shape[1] for ex in examples if ex.span is not None)
    for head in ("s", "e"):
        p[f"U{head}"] = torch.randn(d, SPAN_RANK, generator=g) * 0.05
        p[f"V{head}"] = torch.randn(2 * d, SPAN_RANK, generator=g) * 0.05
        p[f"t{head}"] = torch.zeros(width)
    for name in p:
        p[name].requires_grad_(name not in ("mean", "scale"))
    return p


def fit_heads(examples: list, epochs: int = 6, seed: int = 0, lr: float = 0.005, log=print, judge=None) -> dict:
    """Listwise + pointwise ranking loss and span loss; keeps the epoch `judge(params)` rates best on held-out data."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(seed)
    p, rng = init(examples, seed), random.Random(seed)
    optimizer = torch.optim.Adam([v for v in p.values() if v.requires_grad], lr=lr, weight_decay=1e-4)
    best, kept = float("-inf"), None
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
            total += float(loss.detach())
        params = {k: v.detach().numpy().astype(np.float32).copy() for k, v in p.items()}
        value = judge(params) if judge else 0.0
        log(f"epoch {epoch + 1}/{epochs}: loss {total / len(order):.4f}, held-out {value:.4f}")
        if judge is None or value > best:
            best, kept = value, params
    return kept
