"""Encoder variants of the embedding model: plain torch fp32, or an int8 ONNX Runtime copy exported once, offline.

The int8 copy is made from the loaded model's own weights (`torch.onnx.export`, then ONNX Runtime's dynamic
per-channel quantization, which uses VNNI/AVX-512 where the CPU has them) into a cache folder outside the
package and the repository, and reused afterwards; nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

from qa.records import InputError, ModelUnavailable

TORCH_FP32 = "torch-fp32"
ONNX_INT8 = "onnx-int8"
ENCODERS = (TORCH_FP32, ONNX_INT8)
DEFAULT_ENCODER = TORCH_FP32  # see README: the int8 speed-up and SciFact nDCG decide this
ENCODER_ENV = "QA_ENCODER"
MODEL_CACHE_ENV = "QA_MODEL_CACHE"
EXPORT_FORMAT = "int8-dynamic-per-channel-v1"  # part of the cache key: change it when the export changes
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def encoder_name(requested: str | None = None) -> str:
    """The encoder variant to use: the argument, else $QA_ENCODER, else the default; checked."""
    name = requested or os.environ.get(ENCODER_ENV) or DEFAULT_ENCODER
    if name not in ENCODERS:
        raise InputError(f"unknown encoder {name!r}; choose one of: {', '.join(ENCODERS)}")
    if name == ONNX_INT8:
        require_onnx()
    return name


def require_onnx() -> None:
    """Say how to install ONNX Runtime when the int8 encoder is asked for without it (an option, not a fallback)."""
    import importlib.util

    if importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("onnx") is None:
        raise InputError(f"the {ONNX_INT8} encoder needs ONNX Runtime: pip install 'qa[onnx]' (onnxruntime, onnx)")


def model_cache_dir() -> Path:
    """Where exported model copies live: $QA_MODEL_CACHE, else $XDG_CACHE_HOME/qa/models, else ~/.cache/qa/models."""
    if os.environ.get(MODEL_CACHE_ENV):
        return Path(os.environ[MODEL_CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "qa" / "models"


def _fingerprint(model_path: str) -> str:
    """A short hash of the model folder's files (names, sizes, mtimes) and the export format."""
    digest = hashlib.sha256(f"{EXPORT_FORMAT}\0{Path(model_path).resolve()}".encode())
    for path in sorted(Path(model_path).rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:16]


def _check_mean_pooled(model) -> None:
    modules = [type(m).__name__ for m in model]
    mode = getattr(model[1], "pooling_mode", None) if len(modules) > 1 else None
    if modules[:2] != ["Transformer", "Pooling"] or mode not in ("mean", ["mean"]) or len(modules) > 3:
        raise ModelUnavailable(f"the {ONNX_INT8} encoder supports mean-pooled models only, not {'+'.join(modules)}")


def _export(model, target: Path) -> None:
    """Export the transformer to ONNX and quantize it to int8 at `target` (written whole, then renamed)."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    sample = model.tokenizer(["an example sentence", "another"], padding=True, return_tensors="pt")
    names = [n for n in INPUTS if n in sample]

    class Hidden(torch.nn.Module):
        def __init__(self, transformer):
            super().__init__()
            self.transformer = transformer

        def forward(self, *inputs):
            return self.transformer(**dict(zip(names, inputs))).last_hidden_state

    axes = {n: {0: "batch", 1: "tokens"} for n in (*names, "token_embeddings")}
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fp32 = Path(tmp) / "model.onnx"
        with torch.no_grad():
            torch.onnx.export(Hidden(model[0].auto_model.eval()), tuple(sample[n] for n in names), str(fp32),
                              input_names=names, output_names=["token_embeddings"], dynamic_axes=axes,
                              opset_version=17, dynamo=False)  # fmt: skip
        quantized = Path(tmp) / "model-int8.onnx"
        root = logging.getLogger()
        level, root.level = root.level, logging.ERROR  # the quantizer logs a pre-processing hint at WARNING
        try:
            quantize_dynamic(str(fp32), str(quantized), per_channel=True, weight_type=QuantType.QInt8,
                             extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})  # fmt: skip
        finally:
            root.level = level
        os.replace(quantized, target)


def int8_model_file(model, model_path: str) -> Path:
    """The int8 ONNX copy of `model` (loaded from `model_path`), exported on first use and reused after."""
    from filelock import FileLock

    _check_mean_pooled(model)
    target = model_cache_dir() / f"{Path(model_path).name}-{_fingerprint(model_path)}" / "model-int8.onnx"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target.parent / ".export.lock")):
        if not target.is_file():
            _export(model, target)
    return target


class OnnxTransformer:
    """The transformer part of a mean-pooled model, run by ONNX Runtime; gives token embeddings."""

    def __init__(self, path: Path, tokenizer, max_length: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        threads = int(os.environ.get("OMP_NUM_THREADS") or 0)  # as torch is told; 0 lets ONNX Runtime choose
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        options.log_severity_level = 3
        options.enable_mem_pattern = False  # shapes change every batch: cached plans cost ~350 MB (SciFact), no speed
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.tokenizer, self.max_length = tokenizer, max_length

    def run(self, texts: list[str], offsets: bool = False) -> tuple[np.ndarray, dict]:
        """Token embeddings (batch, tokens, dim) of the texts and their tokenization (padded)."""
        encoded = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length,
                                 return_tensors="np", return_offsets_mapping=offsets,
                                 return_special_tokens_mask=offsets)  # fmt: skip
        feed = {name: encoded[name].astype(np.int64) for name in self.inputs}
        return self.session.run(None, feed)[0], encoded


def mean_pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the unmasked token embeddings, L2-normalized, as the model's Pooling and Normalize modules do."""
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
