"""Scoring answers and rankings: whole-word answer containment, nDCG/recall/MRR, documents by their best chunk."""

from __future__ import annotations

import math

import pytest

from qa.measure.metrics import contains_answer, doc_ranking, normalize, ranking_metrics
from qa.records import Chunk, Hit


def test_answer_matching_is_by_whole_words_and_number_formats():
    assert contains_answer("It reached 22295 people.", ["22,295"])
    assert not contains_answer("It happened in 1990.", ["19"])
    assert contains_answer("The Moscone Center, in San Francisco.", ["moscone center"])


def test_normalize_folds_case_punctuation_and_thousands_but_keeps_decimals_and_signs():
    assert normalize("  The U.S.   gave $92.5 million (22,295 people)! ") == "the u s gave $92.5 million 22295 people"
    assert normalize("97.5% rise.") == "97.5% rise"


def test_any_of_several_answers_counts_and_empty_answers_never_match():
    assert contains_answer("Founded in 1998 in Cusco.", ["Lima", "Cusco"])
    assert not contains_answer("Anything at all.", ["", "  ", "!"])
    assert not contains_answer("Anything at all.", [])


def test_ranking_metrics_match_their_definitions():
    metrics = ranking_metrics(["a", "x", "b"], {"a": 1, "b": 1})
    assert metrics["mrr@10"] == 1.0 and metrics["recall@10"] == 1.0
    assert round(metrics["ndcg@10"], 4) == round((1 + 1 / 2) / (1 + 1 / 1.5849625), 4)


def test_graded_relevance_and_cutoffs():
    ranked = [f"x{i}" for i in range(10)] + ["a"] + ["b"]
    metrics = ranking_metrics(ranked, {"a": 2, "b": 1})
    assert metrics == {"ndcg@10": 0.0, "recall@10": 0.0, "recall@100": 1.0, "mrr@10": 0.0}
    swapped = ranking_metrics(["b", "a"], {"a": 2, "b": 1})
    ideal = 2 + 1 / math.log2(3)
    assert swapped["ndcg@10"] == pytest.approx((1 + 2 / math.log2(3)) / ideal)
    assert ranking_metrics(["z", "b"], {"a": 2, "b": 1})["mrr@10"] == 0.5


def test_documents_are_ranked_by_their_best_chunk():
    def hit(doc_id: str, chunk_id: int) -> Hit:
        return Hit(Chunk(chunk_id, doc_id, 0, 1, "x", ()), 1.0)

    hits = [hit("b", 0), hit("a", 1), hit("b", 2), hit("c", 3), hit("a", 4)]
    assert doc_ranking(hits) == ["b", "a", "c"]
    assert doc_ranking([]) == []
