"""Fusing a dense and a lexical ranking into one: each fusion is a plain function, chosen by name."""

from __future__ import annotations

from collections.abc import Callable

Ranking = list[tuple[int, float]]  # (row, score) pairs, best first
POOL = 100  # candidates taken from each side before fusion
RRF_K = 60


def rrf(dense: Ranking, lexical: Ranking) -> dict[int, float]:
    """Reciprocal rank fusion: sum of 1 / (60 + rank) over the two rankings."""
    fused: dict[int, float] = {}
    for ranking in (dense, lexical):
        for rank, (row, _) in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank)
    return fused


def _normalized(ranking: Ranking) -> dict[int, float]:
    """Scores rescaled so the best is 1 and the pool's worst is 0; a lone or tied best counts as 1."""
    if not ranking:
        return {}
    best, worst = ranking[0][1], ranking[-1][1]
    if best == worst:
        return {row: 1.0 for row, _ in ranking}
    return {row: (score - worst) / (best - worst) for row, score in ranking}


def convex(dense: Ranking, lexical: Ranking, weight: float = 0.5) -> dict[int, float]:
    """Weighted sum of min-max normalized scores; a chunk missing from one side scores 0 there."""
    d, b = _normalized(dense), _normalized(lexical)
    return {row: weight * d.get(row, 0.0) + (1 - weight) * b.get(row, 0.0) for row in d.keys() | b.keys()}


FUSIONS: dict[str, Callable[[Ranking, Ranking], dict[int, float]]] = {"convex": convex, "rrf": rrf}
DEFAULT_FUSION = "convex"
