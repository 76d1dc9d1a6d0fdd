"""Measuring for `qa bench`: memory, import time, query latency, stage rates, index size."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import time

from qa.engine import Engine
from qa.search.options import MODES
from qa.search.retrieval import Lookup, rank


def rss_mb() -> float | None:
    """The process's resident memory now, in MB (Linux only)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            line = next(x for x in handle if x.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return None
    return round(int(line.split()[1]) / 1024, 1)


def peak_rss_mb() -> float | None:
    """The process's peak resident memory so far (ru_maxrss), in MB."""
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


def latency(ms: list[float]) -> dict:
    """p50/p95/mean of a list of milliseconds."""
    import numpy as np

    values = np.asarray(ms, dtype=float)
    pct = lambda q: round(float(np.percentile(values, q)), 3)  # noqa: E731
    return {"p50_ms": pct(50), "p95_ms": pct(95), "mean_ms": round(float(values.mean()), 3)}


def import_seconds(modules: tuple[str, ...]) -> dict:
    """Seconds to import each module: here if none is loaded yet, else in a fresh interpreter."""
    if not any(m in sys.modules for m in modules):
        times = {}
        for module in modules:
            start = time.perf_counter()
            importlib.import_module(module)
            times[module] = time.perf_counter() - start
        where = "in-process"
    else:
        script = (
            "import importlib, json, sys, time\ntimes = {}\nfor m in sys.argv[1:]:\n"
            "    t = time.perf_counter(); importlib.import_module(m); times[m] = time.perf_counter() - t\n"
            "print(json.dumps(times))"
        )
        out = subprocess.run([sys.executable, "-c", script, *modules], capture_output=True, text=True, check=True)
        times, where = json.loads(out.stdout.strip().splitlines()[-1]), "fresh subprocess (already imported here)"
    result = {f"import_{m.split('.')[0]}_s": round(t, 4) for m, t in times.items()}
    return {"import_s": round(sum(times.values()), 4), **result, "import_measured": where}


def time_queries(index, queries: list[str], vectors: list, encode_ms: list[float] | None) -> dict:
    """Warm p50/p95 per mode; dense and hybrid add the query's own encode time when there is one."""
    from tqdm import tqdm

    for mode in MODES:  # warm-up: caches, FAISS threads, first-call costs
        for query, vector in list(zip(queries, vectors))[:3]:
            rank(index, Lookup(query, vector, mode), 5)
    result = {}
    for mode in MODES:
        rank_ms, total_ms = [], []
        for i, (query, vector) in enumerate(tqdm(list(zip(queries, vectors)), desc=mode, leave=False, file=sys.stderr)):
            start = time.perf_counter()
            rank(index, Lookup(query, vector, mode), 5)
            rank_ms.append((time.perf_counter() - start) * 1000)
            total_ms.append(rank_ms[-1] + (encode_ms[i] if encode_ms and mode != "bm25" else 0.0))
        result[mode] = {**latency(total_ms), **{f"rank_{k}": v for k, v in latency(rank_ms).items()}}
    if encode_ms:
        result["encode"] = latency(encode_ms)
    return result


def time_answers(folder, model: str | None, questions: list[str]) -> dict:
    """`Engine.ask` per question, as `qa ask` answers it (hybrid, top 5): the first time each is asked
    (its sentences' token vectors computed) and asked again (cached), after one untimed warm-up."""

    engine = Engine(folder, model)
    engine.ask(questions[0])  # loads the model and the answer scorers
    timed = {"first": questions[1:] or questions, "again": questions}
    result = {}
    for name, asked in timed.items():
        ms = []
        for question in asked:
            start = time.perf_counter()
            engine.ask(question)
            ms.append((time.perf_counter() - start) * 1000)
        result[name] = latency(ms)
    return result


def machine() -> dict:
    """CPU count and load, since timings are wall-clock on a possibly shared machine."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    info = {"cpus": os.cpu_count(), "loadavg_1m": round(load, 2) if load is not None else None}
    if "faiss" in sys.modules:
        info["faiss_threads"] = sys.modules["faiss"].omp_get_max_threads()
    if "torch" in sys.modules:
        info["torch_threads"] = sys.modules["torch"].get_num_threads()
    return info


def stage_rates(seconds: dict[str, float], documents: int, chunks: int) -> dict:
    """Total time, throughput and microseconds per chunk of each build stage."""
    total = sum(seconds.values())
    per_chunk = {k: round(v * 1e6 / max(chunks, 1), 1) for k, v in {**seconds, "total": total}.items()}
    return {
        "seconds": {**{k: round(v, 4) for k, v in seconds.items()}, "total": round(total, 4)},
        "docs_per_s": round(documents / total, 2) if total else None,
        "chunks_per_s": round(chunks / total, 2) if total else None,
        "us_per_chunk": per_chunk,
    }


def stored_size(index, load_s: float) -> dict:
    """Load time, and the index's size on disk in total and per file, in MB."""
    files = {name: meta["bytes"] / 2**20 for name, meta in index.manifest.files.items()}
    disk = round(sum(files.values()), 4)
    return {"load_s": round(load_s, 4), "disk_mb": disk, "files_mb": {k: round(v, 4) for k, v in files.items()}}


_SERVE = """import json, sys, time
import numpy as np
from pathlib import Path
from qa.store.load import load_index
from qa.measure.timing import rss_mb
from qa.search.retrieval import Lookup, rank
start = time.perf_counter()
index = load_index(Path(sys.argv[1]))
loaded = time.perf_counter() - start
queries, vectors = json.loads(Path(sys.argv[2]).read_text()), np.load(sys.argv[3])
for mode in ("hybrid", "dense", "bm25"):
    for query, vector in zip(queries, vectors):
        rank(index, Lookup(query, vector, mode), 5)
hwm = next(x for x in open("/proc/self/status") if x.startswith("VmHWM:"))  # ru_maxrss counts the forked parent
print(json.dumps({"serve_rss_mb": rss_mb(), "serve_peak_rss_mb": round(int(hwm.split()[1]) / 1024, 1),
                  "serve_load_s": round(loaded, 4)}))
"""


def serve_memory(folder, queries: list[str], vectors) -> dict:
    """RSS of a fresh process that opens the index in `folder` and answers the queries in every mode."""
    import tempfile
    from pathlib import Path

    import numpy as np

    with tempfile.TemporaryDirectory(prefix="qa-serve-") as tmp:
        (Path(tmp) / "queries.json").write_text(json.dumps(queries), encoding="utf-8")
        np.save(Path(tmp) / "vectors.npy", np.asarray(vectors, dtype=np.float32))
        args = [sys.executable, "-c", _SERVE, str(folder), f"{tmp}/queries.json", f"{tmp}/vectors.npy"]
        out = subprocess.run(args, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def ann_recall(dense, vectors, k: int = 10) -> dict:
    """Recall@k of the dense index's search against exact search, over the query vectors; 1.0 when exact."""
    if getattr(dense, "params", None) is None:  # none, or Milvus's
        return {f"recall@{k}": None, "index": None}
    found = []
    for vector in vectors:
        approximate = {row for row, _ in dense.search(vector, k)}
        exact = [row for row, _ in dense.search(vector, k, exact=True)]
        found.append(len(approximate.intersection(exact)) / max(len(exact), 1))
    return {f"recall@{k}": round(sum(found) / max(len(found), 1), 4), "index": dict(dense.params)}
