"""Train the cross-encoder (qa/crossencoder.py; or with --heads the reader, qa/reader.py) on SQuAD dev's even articles.

The cross-encoder's training is in qa.measure.train.cross. For the reader (--heads):
each question goes through the answerer's own hybrid retrieval and feature scoring; its top 8 candidate
sentences, with their token vectors, are kept (positive = holds a gold answer). The last 15% of the
mined questions are held out to pick the epoch and report figures. Fixed seed; prints its figures.
"""

from __future__ import annotations

import argparse
import json
import re
import string
import time
from collections import Counter
from pathlib import Path

from qa.measure.metrics import contains_answer
from qa.measure.train.mine import locate


def article(doc_id: str) -> int:
    """The article number of a SQuAD paragraph id `AAA-PPP`."""
    return int(doc_id.split("-")[0])


def in_half(doc_id: str, articles: str) -> bool:
    """Whether the paragraph belongs to the `even`, `odd` or `all` articles."""
    return articles == "all" or (article(doc_id) % 2 == 0) == (articles == "even")


def _norm(text: str) -> list[str]:
    """SQuAD's answer normalization: lower case, no punctuation, articles or extra spaces."""
    text = "".join(ch for ch in text.lower() if ch not in string.punctuation)
    return re.sub(r"\b(a|an|the)\b", " ", text).split()


def exact_f1(prediction: str, answers: list[str]) -> tuple[float, float]:
    """SQuAD exact match and token F1 of a phrase against the gold answers (best over them)."""
    guess, em, f1 = _norm(prediction), 0.0, 0.0
    for gold in map(_norm, answers):
        em = max(em, float(guess == gold))
        common = sum((Counter(guess) & Counter(gold)).values())
        if common:
            p, r = common / len(guess), common / len(gold)
            f1 = max(f1, 2 * p * r / (p + r))
    return em, f1


def _record(question: str, answers: list[str], found, encoded, scored, top: int) -> dict:
    """What training needs of one question: its tokens and, for the hand scorer's top candidates, theirs."""
    from qa.answer.token_scorer import feature_row

    position = {(c.hit.chunk.doc_id, c.span.start): i for i, c in enumerate(found)}
    q = encoded.question
    cands = []
    for c in scored[:top]:
        i = position[(c.hit.chunk.doc_id, c.span.start)]
        s, b = encoded.sentences[i], encoded.befores[i]
        label = contains_answer(c.text, answers)
        cands.append({"text": c.text, "before": c.before, "s": (s.spans, s.vectors), "b": (b.spans, b.vectors),
                      "row": feature_row(c.features, c.score), "label": label,
                      "span": locate(c.text, answers) if label else None})  # fmt: skip
    return {"question": question, "answers": answers, "q": (q.vectors, q.weights, q.asked, sorted(q.words)),
            "cands": cands}  # fmt: skip


def mine(path: Path, cache: Path, articles: str, out: Path, limit: int, top: int = 8) -> list[dict]:
    """The answerer's top candidates, features and token vectors for the half's first `limit` questions."""
    import pickle

    from qa.answer.compose import candidates
    from qa.answer.features import Weights, encode, featurize, ranked
    from qa.engine import ANSWER_POOL
    from qa.measure.datasets import file_key, read_squad
    from qa.measure.evaluate import cached_embedder, corpus_index
    from qa.search.retrieval import rank

    documents, questions = read_squad(path)
    embedder = cached_embedder(cache, None)
    index = corpus_index(cache, file_key(path), lambda: documents, embedder)
    records, began = [], time.time()
    for n, (question, answers, _) in enumerate(q for q in questions if in_half(q[2], articles)):
        if n >= limit:
            break
        hits = rank(index, question, embedder.encode([question])[0], "hybrid", ANSWER_POOL)
        found = candidates(hits, index)
        encoded = encode(question, found, index, embedder) if found else None
        if encoded is None or encoded.question is None:
            continue
        scored = ranked(featurize(question, found, index, encoded), Weights())
        records.append(_record(question, answers, found, encoded, scored, top))
        if n % 50 == 49:
            out.write_bytes(pickle.dumps(records))
            print(f"mined {n + 1} questions in {time.time() - began:.0f}s", flush=True)
    out.write_bytes(pickle.dumps(records))
    return records


def _check(reader, records: list[dict]) -> dict:
    """On held-out questions: top-1 of the hand order and of the reader, and EM/F1 of the phrase it reads."""
    from qa.answer.features import Weights
    from qa.answer.rerank import probability
    from qa.measure.train.fit_tokens import _question, _tokens

    hand = learned = low = 0
    em = f1 = 0.0
    for r in records:
        q = _question(r)
        scores = []
        for c in r["cands"]:
            extra = reader_extra(reader, q, c)
            scores.append(reader.score(c["row"], extra))
        best = r["cands"][max(range(len(scores)), key=scores.__getitem__)]
        hand, learned = hand + r["cands"][0]["label"], learned + best["label"]
        low += probability(max(scores)) < Weights().reader_floor
        start, end, _ = reader.span(q, _tokens(best["s"]), best["text"])
        e, f = exact_f1(best["text"][start:end], r["answers"])
        em, f1 = em + e, f1 + f
    n = max(len(records), 1)
    return {"questions": len(records), "hand_top1": round(hand / n, 4), "reader_top1": round(learned / n, 4),
            "short_em": round(em / n, 4), "short_f1": round(f1 / n, 4), "below_floor": round(low / n, 4)}  # fmt: skip


def reader_extra(reader, q, c: dict):
    from qa.answer.token_scorer import interaction
    from qa.measure.train.fit_tokens import _tokens

    return interaction(reader.p, q, _tokens(c["s"]), c["text"], _tokens(c["b"]), c["before"])


def single_thread() -> None:
    """One torch thread: on a busy shared CPU, more threads spin against each other (40x slower here)."""
    import torch

    torch.set_num_threads(1)


def main(argv: list[str] | None = None) -> int:
    import pickle

    import numpy as np

    from qa.answer.token_scorer import WEIGHTS, Reader
    from qa.measure.train.fit_tokens import fit, prepare

    parser = argparse.ArgumentParser(prog="python -m qa.measure.train.run", description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="SQuAD v1.1 dev JSON (only its even-numbered articles are read)")
    parser.add_argument("--cache", type=Path, default=Path(".cache"), help="embedding cache (default ./.cache)")
    parser.add_argument("--out", type=Path, default=None, help="weights file (default: the shipped one)")
    parser.add_argument("--mined", type=Path, default=None, help="reuse (or write) the mined questions here")
    parser.add_argument("--questions", type=int, default=2000, help="even questions to mine, in article order")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--heads", action="store_true", help="train the old token-vector heads (reader.npz) instead")
    parser.add_argument("--steps", type=int, default=600, help="cross-encoder training steps (4 questions each)")
    parser.add_argument("--floor", type=float, default=None, help="cross-encoder decline floor (default: shipped)")
    parser.add_argument("--rank", type=int, default=None, help="cross-encoder: LoRA rank of the adapters "
                        "(default 16; with --soup: cut the averaged deltas to this rank, default exact)")  # fmt: skip
    parser.add_argument("--fit-share", type=float, default=1.0, help="cross-encoder: fit on this first share of "
                        "the fitting questions (for a learning curve)")  # fmt: skip
    parser.add_argument("--paraphrase", action="store_true", help="cross-encoder: also fit on the fitting "
                        "questions reworded by an English-Spanish-English round trip (apertium)")  # fmt: skip
    parser.add_argument("--soup", type=Path, nargs="+", default=None, help="cross-encoder: instead of fitting, "
                        "average these weight files of one recipe (then choose the settings as usual)")  # fmt: skip
    parser.add_argument("--span-weight", type=float, default=None, help="cross-encoder: weight of the phrase "
                        "(start/end) loss against the ranking losses (default 0.5)")  # fmt: skip
    parser.add_argument("--max-top", type=int, default=3, help="cross-encoder: re-read at most this many candidates")
    args = parser.parse_args(argv)
    single_thread()
    if not args.heads:
        from qa.measure.train.cross import FLOOR, train_crossencoder

        args.floor = FLOOR if args.floor is None else args.floor
        return train_crossencoder(args)
    args.out = args.out or WEIGHTS
    mined = args.mined or Path(args.cache) / "reader-mined-even.pkl"
    if mined.is_file():
        records = pickle.loads(mined.read_bytes())
    else:
        records = mine(args.file, args.cache, "even", mined, args.questions)
    cut = int(len(records) * 0.85)
    print(f"{len(records)} even questions: fitting on {cut}, holding out {len(records) - cut}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)

    def write(params: dict) -> Reader:
        np.savez(args.out, **{k: v.astype(np.float16 if v.size > 1000 else np.float32) for k, v in params.items()})
        return Reader(args.out)

    def judge(params: dict) -> float:
        figures = _check(write(params), records[cut:])
        return figures["reader_top1"] + 0.1 * figures["short_f1"]

    params = fit([prepare(r) for r in records[:cut]], args.epochs, args.seed, judge=judge)
    print(json.dumps(_check(write(params), records[cut:])), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
