"""What runs the cross-encoder's transformer: ONNX Runtime (the LoRA deltas merged into an exported copy, cached
once; qa.embed.export) or torch (training, or no ONNX Runtime). Both give the last hidden states of a batch of
(question and sentence before, candidate) pairs and each token's span in the candidate (None outside it)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from qa.embed.encoders import has_onnx, set_offline_env
from qa.embed.export import exported
from qa.embed.onnx import OnnxModel

MAX_TOKENS = 128
BEFORE_WORDS = 24  # the tail of the sentence before that is read with the candidate


def first_segment(question: str, before: str) -> str:
    """The question and the tail of the sentence before, separated by [SEP]."""
    tail = " ".join(before.split()[-BEFORE_WORDS:])
    return f"{' '.join(question.split()[:40])} [SEP] {tail}"


def candidate_spans(offsets: list, types: list) -> list:
    """Each token's character span in the candidate (the second segment), None for every other token."""
    return [(a, b) if t == 1 and b > a else None for (a, b), t in zip(offsets, types)]


def encode_pairs(tokenizer, question: str, pairs: list[tuple[str, str]]):
    """A padded torch batch for (before, sentence) pairs, and each token's candidate span (training, torch)."""
    batch = tokenizer([first_segment(question, b) for b, _ in pairs], [s for _, s in pairs], padding=True,
                      truncation="only_second", max_length=MAX_TOKENS, return_offsets_mapping=True,
                      return_tensors="pt")  # fmt: skip
    offsets = batch.pop("offset_mapping").tolist()
    return batch, [candidate_spans(o, t) for o, t in zip(offsets, batch["token_type_ids"].tolist())]


def apply_deltas(model, params: dict) -> None:
    """Add each saved low-rank delta (scale * B @ A) to the weight of the linear layer it names."""
    import torch

    layers = dict(model.named_modules())
    scale = float(params["lora_scale"][0])
    with torch.no_grad():
        for key in params:
            if key.endswith(".lora_A"):
                name = key[: -len(".lora_A")]
                delta = torch.from_numpy(params[f"{name}.lora_B"] @ params[key]) * scale
                layers[name].weight += delta


class TorchReader:
    """The packaged MiniLM on torch with the deltas added to a private copy. Thread-safe (locked)."""

    def __init__(self, model_path: str, params: dict):
        set_offline_env()
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(model_path)
        self.model = AutoModel.from_pretrained(model_path).eval()
        apply_deltas(self.model, params)
        self._lock = threading.Lock()

    def hidden(self, question: str, pairs: list[tuple[str, str]]) -> tuple[np.ndarray, list]:
        import torch

        with self._lock, torch.inference_mode():
            batch, inside = encode_pairs(self.tokenizer, question, pairs)
            return self.model(**batch).last_hidden_state.numpy(), inside


def onnx_export(model_path: str, weights: Path, params: dict) -> Path:
    """The cached ONNX file of the model with the deltas merged, exported now if there is none."""
    return exported(model_path, "fp32", weights, prepare=lambda model: apply_deltas(model, params))


class OnnxReader:
    """The same model exported with the deltas merged, on ONNX Runtime: no torch once exported. Thread-safe."""

    def __init__(self, model_path: str, weights: Path, params: dict):
        self.model = OnnxModel(onnx_export(model_path, weights, params), model_path, truncate=MAX_TOKENS)

    def hidden(self, question: str, pairs: list[tuple[str, str]]) -> tuple[np.ndarray, list]:
        batch = self.model.tokenize([(first_segment(question, b), s) for b, s in pairs])
        inside = [candidate_spans(o, t) for o, t in zip(batch.offsets, batch.types.tolist())]
        return self.model.run(batch), inside


def make_reader(model_path: str, weights: Path, params: dict, runtime: str | None = None):
    """An OnnxReader where ONNX Runtime is installed (or `runtime` is "onnx"), else a TorchReader."""
    if (runtime or ("onnx" if has_onnx() else "torch")) == "onnx":
        return OnnxReader(model_path, weights, params)
    return TorchReader(model_path, params)
