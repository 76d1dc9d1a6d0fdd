"""`python -m qa.measure.train FILE`: fit the cross-encoder on SQuAD dev's even articles and print its figures.

The even questions are mined once (qa.measure.train.mine, cached under .cache); the first 85% train the
LoRA adapters and heads for a fixed number of steps (`--paraphrase` adds them reworded by an apertium
round trip; `--soup` averages finished weight files instead of fitting), the last 15% (later articles)
choose how many of the hand order's candidates it re-ranks (at most, and how close to the first's hand
score), the mix with the hand score and the phrase confidence, and give the figures printed. The decline
floor is passed in (`--floor`: chosen on the even slice and the seeds).
"""

from __future__ import annotations

import json
import math
import pickle
import time
from pathlib import Path

import numpy as np

from qa.answer.cross_encoder import WEIGHTS, CrossEncoder, rereads
from qa.answer.scoring import probability
from qa.lang.translation import available, reason
from qa.measure.train.fit_cross import SPAN_WEIGHT, Recipe, export, fit_adapters, soup, truncated
from qa.measure.train.mine import ceiling, choose, mine_texts, paraphrased, read_all, span_figures

MAX_TOP = 3  # candidates re-read at most (three re-read on every question took p50 ~105 ms here, target ≤ 100)
MARGINS = (math.inf, 2.0, 1.5, 1.0, 0.75, 0.5)  # re-read a candidate only this close to the first's hand score
FLOOR = 0.005  # decline when no re-ranked candidate gets this probability (even slice + seeds, see qa/weights)


def _save(arrays: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as handle:  # np.savez would add ".npz" to a name without it
        np.savez(handle, **{k: v.astype(np.float16 if v.size > 1000 else np.float32) for k, v in arrays.items()})


def _settings(values: dict) -> dict:
    return {k: np.array([v], np.float32) for k, v in values.items()}


def _short_confidence(held: list, reads: list, top: int, mix: float, margin: float) -> tuple[float, dict]:

    options = {c: span_figures(held, reads, top, mix, c, margin) for c in (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)}
    best = max(options, key=lambda c: options[c]["short_f1"])
    return best, options[best]


def _floor_figures(held: list, reads: list, top: int, margin: float, floor: float) -> dict:
    """Share of held-out questions (answerable by construction) the floor would decline."""

    counts = [rereads([c["score"] for c in r["cands"]], top, margin) for r in held]
    low = sum(bool(x) and probability(max(r.logit for r in x[:n])) < floor for x, n in zip(reads, counts))
    return {"floor": floor, "declined_by_floor": round(low / max(len(held), 1), 4)}


def _fitted_arrays(args, records: list[dict], cut: int) -> dict:
    """The adapters and heads: fitted on the fitting questions, or (`--soup`) averaged from weight files."""

    if getattr(args, "soup", None):
        missing = [str(path) for path in args.soup if not Path(path).is_file()]
        if missing:
            raise SystemExit(f"qa: --soup: no weight file at {', '.join(missing)}")
        rank = getattr(args, "rank", None)
        print(f"averaging {len(args.soup)} weight files" + (f", deltas cut to rank {rank}" if rank else ""), flush=True)
        return truncated(soup(args.soup), rank) if rank else soup(args.soup)
    fitted = records[: int(cut * getattr(args, "fit_share", 1.0))]
    print(f"{len(records)} even questions: fitting on {len(fitted)}, holding out {len(records) - cut}", flush=True)
    if getattr(args, "paraphrase", False):
        if not (available("en", "es") and available("es", "en")):
            raise SystemExit(f"qa: --paraphrase needs apertium: {reason()}")
        extra = paraphrased(fitted)
        fitted = fitted + extra
        print(f"and {len(extra)} of them reworded (English-Spanish-English) as extra fitting questions", flush=True)
    span_weight = getattr(args, "span_weight", None)
    rank, span_weight = getattr(args, "rank", None) or 16, SPAN_WEIGHT if span_weight is None else span_weight
    model, heads = fit_adapters(fitted, Recipe(args.steps, args.seed, rank=rank, span_weight=span_weight))
    return export(model, heads, {})


def train_crossencoder(args) -> int:

    out = args.out or WEIGHTS
    mined = args.mined or Path(args.cache) / "crossencoder-mined-even.pkl"
    records = pickle.loads(mined.read_bytes()) if mined.is_file() else mine_texts(args.file, args.cache, "even", mined)
    cut = int(len(records) * 0.85)
    print(json.dumps({"hand_order_holds_gold": ceiling(records[cut:])}), flush=True)
    arrays = _fitted_arrays(args, records, cut)
    learned = round(float(arrays["learned_mix"][0]), 2)
    floor = getattr(args, "floor", FLOOR)
    _save(arrays | _settings({"top": 5, "mix": 0.0, "margin": math.inf, "floor": floor, "short_confidence": 0.0}),
          out)  # fmt: skip
    began = time.time()
    held = records[cut:]
    reads = read_all(CrossEncoder(out), held)
    tops = tuple(range(1, getattr(args, "max_top", MAX_TOP) + 1))
    picked = choose(held, reads, tops=tops, mixes=tuple(sorted({0, 0.25, 0.5, 1, 2, 4, learned})), margins=MARGINS)
    confidence, short = _short_confidence(held, reads, picked["top"], picked["mix"], picked["margin"])
    settings = {k: picked[k] for k in ("top", "mix", "margin")} | {"floor": floor, "short_confidence": confidence}
    _save(arrays | _settings(settings), out)
    figures = {k: v for k, v in picked.items() if k != "grid"} | {"learned_mix": learned} | short
    figures["margin"] = None if math.isinf(picked["margin"]) else picked["margin"]  # None: every candidate
    figures |= _floor_figures(held, reads, picked["top"], picked["margin"], floor)
    print(json.dumps({"grid": picked["grid"]}), flush=True)
    print(json.dumps({"held_out": len(held), **figures, "read_seconds": round(time.time() - began)}), flush=True)
    return 0
