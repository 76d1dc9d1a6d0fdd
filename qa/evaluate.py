"""`qa eval`: answer and retrieval quality on a question file, a BEIR directory or SQuAD."""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

from tqdm import tqdm

from qa.answer import Weights, answer
from qa.chunking import ChunkParams
from qa.embedding import CachedEmbedder, Embedder, model_name
from qa.engine import ANSWER_POOL
from qa.errors import InputError
from qa.index import Index, current_version, load_index
from qa.lexical import THOUSANDS
from qa.records import Document
from qa.retrieval import MODES, rank
from qa.sync import sync_folder, update_index

BEIR_DEPTH = 1000  # chunks ranked per query: enough for 100 distinct documents


def normalize(text: str) -> str:
    """Case, whitespace and number formatting folded away, for 'answer contains' checks."""
    text = THOUSANDS.sub("", text.casefold())
    return " ".join(re.sub(r"[^\w\s%$.]|(?<!\d)\.|\.(?!\d)", " ", text).split())


def contains_answer(text: str, answers: list[str]) -> bool:
    """Whether a normalized answer occurs in the text as whole words ('19' does not match '1990')."""
    haystack = f" {normalize(text)} "
    return any(f" {normalize(a)} " in haystack for a in answers if normalize(a))


def _cached_embedder(args) -> CachedEmbedder:
    name = model_name(args.model)
    slug = re.sub(r"\W+", "-", name).strip("-")[-60:]
    return CachedEmbedder(Embedder(name), args.cache / "embeddings" / slug)


def _corpus_index(args, key: str, documents_fn, embedder: CachedEmbedder) -> Index:
    """A benchmark corpus's index, built once under the cache folder and reused after."""
    digest = hashlib.sha256(f"{key}|{embedder.name}|{ChunkParams()}".encode()).hexdigest()[:16]
    folder = args.cache / "indexes" / digest
    if folder.is_dir() and current_version(folder):
        return load_index(folder)
    update_index(
        folder, documents_fn(), lambda _: False, embedder.name, ChunkParams(), progress=True, embedder=embedder
    )
    return load_index(folder)


def _file_key(path: Path) -> str:
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"


def _modes(args) -> list[str]:
    return list(MODES) if args.kind in ("beir", "squad") else [args.mode]


# ---- BEIR -----------------------------------------------------------------------------------


def _read_jsonl(path: Path) -> list[dict]:
    """JSON objects, one a line; a missing file or a bad line is named in the error."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    rows = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise InputError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise InputError(f"{path}:{number}: expected a JSON object")
            rows.append(row)
    return rows


def _qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    if not path.is_file():
        raise InputError(f"{path}: missing BEIR qrels file")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.strip().split("\t")
        if len(parts) != 3 or (number == 1 and not parts[2].lstrip("-").isdigit()):
            continue  # blank lines and the header
        if not parts[2].lstrip("-").isdigit():
            raise InputError(f"{path}:{number}: relevance score '{parts[2]}' is not a whole number")
        if int(parts[2]) > 0:
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def _doc_ranking(hits) -> list[str]:
    """Documents in order of their best chunk."""
    seen: dict[str, None] = {}
    for hit in hits:
        seen.setdefault(hit.chunk.doc_id, None)
    return list(seen)


def ranking_metrics(ranked: list[str], relevant: dict[str, int]) -> dict[str, float]:
    """nDCG@10, Recall@10, Recall@100 and MRR@10 of one ranked list against graded qrels."""
    dcg = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(relevant.values(), reverse=True)[:10]))
    first = next((i for i, d in enumerate(ranked[:10]) if d in relevant), None)
    return {
        "ndcg@10": dcg / ideal if ideal else 0.0,
        "recall@10": len(set(ranked[:10]) & relevant.keys()) / len(relevant),
        "recall@100": len(set(ranked[:100]) & relevant.keys()) / len(relevant),
        "mrr@10": 1.0 / (first + 1) if first is not None else 0.0,
    }


def eval_beir(args) -> dict:
    root = args.dir
    embedder = _cached_embedder(args)
    qrels = _qrels(root / "qrels" / "test.tsv")
    queries = {q["_id"]: q["text"] for q in _read_jsonl(root / "queries.jsonl") if q["_id"] in qrels}

    def documents():
        rows = _read_jsonl(root / "corpus.jsonl")
        return [_beir_document(r) for r in rows if (r.get("text") or "").strip()]

    index = _corpus_index(args, _file_key(root / "corpus.jsonl"), documents, embedder)
    ids = sorted(queries)
    vectors = embedder.encode([queries[q] for q in ids], progress=False)
    results = {}
    for mode in _modes(args):
        totals: dict[str, float] = {}
        for qid, vector in tqdm(list(zip(ids, vectors)), desc=f"beir {mode}", leave=False):
            hits = rank(index, queries[qid], vector, mode, BEIR_DEPTH)
            for name, value in ranking_metrics(_doc_ranking(hits), qrels[qid]).items():
                totals[name] = totals.get(name, 0.0) + value
        results[mode] = {name: round(value / len(ids), 4) for name, value in totals.items()}
    return {"queries": len(ids), "documents": len(index.documents), "chunks": len(index.chunks), **results}


def _beir_document(row: dict) -> Document:
    text = row["text"]
    digest = hashlib.sha256(f"{row.get('title', '')}\0{text}".encode()).hexdigest()
    return Document(str(row["_id"]), (row.get("title") or str(row["_id"])).strip() or str(row["_id"]), text, digest)


# ---- SQuAD ----------------------------------------------------------------------------------


def _squad(path: Path) -> tuple[list[Document], list[tuple[str, list[str], str]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{path}: not a SQuAD v1.1 JSON file ({type(exc).__name__})") from None
    documents, questions = [], []
    for a, article in enumerate(data):
        for p, paragraph in enumerate(article["paragraphs"]):
            doc_id = f"{a:03d}-{p:03d}"
            text = paragraph["context"]
            title = article["title"].replace("_", " ")
            documents.append(Document(doc_id, title, text, hashlib.sha256(text.encode()).hexdigest()))
            for qa in paragraph["qas"]:
                questions.append((qa["question"], [x["text"] for x in qa["answers"]], doc_id))
    return documents, questions


def _sentences(index: Index) -> set[str]:
    """Every answer-candidate sentence of the index, embedded up front in one batch."""
    return {
        index.documents[c.doc_id].text[s.start : s.end] for c in index.chunks for s in c.sentences if not s.is_heading
    }


def eval_squad(args) -> dict:
    embedder = _cached_embedder(args)
    documents, questions = _squad(args.file)
    questions = questions[: args.limit] if args.limit else questions
    index = _corpus_index(args, _file_key(args.file), lambda: documents, embedder)
    vectors = embedder.encode([q for q, _, _ in questions], progress=True)
    embedder.encode(sorted(_sentences(index)), progress=True)  # one batch, one cache shard
    embedder.encode_tokens([q for q, _, _ in questions] + sorted(_sentences(index)) + [""], progress=True)
    embedder.folder = None  # answers below only read the warm cache
    results = {}
    for mode in _modes(args):
        r1 = r5 = correct = 0
        for (question, answers, doc_id), vector in tqdm(list(zip(questions, vectors)), desc=f"squad {mode}"):
            hits = rank(index, question, vector, mode, max(5, ANSWER_POOL))
            ranked = _doc_ranking(hits)
            r1 += ranked[:1] == [doc_id]
            r5 += doc_id in ranked[:5]
            reply = answer(question, hits, index, mode, embedder if mode != "bm25" else None, Weights())
            first = reply.citations[0].quote if reply.citations else ""
            correct += contains_answer(first, answers)
        n = len(questions)
        results[mode] = {
            "recall@1": round(r1 / n, 4),
            "recall@5": round(r5 / n, 4),
            "answer_accuracy": round(correct / n, 4),
        }
    return {"questions": len(questions), "paragraphs": len(documents), **results}


# ---- question files -------------------------------------------------------------------------


def eval_questions(args) -> dict:
    from qa.engine import Engine  # noqa: PLC0415

    cases = _read_jsonl(args.file)
    for number, case in enumerate(cases, start=1):
        if not isinstance(case.get("question"), str) or not isinstance(case.get("answers", []), list):
            raise InputError(f"{args.file}: case {number} needs a 'question' string and an 'answers' list")
    key = hashlib.sha256(str(args.corpus.resolve()).encode()).hexdigest()[:16]
    index_dir = args.cache / "indexes" / f"folder-{key}"
    sync_folder(args.corpus, index_dir, args.model)
    engine = Engine(index_dir, args.model)
    counts = dict.fromkeys(
        ["answerable", "unanswerable", "answer_ok", "citation_ok", "hit", "declined_ok", "declined_wrong"], 0
    )
    failures = []
    for case in tqdm(cases, desc="questions", leave=False):
        reply = engine.ask(case["question"], args.mode, args.top_k)
        if case.get("source") is None:
            counts["unanswerable"] += 1
            counts["declined_ok"] += not reply.found
            if reply.found:
                failures.append({"question": case["question"], "got": reply.answer})
            continue
        counts["answerable"] += 1
        ok = reply.found and contains_answer(reply.answer, case.get("answers", []))
        counts["answer_ok"] += ok
        counts["citation_ok"] += any(c.source == case["source"] for c in reply.citations)
        counts["hit"] += any(h.chunk.doc_id == case["source"] for h in reply.passages)
        counts["declined_wrong"] += not reply.found
        if not ok:
            failures.append({"question": case["question"], "expected": case.get("answers", []), "got": reply.answer})
    a, u = max(counts["answerable"], 1), max(counts["unanswerable"], 1)
    return {
        "questions": len(cases),
        "mode": args.mode,
        "answer_accuracy": round(counts["answer_ok"] / a, 4),
        "citation_accuracy": round(counts["citation_ok"] / a, 4),
        f"hit@{args.top_k}": round(counts["hit"] / a, 4),
        "declined_correctly": f"{counts['declined_ok']}/{counts['unanswerable']}",
        "declined_rate": round(counts["declined_ok"] / u, 4),
        "wrongly_declined": counts["declined_wrong"],
        "failures": failures,
    }


def run(args) -> int:
    results = {"questions": eval_questions, "beir": eval_beir, "squad": eval_squad}[args.kind](args)
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return 0
    for key, value in results.items():
        if isinstance(value, dict):
            print(f"{key:>8}: " + "  ".join(f"{k} {v:.4f}" for k, v in value.items()))
        elif key == "failures":
            for failure in value:
                print(f"  miss: {failure['question']} -> {failure['got'][:100]}")
        else:
            print(f"{key}: {value}")
    return 0
