"""`qa bench`: where indexing and query time go, against raw model speed, with memory and startup cost."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from qa.embed.embedder import Embedder, model_name
from qa.embed.encoders import set_offline_env
from qa.embed.models import read_model
from qa.ingest.documents import read_folder
from qa.measure.datasets import beir_documents
from qa.measure.encoding import compare_encoders, encoding_sample
from qa.measure.timing import (
    import_seconds,
    machine,
    peak_rss_mb,
    rss_mb,
    stage_rates,
    stored_size,
    time_answers,
    time_queries,
)
from qa.measure.verifying import time_verification
from qa.records import InputError
from qa.search.bm25_build import build_bm25
from qa.store.build import Build
from qa.store.files import read_jsonl
from qa.store.load import load_index
from qa.sync.update import update_index

BEIR_DOCS = 500  # a whole BEIR corpus embeds at ~15 documents/s on a laptop CPU
MODEL_MODULES = {"torch-fp32": ("torch", "sentence_transformers"), "onnx": ("onnxruntime", "tokenizers")}


def _load_model(name: str | None) -> tuple[object, dict]:
    """The embedder, loaded and warmed, with import and load times."""

    set_offline_env()  # as reading the model does, before anything imports the hub
    encoder = Embedder(name).encoder
    startup = import_seconds(MODEL_MODULES.get(encoder, MODEL_MODULES["onnx"]))
    start = time.perf_counter()
    loaded = read_model(model_name(name), encoder)  # read from disk, even where this process holds it already
    startup["model_load_s"] = round(time.perf_counter() - start, 4)
    embedder = Embedder(name, encoder=encoder, loaded=loaded)
    start = time.perf_counter()
    embedder.encode(["warm-up"])
    startup["warmup_encode_s"] = round(time.perf_counter() - start, 4)
    return embedder, startup


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))


def _queries(target: Path, beir: bool, index, n: int, questions: Path | None) -> tuple[list[str], str]:
    """n query texts (cycled if fewer exist) and where they came from."""

    if beir:
        pool, origin = [q["text"] for q in read_jsonl(target / "queries.jsonl", limit=n)], "queries.jsonl"
    elif questions is not None:
        pool, origin = (
            [c["question"] for c in read_jsonl(questions) if isinstance(c.get("question"), str)],
            questions.name,
        )
    else:
        step = max(len(index.chunks) // n, 1)
        pool = [c.text[: c.sentences[0].end - c.start][:200] for c in index.chunks[::step]]
        origin = "first sentences of chunks"
    if not pool:
        raise InputError(f"{questions or target}: no queries to time")
    return [pool[i % len(pool)] for i in range(n)], origin


def _encode_queries(embedder, queries: list[str]) -> tuple[list, list[float]]:
    """Each query's vector, encoded one at a time as a live query is, and the time each took."""
    vectors, ms = [], []
    for query in queries:
        start = time.perf_counter()
        vectors.append(embedder.encode([query])[0])
        ms.append((time.perf_counter() - start) * 1000)
    return vectors, ms


def _build(documents: list, embedder, folder: Path, read_s: float) -> tuple[dict, object, dict]:
    """Index the documents through the real pipeline; stage times, raw encode time and the loaded index."""

    build = Build(folder, model=embedder.name, rebuild=True, progress=True, embedder_for=lambda _: embedder)
    report = update_index(build, documents, lambda _: False)
    if report.mode != "hybrid":
        raise InputError(f"the model did not load, so there is nothing to compare: {report.warning}")
    stages = {"read": read_s, **{k: report.seconds[k] for k in ("chunk", "embed", "write")}}
    build = stage_rates(stages, report.documents, report.chunks)
    start = time.perf_counter()
    index = load_index(folder)
    load_s = time.perf_counter() - start
    texts = list(dict.fromkeys(c.embed_text() for c in index.chunks))
    start = time.perf_counter()
    embedder.encode(texts, progress=True)
    encode_s = time.perf_counter() - start
    start = time.perf_counter()
    build_bm25([c.embed_text() for c in index.chunks])
    build["details_s"] = {"write: of which BM25 build": round(time.perf_counter() - start, 4)}
    build["encode_s"] = round(encode_s, 4)
    build["encode_chunks_per_s"] = round(len(texts) / encode_s, 2)
    build["pipeline_overhead_ratio"] = round(build["seconds"]["total"] / encode_s, 3)
    build["outside_embed_share"] = round(1 - build["seconds"]["embed"] / build["seconds"]["total"], 4)
    return build, index, stored_size(index, load_s)


def bench_corpus(target: Path, model: str | None = None, queries: int = 50, questions: Path | None = None) -> dict:
    """Benchmark the real pipeline on a folder of documents or the first documents of a BEIR corpus.

    Queries are `questions` (a question file) if given, else BEIR's queries or the chunks' first sentences.
    """
    if queries < 1:
        raise InputError(f"queries must be at least 1; got {queries}")
    beir = (target / "corpus.jsonl").is_file()
    if not target.is_dir():
        raise InputError(f"{target}: not a folder (give a folder of documents or a BEIR directory)")
    memory, notes = {"start": rss_mb()}, []
    embedder, startup = _load_model(model)
    memory["after_model_load"] = rss_mb()
    start = time.perf_counter()
    if beir:
        documents, skipped = beir_documents(target / "corpus.jsonl", BEIR_DOCS), []
    else:
        documents, skipped = read_folder(target)
    read_s = time.perf_counter() - start
    if not documents:
        raise InputError(f"{target}: no readable documents to index")
    if beir:
        total = _count_lines(target / "corpus.jsonl")
        notes.append(f"BEIR subset: the first {len(documents)} of {total} documents (the whole corpus is slow)")
    notes += [f"skipped {len(skipped)} unreadable files"] if skipped else []
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        build, index, stored = _build(documents, embedder, Path(tmp) / "index", read_s)
        sample = encoding_sample(index) if beir else []  # timed last, so the second model is not in the figures above
        memory["after_build"] = rss_mb()
        texts, origin = _queries(target, beir, index, queries, questions)
        vectors, encode_ms = _encode_queries(embedder, texts)
        query = time_queries(index, texts, vectors, encode_ms)
        memory["after_queries"] = rss_mb()
        verify = time_verification(index, None if beir else target)
        answer = time_answers(Path(tmp) / "index", model, texts)  # last: its engine loads its own model
    notes.append(
        f"queries: {origin}; dense and hybrid latency = query encode + rank (rank_* = rank only); "
        "answer: Engine.ask as qa ask runs it"
    )
    return {
        "target": str(target),
        "kind": "beir" if beir else "folder",
        "model": embedder.name,
        "notes": notes,
        "machine": machine(),
        "corpus": {"documents": len(index.documents), "chunks": len(index.chunks), "queries": len(texts)},
        "startup": startup,
        "build": build,
        "index": stored,
        "query": query,
        "answer": answer,
        "verify": verify,
        "memory": {"peak_rss_mb": peak_rss_mb(), "rss_mb": memory},
        **({"encoding": compare_encoders(sample, model)} if sample else {}),  # the encoder variants on the same chunks
    }
