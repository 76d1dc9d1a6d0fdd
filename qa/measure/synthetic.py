"""`qa bench --chunks N`: how BM25, FAISS, the index files and queries scale, on a made-up corpus of N chunks."""

from __future__ import annotations

import hashlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

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
from qa.records import InputError

DIMENSION = 384  # the packaged all-MiniLM-L6-v2's
CONTENT_WORDS = 100_000
ZIPF_S = 1.0
WORDS_PER_CHUNK = (60, 120)
CHUNKS_PER_DOC = 10
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
SEED = 0
CLUSTERS = 1000  # topics the synthetic vectors gather around


def _made_up_word(k: int) -> str:
    """The k-th made-up word: k + 70 in base 70, one syllable a digit (so every word is distinct)."""
    k += len(SYLLABLES)
    syllables = []
    while k:
        k, digit = divmod(k, len(SYLLABLES))
        syllables.append(SYLLABLES[digit])
    return "".join(reversed(syllables))


def vocabulary() -> tuple[np.ndarray, int]:
    """Words by rank: the stop words first (as in real text), then made-up words; and the stop-word count."""
    from qa.search.tokens import STOP_WORDS

    made_up = (w for w in map(_made_up_word, range(2 * CONTENT_WORDS)) if w not in STOP_WORDS)  # 'have', 'here'
    words = sorted(STOP_WORDS) + [next(made_up) for _ in range(CONTENT_WORDS)]
    return np.array(words, dtype=object), len(STOP_WORDS)


def zipf_cdf(size: int) -> np.ndarray:
    """Cumulative Zipf probabilities over ranks 1..size."""
    weights = 1.0 / np.arange(1, size + 1) ** ZIPF_S
    return np.cumsum(weights / weights.sum())


def synthetic_texts(n: int, rng: np.random.Generator, progress: bool = True) -> list[str]:
    """n chunk texts of 60-120 words drawn from the Zipf vocabulary."""
    from tqdm import tqdm

    words, _ = vocabulary()
    cdf = zipf_cdf(len(words))
    lengths = rng.integers(WORDS_PER_CHUNK[0], WORDS_PER_CHUNK[1] + 1, size=n)
    texts = []
    blocks = range(0, n, 10_000)
    for first in tqdm(blocks, desc="texts", leave=False, file=sys.stderr) if progress else blocks:
        sizes = lengths[first : first + 10_000]
        ids = np.minimum(np.searchsorted(cdf, rng.random(int(sizes.sum()))), len(words) - 1)
        for piece in np.split(ids, np.cumsum(sizes)[:-1]):
            texts.append(" ".join(words[piece]) + ".")
    return texts


def documents_and_chunks(texts: list[str], first_chunk: int = 0) -> tuple[list, list]:
    """Documents of 10 chunks each, one chunk a line, with offsets as the real chunker records them.

    `first_chunk` (a multiple of 10) numbers a later block of the corpus.
    """
    from qa.records import Chunk, Document, Span

    documents, chunks = [], []
    for first in range(0, len(texts), CHUNKS_PER_DOC):
        doc_id, start = f"synthetic/{(first_chunk + first) // CHUNKS_PER_DOC:07d}.txt", 0
        text = "\n".join(texts[first : first + CHUNKS_PER_DOC])
        for line, piece in enumerate(texts[first : first + CHUNKS_PER_DOC], start=1):
            end = start + len(piece)
            chunk_id = first_chunk + len(chunks)
            chunks.append(Chunk(chunk_id, doc_id, start, end, piece, (Span(start, end),), (), line, line))
            start = end + 1
        documents.append(Document(doc_id, doc_id.rsplit("/", 1)[-1], text, hashlib.sha256(text.encode()).hexdigest()))
    return documents, chunks


def unit_vectors(n: int, rng: np.random.Generator) -> np.ndarray:
    """n unit vectors, float32, clustered as sentence embeddings are: a random topic centre plus as much noise.

    Each vector is a centre (one of CLUSTERS random unit vectors) plus Gaussian noise of the same norm,
    normalized: cosine about 0.7 to its centre, 0.5 within a topic, 0 across topics. Uniformly random
    vectors (the bench before) are the worst case for any approximate index and unlike real embeddings.
    """
    centres = np.random.default_rng(SEED + 1).standard_normal((CLUSTERS, DIMENSION), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    vectors = np.empty((n, DIMENSION), dtype=np.float32)
    for first in range(0, n, 100_000):
        size = min(100_000, n - first)
        noise = rng.standard_normal((size, DIMENSION), dtype=np.float32) / np.float32(np.sqrt(DIMENSION))
        block = centres[rng.integers(0, CLUSTERS, size)] + noise
        vectors[first : first + size] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return vectors


def synthetic_queries(n: int, rng: np.random.Generator) -> list[str]:
    """n queries of 2-5 content words drawn from the same Zipf distribution (stop words skipped)."""
    words, stop = vocabulary()
    cdf = zipf_cdf(len(words) - stop)
    draw = lambda k: words[stop + np.minimum(np.searchsorted(cdf, rng.random(k)), len(cdf) - 1)]  # noqa: E731
    return [" ".join(draw(int(k))) for k in rng.integers(2, 6, size=n)]


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


def _write(folder: Path, documents, chunks, lexical, dense, hashes: dict, backend=None) -> None:
    from dataclasses import replace

    from qa.ingest.chunking import ChunkParams
    from qa.store.files import IndexLock
    from qa.store.index import Index
    from qa.store.manifest import Manifest
    from qa.store.save import save_index

    manifest = Manifest.describe([], len(chunks), "synthetic", dense, ChunkParams())
    manifest = replace(manifest, documents=hashes, languages=("en",))
    manifest = backend.describe(manifest, "synthetic", DIMENSION) if backend is not None else manifest
    with IndexLock(folder):
        save_index(folder, Index(manifest, documents, chunks, lexical, dense))


NOTES = [
    f"vectors synthetic: {DIMENSION}-d unit vectors around {CLUSTERS} random topic centres (cosine ~0.7 to the "
    "centre); no model is loaded, so nothing is encoded",
    f"texts synthetic: {WORDS_PER_CHUNK[0]}-{WORDS_PER_CHUNK[1]} words a chunk, Zipf(s={ZIPF_S}) over the stop "
    f"words + {CONTENT_WORDS:,} made-up words; {CHUNKS_PER_DOC} chunks a document; reading and chunking not run",
    "queries: 2-5 random content words, query vectors drawn like the chunks'; latency is rank only (no encode)",
]


def _milvus_insert(backend, chunks, vectors: np.ndarray) -> None:
    """Upsert every chunk, its vector and terms into a new collection (Milvus computes the BM25 field)."""
    from qa.embed.embedder import text_key
    from qa.store import milvus

    client = milvus.connect(backend.uri)
    milvus.create_collection(client, backend.collection, DIMENSION)
    for first in range(0, len(chunks), 1000):
        rows = [milvus.entity(c, text_key("synthetic", c.text), v, "en") for c, v in
                zip(chunks[first : first + 1000], vectors[first : first + 1000])]  # fmt: skip
        client.upsert(backend.collection, rows)
    client.flush(backend.collection)


def _store(stages, tmp: Path, backend: str, chunks: int, rng: np.random.Generator):
    """Make the corpus and write the index (FAISS here, or Milvus Lite in `tmp`) a block at a time; load it back."""
    from qa.measure.synthetic_stream import stream_records, stream_vectors
    from qa.search.dense import DenseVectors
    from qa.store.chunk_store import open_store
    from qa.store.load import load_index

    counter, hashes, seconds = stages.run("records", stream_records, chunks, tmp / "records", rng)
    lexical = stages.run("bm25", counter.finish)
    del counter
    vectors = stages.run("generate_vectors", stream_vectors, chunks, tmp / "vectors.npy", rng)
    documents, records = open_store(tmp / "records")
    dense, target = None, None
    if backend == "milvus":
        from qa.store.backend import Backend

        target = Backend("milvus", str(tmp / "milvus.db"), "bench")
        stages.run("milvus_insert", _milvus_insert, target, records, vectors)
    else:
        dense = stages.run("faiss", DenseVectors.build, vectors)
    stages.run("write", _write, tmp / "index", documents, records, lexical, dense, hashes, target)
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
    from qa.measure.sync_one import in_fresh_process

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
    }


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
