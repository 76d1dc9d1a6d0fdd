"""`qa bench --chunks N`: how BM25, FAISS, the index files and queries scale, on a made-up corpus of N chunks."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from qa.embed.embedder import text_key
from qa.ingest.chunking import ChunkParams
from qa.measure.sync_one import in_fresh_process
from qa.measure.synthetic_corpus import (
    CHUNKS_PER_DOC,
    CLUSTERS,
    CONTENT_WORDS,
    DIMENSION,
    SEED,
    WORDS_PER_CHUNK,
    ZIPF_S,
    synthetic_queries,
    unit_vectors,
)
from qa.measure.synthetic_stream import stream_records, stream_vectors
from qa.measure.timing import (
    ann_recall,
    import_seconds,
    machine,
    peak_rss_mb,
    rss_mb,
    serve_memory,
    stage_rates,
    stored_size,
    time_queries,
)
from qa.measure.verifying import sampled_citations, time_verification, write_cited
from qa.records import InputError
from qa.search.dense import DenseVectors
from qa.store import milvus
from qa.store.backend import Backend
from qa.store.chunk_store import open_store
from qa.store.files import IndexLock
from qa.store.index import Index
from qa.store.load import load_index
from qa.store.manifest import Manifest
from qa.store.milvus.write import milvus_manifest
from qa.store.save import save_index


class _Stages:
    """Times named stages, logs each to stderr as it ends (partial figures survive a kill), records RSS."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self.rss: dict[str, float | None] = {"start": rss_mb()}
        self.peak: dict[str, float | None] = {}

    def run(self, name: str, fn, *fn_args):
        start = time.perf_counter()
        value = fn(*fn_args)
        self.seconds[name] = time.perf_counter() - start
        self.rss[f"after_{name}"], self.peak[name] = rss_mb(), peak_rss_mb()
        rss, peak = self.rss[f"after_{name}"], self.peak[name]
        print(f"qa bench: {name} {self.seconds[name]:.2f}s, RSS {rss} MB, peak so far {peak} MB", file=sys.stderr)
        return value


def _manifest(chunks: int, dense, hashes: dict, backend=None):
    """The manifest of the synthetic index: its document hashes, and its Milvus collection when it has one."""
    from dataclasses import replace

    manifest = Manifest.describe([], chunks, "synthetic", dense, ChunkParams())
    manifest = replace(manifest, documents=hashes, languages=("en",))
    return milvus_manifest(manifest, backend, "synthetic", DIMENSION) if backend is not None else manifest


def _write(folder: Path, index) -> None:

    with IndexLock(folder):
        save_index(folder, index)


NOTES = [
    f"vectors synthetic: {DIMENSION}-d unit vectors around {CLUSTERS} random topic centres (cosine ~0.7 to the "
    "centre); no model is loaded, so nothing is encoded",
    f"texts synthetic: {WORDS_PER_CHUNK[0]}-{WORDS_PER_CHUNK[1]} words a chunk, Zipf(s={ZIPF_S}) over the stop "
    f"words + {CONTENT_WORDS:,} made-up words; {CHUNKS_PER_DOC} chunks a document; reading and chunking not run",
    "queries: 2-5 random content words, query vectors drawn like the chunks'; latency is rank only (no encode)",
]


def _milvus_insert(backend, chunks, vectors: np.ndarray) -> None:
    """Upsert every chunk, its vector and terms into a new collection (Milvus computes the BM25 field)."""

    client = milvus.connect(backend.uri)
    milvus.create_collection(client, backend.collection, DIMENSION)
    for first in range(0, len(chunks), 1000):
        rows = [milvus.entity(c, text_key("synthetic", c.text), v, "en") for c, v in
                zip(chunks[first : first + 1000], vectors[first : first + 1000])]  # fmt: skip
        client.upsert(backend.collection, rows)
    client.flush(backend.collection)


def _store(stages, tmp: Path, backend: str, chunks: int, rng: np.random.Generator):
    """Make the corpus and write the index (FAISS here, or Milvus Lite in `tmp`) a block at a time; load it back."""

    counter, hashes, seconds = stages.run("records", stream_records, chunks, tmp / "records", rng)
    lexical = stages.run("bm25", counter.finish)
    del counter
    vectors = stages.run("generate_vectors", stream_vectors, chunks, tmp / "vectors.npy", rng)
    documents, records = open_store(tmp / "records")
    dense, target = None, None
    if backend == "milvus":
        target = Backend("milvus", str(tmp / "milvus.db"), "bench")
        stages.run("milvus_insert", _milvus_insert, target, records, vectors)
    else:
        dense = stages.run("faiss", DenseVectors.build, vectors)
    manifest = _manifest(len(records), dense, hashes, target)
    stages.run("write", _write, tmp / "index", Index(manifest, documents, records, lexical, dense))
    del documents, records, lexical, dense
    index = stages.run("load", load_index, tmp / "index")
    if index.integrity is not None:  # large files are checked in the background: finish before timing queries
        stages.run("background_verify", index.integrity.wait)
    return index, seconds


def _disk_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 4)


def bench_synthetic(chunks: int, queries: int = 50, backend: str = "local") -> dict:
    """Build, write, load and query an index of `chunks` synthetic chunks; time and memory per stage; then
    sync one changed document (qa.measure.sync_one)."""

    if chunks < 1 or queries < 1:
        raise InputError(f"chunks and queries must be at least 1; got {chunks} and {queries}")
    startup = import_seconds(("faiss", "scipy.sparse"))
    rng, stages = np.random.default_rng(SEED), _Stages()
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:  # Milvus Lite's file is in it: query inside
        index, seconds = _store(stages, Path(tmp), backend, chunks, rng)
        milvus_mb = _disk_mb(Path(tmp) / "milvus.db") if backend == "milvus" else None
        texts, query_vectors = synthetic_queries(queries, rng), unit_vectors(queries, rng)
        query = time_queries(index, texts, list(query_vectors), None)
        serve = serve_memory(Path(tmp) / "index", texts, query_vectors) if backend != "milvus" else {}
        sync = in_fresh_process(Path(tmp) / "index") if backend != "milvus" else None
        verify = _verify(index, Path(tmp) / "cited") if backend != "milvus" else None
    stages.rss["after_queries"] = rss_mb()
    stages.seconds["records"] -= seconds["generate"]  # the indexing part: tokenizing and writing rows
    names = ("records", "bm25", "milvus_insert" if backend == "milvus" else "faiss", "write")
    build = stage_rates({k: stages.seconds[k] for k in names}, len(index.documents), chunks)
    build["details_s"] = {
        "records: of which tokenize": round(seconds["tokenize"], 4),
        "records: of which rows written": round(seconds["rows"], 4),
        "bm25: weighting the counted terms": round(stages.seconds["bm25"], 4),
        "generate texts and chunk records (not indexing)": round(seconds["generate"], 4),
        "generate vectors (not indexing)": round(stages.seconds["generate_vectors"], 4),
    }
    return {
        "target": f"synthetic ({chunks:,} chunks, {backend} backend)",
        "kind": "synthetic",
        "model": None,
        "notes": NOTES,
        "machine": machine(),
        "corpus": {"documents": len(index.documents), "chunks": len(index.chunks), "queries": len(texts)},
        "startup": {**startup, "model_load_s": None},
        "build": build,
        "index": {**stored_size(index, stages.seconds["load"]), "milvus_lite_mb": milvus_mb},
        "query": query,
        "ann": ann_recall(index.dense, query_vectors),
        "memory": _memory(stages, serve),
        "sync_one_document": sync,
        "verify": verify,
    }


def _verify(index, folder: Path) -> dict:
    """`qa verify` of a report of 200 citations, its cited documents written out as files (hashed, then checked)."""
    write_cited(index, sampled_citations(index), folder)
    return time_verification(index, folder)


def _memory(stages: _Stages, serve: dict) -> dict:
    """Peak RSS in all, up to the written index, and of a fresh process serving it (None with Milvus Lite)."""
    return {
        "peak_rss_mb": peak_rss_mb(),
        "build_peak_rss_mb": stages.peak["write"],
        "serve_rss_mb": serve.get("serve_rss_mb"),
        "serve_peak_rss_mb": serve.get("serve_peak_rss_mb"),
        "rss_mb": stages.rss,
        "peak_rss_mb_after": stages.peak,
    }
