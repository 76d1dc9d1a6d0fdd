"""`qa eval`: answer quality on a question file and retrieval quality on a BEIR directory; returns plain dicts
(SQuAD: qa.measure.squad)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from qa.engine import Engine
from qa.measure.corpora import Setup, cached_embedder, corpus_index
from qa.measure.datasets import beir_documents, beir_queries, file_key, read_qrels
from qa.measure.metrics import cited_holding, contains_answer, doc_ranking, ranking_metrics
from qa.records import Hit, InputError
from qa.search.options import MODES, check_mode, check_top_k
from qa.search.retrieval import Lookup, rank
from qa.store.files import read_jsonl
from qa.store.index import Index

BEIR_DEPTH = 1000  # chunks ranked per query: enough for 100 distinct documents


@dataclass(frozen=True)
class BeirQueries:
    """A BEIR directory's test queries: their texts, ids in order, vectors (in that order) and graded qrels."""

    texts: dict[str, str]
    ids: list[str]
    vectors: np.ndarray
    qrels: dict[str, dict[str, int]]


def _beir_rankings(index: Index, queries: BeirQueries, mode: str) -> list[list[Hit]]:
    """Each query's ranked chunks in one mode, in query order."""
    pairs = tqdm(list(zip(queries.ids, queries.vectors)), desc=f"beir {mode}", leave=False)
    return [rank(index, Lookup(queries.texts[qid], vector, mode), BEIR_DEPTH) for qid, vector in pairs]


def _beir_metrics(rankings: list[list[Hit]], queries: BeirQueries) -> dict:
    """Mean ranking metrics over the queries."""
    totals: dict[str, float] = {}
    for qid, hits in zip(queries.ids, rankings):
        for name, value in ranking_metrics(doc_ranking(hits), queries.qrels[qid]).items():
            totals[name] = totals.get(name, 0.0) + value
    return {name: round(value / len(queries.ids), 4) for name, value in totals.items()}


def same_top(first: list[list[Hit]], second: list[list[Hit]], depth: int = 10) -> float:
    """The share of queries whose top `depth` chunks are the same, in the same order, in both rankings."""

    def top(hits: list[Hit]) -> list[tuple[str, int, int]]:
        return [(h.chunk.doc_id, h.chunk.start, h.chunk.end) for h in hits[:depth]]

    same = [top(a) == top(b) for a, b in zip(first, second)]
    return round(sum(same) / max(len(same), 1), 4)


def eval_beir(root: Path, setup: Setup, backend: str = "local") -> dict:
    """nDCG@10, Recall@10/100 and MRR@10 per retrieval mode over a BEIR directory's test queries; on Milvus, also
    the share of queries whose top 10 equals the local index's (`top10_same_as_local`)."""
    embedder = cached_embedder(setup)
    qrels = read_qrels(root / "qrels" / "test.tsv")
    texts = beir_queries(root, qrels)
    corpus = root / "corpus.jsonl"
    if not corpus.is_file():
        raise InputError(f"{corpus}: no such file")
    index = corpus_index(setup.cache, file_key(corpus), lambda: beir_documents(corpus), embedder, backend)
    ids = sorted(texts)
    queries = BeirQueries(texts, ids, embedder.encode([texts[q] for q in ids], progress=False), qrels)
    rankings = {mode: _beir_rankings(index, queries, mode) for mode in MODES}
    results = {mode: _beir_metrics(found, queries) for mode, found in rankings.items()}
    if backend == "milvus":
        local = corpus_index(setup.cache, file_key(corpus), lambda: beir_documents(corpus), embedder)
        same = {mode: same_top(found, _beir_rankings(local, queries, mode)) for mode, found in rankings.items()}
        results["top10_same_as_local"] = same
    sizes = {"queries": len(ids), "documents": len(index.documents), "chunks": len(index.chunks)}
    return {"backend": backend, **sizes, **results}


def read_cases(path: Path) -> list[dict]:
    """A question file: one {"question": str, "answers": [str], "source": str | null} a line."""
    cases = read_jsonl(path)
    for number, case in enumerate(cases, start=1):
        if not isinstance(case.get("question"), str) or not isinstance(case.get("answers", []), list):
            raise InputError(f"{path}: case {number} needs a 'question' string and an 'answers' list")
    return cases


def _tally(counts: dict, failures: list, case: dict, reply) -> None:
    if case.get("source") is None:
        counts["unanswerable"] += 1
        counts["declined_ok"] += not reply.found
        if reply.found:
            failures.append({"question": case["question"], "got": reply.answer})
        return
    counts["answerable"] += 1
    answers = case.get("answers", [])
    ok = reply.found and contains_answer(reply.answer, answers)
    if reply.found:
        cited, holding = cited_holding(reply.citations, answers)
        counts.update(
            answered=counts["answered"] + 1, cited=counts["cited"] + cited, holding=counts["holding"] + holding
        )
    if reply.short is not None:
        counts["short_given"] += 1
        counts["short_ok"] += contains_answer(reply.short.text, answers)
    counts["answer_ok"] += ok
    counts["citation_ok"] += any(c.source == case["source"] for c in reply.citations)
    counts["hit"] += any(h.chunk.doc_id == case["source"] for h in reply.passages)
    counts["declined_wrong"] += not reply.found
    if not ok:
        failures.append({"question": case["question"], "expected": case.get("answers", []), "got": reply.answer})


def eval_questions(cases: list[dict], engine: Engine, mode: str = "hybrid", top_k: int = 5) -> dict:
    """Answer, citation and decline accuracy, citation precision and short-phrase precision of question cases
    (read_cases), asked of `engine` (qa.measure.corpora.folder_engine); right answers per `kind` where cases say it."""
    mode, top_k = check_mode(mode), check_top_k(top_k)
    names = ["answerable", "unanswerable", "answer_ok", "citation_ok", "hit", "declined_ok", "declined_wrong",
             "answered", "cited", "holding", "short_given", "short_ok"]  # fmt: skip
    counts, failures, kinds = dict.fromkeys(names, 0), [], {}
    for case in tqdm(cases, desc="questions", leave=False):
        before = counts["answer_ok"] + counts["declined_ok"]
        _tally(counts, failures, case, engine.ask(case["question"], mode, top_k))
        if "kind" in case:  # right: answered with the gold answer, or declined when there is none
            kinds.setdefault(case["kind"], []).append(counts["answer_ok"] + counts["declined_ok"] - before)
    a, u = max(counts["answerable"], 1), max(counts["unanswerable"], 1)
    by_kind = {kind: f"{sum(right)}/{len(right)}" for kind, right in sorted(kinds.items())}
    return {
        "questions": len(cases),
        "mode": mode,
        "answer_accuracy": round(counts["answer_ok"] / a, 4),
        "citation_accuracy": round(counts["citation_ok"] / a, 4),
        f"hit@{top_k}": round(counts["hit"] / a, 4),
        "declined_correctly": f"{counts['declined_ok']}/{counts['unanswerable']}",
        "declined_rate": round(counts["declined_ok"] / u, 4),
        "wrongly_declined": counts["declined_wrong"],
        "citation_precision": round(counts["holding"] / max(counts["cited"], 1), 4),
        "sentences_per_answer": round(counts["cited"] / max(counts["answered"], 1), 4),
        "short_precision": round(counts["short_ok"] / max(counts["short_given"], 1), 4),
        "short_coverage": round(counts["short_given"] / a, 4),
        **({"right_by_kind": by_kind} if by_kind else {}),
        "failures": failures,
    }
