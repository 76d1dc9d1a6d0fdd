"""The lexical side: a tokenizer that keeps figures whole, and BM25 scored as a sparse product.

rank-bm25 fits the statistics; its Okapi IDF goes negative (or zero) for a term in half the
chunks or more, which would rank chunks that match below chunks that do not, so the IDF is
Lucene's always-positive form. Scoring multiplies a precomputed chunk-by-term weight matrix
by the query's term counts instead of looping over every chunk in Python.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

import numpy as np
from rank_bm25 import BM25Okapi
from scipy import sparse

K1, B = 1.2, 0.75
_TOKEN = re.compile(r"\w+(?:[.,\-/:']\w+)*%?")
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me
    more most my myself no nor not now of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then there these they
    this those through to too under until up very was we were what when where which while who whom
    why will with would you your yours yourself yourselves s t don
    """.split()  # noqa: SIM905
)


def fold(text: str) -> str:
    """Case- and accent-folded text: 'Perú' and 'PERU' both become 'peru'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def tokenize(text: str, stem: bool = True) -> list[str]:
    """Folded tokens without stop words; figures and codes ('22,295', '527-0427', '97.5%') stay whole."""
    tokens = []
    for raw in _TOKEN.findall(fold(text)):
        if any(ch.isdigit() for ch in raw):
            tokens.append(THOUSANDS.sub("", raw))
            continue
        parts = re.split(r"[.,\-/:']", raw)
        words = [raw.replace("'", "")] + (parts if len(parts) > 1 else [])
        for word in words:
            if word and word not in STOP_WORDS:
                tokens.append(_stem(word) if stem else word)
    return tokens


class _PositiveIdfBM25(BM25Okapi):
    """BM25Okapi with Lucene's IDF, log(1 + (N - n + 0.5) / (n + 0.5)), never below zero."""

    def _calc_idf(self, nd):
        for word, freq in nd.items():
            self.idf[word] = math.log(1 + (self.corpus_size - freq + 0.5) / (freq + 0.5))


class LexicalIndex:
    """BM25 over tokenized chunks, held as a chunk-by-term matrix of term weights."""

    def __init__(self, vocab: dict[str, int], weights: sparse.csc_matrix, idf: np.ndarray, stem: bool = True):
        self.vocab = vocab
        self.weights = weights
        self.idf = idf
        self.stem = stem

    def term_idf(self, token: str) -> float:
        """IDF of a token the corpus uses."""
        return float(self.idf[self.vocab[token]])

    @classmethod
    def build(cls, texts: list[str], stem: bool = True) -> LexicalIndex:
        tokenized = [tokenize(t, stem) or ["\0"] for t in texts]  # rank-bm25 needs no empty docs
        if not tokenized:
            return cls({}, sparse.csc_matrix((0, 0), dtype=np.float32), np.zeros(0, np.float32), stem)
        bm25 = _PositiveIdfBM25(tokenized, k1=K1, b=B)
        vocab = {term: i for i, term in enumerate(sorted(bm25.idf))}
        rows, cols, data = [], [], []
        for row, (freqs, length) in enumerate(zip(bm25.doc_freqs, bm25.doc_len)):
            norm = K1 * (1 - B + B * length / bm25.avgdl)
            for term, tf in freqs.items():
                rows.append(row)
                cols.append(vocab[term])
                data.append(bm25.idf[term] * tf * (K1 + 1) / (tf + norm))
        shape = (len(tokenized), len(vocab))
        weights = sparse.csc_matrix((np.array(data, np.float32), (rows, cols)), shape=shape)
        idf = np.array([bm25.idf[term] for term in vocab], np.float32)
        return cls(vocab, weights, idf, stem)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (0 where no term matches)."""
        counts: dict[int, int] = {}
        for token in tokenize(query, self.stem):
            if token in self.vocab:
                counts[self.vocab[token]] = counts.get(self.vocab[token], 0) + 1
        if not counts:
            return np.zeros(self.weights.shape[0], dtype=np.float32)
        columns = self.weights[:, list(counts)]
        return np.asarray(columns @ np.array(list(counts.values()), np.float32)).ravel()

    def arrays(self) -> dict[str, np.ndarray]:
        """The matrix as plain arrays, for saving without pickles."""
        w = self.weights
        return {"data": w.data, "indices": w.indices, "indptr": w.indptr, "shape": np.array(w.shape), "idf": self.idf}

    @classmethod
    def from_arrays(cls, vocab: dict[str, int], arrays: dict[str, np.ndarray], stem: bool) -> LexicalIndex:
        shape = tuple(int(x) for x in arrays["shape"])
        weights = sparse.csc_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape)
        return cls(vocab, weights, arrays["idf"], stem)
