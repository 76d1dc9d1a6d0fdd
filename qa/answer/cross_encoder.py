"""A cross-encoder that reads the question and a candidate sentence together, on the packaged MiniLM.

Input: "[CLS] question [SEP] sentence before [SEP] candidate [SEP]" (the sentence before as the first
segment's tail, since answers often start "He ..."). A relevance logit comes from [CLS], start/end logits
over the candidate's tokens give the exact phrase. The weights in qa/answer/weights/crossencoder.npz are low-rank
(LoRA) deltas to MiniLM's linear layers plus the two heads, trained by `python -m qa.measure.train` on
SQuAD dev's even articles; at load time W += B @ A is applied to a private copy of the packaged model
(no peft needed). Missing weights or an unloadable model: `load_cross_encoder` returns None.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from qa.answer.scoring import Reading
from qa.embed.embedder import resolve_model_path, set_offline_env

WEIGHTS = Path(__file__).parent / "weights" / "crossencoder.npz"
MAX_TOKENS = 128
BEFORE_WORDS = 24  # the tail of the sentence before that is read with the candidate
MAX_PHRASE = 12  # tokens in an exact answer phrase
SETTINGS = ("mix", "floor", "top", "margin", "short_confidence")  # chosen on held-out questions, saved with weights


def rereads(hand_scores: list[float], top: int, margin: float) -> int:
    """How many of the hand order's first candidates to re-read: at most `top`, the first always, the others
    only while their hand score is within `margin` of the first's (a clear hand pick costs one read)."""
    count = 1 if hand_scores else 0
    while count < min(top, len(hand_scores)) and hand_scores[0] - hand_scores[count] <= margin:
        count += 1
    return count


def first_segment(question: str, before: str) -> str:
    """The question and the tail of the sentence before, separated by [SEP]."""
    tail = " ".join(before.split()[-BEFORE_WORDS:])
    return f"{' '.join(question.split()[:40])} [SEP] {tail}"


def encode_pairs(tokenizer, question: str, pairs: list[tuple[str, str]]):
    """A padded batch for (before, sentence) pairs, and each token's sentence offsets (None outside it)."""
    batch = tokenizer([first_segment(question, b) for b, _ in pairs], [s for _, s in pairs], padding=True,
                      truncation="only_second", max_length=MAX_TOKENS, return_offsets_mapping=True,
                      return_tensors="pt")  # fmt: skip
    offsets = batch.pop("offset_mapping").tolist()
    inside = [[(a, b) if t == 1 and b > a else None for (a, b), t in zip(row, types)]
              for row, types in zip(offsets, batch["token_type_ids"].tolist())]  # fmt: skip
    return batch, inside


def best_phrase(start_logits: np.ndarray, end_logits: np.ndarray, spans: list) -> tuple[int, int, float]:
    """The likeliest (start, end) character span over the sentence's tokens and its probability."""
    rows = [i for i, s in enumerate(spans) if s is not None]
    if not rows:
        return 0, 0, 0.0
    s, e = start_logits[rows], end_logits[rows]
    s, e = s - np.logaddexp.reduce(s), e - np.logaddexp.reduce(e)
    pair = s[:, None] + e[None, :]
    n = len(rows)
    allowed = np.triu(np.ones((n, n), bool)) & ~np.triu(np.ones((n, n), bool), MAX_PHRASE)
    pair = np.where(allowed, pair, -np.inf)
    i, j = divmod(int(pair.argmax()), n)
    return spans[rows[i]][0], spans[rows[j]][1], float(np.exp(pair[i, j]))


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


class CrossEncoder:
    """The adapted MiniLM with its relevance and span heads; `read` scores candidates. Thread-safe (locked)."""

    def __init__(self, weights: Path = WEIGHTS, model_path: str | None = None):

        set_offline_env()
        import torch
        from transformers import AutoModel, AutoTokenizer

        with np.load(weights, allow_pickle=False) as data:
            params = {k: data[k].astype(np.float32) for k in data.files}
        path = model_path or resolve_model_path("sentence-transformers/all-MiniLM-L6-v2")
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path).eval()
        apply_deltas(self.model, params)
        self.rank_w, self.rank_b = torch.from_numpy(params["rank_w"]), torch.from_numpy(params["rank_b"])
        self.span_w, self.span_b = torch.from_numpy(params["span_w"]), torch.from_numpy(params["span_b"])
        self.settings = {k: float(params[k][0]) for k in SETTINGS if k in params}
        self._lock = threading.Lock()

    def score(self, question: str, pairs: list[tuple[str, str]]) -> list[Reading]:
        """A Reading per (sentence before, sentence) pair, in order: the logit and the likeliest phrase."""
        import torch

        if not pairs:
            return []
        with self._lock, torch.inference_mode():
            batch, inside = encode_pairs(self.tokenizer, question, pairs)
            hidden = self.model(**batch).last_hidden_state
            logits = (hidden[:, 0] @ self.rank_w + self.rank_b).numpy()
            spans = (hidden @ self.span_w + self.span_b).numpy()
        out = []
        for n, spans_of in enumerate(inside):
            start, end, confidence = best_phrase(spans[n, :, 0], spans[n, :, 1], spans_of)
            out.append(Reading(float(logits[n]), start, end, confidence))
        return out


_cache: dict[str, CrossEncoder | None] = {}
_load_lock = threading.Lock()


def load_cross_encoder(weights: Path = WEIGHTS) -> CrossEncoder | None:
    """The shipped cross-encoder, loaded once; None if its weights are missing or the model cannot load."""
    key = str(weights)
    with _load_lock:
        if key not in _cache:
            try:
                _cache[key] = CrossEncoder(weights) if weights.is_file() else None
            except Exception:  # any load failure means: answer as before
                _cache[key] = None
        return _cache[key]
