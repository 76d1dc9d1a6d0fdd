"""The library's front door: open an index, search it, ask it questions, and add, sync or remove documents."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa.answer.compose import answer, decline
from qa.answer.features import Weights, word_weight
from qa.answer.token_scorer import load_reader
from qa.embed.cache import CachedEmbedder
from qa.embed.embedder import Embedder, cache_name, model_name, variant
from qa.embed.encoders import TORCH_FP32, encoder_name
from qa.ingest.chunking import ChunkParams
from qa.lang.crosslingual import ENGLISH, Query, localize, plan, with_query
from qa.records import Answer, Document, Hit, IndexMismatch, ModelUnavailable, QAError, Turn
from qa.search.followup import Resolved, resolve
from qa.search.options import DEFAULT_MODE, DEFAULT_TOP_K, check_mode, check_top_k, clean_question
from qa.search.retrieval import prefer, rank, scope
from qa.store.files import REBUILD_HINT, current_version
from qa.store.index import Index
from qa.store.load import load_index
from qa.store.manifest import built_encoder
from qa.sync.update import SyncReport, sync_folder, update_index
from qa.sync.watch import watch_folder

ANSWER_POOL = 12  # passages the answerer reads, even when fewer are shown (8 -> 12: SQuAD +0.15 points)
PREFER_POOL = 20  # extra passages ranked for a follow-up, so the last turn's documents can move up
PREFER_BONUS = 0.2  # score factor for passages from documents cited in the last turn (tuned on seeds_chat.jsonl)
CACHE_ITEMS = 50_000  # embeddings kept in memory by a long-running engine (~75 MB)


class Engine:
    """Answers questions from the index in `index_dir`, reloading it when a writer replaces it.

    Its writes (`sync`, `add`, `remove`) embed with the model it already holds, so a long-running app
    never loads a second copy.
    """

    def __init__(self, index_dir: Path, model: str | None = None, weights: Weights = Weights(), encoder=None):
        self.index_dir = Path(index_dir)
        self.model = model
        self.encoder = encoder  # the encoder variant asked for (qa.embed.encoders); None: the index's own
        self.weights = weights
        self.dense_warning: str | None = None
        self.translation_warning: str | None = None  # set when a question could not be translated
        self._index: Index | None = None
        self._embedder: CachedEmbedder | None = None
        self._lock = threading.Lock()
        self._model_ready = threading.Event()
        self._model_ready.set()  # nothing loads in the background unless asked: the first question loads the model
        self._wait_for_model = True

    @property
    def index(self) -> Index:
        """The current index; a query holds on to one object, so it sees one version throughout."""
        version = current_version(self.index_dir)
        if self._index is None or version != self._index.version:
            with self._lock:
                if self._index is None or version != self._index.version:
                    self._index = load_index(self.index_dir)
        return self._index

    def _cached_embedder(self, name: str, encoder: str | None = None) -> CachedEmbedder:
        with self._lock:
            if self._embedder is None or self._embedder.key != cache_name(name, encoder or TORCH_FP32):
                self._embedder = CachedEmbedder(Embedder(name, **variant(encoder)), max_items=CACHE_ITEMS)
            return self._embedder

    def embedder(self, index: Index) -> CachedEmbedder | None:
        """The embedder for this index, or None when dense retrieval cannot serve."""
        if index.dense is None or self.dense_warning:
            return None
        built_with = index.manifest.model
        if self.model and model_name(self.model) != built_with:
            raise IndexMismatch(f"the index was built with model '{built_with}', not '{self.model}'; {REBUILD_HINT}")
        built = index.manifest.encoder
        if self.encoder and self.encoder != built:
            raise IndexMismatch(f"the index was built with encoder '{built}', not '{self.encoder}'; {REBUILD_HINT}")
        return self._cached_embedder(built_with, built)

    def load_in_background(self, wait: bool = False) -> threading.Thread:
        """Start loading the index and the model in a thread.

        Until the model is in, questions are answered from BM25 (`wait=False`, the chat: ready in seconds)
        or wait for it while the index loads at the same time (`wait=True`, a one-off `qa ask`).
        """
        self._wait_for_model = wait
        self._model_ready.clear()
        thread = threading.Thread(target=self._load_model, name="qa-model", daemon=True)
        thread.start()
        return thread

    def _load_model(self) -> None:
        try:
            embedder = self.embedder(self.index)
            if embedder is not None:
                embedder.encode(["warm up"])
                load_reader()
        except ModelUnavailable as exc:
            self.dense_warning = f"{exc}; answering in BM25-only mode"
        except QAError:
            pass  # an unusable index is reported by the question that needs it
        except Exception as exc:  # noqa: BLE001 - a broken model install must not kill the chat: BM25 serves
            self.dense_warning = f"the model could not be loaded ({type(exc).__name__}); answering in BM25-only mode"
        finally:
            self._model_ready.set()

    @property
    def meaning_loading(self) -> bool:
        """Whether the model is still loading in the background (questions are answered from BM25 meanwhile)."""
        return not self._model_ready.is_set()

    def _query_vector(self, index: Index, text: str, mode: str) -> tuple[np.ndarray | None, CachedEmbedder | None]:
        if mode != "bm25" and self._wait_for_model:
            self._model_ready.wait()
        if mode != "bm25" and self.meaning_loading:
            return None, None
        embedder = self.embedder(index) if mode != "bm25" else None
        if embedder is None:
            return None, None
        try:
            return embedder.encode([text])[0], embedder
        except ModelUnavailable as exc:
            self.dense_warning = f"{exc}; answering in BM25-only mode"
            return None, None

    def search(
        self, query: str, mode: str = DEFAULT_MODE, top_k: int = DEFAULT_TOP_K, sources: Sequence[str] = ()
    ) -> tuple[list[Hit], str]:
        """The top_k passages for the query (from documents matching `sources` globs) and the mode that served it."""
        query, mode, top_k = clean_question(query), check_mode(mode), check_top_k(top_k)
        index = self.index
        vector, _ = self._query_vector(index, query, mode)
        served = mode if vector is not None or mode == "bm25" else "bm25"
        return rank(index, query, vector, served, top_k, rows=scope(index, sources)), served

    def ask(
        self,
        question: str,
        mode: str = DEFAULT_MODE,
        top_k: int = DEFAULT_TOP_K,
        history: Sequence[Turn] = (),
        sources: Sequence[str] = (),
    ) -> Answer:
        """An extractive answer with citations, or a not-found answer with the closest passages.

        `history` holds the earlier turns of the conversation, oldest first: a follow-up question is
        searched as a standalone query (the Answer's `searched`). `sources` limits it to matching documents.
        """
        question, mode, top_k = clean_question(question), check_mode(mode), check_top_k(top_k)
        index = self.index
        query = plan(question, index.manifest.languages)
        if query.warning:
            self.translation_warning = f"{query.warning}; questions not in English are answered from BM25"
        resolved = resolve(query.text, history, word_weight(index))
        query = with_query(query, resolved.query)
        if query.language != ENGLISH and ENGLISH not in query.by_language:
            mode = "bm25"  # the embedding model reads English only
        vector, embedder = self._query_vector(index, query.text, mode)
        served = mode if vector is not None or mode == "bm25" else "bm25"
        hits = self._hits(index, query, resolved, vector, served, max(top_k, ANSWER_POOL), scope(index, sources))
        reader = load_reader() if embedder is not None else None  # loaded once, thread-safe; None if unavailable
        reply = answer(query.text, hits, index, served, embedder, self.weights, query.by_language, reader)
        if resolved.unresolvable:
            reply = decline(reply)
        reply = localize(reply, query.language, {c.source: index.document(c.source).language for c in reply.citations})
        searched = query.text if query.text != question else None
        return replace(reply, question=question, searched=searched, passages=reply.passages[:top_k])

    def _hits(self, index: Index, query: Query, resolved: Resolved, vector, mode: str, pool: int, rows) -> list[Hit]:
        """The passages the answerer reads: the last turn's documents preferred for a follow-up."""
        lexical = query.lexical if len(query.lexical) > 1 else query.text
        extra = PREFER_POOL if resolved.prefer else 0
        hits = rank(index, lexical, vector, mode, pool + extra, rows=rows)
        return prefer(hits, resolved.prefer, PREFER_BONUS)[:pool]

    # ---- writing ----------------------------------------------------------------------------

    def _embedder_for(self, name: str) -> Embedder:
        """The raw model for building: shared with queries, but its build vectors are not cached in memory."""
        encoder = self.encoder or built_encoder(self.index_dir) or encoder_name()  # asked, else as built, else new
        return self._cached_embedder(name, encoder).embedder

    def sync(
        self,
        folder: Path,
        params: ChunkParams | None = None,
        rebuild: bool = False,
        progress: bool = False,
        backend=None,
    ) -> SyncReport:
        """Bring the index in line with `folder`; uploads added through `add` are kept. `backend`: see update_index."""
        options = {"params": params, "rebuild": rebuild, "progress": progress, "backend": backend}
        return sync_folder(Path(folder), self.index_dir, model=self.model, embedder_for=self._embedder_for, **options)

    def watch(self, folder: Path, interval: float = 1.0) -> Iterator[SyncReport]:
        """A SyncReport after each burst of changes in `folder`; runs until interrupted."""
        return watch_folder(Path(folder), self.index_dir, self.model, interval, embedder_for=self._embedder_for)

    def add(self, documents: list[Document]) -> SyncReport:
        """Add (or replace, by doc_id) these documents and keep every other one."""
        return update_index(self.index_dir, documents, lambda _: True, self.model, embedder_for=self._embedder_for)

    def remove(self, doc_ids: set[str]) -> SyncReport:
        """Drop these documents from the index and keep every other one."""
        return update_index(self.index_dir, [], lambda d: d not in doc_ids, self.model, embedder_for=self._embedder_for)
