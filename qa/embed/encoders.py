"""Encoder variants of the embedding model: ONNX Runtime fp32 or int8 (exported once, offline; qa.embed.export), or
the model run by torch through sentence-transformers.

The packaged model runs on ONNX Runtime, so answering a question imports neither torch nor transformers; another
model, or a machine without ONNX Runtime, runs on torch. The fp32 variants compute the same vectors (to rounding:
cosine 1 - 1e-7), so an index built by one is queried and synced by the other; int8 vectors are other vectors,
and an index built with them refuses fp32 ones (and the reverse) with the rebuild command.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from qa.records import InputError

TORCH_FP32 = "torch-fp32"
ONNX_FP32 = "onnx-fp32"
ONNX_INT8 = "onnx-int8"
ENCODERS = (ONNX_FP32, ONNX_INT8, TORCH_FP32)
ENCODER_ENV = "QA_ENCODER"
MODEL_CACHE_ENV = "QA_MODEL_CACHE"
FP32 = frozenset({TORCH_FP32, ONNX_FP32})  # the same vectors, to rounding
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


def has_onnx() -> bool:
    """Whether ONNX Runtime and the tokenizers library can run the model without torch."""
    return importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("tokenizers") is not None


def default_encoder(packaged: bool = True) -> str:
    """$QA_ENCODER, else ONNX fp32 for the packaged model where ONNX Runtime is installed, else torch fp32."""
    return os.environ.get(ENCODER_ENV) or (ONNX_FP32 if packaged and has_onnx() else TORCH_FP32)


def encoder_name(requested: str | None = None, packaged: bool = True) -> str:
    """The encoder variant to use: the argument, else the default; checked."""
    name = requested or default_encoder(packaged)
    if name not in ENCODERS:
        raise InputError(f"unknown encoder {name!r}; choose one of: {', '.join(ENCODERS)}")
    if name != TORCH_FP32 and not has_onnx():
        raise InputError(f"the {name} encoder needs ONNX Runtime: pip install 'qa[onnx]' (onnxruntime, tokenizers)")
    return name


def same_vectors(a: str, b: str) -> bool:
    """Whether two encoder variants make the same vectors (fp32 by torch or by ONNX Runtime), so they mix."""
    return a == b or (a in FP32 and b in FP32)


def runtime(built: str, packaged: bool = True) -> str:
    """The variant to run for an index built with `built`: ONNX fp32 for a torch fp32 index where it can."""
    return ONNX_FP32 if built == TORCH_FP32 and packaged and has_onnx() else built


def model_cache_dir() -> Path:
    """Where exported model copies live: $QA_MODEL_CACHE, else $XDG_CACHE_HOME/qa/models, else ~/.cache/qa/models."""
    if os.environ.get(MODEL_CACHE_ENV):
        return Path(os.environ[MODEL_CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "qa" / "models"
