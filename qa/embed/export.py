"""Exporting the model to ONNX once, offline, into a cache outside the package: the transformer in fp32 (and an
int8 copy by ONNX Runtime's dynamic per-channel quantization), or with the cross-encoder's deltas merged in.

Only this module needs torch and transformers, and only the first time: afterwards each file is read from the
cache, its SHA-256 checked against the `.sha256` written beside it (qa.embed.onnx). The weights are stored apart
from the graph (`NAME.onnx.data`), so ONNX Runtime maps them from the file rather than copying them: a session
holds about 80 MB less, and the word-embedding rows no question uses are never read.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

from qa.embed.encoders import model_cache_dir, set_offline_env
from qa.records import ModelUnavailable

EXPORT_FORMAT = "onnx-v3"  # part of the cache key: change it when the export changes
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _fingerprint(model_path: str, extra: str = "") -> str:
    """A short hash of the model folder's files (names, sizes, mtimes), the export format and `extra`."""
    digest = hashlib.sha256(f"{EXPORT_FORMAT}\0{Path(model_path).resolve()}\0{extra}".encode())
    for path in sorted(Path(model_path).rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:16]


def _record(path: Path) -> None:
    """Write the file's SHA-256 beside it (`NAME.sha256`), whole."""
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    staged = path.with_suffix(path.suffix + ".sha256.tmp")
    staged.write_text(digest + "\n", encoding="ascii")
    os.replace(staged, f"{path}.sha256")


def _weights_apart(path: Path) -> None:
    """Rewrite an ONNX file with its weights in `NAME.data` beside it (what ONNX Runtime maps from disk)."""
    import onnx

    model = onnx.load(str(path))
    path.unlink()
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=f"{path.name}.data", size_threshold=1024)  # fmt: skip


def _to_onnx(model, sample: dict, target: Path) -> None:
    """Export a transformer (last hidden state out) with batch and token axes free."""
    import torch

    names = [n for n in INPUTS if n in sample]

    class Hidden(torch.nn.Module):
        def __init__(self, transformer):
            super().__init__()
            self.transformer = transformer

        def forward(self, *inputs):
            return self.transformer(**dict(zip(names, inputs))).last_hidden_state

    axes = {n: {0: "batch", 1: "tokens"} for n in (*names, "token_embeddings")}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Hidden(model.eval()), tuple(sample[n] for n in names), str(target), input_names=names,
                          output_names=["token_embeddings"], dynamic_axes=axes, opset_version=17,
                          dynamo=False)  # fmt: skip


def _quantized(fp32: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level, root.level = root.level, logging.ERROR  # the quantizer logs a pre-processing hint at WARNING
    try:
        quantize_dynamic(str(fp32), str(target), per_channel=True, weight_type=QuantType.QInt8,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})  # fmt: skip
    finally:
        root.level = level


def _export(model_path: str, target: Path, prepare: Callable | None) -> None:
    """Export the model (changed by `prepare(model)` first, if given) to `target`, its checksum beside it."""
    set_offline_env()
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(model_path)
    if prepare is not None:
        prepare(model)
    sample = dict(AutoTokenizer.from_pretrained(model_path)(["an example", "another one"], padding=True,
                                                              return_tensors="pt"))  # fmt: skip
    _staged(target, lambda staged: _to_onnx(model, sample, staged))


def _staged(target: Path, write: Callable[[Path], None]) -> None:
    """Write `target` (by `write(path)`), its weights apart and their checksums in a temporary folder beside it,
    then move them in, the graph last: it is only used with its weights and checksums beside it."""
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        staged = Path(tmp) / target.name
        write(staged)
        _weights_apart(staged)
        for part in (staged, Path(f"{staged}.data")):
            _record(part)
        for name in (f"{target.name}.data", f"{target.name}.data.sha256", f"{target.name}.sha256", target.name):
            os.replace(Path(tmp) / name, target.parent / name)


def _ready(path: Path) -> bool:
    return all(Path(f"{path}{end}").is_file() for end in ("", ".sha256", ".data", ".data.sha256"))


def exported(model_path: str, variant: str, weights: Path | None = None, prepare: Callable | None = None) -> Path:
    """The cached ONNX file of the model in `variant` ("fp32" or "int8"), exported on first use (int8: quantized
    from the fp32 file). With `weights` (whose contents key the cache) and `prepare(model)`, the model as `prepare`
    changes it (deltas merged)."""
    from filelock import FileLock

    extra = hashlib.sha256(weights.read_bytes()).hexdigest()[:16] if weights is not None else ""
    folder = model_cache_dir() / f"{Path(model_path).name}-{_fingerprint(model_path, extra)}"
    prefix = "cross-model" if weights is not None else "model"
    fp32, target = folder / f"{prefix}-fp32.onnx", folder / f"{prefix}-{variant}.onnx"
    if _ready(target):
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with FileLock(str(folder / ".export.lock")):
            if not _ready(fp32):
                _export(model_path, fp32, prepare)
            if not _ready(target):
                _staged(target, lambda staged: _quantized(fp32, staged))
    except ModelUnavailable:
        raise
    except Exception as exc:  # no torch, a model it cannot export, a full disk: the torch path serves instead
        raise ModelUnavailable(f"cannot export {Path(model_path).name} to ONNX ({type(exc).__name__}: {exc})") from None
    return target
