"""Encoder variants compared in one process on the same texts and threads; and a from-scratch build of a corpus.

`compare_encoders` feeds `qa bench` on a BEIR folder (its `encoding` keys). The build measurement runs as
`python -m qa.measure.encoding build BEIR_DIR --encoder onnx-int8` (one process per variant, so each has its
own peak memory); it indexes the whole corpus into a temporary folder, so nothing embedded before is reused.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from qa.embed.embedder import Embedder
from qa.embed.encoders import ONNX_FP32, ONNX_INT8, TORCH_FP32
from qa.ingest.chunking import ChunkParams, chunk_document
from qa.measure.datasets import beir_documents
from qa.measure.timing import peak_rss_mb
from qa.store.build import Build
from qa.sync.update import update_index

SAMPLE = 512  # texts timed per variant: ~40 s of fp32 work on a 2-core CPU


def _timed(embedder, texts: list[str]) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    vectors = embedder.encode(texts)
    return vectors, time.perf_counter() - start


def compare_encoders(texts: list[str], model: str | None = None, sample: int = SAMPLE) -> dict:
    """Texts a second with each encoder variant on the same texts, each one's speed-up over torch fp32, and how
    close its vectors are to torch fp32's (cosine).

    All are loaded and warmed first; the texts are timed in two halves, alternating variants, so a change in
    machine load during the run falls on all of them.
    """

    texts = list(dict.fromkeys(texts))[:sample]
    if not texts:
        return {}
    embedders = {name: Embedder(model, encoder=name) for name in (TORCH_FP32, ONNX_FP32, ONNX_INT8)}
    for embedder in embedders.values():
        embedder.encode(["warm-up"])  # loads the model, and exports the ONNX copies if the cache has none
    seconds = dict.fromkeys(embedders, 0.0)
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in embedders}
    half = (len(texts) + 1) // 2
    for part in (texts[:half], texts[half:]):
        for name, embedder in embedders.items() if part else ():
            encoded, took = _timed(embedder, part)
            seconds[name] += took
            vectors[name].append(encoded)
    reference = np.concatenate(vectors[TORCH_FP32])
    cosines = {name: (np.concatenate(v) * reference).sum(axis=1) for name, v in vectors.items()}
    return {
        "texts": len(texts),
        "threads": os.environ.get("OMP_NUM_THREADS") or "default",
        "per_s": {name: round(len(texts) / took, 2) for name, took in seconds.items()},
        "speedup": {name: round(seconds[TORCH_FP32] / took, 3) for name, took in seconds.items()},
        "cosine_min": {name: round(float(c.min()), 6) for name, c in cosines.items()},
        "cosine_mean": {name: round(float(c.mean()), 6) for name, c in cosines.items()},
    }


def encoding_sample(index, size: int = SAMPLE) -> list[str]:
    """The first `size` distinct chunk texts of an index: what `qa bench` times both variants on."""
    return list(dict.fromkeys(c.embed_text() for c in index.chunks))[:size]


def build_from_scratch(root: Path, encoder: str, model: str | None = None) -> dict:
    """Index a whole BEIR corpus into a temporary folder with one encoder variant: time and peak memory."""

    start = time.perf_counter()
    documents = beir_documents(root / "corpus.jsonl")
    read_s = time.perf_counter() - start
    embedder = Embedder(model, encoder=encoder)
    with tempfile.TemporaryDirectory(prefix="qa-build-") as tmp:
        build = Build(Path(tmp) / "index", model=embedder.name, progress=True, embedder_for=lambda _: embedder)
        report = update_index(build, documents, lambda _: False)
    total = read_s + report.seconds["total"]
    return {
        "corpus": str(root),
        "encoder": encoder,
        "threads": os.environ.get("OMP_NUM_THREADS") or "default",
        "documents": report.documents,
        "chunks": report.chunks,
        "embedded": report.embedded,
        "seconds": {"read": round(read_s, 2), **{k: round(v, 2) for k, v in report.seconds.items()}},
        "total_s": round(total, 2),
        "chunks_per_s": round(report.chunks / total, 2),
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa.measure.encoding")
    sub = parser.add_subparsers(dest="what", required=True)
    build = sub.add_parser("build", help="index a whole BEIR corpus from scratch with one encoder variant")
    build.add_argument("root", type=Path)
    build.add_argument("--encoder", choices=(TORCH_FP32, ONNX_INT8), default=TORCH_FP32)
    compare = sub.add_parser("compare", help="time both variants on the first texts of a BEIR corpus")
    compare.add_argument("root", type=Path)
    compare.add_argument("--sample", type=int, default=SAMPLE)
    args = parser.parse_args(argv)
    if args.what == "build":
        result = build_from_scratch(args.root, args.encoder)
    else:
        documents = beir_documents(args.root / "corpus.jsonl", args.sample)
        texts = [c.embed_text() for d in documents for c in chunk_document(d, ChunkParams())]
        result = compare_encoders(texts, sample=args.sample)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
