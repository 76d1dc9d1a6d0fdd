"""Training data for the cross-encoder (qa.answer.cross_encoder): the hand order's top candidates of SQuAD questions.

Each question goes through the answerer's own hybrid retrieval and feature scoring; its top candidate
sentences are kept as text (with the sentence before), their hand score, whether they hold a gold answer,
and where (sentence offsets). Used by `python -m qa.measure.train` for the even half only.
"""

from __future__ import annotations

import itertools
import math
import pickle
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from qa.answer.candidates import Passages
from qa.answer.cross_encoder import rereads
from qa.answer.extract import Ranked, rank_sentences
from qa.answer.scorer import Scorer
from qa.answer.scoring import Weights
from qa.answer.support import supported
from qa.lang.translation import translate_many
from qa.measure.corpora import Setup, cached_embedder, corpus_index
from qa.measure.datasets import file_key, in_half, read_squad
from qa.measure.metrics import contains_answer, exact_f1, locate
from qa.search.retrieval import Lookup, answer_passages


@dataclass(frozen=True)
class Mined:
    """One SQuAD question as the answer path sees it: its retrieved passages and their sentences' hand ranking."""

    question: str
    answers: list[str]
    doc_id: str
    passages: Passages
    ranking: Ranked


def ranked_questions(path: Path, cache: Path, articles: str) -> Iterator[Mined]:
    """Each question of the `articles` half through the answer path's own retrieval and hand ranking
    (qa.answer.extract.rank_sentences), with the cached embeddings."""
    documents, questions = read_squad(path)
    embedder = cached_embedder(Setup(cache))
    index = corpus_index(cache, file_key(path), lambda: documents, embedder)
    scorer = Scorer(embedder=embedder)
    for question, answers, doc_id in (q for q in questions if in_half(q[2], articles)):
        hits = answer_passages(index, Lookup(question, embedder.encode([question])[0], "hybrid"))
        passages = Passages(tuple(hits), index, "hybrid")
        yield Mined(question, answers, doc_id, passages, rank_sentences(question, passages, scorer))


def _candidate(c, answers: list[str]) -> dict:
    label = contains_answer(c.text, answers)
    return {"text": c.text, "before": c.before, "score": c.score, "label": label,
            "span": locate(c.text, answers) if label else None}  # fmt: skip


def mine_texts(path: Path, cache: Path, articles: str, out: Path, top: int = 8, log=print) -> list[dict]:
    """For every question of the half: its top `top` hand-ranked candidates, labels, gold spans, `supported`."""
    records, began = [], time.time()
    for n, mined in enumerate(ranked_questions(path, cache, articles)):
        best_first = list(mined.ranking.best_first)
        cands = [_candidate(c, mined.answers) for c in best_first[:top]]
        ok = supported(mined.question, best_first, mined.passages.index, Weights())
        records.append({"question": mined.question, "answers": mined.answers, "doc_id": mined.doc_id,
                        "cands": cands, "supported": ok})  # fmt: skip
        if n % 500 == 499:
            log(f"mined {n + 1} questions in {time.time() - began:.0f}s")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pickle.dumps(records))
    return records


def paraphrased(records: list[dict]) -> list[dict]:
    """Copies of the records whose question is reworded by an English-Spanish-English round trip (apertium);
    questions the round trip leaves unchanged or cannot translate are skipped."""

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
    return [encoder.score(r["question"], [(c["before"], c["text"]) for c in r["cands"][:top]]) for r in records]


def _pick(record: dict, reads: list, top: int, mix: float, margin: float = math.inf) -> int:
    """The candidate the mix of learned logit and hand score puts first among those re-read (crossencoder.rereads)."""

    count = rereads([c["score"] for c in record["cands"]], top, margin)
    scores = [reads[k].logit + mix * c["score"] for k, c in enumerate(record["cands"][:count])]
    return max(range(len(scores)), key=scores.__getitem__) if scores else 0


def _reads(records: list[dict], top: int, margin: float) -> float:
    """Candidates re-read per question, on average."""

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
