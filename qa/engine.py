"""The library's front door: open an index, search it, ask it questions, and add, sync or remove documents."""

from __future__ import annotations

import glob
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa.answer.candidates import Passages
from qa.answer.compose import decline
from qa.answer.cross_encoder import prepare_cross_encoder
from qa.answer.extract import answer
from qa.answer.features import word_weight
from qa.answer.scorer import shipped_scorer
from qa.answer.scoring import Weights
from qa.embed.cache import CachedEmbedder
from qa.embed.embedder import Embedder, model_name
from qa.embed.encoders import encoder_name, runtime, same_vectors
from qa.embed.models import DEFAULT_MODEL
from qa.ingest.chunking import ChunkParams
from qa.lang.crosslingual import ENGLISH, localize, read_question, with_query
from qa.lang.detect import load_identifier
from qa.records import Answer, Document, Hit, IndexMismatch, ModelUnavailable, QAError, Turn
from qa.search.followup import resolve
from qa.search.options import DEFAULT_MODE, DEFAULT_TOP_K, check_mode, check_top_k, clean_question
from qa.search.retrieval import ANSWER_POOL, Lookup, answer_passages, rank, scope
from qa.store.access import AccessCache, Reader, Rule, VisibleDocuments, load_rules, save_rules
from qa.store.backend import Backend
from qa.store.build import Build
from qa.store.files import REBUILD_HINT, current_version
from qa.store.index import Index
from qa.store.load import load_index
from qa.store.manifest import built_encoder
from qa.sync.folder import sync_folder
from qa.sync.report import SyncReport
from qa.sync.update import update_index
from qa.sync.uploads import MAX_UPLOAD_BYTES, Upload, read_uploads
from qa.sync.watch import watch_folder

CACHE_ITEMS = 50_000  # embeddings kept in memory by a long-running engine (~75 MB)


class Engine:
    """Answers questions from the index in `index_dir`, reloading it when a writer replaces it.

    Its writes (`sync`, `add`, `remove`) embed with the model it already holds, so a long-running app
    never loads a second copy. `embedder` (any object with Embedder's methods) replaces the model it would load.
    """

    def __init__(self, index_dir: Path, model: str | None = None, weights: Weights = Weights(), encoder=None,
                 embedder=None):  # fmt: skip
        self.index_dir = Path(index_dir)
        self.model = model
        self.encoder = encoder  # the encoder variant asked for (qa.embed.encoders); None: the index's own
        self.weights = weights
        self.dense_warning: str | None = None
        self.translation_warning: str | None = None  # set when a question could not be translated
        self._given = embedder
        self._index: Index | None = None
        self._embedder: CachedEmbedder | None = None
        self._lock = threading.Lock()
        self._access = AccessCache(self.index_dir)  # who may read what (qa.store.access)
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

    def _cached_embedder(self, name: str, encoder: str) -> CachedEmbedder:
        with self._lock:
            if self._embedder is None or (self._given is None and self._embedder.encoder != encoder):
                made = self._given if self._given is not None else Embedder(name, encoder=encoder)
                self._embedder = CachedEmbedder(made, max_items=CACHE_ITEMS)
            return self._embedder

    def embedder(self, index: Index) -> CachedEmbedder | None:
        """The embedder for this index, or None when dense retrieval cannot serve."""
        if index.dense is None or self.dense_warning:
            return None
        built_with = index.manifest.model
        if self.model and model_name(self.model) != built_with:
            raise IndexMismatch(f"the index was built with model '{built_with}', not '{self.model}'; {REBUILD_HINT}")
        built = index.manifest.encoder
        if self.encoder and not same_vectors(self.encoder, built):
            raise IndexMismatch(f"the index was built with encoder '{built}', not '{self.encoder}'; {REBUILD_HINT}")
        return self._cached_embedder(built_with, self.encoder or runtime(built, built_with == DEFAULT_MODEL))

    def load_in_background(self, wait: bool = False) -> threading.Thread:
        """Start loading the index and the model in a thread.

        Until the model is in, questions are answered from BM25 (`wait=False`, the chat: ready in seconds)
        or wait for it while the index loads at the same time (`wait=True`, a one-off `qa ask`).
        """
        self._wait_for_model = wait
        self._model_ready.clear()
        threading.Thread(target=load_identifier, name="qa-language", daemon=True).start()  # meanwhile, mostly in C
        thread = threading.Thread(target=self._load_model, name="qa-model", daemon=True)
        thread.start()
        return thread

    def _load_model(self) -> None:
        try:
            embedder = self.embedder(self.index)
            if embedder is not None:
                embedder.encode(["warm up"])
                shipped_scorer(embedder, self.weights)  # the learned scorers, loaded once a process
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

    def visible(self, reader: Reader | None, index: Index | None = None) -> set[str] | None:
        """The documents `reader` may read (qa.store.access), None for all of them (no reader: no access control)."""
        return self._access.visible(index or self.index, reader)

    def readable(self, reader: Reader | None) -> Callable[[str], bool] | None:
        """Whether `reader` may read a document of a given path, indexed or not (None: every document)."""
        return self._access.readable(reader)

    def documents(self, reader: Reader | None = None) -> Mapping[str, Document]:
        """The indexed documents `reader` may read (all of them for None), by doc_id."""
        index = self.index
        return VisibleDocuments(index.documents, self.visible(reader, index))

    def search(self, query: str, mode: str = DEFAULT_MODE, top_k: int = DEFAULT_TOP_K, sources: Sequence[str] = (),
               reader: Reader | None = None) -> tuple[list[Hit], str]:  # fmt: skip
        """The top_k passages for the query (from documents matching `sources` globs, among those `reader` may
        read) and the mode that served it."""
        query, mode, top_k = clean_question(query), check_mode(mode), check_top_k(top_k)
        index = self.index
        vector, _ = self._query_vector(index, query, mode)
        served = mode if vector is not None or mode == "bm25" else "bm25"
        rows = scope(index, sources, self.visible(reader, index))
        return rank(index, Lookup(query, vector, served, rows), top_k), served

    def ask(
        self,
        question: str,
        mode: str = DEFAULT_MODE,
        top_k: int = DEFAULT_TOP_K,
        history: Sequence[Turn] = (),
        sources: Sequence[str] = (),
        reader: Reader | None = None,
    ) -> Answer:
        """An extractive answer with citations, or a not-found answer with the closest passages.

        `history` holds the earlier turns of the conversation, oldest first: a follow-up question is
        searched as a standalone query (the Answer's `searched`). `sources` limits it to matching documents;
        `reader` to the documents that user may read (the others are as if they were not indexed).
        """
        question, mode, top_k = clean_question(question), check_mode(mode), check_top_k(top_k)
        index = self.index
        asked = read_question(question, index.manifest.languages)
        if asked.warning:
            self.translation_warning = f"{asked.warning}; questions not in English are answered from BM25"
        resolved = resolve(asked.text, history, word_weight(index))
        as_asked, asked = asked, with_query(asked, resolved.query)
        if asked.language != ENGLISH and ENGLISH not in asked.by_language:
            mode = "bm25"  # the embedding model reads English only
        vector, embedder = self._query_vector(index, asked.text, mode)
        served = mode if vector is not None or mode == "bm25" else "bm25"
        lexical = asked.lexical if len(asked.lexical) > 1 else asked.text
        lookup = Lookup(lexical, vector, served, scope(index, sources, self.visible(reader, index)), resolved.prefer)
        passages = Passages(tuple(answer_passages(index, lookup, max(top_k, ANSWER_POOL))), index, served)
        reading = as_asked if resolved.read_as_asked else asked
        reply = answer(reading.text, passages, shipped_scorer(embedder, self.weights), reading.by_language)
        if resolved.unresolvable:
            reply = decline(reply)
        reply = localize(reply, asked.language, {c.source: index.document(c.source).language for c in reply.citations})
        searched = asked.text if asked.text != question else None
        return replace(reply, question=question, searched=searched, passages=reply.passages[:top_k])

    # ---- writing ----------------------------------------------------------------------------

    def _embedder_for(self, name: str) -> Embedder:
        """The raw model for building: shared with queries, but its build vectors are not cached in memory."""
        packaged = name == DEFAULT_MODEL
        built = built_encoder(self.index_dir)  # asked, else (run as) the index's, else a new index's default
        encoder = self.encoder or (runtime(built, packaged) if built else encoder_name(None, packaged))
        return self._cached_embedder(name, encoder).embedder

    def build(self, **choices) -> Build:
        """A Build of this engine's index with its model (see qa.store.build.Build for the `choices`)."""
        return Build(self.index_dir, model=self.model, embedder_for=self._embedder_for, **choices)

    def sync(self, folder: Path, params: ChunkParams | None = None, rebuild: bool = False, progress: bool = False,
             backend: Backend | None = None, access: tuple[Rule, ...] | None = None) -> SyncReport:  # fmt: skip
        """Bring the index in line with `folder`; uploads added through `add` are kept. `backend`: where the
        chunks live (qa.store.backend; default: where they are); `access`: rules that replace the index's own
        (qa.store.access; None keeps them)."""
        choices = {"params": params, "rebuild": rebuild, "progress": progress, "backend": backend}
        report = sync_folder(self.build(folder=Path(folder), **choices))
        if access is not None:
            save_rules(self.index_dir, access)
        if report.mode == "hybrid":
            prepare_cross_encoder()  # exported once a machine: then no question waits for it
        return report

    def watch(self, folder: Path, interval: float = 1.0) -> Iterator[SyncReport]:
        """A SyncReport after each burst of changes in `folder`; runs until interrupted."""
        return watch_folder(self.build(folder=Path(folder)), interval)

    def add(self, documents: list[Document], readers: tuple[str, ...] = ()) -> SyncReport:
        """Add (or replace, by doc_id) these documents and keep every other one; with `readers` (groups), only
        their members may read the new documents (an access rule each)."""
        report = update_index(self.build(), documents, lambda _: True)
        if readers:
            added = [Rule(glob.escape(d.doc_id), readers) for d in documents]
            kept = [r for r in load_rules(self.index_dir) if r.path not in {a.path for a in added}]
            save_rules(self.index_dir, (*kept, *added))
        return report

    def remove(self, doc_ids: set[str]) -> SyncReport:
        """Drop these documents from the index and keep every other one."""
        return update_index(self.build(), [], lambda d: d not in doc_ids)

    def upload(self, paths: list[Path], max_bytes: int = MAX_UPLOAD_BYTES,
               on_read: Callable[[int, str], None] = lambda i, name: None,
               reader: Reader | None = None) -> list[Upload]:  # fmt: skip
        """Add the files as `uploads/NAME` in one index update; one Upload per file, in order. An upload by a
        `reader` is compared with the documents they may read only, and joins their first group."""
        index = self.index
        allowed = self.visible(reader, index)
        known = {h: d for d, h in index.manifest.documents.items() if allowed is None or d in allowed}
        read = read_uploads(paths, known, max_bytes, on_read)
        if not read.fresh:
            return read.rows
        try:
            report = self.add([d for _, d in read.fresh], reader.groups[:1] if reader is not None else ())
        except QAError as exc:
            return read.rejected(str(exc))
        index = self.index
        return read.added(report.updated, lambda doc_id: len(index.rows_of({doc_id})))  # no walk over every chunk
