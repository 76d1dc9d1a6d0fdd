"""Ranking chunks for a query: dense (FAISS), lexical (BM25) and their fusion (hybrid).

Retrieval reads the index only through `Searchable`, so another storage backend can serve it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Protocol

import numpy as np

from qa.records import Chunk, Document, Hit, InputError
from qa.search.bm25 import LexicalIndex
from qa.search.fusion import DEFAULT_FUSION, FUSIONS, POOL, Ranking
from qa.search.options import check_fusion, check_mode, check_top_k

LexicalQuery = str | Sequence[tuple[str, str]]  # the text, or (text, language) pairs that BM25 scores together


class Searchable(Protocol):
    """What retrieval and the answerer need of an index; `rows` limits a search to those chunk rows."""

    dense: object | None  # None when the index holds no vectors (BM25-only)
    lexical: LexicalIndex  # the vocabulary and IDF the answerer reads

    def dense_search(self, query_vector: np.ndarray, k: int, rows: np.ndarray | None = None) -> Ranking: ...

    def lexical_search(self, query: LexicalQuery, k: int, rows: np.ndarray | None = None) -> Ranking: ...

    def chunk(self, row: int) -> Chunk: ...

    def document(self, doc_id: str) -> Document: ...

    def doc_ids(self) -> Iterable[str]: ...

    def rows_of(self, doc_ids: set[str]) -> np.ndarray: ...


def scope(index: Searchable, patterns: Sequence[str], allowed: set[str] | None = None) -> np.ndarray | None:
    """The chunk rows of the documents whose source path matches any glob, among the `allowed` documents (None:
    all; the others are as if they were not indexed); None (everything) for no patterns and no limit."""
    if not patterns:
        return None if allowed is None else index.rows_of(allowed)
    chosen: set[str] = set()
    for pattern in patterns:
        matched = {d for d in index.doc_ids() if fnmatchcase(d, pattern) and (allowed is None or d in allowed)}
        if not matched:
            raise InputError(f"no indexed document matches the source pattern {pattern!r}")
        chosen |= matched
    return index.rows_of(chosen)


def prefer(hits: list[Hit], doc_ids: Iterable[str], bonus: float) -> list[Hit]:
    """The hits re-ordered with the scores of chunks from `doc_ids` raised by a factor of (1 + bonus)."""
    preferred = set(doc_ids)
    if not preferred or not bonus:
        return hits
    raised = [Hit(h.chunk, h.score * (1 + bonus) if h.chunk.doc_id in preferred else h.score) for h in hits]
    return sorted(raised, key=lambda h: -h.score)


@dataclass(frozen=True)
class Lookup:
    """One question's search: its BM25 query, its vector (None: dense cannot serve), the mode, the rows in scope
    (None: all) and the documents to prefer (a follow-up's last cited ones)."""

    lexical: LexicalQuery
    vector: np.ndarray | None
    mode: str
    rows: np.ndarray | None = None
    prefer: tuple[str, ...] = ()


def rank(index: Searchable, lookup: Lookup, top_k: int, fusion: str = DEFAULT_FUSION) -> list[Hit]:
    """The top_k chunks for the lookup (among its rows, if given; by BM25 alone when it has no vector)."""
    check_top_k(top_k), check_mode(lookup.mode), check_fusion(fusion)
    query, vector, mode, rows = lookup.lexical, lookup.vector, lookup.mode, lookup.rows
    if mode == "bm25" or vector is None or index.dense is None:
        ranking = index.lexical_search(query, top_k, rows)
    elif mode == "dense":
        ranking = index.dense_search(vector, top_k, rows)
    else:
        pool = max(POOL, top_k)
        dense, lexical = index.dense_search(vector, pool, rows), index.lexical_search(query, pool, rows)
        ranking = sorted(FUSIONS[fusion](dense, lexical).items(), key=lambda item: -item[1])[:top_k]
    return [Hit(index.chunk(row), score) for row, score in ranking]


ANSWER_POOL = 12  # passages the answerer reads, even when fewer are shown (8 -> 12: SQuAD +0.15 points)
PREFER_POOL = 20  # extra passages ranked for a follow-up, so the last turn's documents can move up
PREFER_BONUS = 0.2  # score factor for passages from documents cited in the last turn (tuned on seeds_chat.jsonl)


def answer_passages(index: Searchable, lookup: Lookup, pool: int = ANSWER_POOL) -> list[Hit]:
    """The `pool` passages an answer is read from: the last turn's documents raised for a follow-up."""
    extra = PREFER_POOL if lookup.prefer else 0
    hits = rank(index, lookup, pool + extra)
    return prefer(hits, lookup.prefer, PREFER_BONUS)[:pool]
