"""A cross-encoder that reads the question and a candidate sentence together, on the packaged MiniLM.

Input: "[CLS] question [SEP] sentence before [SEP] candidate [SEP]" (the sentence before as the first
segment's tail, since answers often start "He ..."). A relevance logit comes from [CLS], start/end logits
over the candidate's tokens give the exact phrase. The weights in qa/answer/weights/crossencoder.npz are low-rank
(LoRA) deltas to MiniLM's linear layers plus the two heads, trained by `python -m qa.measure.train` on
SQuAD dev's even articles; W += B @ A is applied to a copy of the packaged model, exported to ONNX once and cached
(qa.answer.cross_readers; no torch to answer, no peft ever). Missing weights or an unloadable model:
`load_cross_encoder` returns None.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from qa.answer.cross_readers import make_reader, onnx_export
from qa.answer.scoring import Reading
from qa.embed.encoders import has_onnx
from qa.embed.models import DEFAULT_MODEL, resolve_model_path

WEIGHTS = Path(__file__).parent / "weights" / "crossencoder.npz"
MAX_PHRASE = 12  # tokens in an exact answer phrase
SETTINGS = ("mix", "floor", "top", "margin", "short_confidence")  # chosen on held-out questions, saved with weights


def rereads(hand_scores: list[float], top: int, margin: float) -> int:
    """How many of the hand order's first candidates to re-read: at most `top`, the first always, the others
    only while their hand score is within `margin` of the first's (a clear hand pick costs one read)."""
    count = 1 if hand_scores else 0
    while count < min(top, len(hand_scores)) and hand_scores[0] - hand_scores[count] <= margin:
        count += 1
    return count


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


def _params(weights: Path) -> dict[str, np.ndarray]:
    with np.load(weights, allow_pickle=False) as data:
        return {k: data[k].astype(np.float32) for k in data.files}


class CrossEncoder:
    """The adapted MiniLM with its relevance and span heads; `score` reads candidates. Thread-safe.

    `runtime`: "onnx" or "torch" (default: ONNX Runtime where installed); the heads run in numpy either way."""

    def __init__(self, weights: Path = WEIGHTS, model_path: str | None = None, runtime: str | None = None):
        params = _params(weights)
        path = model_path or resolve_model_path(DEFAULT_MODEL)
        self.reader = make_reader(path, Path(weights), params, runtime)
        self.rank_w, self.rank_b = params["rank_w"], params["rank_b"]
        self.span_w, self.span_b = params["span_w"], params["span_b"]
        self.settings = {k: float(params[k][0]) for k in SETTINGS if k in params}

    def score(self, question: str, pairs: list[tuple[str, str]]) -> list[Reading]:
        """A Reading per (sentence before, sentence) pair, in order: the logit and the likeliest phrase."""
        if not pairs:
            return []
        hidden, inside = self.reader.hidden(question, pairs)
        logits = hidden[:, 0] @ self.rank_w + self.rank_b
        spans = hidden @ self.span_w + self.span_b
        out = []
        for n, spans_of in enumerate(inside):
            start, end, confidence = best_phrase(spans[n, :, 0], spans[n, :, 1], spans_of)
            out.append(Reading(float(logits[n].item()), start, end, confidence))
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


def prepare_cross_encoder(weights: Path = WEIGHTS) -> None:
    """Export the shipped cross-encoder for ONNX Runtime now if it is not yet (seconds, once a machine), so that
    the first question does not pay for it; a failure here is the question's to report (it falls back)."""
    if not weights.is_file() or not has_onnx():
        return
    try:
        onnx_export(resolve_model_path(DEFAULT_MODEL), weights, _params(weights))
    except Exception:  # noqa: BLE001 - any failure means: the answer loads the cross-encoder as it can
        return
