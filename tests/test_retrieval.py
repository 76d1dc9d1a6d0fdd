"""Fusion and ranking on tiny inputs: which chunk wins and why."""

from __future__ import annotations

from qa.evaluate import contains_answer, ranking_metrics
from qa.retrieval import convex, rrf


def test_a_lone_lexical_match_still_counts_in_hybrid():
    fused = convex([(1, 0.5), (2, 0.4)], [(3, 7.0)])
    assert fused[3] == 0.5 and fused[1] == 0.5 and fused[2] == 0.0


def test_convex_rewards_agreement_of_both_sides():
    fused = convex([(1, 0.9), (2, 0.5), (3, 0.1)], [(2, 9.0), (3, 1.0), (1, 0.5)])
    assert max(fused, key=fused.get) == 2


def test_rrf_sums_reciprocal_ranks():
    fused = rrf([(1, 0.9), (2, 0.8)], [(2, 5.0)])
    assert fused[2] > fused[1]


def test_answer_matching_is_by_whole_words_and_number_formats():
    assert contains_answer("It reached 22295 people.", ["22,295"])
    assert not contains_answer("It happened in 1990.", ["19"])
    assert contains_answer("The Moscone Center, in San Francisco.", ["moscone center"])


def test_ranking_metrics_match_their_definitions():
    metrics = ranking_metrics(["a", "x", "b"], {"a": 1, "b": 1})
    assert metrics["mrr@10"] == 1.0 and metrics["recall@10"] == 1.0
    assert round(metrics["ndcg@10"], 4) == round((1 + 1 / 2) / (1 + 1 / 1.5849625), 4)
