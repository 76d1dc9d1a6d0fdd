"""Sentence embeddings: the packaged model on ONNX Runtime, another through sentence-transformers (qa.embed.models),
loaded lazily, offline, once a process."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

import numpy as np

from qa.embed.encoders import FP32, TORCH_FP32, encoder_name, runtime
from qa.embed.models import DEFAULT_MODEL, Loaded, load_model
from qa.embed.onnx import mean_pooled

MODEL_ENV = "QA_MODEL"
TOKEN_BATCH = 8  # texts a run when token vectors are kept: the answerer's few sentences, in a quarter the memory


def model_name(requested: str | None = None) -> str:
    """The model to use: the argument, else $QA_MODEL, else the packaged MiniLM."""
    return requested or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


class Embedder:
    """Encodes texts to L2-normalized float32 vectors; the model loads on first use (once a process).

    `encoder` picks the variant (qa.embed.encoders); by default ONNX fp32 for the packaged model (where ONNX Runtime
    is installed), torch fp32 for another.
    """

    def __init__(self, name: str | None = None, batch_size: int = 32, encoder: str | None = None,
                 loaded: Loaded | None = None):  # fmt: skip
        self.name = model_name(name)
        packaged = self.name == DEFAULT_MODEL
        self.encoder = encoder_name(encoder, packaged) if encoder else runtime(TORCH_FP32, packaged)
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
        """The SentenceTransformer of a torch variant (None on ONNX Runtime)."""
        return self.loaded.model

    @property
    def dimension(self) -> int:
        return self.loaded.dimension

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Normalized embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        loaded = self.loaded
        if loaded.onnx is not None:
            return self._onnx_pass(texts, progress, tokens=False)[0]
        with loaded.lock:
            vectors = loaded.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                          convert_to_numpy=True, show_progress_bar=progress)  # fmt: skip
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_with_tokens(
        self, texts: list[str], progress: bool = False
    ) -> tuple[np.ndarray, list[TokenVectors]] | None:
        """Sentence embeddings and token embeddings from one pass; None if the tokenizer gives no offsets."""
        loaded = self.loaded
        if not texts:
            return None
        if loaded.onnx is not None:
            return self._onnx_pass(texts, progress, tokens=True)
        model = loaded.model
        if not getattr(model.tokenizer, "is_fast", False):
            return None
        with loaded.lock:
            outputs = model.encode(texts, batch_size=self.batch_size, output_value=None, show_progress_bar=progress)
            encoded = model.tokenizer(texts, truncation=True, max_length=model.max_seq_length,
                                      return_offsets_mapping=True, return_special_tokens_mask=True)  # fmt: skip
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

        model = self.loaded.onnx
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        sentences = np.zeros((len(texts), self.dimension), dtype=np.float32)
        token_vectors: list = [None] * len(texts)
        size = min(self.batch_size, TOKEN_BATCH) if tokens else self.batch_size
        for start in tqdm(range(0, len(texts), size), desc="Batches", disable=not progress, leave=False):
            rows = order[start : start + size]
            batch = model.tokenize([texts[i] for i in rows])
            hidden = model.run(batch)
            sentences[rows] = mean_pooled(hidden, batch.mask)
            for j, i in enumerate(rows) if tokens else ():
                token_vectors[i] = _kept_tokens(hidden[j], int(batch.mask[j].sum()), batch.offsets[j], batch.special[j])
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
    """Embedder's keyword arguments for an encoder variant (none: the default)."""
    return {} if encoder is None else {"encoder": encoder}


def cache_name(model: str, encoder: str = TORCH_FP32) -> str:
    """The name cached vectors are keyed by: the model's, plus the encoder variant unless it is fp32 (torch's and
    ONNX Runtime's fp32 vectors are the same to rounding, so they share cached vectors)."""
    return model if encoder in FP32 else f"{model}#{encoder}"


def text_key(model: str, text: str) -> str:
    """A cache key for one text's embedding under one model."""
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()[:32]
