"""Ranking: the two fusions on tiny rankings, and rank() over a tiny hand-built index in every mode."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import tiny_index

from qa.records import Hit, InputError
from qa.search.fusion import RRF_K, convex, rrf
from qa.search.retrieval import Lookup, rank
from qa.store.index import Index

TEXTS = [
    "Wells were dug in Ayacucho by volunteers.",  # row 0
    "The bridge in Lima opened in March.",  # row 1
    "Clinics and wells were built in Cusco.",  # row 2
]
# Made-up unit vectors: the query vector is closest to row 1 (1.0), then row 2 (0.6), then row 0 (0.0).
VECTORS = np.array([[1, 0, 0], [0, 1, 0], [0, 0.6, 0.8]], dtype=np.float32)
QUERY_VECTOR = np.array([0, 1, 0], dtype=np.float32)
QUERY = "wells in Cusco"  # BM25: row 2 (both words) above row 0 (wells only); row 1 not at all


@pytest.fixture(scope="module")
def index() -> Index:
    return tiny_index(TEXTS, VECTORS)


def _rows(hits: list[Hit]) -> list[int]:
    return [h.chunk.chunk_id for h in hits]


# ---- fusion -------------------------------------------------------------------------------------


def test_a_lone_lexical_match_still_counts_in_hybrid():
    fused = convex([(1, 0.5), (2, 0.4)], [(3, 7.0)])
    assert fused[3] == 0.5 and fused[1] == 0.5 and fused[2] == 0.0


def test_convex_rewards_agreement_of_both_sides():
    fused = convex([(1, 0.9), (2, 0.5), (3, 0.1)], [(2, 9.0), (3, 1.0), (1, 0.5)])
    assert max(fused, key=fused.get) == 2


def test_convex_weight_moves_between_the_sides():
    dense, lexical = [(1, 0.9), (2, 0.1)], [(2, 5.0), (1, 1.0)]
    assert convex(dense, lexical, weight=1.0) == {1: 1.0, 2: 0.0}
    assert convex(dense, lexical, weight=0.0) == {1: 0.0, 2: 1.0}
    assert convex([], []) == {}


def test_rrf_sums_reciprocal_ranks():
    fused = rrf([(1, 0.9), (2, 0.8)], [(2, 5.0)])
    assert fused[2] > fused[1]
    assert fused == {1: 1 / (RRF_K + 1), 2: 1 / (RRF_K + 2) + 1 / (RRF_K + 1)}


# ---- rank() over a tiny index -------------------------------------------------------------------


def test_bm25_mode_ranks_by_words(index):
    hits = rank(index, Lookup(QUERY, QUERY_VECTOR, "bm25"), 5)
    assert _rows(hits) == [2, 0], "only chunks with the words, the one with more first"
    assert all(isinstance(h, Hit) and h.score > 0 for h in hits)
    assert hits[0].chunk.text == TEXTS[hits[0].chunk.chunk_id]


def test_dense_mode_ranks_by_the_query_vector(index):
    hits = rank(index, Lookup(QUERY, QUERY_VECTOR, "dense"), 3)
    assert _rows(hits) == [1, 2, 0]
    assert [h.score for h in hits] == pytest.approx([1.0, 0.6, 0.0])


def test_convex_hybrid_favours_the_chunk_both_sides_like(index):
    # BM25 ranks 2 then 0; the vector ranks 1 then 2: row 2 is near the top of both.
    hits = rank(index, Lookup(QUERY, QUERY_VECTOR, "hybrid"), 3, fusion="convex")
    assert _rows(hits) == [2, 1, 0]
    assert [h.score for h in hits] == pytest.approx([0.5 * 0.6 + 0.5 * 1.0, 0.5, 0.0])


def test_rrf_hybrid_scores_are_reciprocal_rank_sums(index):
    hits = rank(index, Lookup(QUERY, QUERY_VECTOR, "hybrid"), 3, fusion="rrf")
    assert _rows(hits) == [2, 0, 1]
    expected = [1 / (RRF_K + 2) + 1 / (RRF_K + 1), 1 / (RRF_K + 3) + 1 / (RRF_K + 2), 1 / (RRF_K + 1)]
    assert [h.score for h in hits] == pytest.approx(expected)


def test_top_k_cuts_the_fused_list(index):
    assert _rows(rank(index, Lookup(QUERY, QUERY_VECTOR, "hybrid"), 1)) == [2]
    assert len(rank(index, Lookup(QUERY, QUERY_VECTOR, "hybrid"), 10)) == 3


@pytest.mark.parametrize("mode", ["hybrid", "dense"])
def test_without_a_query_vector_retrieval_falls_back_to_bm25(index, mode):
    hits = rank(index, Lookup(QUERY, None, mode), 5)
    assert _rows(hits) == [2, 0] and hits == rank(index, Lookup(QUERY, QUERY_VECTOR, "bm25"), 5)


def test_an_index_without_vectors_falls_back_to_bm25():
    lexical_only = tiny_index(TEXTS)
    hits = rank(lexical_only, Lookup("bridge", QUERY_VECTOR, "hybrid"), 5)
    assert _rows(hits) == [1] and hits == rank(lexical_only, Lookup("bridge", None, "bm25"), 5)


@pytest.mark.parametrize("mode, expected", [("hybrid", [0, 1]), ("dense", [0, 1]), ("bm25", [0])])
def test_rows_restrict_every_mode(index, mode, expected):
    hits = rank(index, Lookup(QUERY, QUERY_VECTOR, mode, np.array([0, 1])), 5)
    assert sorted(_rows(hits)) == expected, "row 2, the best match otherwise, is left out"


def test_unknown_fusion_is_an_input_error_listing_the_choices(index):
    with pytest.raises(InputError, match=r"unknown fusion 'max'; choose one of convex, rrf"):
        rank(index, Lookup(QUERY, QUERY_VECTOR, "hybrid"), 5, fusion="max")


def test_unknown_mode_and_bad_top_k_are_input_errors(index):
    with pytest.raises(InputError, match="unknown retrieval mode 'fuzzy'"):
        rank(index, Lookup(QUERY, QUERY_VECTOR, "fuzzy"), 5)
    with pytest.raises(InputError, match="top_k must be a whole number greater than 0; got 0"):
        rank(index, Lookup(QUERY, QUERY_VECTOR, "bm25"), 0)
