"""Training data for the cross-encoder (qa.answer.cross_scorer): the hand order's top candidates of SQuAD questions.

Each question goes through the answerer's own hybrid retrieval and feature scoring; its top candidate
sentences are kept as text (with the sentence before), their hand score, whether they hold a gold answer,
and where (sentence offsets). Used by `python -m qa.measure.train.run` for the even half only.
"""

from __future__ import annotations

import itertools
import math
import pickle
import time
from pathlib import Path

from qa.measure.metrics import contains_answer


def locate(text: str, answers: list[str]) -> tuple[int, int] | None:
    """Sentence offsets of the first gold answer found in `text` (case-insensitive fallback)."""
    for a in answers:
        at = text.find(a)
        if at < 0:
            at = text.lower().find(a.lower())
        if at >= 0 and a.strip():
            return at, at + len(a)
    return None


def _candidate(c) -> dict:
    return {"text": c.text, "before": c.before, "score": c.score}


def mine_texts(path: Path, cache: Path, articles: str, out: Path, top: int = 8, log=print) -> list[dict]:
    """For every question of the half: its top `top` hand-ranked candidates, labels, gold spans, `supported`."""
    from qa.answer.compose import candidates, supported
    from qa.answer.features import Weights, encode, featurize, ranked
    from qa.engine import ANSWER_POOL
    from qa.measure.datasets import file_key, read_squad
    from qa.measure.evaluate import cached_embedder, corpus_index
    from qa.measure.train.run import in_half
    from qa.search.retrieval import rank

    documents, questions = read_squad(path)
    embedder = cached_embedder(cache, None)
    index = corpus_index(cache, file_key(path), lambda: documents, embedder)
    records, began = [], time.time()
    for n, (question, answers, doc_id) in enumerate(q for q in questions if in_half(q[2], articles)):
        hits = rank(index, question, embedder.encode([question])[0], "hybrid", ANSWER_POOL)
        found = candidates(hits, index)
        encoded = encode(question, found, index, embedder) if found else None
        scored = ranked(featurize(question, found, index, encoded), Weights()) if found else []
        cands = [_candidate(c) for c in scored[:top]]
        for c in cands:
            c["label"] = contains_answer(c["text"], answers)
            c["span"] = locate(c["text"], answers) if c["label"] else None
        records.append({"question": question, "answers": answers, "doc_id": doc_id, "cands": cands,
                        "supported": supported(question, scored, index, Weights())})  # fmt: skip
        if n % 500 == 499:
            log(f"mined {n + 1} questions in {time.time() - began:.0f}s")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pickle.dumps(records))
    return records


def paraphrased(records: list[dict]) -> list[dict]:
    """Copies of the records whose question is reworded by an English-Spanish-English round trip (apertium);
    questions the round trip leaves unchanged or cannot translate are skipped."""
    from qa.lang.translation import translate_many

    questions = [r["question"] for r in records]
    back = translate_many([s or "" for s in translate_many(questions, "en", "es")], "es", "en")
    return [r | {"question": b} for r, q, b in zip(records, questions, back)
            if b and b.strip() and b.strip().lower() != q.strip().lower()]  # fmt: skip


def ceiling(records: list[dict], depths=(1, 3, 5, 8)) -> dict:
    """How often a gold-holding sentence is among the hand order's top k."""
    n = max(len(records), 1)
    return {f"top{k}": round(sum(any(c["label"] for c in r["cands"][:k]) for r in records) / n, 4) for k in depths}


def read_all(encoder, records: list[dict], top: int = 5) -> list[list]:
    """The cross-encoder's Reads of each record's first `top` mined candidates."""
    return [encoder.read(r["question"], [(c["before"], c["text"]) for c in r["cands"][:top]]) for r in records]


def _pick(record: dict, reads: list, top: int, mix: float, margin: float = math.inf) -> int:
    """The candidate the mix of learned logit and hand score puts first among those re-read (crossencoder.rereads)."""
    from qa.answer.cross_scorer import rereads

    count = rereads([c["score"] for c in record["cands"]], top, margin)
    scores = [reads[k].logit + mix * c["score"] for k, c in enumerate(record["cands"][:count])]
    return max(range(len(scores)), key=scores.__getitem__) if scores else 0


def _reads(records: list[dict], top: int, margin: float) -> float:
    """Candidates re-read per question, on average."""
    from qa.answer.cross_scorer import rereads

    return sum(rereads([c["score"] for c in r["cands"]], top, margin) for r in records) / max(len(records), 1)


def choose(records: list[dict], reads: list[list], tops=(1, 2, 3), mixes=(0, 0.5, 1, 2, 4),
           margins=(math.inf,)) -> dict:  # fmt: skip
    """Top-1 accuracy for each (top, mix, margin) on held-out questions, and the best setting (on ties, the
    fewest candidates re-read on average)."""
    n, grid, cost = max(len(records), 1), {}, {}
    for top, mix, margin in itertools.product(tops, mixes, margins):
        right = sum(bool(r["cands"]) and r["cands"][_pick(r, x, top, mix, margin)]["label"]
                    for r, x in zip(records, reads))  # fmt: skip
        grid[(top, mix, margin)], cost[(top, margin)] = right / n, _reads(records, top, margin)
    best = max(grid, key=lambda k: (round(grid[k], 4), -round(cost[k[0], k[2]], 2), -k[0]))
    top, mix, margin = best
    return {"grid": {f"top{t} mix{m} margin{g}": round(v, 4) for (t, m, g), v in grid.items()}, "top": top,
            "mix": mix, "margin": margin, "reads": round(cost[top, margin], 2), "top1": round(grid[best], 4),
            "hand_top1": round(sum(bool(r["cands"]) and r["cands"][0]["label"] for r in records) / n, 4)}  # fmt: skip


def span_figures(records: list[dict], reads: list[list], top: int, mix: float, confidence: float,
                 margin: float = math.inf) -> dict:  # fmt: skip
    """EM/F1 of the phrase read in the picked sentence (0 when not given), and how often it is given."""
    from qa.measure.train.run import exact_f1

    em = f1 = given = 0.0
    for r, x in zip(records, reads):
        if not r["cands"]:
            continue
        k = _pick(r, x, top, mix, margin)
        if x[k].confidence < confidence:
            continue
        e, f = exact_f1(r["cands"][k]["text"][x[k].start : x[k].end], r["answers"])
        em, f1, given = em + e, f1 + f, given + 1
    n = max(len(records), 1)
    return {"short_em": round(em / n, 4), "short_f1": round(f1 / n, 4), "short_given": round(given / n, 4)}


if __name__ == "__main__":
    import json
    import sys

    mined = mine_texts(Path(sys.argv[1]), Path(".cache"), sys.argv[2], Path(sys.argv[3]))
    print(json.dumps({"questions": len(mined), **ceiling(mined)}), flush=True)
