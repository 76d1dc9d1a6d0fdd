"""Scoring answers and rankings: answer containment, nDCG/recall/MRR, documents by their best chunk."""

from __future__ import annotations

import math
import re

from qa.search.tokens import THOUSANDS


def normalize(text: str) -> str:
    """Case, whitespace and number formatting folded away, for 'answer contains' checks."""
    text = THOUSANDS.sub("", text.casefold())
    return " ".join(re.sub(r"[^\w\s%$.]|(?<!\d)\.|\.(?!\d)", " ", text).split())


def contains_answer(text: str, answers: list[str]) -> bool:
    """Whether a normalized answer occurs in the text as whole words ('19' does not match '1990')."""
    haystack = f" {normalize(text)} "
    return any(f" {normalize(a)} " in haystack for a in answers if normalize(a))


def doc_ranking(hits) -> list[str]:
    """Documents in order of their best chunk."""
    seen: dict[str, None] = {}
    for hit in hits:
        seen.setdefault(hit.chunk.doc_id, None)
    return list(seen)


def ranking_metrics(ranked: list[str], relevant: dict[str, int]) -> dict[str, float]:
    """nDCG@10, Recall@10, Recall@100 and MRR@10 of one ranked list against graded qrels."""
    dcg = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(relevant.values(), reverse=True)[:10]))
    first = next((i for i, d in enumerate(ranked[:10]) if d in relevant), None)
    return {
        "ndcg@10": dcg / ideal if ideal else 0.0,
        "recall@10": len(set(ranked[:10]) & relevant.keys()) / len(relevant),
        "recall@100": len(set(ranked[:100]) & relevant.keys()) / len(relevant),
        "mrr@10": 1.0 / (first + 1) if first is not None else 0.0,
    }
