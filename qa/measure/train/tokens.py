"""Training the token scorer's heads (qa.answer.token_scorer; `python -m qa.measure.train --heads`).

Each question goes through the answer path's own hybrid retrieval and hand ranking; its top 8 candidate
sentences, with their token vectors, are kept (positive = holds a gold answer). The last 15% of the
mined questions are held out to pick the epoch and report figures. Fixed seed; prints its figures.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from qa.answer.scoring import Weights, probability
from qa.answer.token_scorer import WEIGHTS, TokenScorer, feature_row, interaction
from qa.measure.metrics import contains_answer, exact_f1, locate
from qa.measure.train.fit_tokens import fit_heads, prepare, question_of, tokens_of
from qa.measure.train.mine import ranked_questions


def _record(mined, top: int) -> dict:
    """What training needs of one question: its tokens and, for the hand order's top candidates, theirs."""

    encoded, answers = mined.ranking.encoded, mined.answers
    q = encoded.question
    cands = []
    for c in mined.ranking.best_first[:top]:
        s, b = encoded.sentences[c.row], encoded.befores[c.row]
        label = contains_answer(c.text, answers)
        cands.append({"text": c.text, "before": c.before, "s": (s.spans, s.vectors), "b": (b.spans, b.vectors),
                      "row": feature_row(c.features, c.score), "label": label,
                      "span": locate(c.text, answers) if label else None})  # fmt: skip
    return {"question": mined.question, "answers": answers, "q": (q.vectors, q.weights, q.asked, sorted(q.words)),
            "cands": cands}  # fmt: skip


def mine(path: Path, cache: Path, articles: str, out: Path, limit: int, top: int = 8) -> list[dict]:
    """The answerer's top candidates, features and token vectors for the half's first `limit` questions."""
    import pickle

    records, began = [], time.time()
    for n, mined in enumerate(ranked_questions(path, cache, articles)):
        if n >= limit:
            break
        if mined.ranking.encoded is None or mined.ranking.encoded.question is None:
            continue
        records.append(_record(mined, top))
        if n % 50 == 49:
            out.write_bytes(pickle.dumps(records))
            print(f"mined {n + 1} questions in {time.time() - began:.0f}s", flush=True)
    out.write_bytes(pickle.dumps(records))
    return records


def check(scorer, records: list[dict]) -> dict:
    """On held-out questions: top-1 of the hand order and of the token scorer, and EM/F1 of the phrase it reads."""

    hand = learned = low = 0
    em = f1 = 0.0
    for r in records:
        q = question_of(r)
        scores = []
        for c in r["cands"]:
            extra = token_extra(scorer, q, c)
            scores.append(scorer.score(c["row"], extra))
        best = r["cands"][max(range(len(scores)), key=scores.__getitem__)]
        hand, learned = hand + r["cands"][0]["label"], learned + best["label"]
        low += probability(max(scores)) < Weights().token_floor
        start, end, _ = scorer.span(q, tokens_of(best["s"]), best["text"])
        e, f = exact_f1(best["text"][start:end], r["answers"])
        em, f1 = em + e, f1 + f
    n = max(len(records), 1)
    return {"questions": len(records), "hand_top1": round(hand / n, 4), "reader_top1": round(learned / n, 4),
            "short_em": round(em / n, 4), "short_f1": round(f1 / n, 4), "below_floor": round(low / n, 4)}  # fmt: skip


def token_extra(scorer, q, c: dict):
    """The token scorer's learned interaction values for a mined candidate."""

    return interaction(scorer.p, q, tokens_of(c["s"]), c["text"], tokens_of(c["b"]), c["before"])


def train_token_heads(args) -> int:
    """Mine (or reuse) the even questions, fit the heads on 85%, keep the epoch the last 15% rate best."""
    import pickle

    import numpy as np

    args.out = args.out or WEIGHTS
    mined = args.mined or Path(args.cache) / "token-scorer-mined-even.pkl"
    if mined.is_file():
        records = pickle.loads(mined.read_bytes())
    else:
        records = mine(args.file, args.cache, "even", mined, args.questions)
    cut = int(len(records) * 0.85)
    print(f"{len(records)} even questions: fitting on {cut}, holding out {len(records) - cut}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)

    def write(params: dict) -> TokenScorer:
        np.savez(args.out, **{k: v.astype(np.float16 if v.size > 1000 else np.float32) for k, v in params.items()})
        return TokenScorer(args.out)

    def judge(params: dict) -> float:
        figures = check(write(params), records[cut:])
        return figures["reader_top1"] + 0.1 * figures["short_f1"]

    params = fit_heads([prepare(r) for r in records[:cut]], args.epochs, args.seed, judge=judge)
    print(json.dumps(check(write(params), records[cut:])), flush=True)
    return 0
