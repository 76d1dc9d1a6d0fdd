"""The library's front door: open an index, search it, ask it questions."""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa.answer import Weights, answer
from qa.embedding import CachedEmbedder, Embedder, ModelUnavailable, model_name
from qa.errors import IndexMismatch, InputError
from qa.index import REBUILD_HINT, Index, current_version, load_index
from qa.records import Answer, Hit
from qa.retrieval import check_mode, rank

MAX_QUESTION_CHARS = 2_000
ANSWER_POOL = 12  # passages the answerer reads, even when fewer are shown (8 -> 12: SQuAD +0.15 points)
CACHE_ITEMS = 50_000  # embeddings kept in memory by a long-running engine (~75 MB)


def check_top_k(top_k: int) -> int:
    if top_k < 1:
        raise InputError(f"--top-k must be greater than 0. Currently, it is {top_k}")
    return top_k


def clean_question(question: str) -> str:
    """The question without control characters; empty questions are refused."""
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs") else ch for ch in question or "")
    text = " ".join(text.split())
    if not text:
        raise InputError("the question is empty; type a question in words")
    return text[:MAX_QUESTION_CHARS]


class Engine:
    """Answers questions from the index in `index_dir`, reloading it when a writer replaces it."""

    def __init__(self, index_dir: Path, model: str | None = None, weights: Weights = Weights()):
        self.index_dir = Path(index_dir)
        self.model = model
        self.weights = weights
        self.dense_warning: str | None = None
        self._index: Index | None = None
        self._version: str | None = None
        self._embedder: CachedEmbedder | None = None
        self._lock = threading.Lock()

    @property
    def index(self) -> Index:
        """The current index; a query holds on to one object, so it sees one version throughout."""
        version = current_version(self.index_dir) if self.index_dir.is_dir() else None
        if self._index is None or version != self._version:
            with self._lock:
                if self._index is None or version != self._version:
                    self._index = load_index(self.index_dir)
                    self._version = self._index.extra["version"]  # the version loaded, not the newest
        return self._index

    def embedder(self, index: Index) -> CachedEmbedder | None:
        """The embedder for this index, or None when dense retrieval cannot serve."""
        if index.dense is None or self.dense_warning:
            return None
        built_with = index.manifest["model"]
        if self.model and model_name(self.model) != built_with:
            raise IndexMismatch(f"the index was built with model '{built_with}', not '{self.model}'; {REBUILD_HINT}")
        with self._lock:
            if self._embedder is None or self._embedder.name != built_with:
                self._embedder = CachedEmbedder(Embedder(built_with), max_items=CACHE_ITEMS)
        return self._embedder

    def _query_vector(self, index: Index, text: str, mode: str) -> tuple[np.ndarray | None, CachedEmbedder | None]:
        embedder = self.embedder(index) if mode != "bm25" else None
        if embedder is None:
            return None, None
        try:
            return embedder.encode([text])[0], embedder
        except ModelUnavailable as exc:
            self.dense_warning = f"{exc}; answering in BM25-only mode"
            return None, None

    def search(self, query: str, mode: str = "hybrid", top_k: int = 5) -> tuple[list[Hit], str]:
        """The top_k passages for the query and the mode that actually served it."""
        query, mode, top_k = clean_question(query), check_mode(mode), check_top_k(top_k)
        index = self.index
        vector, _ = self._query_vector(index, query, mode)
        served = mode if vector is not None or mode == "bm25" else "bm25"
        return rank(index, query, vector, served, top_k), served

    def ask(self, question: str, mode: str = "hybrid", top_k: int = 5) -> Answer:
        """An extractive answer with citations, or a not-found answer with the closest passages."""
        question, mode, top_k = clean_question(question), check_mode(mode), check_top_k(top_k)
        index = self.index
        vector, embedder = self._query_vector(index, question, mode)
        served = mode if vector is not None or mode == "bm25" else "bm25"
        hits = rank(index, question, vector, served, max(top_k, ANSWER_POOL))
        reply = answer(question, hits, index, served, embedder, self.weights)
        return replace(reply, passages=reply.passages[:top_k])
