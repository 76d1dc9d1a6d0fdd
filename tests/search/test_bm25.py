"""The lexical side: tokenizer rules and BM25 scores that never rank a match below a non-match."""

from __future__ import annotations

import math

import numpy as np
from rank_bm25 import BM25Okapi
from scipy import sparse

from qa.search.bm25 import K1, B, LexicalIndex
from qa.search.bm25_build import build_bm25
from qa.search.tokens import fold, tokenize


class _PositiveIdfBM25(BM25Okapi):
    """The reference: rank-bm25's Okapi with Lucene's IDF, log(1 + (N - n + 0.5) / (n + 0.5))."""

    def _calc_idf(self, nd):
        for word, freq in nd.items():
            self.idf[word] = math.log(1 + (self.corpus_size - freq + 0.5) / (freq + 0.5))


def _reference_matrix(texts, langs):
    """The weight matrix as built through rank-bm25 before the streaming build, for an exact comparison."""
    bm25 = _PositiveIdfBM25([tokenize(t, True, lang) or ["\0"] for t, lang in zip(texts, langs)], k1=K1, b=B)
    vocab = {term: i for i, term in enumerate(sorted(bm25.idf))}
    rows, cols, data = [], [], []
    for row, (freqs, length) in enumerate(zip(bm25.doc_freqs, bm25.doc_len)):
        norm = K1 * (1 - B + B * length / bm25.avgdl)
        for term, tf in freqs.items():
            rows.append(row), cols.append(vocab[term]), data.append(bm25.idf[term] * tf * (K1 + 1) / (tf + norm))
    weights = sparse.csc_matrix((np.array(data, np.float32), (rows, cols)), shape=(len(texts), len(vocab)))
    return vocab, weights, np.array([bm25.idf[t] for t in vocab], np.float32)


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
    index = build_bm25(texts)
    scores = index.scores("peru")
    assert min(scores[:3]) > scores[3] == 0.0


def test_two_chunk_corpus_still_scores():
    # With N=2 and the term in one chunk, Okapi IDF is exactly 0: nothing would match.
    index = build_bm25(["wells in ayacucho", "bridges in lima"])
    assert np.argmax(index.scores("wells")) == 0 and index.scores("wells")[0] > 0


def test_sparse_scores_equal_rank_bm25_reference():
    texts = ["the embassy funds wells", "wells and pumps and wells", "schools in lima", "lima water pumps project"]
    index = build_bm25(texts)
    reference = _PositiveIdfBM25([tokenize(t) for t in texts], k1=1.2, b=0.75)
    query = "wells pumps lima"
    assert np.allclose(index.scores(query), reference.get_scores(tokenize(query)), atol=1e-5)


def test_arrays_round_trip():
    index = build_bm25(["alpha beta", "beta gamma"])
    again = LexicalIndex.from_arrays(index.vocab, index.arrays(), index.stem)
    assert np.allclose(again.scores("gamma"), index.scores("gamma"))


def test_fold_drops_case_and_accents():
    assert fold("Perú ÇA Straße") == "peru ca strasse"


def test_hyphenated_and_apostrophe_words_keep_the_whole_and_the_parts():
    assert tokenize("state-owned O'Brien's", stem=False) == ["state-owned", "state", "owned", "obriens", "o", "brien"]


def test_stop_words_only_give_no_tokens_and_no_scores():
    index = build_bm25(["wells in ayacucho", "bridges in lima"])
    assert tokenize("what is the", stem=False) == []
    assert index.scores("what is the").tolist() == [0.0, 0.0]
    assert index.scores("unknownword").tolist() == [0.0, 0.0]


def test_term_idf_is_lucenes_positive_form():
    index = build_bm25(["wells here", "wells there", "bridges"])
    assert math.isclose(index.term_idf("well"), math.log(1 + (3 - 2 + 0.5) / (2 + 0.5)), rel_tol=1e-6)
    assert index.term_idf("bridg") > index.term_idf("well") > 0


def test_an_empty_corpus_and_empty_texts_still_build():
    empty = build_bm25([])
    assert empty.weights.shape == (0, 0) and empty.scores("wells").shape == (0,)
    blank = build_bm25(["", "wells"])
    assert blank.weights.shape[0] == 2 and blank.scores("wells")[0] == 0.0 < blank.scores("wells")[1]


def test_unstemmed_index_matches_only_exact_words():
    index = build_bm25(["volunteers came", "a volunteer came"], stem=False)
    assert index.stem is False
    assert index.scores("volunteer")[0] == 0.0 < index.scores("volunteer")[1]


def test_streaming_build_equals_the_rank_bm25_build_bit_for_bit():
    texts = ["the embassy funds wells", "", "Perú exporta 22.295 toneladas de café", "wells wells pumps in Lima"]
    texts += [f"project {i} funds {'wells ' * (i % 4)}schools in lima" for i in range(40)]
    langs = ["en", "es", "es", "en"] + ["en"] * 40
    index = build_bm25(texts, languages=langs)
    vocab, weights, idf = _reference_matrix(texts, langs)
    assert index.vocab == vocab and np.array_equal(index.idf, idf)
    for name in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(index.weights, name), getattr(weights, name))
    assert list(index.languages[:4]) == langs[:4]


def test_streaming_build_across_blocks(monkeypatch):
    monkeypatch.setattr("qa.search.bm25_build._BLOCK", 512)  # 2 chunks a counting block, many weighting blocks
    texts = [f"well {i} pump {'lima ' * (i % 5)}" for i in range(300)]
    vocab, weights, _ = _reference_matrix(texts, ["en"] * 300)
    index = build_bm25(texts)
    assert index.vocab == vocab and np.array_equal(index.weights.toarray(), weights.toarray())


def test_matches_gives_the_scores_of_the_matching_chunks_bit_for_bit():
    texts = [f"well {i} pump {'lima ' * (i % 5)} {'cusco ' * (i % 3)} río" for i in range(400)]
    index = build_bm25(texts)
    queries = ["lima", "lima cusco pump", "7 8 lima", "7 8", "nothing here", [("río lima", "es"), ("pump", "en")]]
    for query in queries:  # "7 8": few postings, sorted; the others: many, summed over all rows
        scores = index.scores(query)
        rows, found = index.matches(query)
        assert rows.tolist() == np.flatnonzero(scores).tolist()
        assert np.array_equal(found, scores[rows])  # equal, not merely close: rankings cannot differ
