"""`qa eval`: answer and retrieval quality on a question file, a BEIR directory or SQuAD; returns plain dicts."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from qa.answer.compose import answer
from qa.embed.cache import CachedEmbedder
from qa.embed.embedder import Embedder, model_name, variant
from qa.engine import ANSWER_POOL, Engine
from qa.ingest.chunking import ChunkParams
from qa.measure.datasets import beir_documents, beir_queries, file_key, read_qrels, read_squad
from qa.measure.metrics import contains_answer, doc_ranking, ranking_metrics
from qa.records import Document, Hit, InputError
from qa.search.options import MODES, check_mode, check_top_k
from qa.search.retrieval import rank
from qa.store.files import current_version, read_jsonl
from qa.store.index import Index
from qa.store.load import load_index
from qa.sync.update import update_index

BEIR_DEPTH = 1000  # chunks ranked per query: enough for 100 distinct documents


def cached_embedder(cache: Path, model: str | None, encoder: str | None = None) -> CachedEmbedder:
    """The model with its embeddings cached on disk under `cache`, keyed by model, encoder variant and text."""
    name = model_name(model)
    slug = re.sub(r"\W+", "-", name).strip("-")[-60:]
    return CachedEmbedder(Embedder(name, **variant(encoder)), cache / "embeddings" / slug)


def corpus_index(
    cache: Path, key: str, documents: Callable[[], list[Document]], embedder: CachedEmbedder, backend: str = "local"
) -> Index:
    """A benchmark corpus's index, built once under the cache folder and reused after (Milvus: a Milvus Lite file)."""
    digest = hashlib.sha256(f"{key}|{embedder.key}|{ChunkParams()}".encode()).hexdigest()[:16]
    folder, target = cache / "indexes" / digest, None
    if backend == "milvus":
        from qa.store.backend import Backend

        folder, target = cache / "indexes" / f"{digest}-milvus", Backend("milvus", str(cache / f"{digest}.db"), "qa")
    if not current_version(folder):
        update_index(folder, documents(), lambda _: False, embedder.name, ChunkParams(), progress=True,
                     embedder_for=lambda _: embedder, backend=target)  # fmt: skip
    return load_index(folder)


def _beir_mode(index: Index, queries: dict, ids: list, vectors, qrels: dict, mode: str, fusion=None) -> dict:
    """Mean ranking metrics of one mode (a Milvus index's hybrid with a given `fusion`, if any)."""
    totals: dict[str, float] = {}
    for qid, vector in tqdm(list(zip(ids, vectors)), desc=f"beir {mode} {fusion or ''}", leave=False):
        if fusion:
            ranking = index.hybrid_search(queries[qid], vector, BEIR_DEPTH, None, fusion)
            hits = [Hit(index.chunk(row), score) for row, score in ranking]
        else:
            hits = rank(index, queries[qid], vector, mode, BEIR_DEPTH)
        for name, value in ranking_metrics(doc_ranking(hits), qrels[qid]).items():
            totals[name] = totals.get(name, 0.0) + value
    return {name: round(value / len(ids), 4) for name, value in totals.items()}


def eval_beir(root: Path, cache: Path, model: str | None = None, backend: str = "local", encoder=None) -> dict:
    """nDCG@10, Recall@10/100 and MRR@10 per retrieval mode over a BEIR directory's test queries."""
    embedder = cached_embedder(cache, model, encoder)
    qrels = read_qrels(root / "qrels" / "test.tsv")
    queries = beir_queries(root, qrels)
    corpus = root / "corpus.jsonl"
    if not corpus.is_file():
        raise InputError(f"{corpus}: no such file")
    index = corpus_index(cache, file_key(corpus), lambda: beir_documents(corpus), embedder, backend)
    ids = sorted(queries)
    vectors = embedder.encode([queries[q] for q in ids], progress=False)
    results = {mode: _beir_mode(index, queries, ids, vectors, qrels, mode) for mode in MODES}
    if backend == "milvus":  # every fusion the Milvus backend offers, to choose between them
        from qa.store.milvus.index import MILVUS_FUSIONS

        for fusion in MILVUS_FUSIONS:
            results[f"hybrid_{fusion}"] = _beir_mode(index, queries, ids, vectors, qrels, "hybrid", fusion)
    sizes = {"queries": len(ids), "documents": len(index.documents), "chunks": len(index.chunks)}
    return {"backend": backend, **sizes, **results}


def _sentences(index: Index) -> list[str]:
    """Every answer-candidate sentence of the index, to embed up front in one batch."""
    found = {
        index.document(c.doc_id).text[s.start : s.end] for c in index.chunks for s in c.sentences if not s.is_heading
    }
    return sorted(found)


def _warm(embedder: CachedEmbedder, questions: list[str], index: Index):
    """Embed questions and sentences (vectors and tokens) in big batches; later answers read the cache."""
    vectors = embedder.encode(questions, progress=True)
    embedder.encode(_sentences(index), progress=True)
    embedder.encode_tokens(questions + _sentences(index) + [""], progress=True)
    embedder.folder = None  # answers below only read the warm cache
    return vectors


def _squad_mode(index: Index, questions: list, vectors, mode: str, embedder, reader) -> dict:
    """Recall, answer accuracy and the short answer's exact match / F1 (a missing one scores 0) in one mode."""
    from qa.measure.train.run import exact_f1

    r1 = r5 = correct = given = 0
    em = f1 = 0.0
    for (question, answers, doc_id), vector in tqdm(list(zip(questions, vectors)), desc=f"squad {mode}"):
        hits = rank(index, question, vector, mode, max(5, ANSWER_POOL))
        ranked = doc_ranking(hits)
        r1 += ranked[:1] == [doc_id]
        r5 += doc_id in ranked[:5]
        dense = mode != "bm25"
        reply = answer(question, hits, index, mode, embedder if dense else None, reader=reader if dense else None)
        correct += contains_answer(reply.citations[0].quote if reply.citations else "", answers)
        if reply.short is not None:
            e, f = exact_f1(reply.short.text, answers)
            given, em, f1 = given + 1, em + e, f1 + f
    n = max(len(questions), 1)
    figures = {"recall@1": round(r1 / n, 4), "recall@5": round(r5 / n, 4), "answer_accuracy": round(correct / n, 4)}
    if reader is not None and mode != "bm25":
        figures.update(short_em=round(em / n, 4), short_f1=round(f1 / n, 4), short_given=round(given / n, 4))
    return figures


def eval_squad(
    path: Path,
    cache: Path,
    *,
    articles: str = "all",
    model: str | None = None,
    limit: int | None = None,
    modes: tuple[str, ...] = MODES,
    learned: bool = True,
    encoder: str | None = None,
) -> dict:
    """Recall@1/@5, answer accuracy and short-answer EM/F1 per mode over SQuAD v1.1 `articles` (even|odd|all)."""
    from qa.answer.token_scorer import load_reader
    from qa.measure.train.run import in_half

    embedder = cached_embedder(cache, model, encoder)
    documents, questions = read_squad(path)
    questions = [q for q in questions if in_half(q[2], articles)]
    questions = questions[:limit] if limit else questions
    index = corpus_index(cache, file_key(path), lambda: documents, embedder)
    vectors = _warm(embedder, [q for q, _, _ in questions], index)
    reader = load_reader() if learned else None
    results = {mode: _squad_mode(index, questions, vectors, mode, embedder, reader) for mode in modes}
    return {"questions": len(questions), "paragraphs": len(documents), "articles": articles,
            "reader": reader is not None, **results}  # fmt: skip


def read_cases(path: Path) -> list[dict]:
    """A question file: one {"question": str, "answers": [str], "source": str | null} a line."""
    cases = read_jsonl(path)
    for number, case in enumerate(cases, start=1):
        if not isinstance(case.get("question"), str) or not isinstance(case.get("answers", []), list):
            raise InputError(f"{path}: case {number} needs a 'question' string and an 'answers' list")
    return cases


def folder_engine(corpus: Path, cache: Path, model: str | None, encoder: str | None = None) -> Engine:
    """An engine over an index of `corpus` kept under the cache folder (synced, so it is current)."""
    key = hashlib.sha256(f"{corpus.resolve()}{'#' + encoder if encoder else ''}".encode()).hexdigest()[:16]
    engine = Engine(cache / "indexes" / f"folder-{key}", model, encoder=encoder)
    engine.sync(corpus)
    return engine


def _tally(counts: dict, failures: list, case: dict, reply) -> None:
    if case.get("source") is None:
        counts["unanswerable"] += 1
        counts["declined_ok"] += not reply.found
        if reply.found:
            failures.append({"question": case["question"], "got": reply.answer})
        return
    counts["answerable"] += 1
    ok = reply.found and contains_answer(reply.answer, case.get("answers", []))
    counts["answer_ok"] += ok
    counts["citation_ok"] += any(c.source == case["source"] for c in reply.citations)
    counts["hit"] += any(h.chunk.doc_id == case["source"] for h in reply.passages)
    counts["declined_wrong"] += not reply.found
    if not ok:
        failures.append({"question": case["question"], "expected": case.get("answers", []), "got": reply.answer})


def eval_questions(cases: list[dict], engine: Engine, mode: str = "hybrid", top_k: int = 5) -> dict:
    """Answer, citation and decline accuracy of question cases (read_cases), asked of `engine` (folder_engine)."""
    mode, top_k = check_mode(mode), check_top_k(top_k)
    names = ["answerable", "unanswerable", "answer_ok", "citation_ok", "hit", "declined_ok", "declined_wrong"]
    counts, failures = dict.fromkeys(names, 0), []
    for case in tqdm(cases, desc="questions", leave=False):
        _tally(counts, failures, case, engine.ask(case["question"], mode, top_k))
    a, u = max(counts["answerable"], 1), max(counts["unanswerable"], 1)
    return {
        "questions": len(cases),
        "mode": mode,
        "answer_accuracy": round(counts["answer_ok"] / a, 4),
        "citation_accuracy": round(counts["citation_ok"] / a, 4),
        f"hit@{top_k}": round(counts["hit"] / a, 4),
        "declined_correctly": f"{counts['declined_ok']}/{counts['unanswerable']}",
        "declined_rate": round(counts["declined_ok"] / u, 4),
        "wrongly_declined": counts["declined_wrong"],
        "failures": failures,
    }
