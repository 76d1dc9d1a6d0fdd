"""The packaged model run by ONNX Runtime, its text split by the `tokenizers` library: no torch, no transformers.

A session reads an exported file (qa.embed.export) once its SHA-256 matches the one recorded when it was
written; the tokenizer is the model's own `tokenizer.json`, truncated and padded as sentence-transformers does.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.records import ModelUnavailable


@dataclass(frozen=True)
class Batch:
    """A tokenized batch, padded: ids, attention mask, token types, and each token's character span and whether it
    is a special token (for token vectors) or which sequence of a pair it is in."""

    ids: np.ndarray
    mask: np.ndarray
    types: np.ndarray
    offsets: list[list[tuple[int, int]]]
    special: list[list[int]]
    sequences: list[list[int | None]]


def max_length(model_path: str) -> int:
    """The model's max_seq_length (sentence_bert_config.json), else its tokenizer's, capped at 512."""
    for name, key in (("sentence_bert_config.json", "max_seq_length"), ("tokenizer_config.json", "model_max_length")):
        path = Path(model_path) / name
        if path.is_file():
            value = json.loads(path.read_text(encoding="utf-8")).get(key)
            if isinstance(value, int) and value > 0:
                return min(value, 512)
    return 512


def is_mean_pooled(model_path: str) -> bool:
    """Whether the model is a transformer, mean pooling and at most a normalization (what the ONNX path computes)."""
    path = Path(model_path)
    try:
        modules = [m["type"].rsplit(".", 1)[-1] for m in json.loads((path / "modules.json").read_text("utf-8"))]
        pooling = json.loads((path / "1_Pooling" / "config.json").read_text("utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return False
    others = ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens")
    mean = pooling.get("pooling_mode_mean_tokens") and not any(pooling.get(k) for k in others)
    return modules[:2] == ["Transformer", "Pooling"] and set(modules[2:]) <= {"Normalize"} and bool(mean)


def _check_one(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        recorded = Path(f"{path}.sha256").read_text(encoding="ascii").strip()
    except OSError as exc:
        raise ModelUnavailable(f"cannot read the exported model {path} ({exc.strerror or exc})") from None
    if digest != recorded:
        raise ModelUnavailable(f"the exported model {path} is damaged (checksum mismatch); delete it to export again")


def checked(path: Path) -> Path:
    """The exported graph, if its SHA-256 and its weights' (`NAME.data`) are the ones recorded beside them;
    ModelUnavailable otherwise."""
    for part in (path, Path(f"{path}.data")):
        _check_one(part)
    return path


_THREADS = {"per_run": None}


def set_threads_per_run(count: int | None) -> None:
    """Cores one run may use, for sessions made from now on (None: every core; a server answering several
    questions at once uses 1, so that two questions run side by side rather than fight over both cores)."""
    _THREADS["per_run"] = count


def threads_per_run() -> int:
    """$QA_ONNX_THREADS or $OMP_NUM_THREADS if set, else what set_threads_per_run chose, else 0 (every core)."""
    given = os.environ.get("QA_ONNX_THREADS") or os.environ.get("OMP_NUM_THREADS")
    return int(given) if given and given.isdigit() else _THREADS["per_run"] or 0


def one_question_a_core() -> None:
    """For a server answering questions side by side, one a core: each model run, BLAS call and FAISS search of a
    question takes one core rather than asking for all of them (qa bench --serve measures). For the models this
    process loads from now on."""
    from threadpoolctl import threadpool_limits

    set_threads_per_run(1)
    threadpool_limits(1)


class OnnxModel:
    """A transformer exported to ONNX (token embeddings out) with its tokenizer. Thread-safe: ONNX Runtime runs
    concurrent calls; each thread tokenizes with its own tokenizer copy."""

    def __init__(self, path: Path, model_path: str, truncate: int | None = None):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads_per_run(), 1
        # threads that spin while waiting for the next run take the core the Python half of a question needs:
        # without spinning, 60 questions one after the other ran 1.5x as fast here (qa bench --serve measures)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        options.enable_mem_pattern = False  # shapes change every batch: cached plans cost memory, no speed
        self.session = ort.InferenceSession(str(checked(path)), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        self._json = (Path(model_path) / "tokenizer.json").read_text(encoding="utf-8")
        self.max_length = truncate or max_length(model_path)
        self._local = threading.local()  # a tokenizer is not shared between threads (17 ms to make a copy)

    def _tokenizer_for(self, pairs: bool):
        from tokenizers import Tokenizer

        made = self._local.__dict__.setdefault("tokenizers", {})
        if pairs not in made:
            tokenizer = Tokenizer.from_str(self._json)
            tokenizer.enable_truncation(self.max_length, strategy="only_second" if pairs else "longest_first")
            tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]") or 0, pad_token="[PAD]")
            made[pairs] = tokenizer
        return made[pairs]

    def tokenize(self, texts: list) -> Batch:
        """Tokenize texts, or (first, second) pairs, as the model's own tokenizer does."""
        pairs = bool(texts) and isinstance(texts[0], tuple)
        encodings = self._tokenizer_for(pairs).encode_batch(texts)
        return Batch(
            np.array([e.ids for e in encodings], np.int64),
            np.array([e.attention_mask for e in encodings], np.int64),
            np.array([e.type_ids for e in encodings], np.int64),
            [e.offsets for e in encodings],
            [e.special_tokens_mask for e in encodings],
            [e.sequence_ids for e in encodings],
        )

    def run(self, batch: Batch) -> np.ndarray:
        """Token embeddings (batch, tokens, dimension) of a tokenized batch."""
        feed = {"input_ids": batch.ids, "attention_mask": batch.mask, "token_type_ids": batch.types}
        return self.session.run(None, {name: feed[name] for name in self.inputs})[0]


def mean_pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the unmasked token embeddings, L2-normalized, as the model's Pooling and Normalize modules do."""
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
