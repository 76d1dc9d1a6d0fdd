"""Scoring answers and rankings: answer containment, SQuAD exact match and F1, nDCG/recall/MRR."""

from __future__ import annotations

import math
import re
import string
from collections import Counter

from qa.search.tokens import THOUSANDS


def normalize(text: str) -> str:
    """Case, whitespace and number formatting folded away, for 'answer contains' checks."""
    text = THOUSANDS.sub("", text.casefold())
    return " ".join(re.sub(r"[^\w\s%$.]|(?<!\d)\.|\.(?!\d)", " ", text).split())


def contains_answer(text: str, answers: list[str]) -> bool:
    """Whether a normalized answer occurs in the text as whole words ('19' does not match '1990')."""
    haystack = f" {normalize(text)} "
    return any(f" {normalize(a)} " in haystack for a in answers if normalize(a))


def cited_holding(citations, answers: list[str]) -> tuple[int, int]:
    """(cited sentences, those holding a gold answer) of one answer: its citation precision's parts."""
    return len(citations), sum(contains_answer(c.quote, answers) for c in citations)


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


def _norm(text: str) -> list[str]:
    """SQuAD's answer normalization: lower case, no punctuation, articles or extra spaces."""
    text = "".join(ch for ch in text.lower() if ch not in string.punctuation)
    return re.sub(r"\b(a|an|the)\b", " ", text).split()


def exact_f1(prediction: str, answers: list[str]) -> tuple[float, float]:
    """SQuAD exact match and token F1 of a phrase against the gold answers (best over them)."""
    guess, em, f1 = _norm(prediction), 0.0, 0.0
    for gold in map(_norm, answers):
        em = max(em, float(guess == gold))
        common = sum((Counter(guess) & Counter(gold)).values())
        if common:
            p, r = common / len(guess), common / len(gold)
            f1 = max(f1, 2 * p * r / (p + r))
    return em, f1


def locate(text: str, answers: list[str]) -> tuple[int, int] | None:
    """Sentence offsets of the first gold answer found in `text` (case-insensitive fallback)."""
    for a in answers:
        at = text.find(a)
        if at < 0:
            at = text.lower().find(a.lower())
        if at >= 0 and a.strip():
            return at, at + len(a)
    return None
