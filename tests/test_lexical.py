"""The lexical side: tokenizer rules and BM25 scores that never rank a match below a non-match."""

from __future__ import annotations

import numpy as np

from qa.lexical import LexicalIndex, _PositiveIdfBM25, tokenize


def test_figures_and_codes_stay_whole():
    tokens = tokenize("22,295 people; agreement 527-0427 raised income 97.5% in 2023-2024", stem=False)
    assert {"22295", "527-0427", "97.5%", "2023-2024"} <= set(tokens)
    assert tokenize("22295") == tokenize("22,295")


def test_case_and_accents_fold_and_stop_words_drop():
    assert tokenize("PERÚ and the Perú of Peru", stem=False) == ["peru", "peru", "peru"]


def test_stemming_matches_inflections():
    assert tokenize("volunteers") == tokenize("volunteer")


def test_a_term_in_most_chunks_still_ranks_matches_first():
    # "peru" is in 3 of 4 chunks: Okapi IDF would be negative and put the non-match on top.
    texts = ["peru coffee exports", "peru cacao", "peru mining law", "cacao beans from ghana"]
    index = LexicalIndex.build(texts)
    scores = index.scores("peru")
    assert min(scores[:3]) > scores[3] == 0.0


def test_two_chunk_corpus_still_scores():
    # With N=2 and the term in one chunk, Okapi IDF is exactly 0: nothing would match.
    index = LexicalIndex.build(["wells in ayacucho", "bridges in lima"])
    assert np.argmax(index.scores("wells")) == 0 and index.scores("wells")[0] > 0


def test_sparse_scores_equal_rank_bm25_reference():
    texts = ["the embassy funds wells", "wells and pumps and wells", "schools in lima", "lima water pumps project"]
    index = LexicalIndex.build(texts)
    reference = _PositiveIdfBM25([tokenize(t) for t in texts], k1=1.2, b=0.75)
    query = "wells pumps lima"
    assert np.allclose(index.scores(query), reference.get_scores(tokenize(query)), atol=1e-5)


def test_arrays_round_trip():
    index = LexicalIndex.build(["alpha beta", "beta gamma"])
    again = LexicalIndex.from_arrays(index.vocab, index.arrays(), index.stem)
    assert np.allclose(again.scores("gamma"), index.scores("gamma"))
