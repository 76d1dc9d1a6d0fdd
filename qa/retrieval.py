"""Ranking chunks for a query: dense (FAISS), lexical (BM25) and their fusion (hybrid)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from qa.errors import InputError
from qa.index import Index
from qa.records import Hit

MODES = ("hybrid", "dense", "bm25")
POOL = 100  # candidates taken from each side before fusion
RRF_K = 60


def _top(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (row, score) pairs with a positive score, best first."""
    k = min(k, len(scores))
    if k == 0:
        return []
    rows = np.argpartition(-scores, k - 1)[:k]
    rows = rows[np.argsort(-scores[rows], kind="stable")]
    return [(int(r), float(scores[r])) for r in rows if scores[r] > 0]


def lexical_ranking(index: Index, query: str, k: int) -> list[tuple[int, float]]:
    return _top(index.lexical.scores(query), k)


@lru_cache(maxsize=1)
def _one_faiss_thread() -> None:
    """One query at a time is fastest on one thread: OpenMP start-up costs more than the scan."""
    import faiss

    faiss.omp_set_num_threads(1)


def dense_ranking(index: Index, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
    _one_faiss_thread()
    k = min(k, index.dense.ntotal)
    if k == 0:
        return []
    scores, rows = index.dense.search(query_vector.reshape(1, -1).astype(np.float32), k)
    return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]


def rrf(dense: list[tuple[int, float]], lexical: list[tuple[int, float]]) -> dict[int, float]:
    """Reciprocal rank fusion: sum of 1 / (60 + rank) over the two rankings."""
    fused: dict[int, float] = {}
    for ranking in (dense, lexical):
        for rank, (row, _) in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank)
    return fused


def _normalized(ranking: list[tuple[int, float]]) -> dict[int, float]:
    """Scores rescaled so the best is 1 and the pool's worst is 0; a lone or tied best counts as 1."""
    if not ranking:
        return {}
    best, worst = ranking[0][1], ranking[-1][1]
    if best == worst:
        return {row: 1.0 for row, _ in ranking}
    return {row: (score - worst) / (best - worst) for row, score in ranking}


def convex(dense: list[tuple[int, float]], lexical: list[tuple[int, float]], weight: float = 0.5) -> dict[int, float]:
    """Weighted sum of min-max normalized scores; a chunk missing from one side scores 0 there."""
    d, b = _normalized(dense), _normalized(lexical)
    return {row: weight * d.get(row, 0.0) + (1 - weight) * b.get(row, 0.0) for row in d.keys() | b.keys()}


FUSIONS: dict[str, Callable] = {"rrf": rrf, "convex": convex}
DEFAULT_FUSION = "convex"


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise InputError(f"unknown retrieval mode '{mode}'; choose one of {', '.join(MODES)}")
    return mode


def rank(
    index: Index,
    query: str,
    query_vector: np.ndarray | None,
    mode: str,
    top_k: int,
    fusion: str = DEFAULT_FUSION,
) -> list[Hit]:
    """The top_k chunks for the query; `query_vector` is None when dense retrieval cannot serve."""
    if top_k < 1:
        raise InputError(f"top_k must be greater than 0. Currently, the top_k is {top_k}")
    check_mode(mode)
    pool = max(POOL, top_k)
    if mode == "bm25" or query_vector is None or index.dense is None:
        ranking = lexical_ranking(index, query, top_k)
    elif mode == "dense":
        ranking = dense_ranking(index, query_vector, top_k)
    else:
        fused = FUSIONS[fusion](dense_ranking(index, query_vector, pool), lexical_ranking(index, query, pool))
        ranking = sorted(fused.items(), key=lambda item: -item[1])[:top_k]
    return [Hit(index.chunks[row], score) for row, score in ranking]
