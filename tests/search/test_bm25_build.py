"""Building BM25 a block at a time gives the same arrays as building it at once."""

from __future__ import annotations

import numpy as np

from qa.search.bm25 import LexicalIndex
from qa.search.bm25_build import TermCounter, build_bm25

TEXTS = [f"Well {i} pumped water; Perú {'Lima ' * (i % 4)} 22,295 people" for i in range(60)] + ["", "the of and"]
LANGS = ["es" if i % 7 == 0 else "en" for i in range(len(TEXTS))]


def _same(a: LexicalIndex, b: LexicalIndex) -> bool:
    arrays = zip(a.arrays().values(), b.arrays().values())
    return a.vocab == b.vocab and all(np.array_equal(x, y) for x, y in arrays)


def test_counts_added_in_blocks_build_the_same_index():
    whole = build_bm25(TEXTS, languages=LANGS)
    counter = TermCounter()
    for first in range(0, len(TEXTS), 9):
        counter.add(TEXTS[first : first + 9], LANGS[first : first + 9])
    assert len(counter) == len(TEXTS) and _same(counter.finish(), whole)


def test_an_empty_or_stop_word_chunk_counts_as_one_token():
    index = build_bm25(["", "the of and", "wells"])
    assert index.weights.shape == (3, 2) and index.scores("wells").tolist()[:2] == [0.0, 0.0]


def test_no_chunks_build_an_empty_index():
    assert TermCounter().finish().weights.shape == (0, 0)
