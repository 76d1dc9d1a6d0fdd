"""Building BM25 streaming: term counts gathered a block of chunks at a time, weighted once at the end.

Memory is the postings (8 bytes an entry) plus the vocabulary, whatever the block size; the arrays
equal the old all-at-once build bit for bit (tested against rank-bm25's arithmetic).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from qa.search.bm25 import K1, B, LexicalIndex
from qa.search.tokens import TOKEN, fold, tokenize

_BLOCK = 1 << 20  # matrix entries weighted a block at a time; chunks are counted _BLOCK // 256 at a time


def build_bm25(
    texts: list[str], stem: bool = True, languages: Sequence[str] | None = None, reference: LexicalIndex | None = None
) -> LexicalIndex:
    """The BM25 index of `texts`, each tokenized in its language from `languages` (default: all English);
    weighted with a `reference` index's statistics when given (see TermCounter.finish)."""
    langs = list(languages) if languages is not None else ["en"] * len(texts)
    if len(langs) != len(texts):
        raise ValueError(f"{len(langs)} languages for {len(texts)} texts")
    if not texts:
        return LexicalIndex({}, sparse.csc_matrix((0, 0), dtype=np.float32), np.zeros(0, np.float32), stem)
    counter = TermCounter(stem)
    counter.add(texts, langs)
    return counter.finish(reference)


class TermCounter:
    """Term counts of chunks added in order: term ids in first-seen order, each chunk's length and language."""

    def __init__(self, stem: bool = True):
        self.stem = stem
        self.vocab: dict[str, int] = {}
        self.lengths = array("d")
        self.languages: list[str] = []
        self.row_sizes: list[np.ndarray] = []  # entries per chunk, a block at a time
        self.counts: list[tuple[np.ndarray, np.ndarray]] = []  # (term ids int32, counts float32) a block at a time
        self._word_ids: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return len(self.lengths)

    def add(self, texts: Iterable[str], languages: Iterable[str]) -> None:
        """Count the terms of more chunks (texts and their languages, in row order)."""
        texts, languages = list(texts), list(languages)
        if len(texts) != len(languages):
            raise ValueError(f"{len(languages)} languages for {len(texts)} texts")
        step = _BLOCK // 256
        for first in range(0, len(texts), step):
            self._add_block(texts[first : first + step], languages[first : first + step])

    def _term_ids(self, text: str, language: str) -> list[int]:
        """The term ids of a chunk's tokens, in order; an empty chunk counts as one token, as in rank-bm25."""
        vocab = self.vocab
        if language == "es":
            tokens = tokenize(text, self.stem, language) or ["\0"]
            return [vocab.setdefault(t, len(vocab)) for t in tokens]
        ids: list[int] = []
        known = self._word_ids  # a folded English word -> the ids of its tokens: words repeat, so most are known
        for raw in TOKEN.findall(fold(text)):
            found = known.get(raw)
            if found is None:
                found = known[raw] = [vocab.setdefault(t, len(vocab)) for t in tokenize(raw, self.stem)]
            ids.extend(found)
        return ids or [vocab.setdefault("\0", len(vocab))]

    def _add_block(self, texts: list[str], languages: list[str]) -> None:
        vocab, ids, sizes = self.vocab, array("i"), array("i")
        for text, lang in zip(texts, languages):
            found = self._term_ids(text, lang)
            ids.extend(found)
            sizes.append(len(found))
        size = np.frombuffer(sizes, np.int32)
        row = np.repeat(np.arange(len(size), dtype=np.int64), size)
        keys, tf = np.unique(row * len(vocab) + np.frombuffer(ids, np.int32), return_counts=True)
        self.lengths.extend(size.astype(np.float64))
        self.languages.extend(languages)
        self.row_sizes.append(np.bincount(keys // len(vocab), minlength=len(size)))
        self.counts.append(((keys % len(vocab)).astype(np.int32), tf.astype(np.float32)))

    def finish(self, reference: LexicalIndex | None = None) -> LexicalIndex:
        """The weighted index; the counts are consumed.

        With a `reference` (the base of a layered index) the chunks are weighted with its statistics, so
        scores on both sides compare: its IDF for the terms it knows, its average length; a new term's IDF
        counts the reference's chunks too.
        """
        n = len(self)
        if not n:
            return LexicalIndex({}, sparse.csc_matrix((0, 0), dtype=np.float32), np.zeros(0, np.float32), self.stem)
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.concatenate(self.row_sizes), out=indptr[1:])
        cols = np.concatenate([c for c, _ in self.counts])
        tfs = np.concatenate([t for _, t in self.counts])
        self.counts, self.row_sizes = [], []
        indptr = indptr.astype(np.int32 if indptr[-1] < 2**31 else np.int64)
        lengths = np.frombuffer(self.lengths, np.float64)
        languages = np.array(self.languages, str)
        counts = Counts(self.vocab, lengths, indptr, cols, tfs, languages)
        return _weighted(counts, self.stem, reference)


def _idf(terms: list[str], df: np.ndarray, n: int, reference: LexicalIndex | None) -> np.ndarray:
    """Lucene's IDF of each term; the reference's value for a term it knows, its chunks counted for the rest."""
    if reference is None:
        return np.array([math.log(1 + (n - f + 0.5) / (f + 0.5)) for f in df.tolist()])
    total = n + reference.weights.shape[0]
    known, idf = reference.vocab, reference.idf
    return np.array([float(idf[known[t]]) if t in known else math.log(1 + (total - f + 0.5) / (f + 0.5))
                     for t, f in zip(terms, df.tolist())])  # fmt: skip


@dataclass(frozen=True)
class Counts:
    """The term counts of a build, as arrays: term ids by first sight, chunk lengths, and CSR rows of counts."""

    vocab: dict[str, int]
    lengths: np.ndarray
    indptr: np.ndarray
    cols: np.ndarray  # term ids, turned into sorted-term columns by _weighted (in place)
    tfs: np.ndarray  # term counts, turned into weights by _weighted (in place)
    languages: np.ndarray


def _weighted(counts: Counts, stem: bool, reference: LexicalIndex | None = None) -> LexicalIndex:
    """Counts turned into Okapi weights with Lucene's IDF, in place, columns in sorted term order."""
    vocab, lengths, indptr, cols, tfs = counts.vocab, counts.lengths, counts.indptr, counts.cols, counts.tfs
    terms = sorted(vocab)  # columns in sorted term order, as indexes saved before
    first_seen = np.array([vocab[t] for t in terms], np.int64)
    order = np.empty(len(terms), np.int32)
    order[first_seen] = np.arange(len(terms), dtype=np.int32)
    n, df = len(lengths), np.bincount(cols, minlength=len(terms))[first_seen]
    idf64 = _idf(terms, df, n, reference)
    avgdl = int(lengths.sum()) / n
    if reference is not None and reference.avgdl:
        avgdl = reference.avgdl
    norm = K1 * (1 - B + B * lengths / avgdl)  # rank-bm25's float64 arithmetic
    for first in range(0, len(tfs), _BLOCK):  # tf -> weight in place, a block of entries at a time
        part = slice(first, first + _BLOCK)
        cols[part] = order[cols[part]]
        rows = np.searchsorted(indptr, np.arange(first, first + len(tfs[part])), side="right") - 1
        tf = tfs[part].astype(np.float64)
        tfs[part] = idf64[cols[part]] * tf * (K1 + 1) / (tf + norm[rows])
    weights = sparse.csr_matrix((tfs, cols, indptr), shape=(n, len(terms))).tocsc()
    vocab = dict(zip(terms, range(len(terms))))
    return LexicalIndex(vocab, weights, idf64.astype(np.float32), stem, counts.languages, int(lengths.sum()) / n)
