"""The synthetic corpus made and indexed a block at a time, so `qa bench --chunks N` never holds all of it.

Texts are generated, written as document and chunk rows and counted for BM25 block by block; vectors
are generated into a file and read back a block at a time to fill FAISS. What stays in memory is
the BM25 postings and the FAISS index, as in a real streaming build.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from qa.measure.synthetic_corpus import DIMENSION, documents_and_chunks, synthetic_texts, unit_vectors
from qa.search.bm25_build import TermCounter
from qa.search.dense import StoredVectors, write_vectors
from qa.store.record_writer import RecordWriter

BLOCK_CHUNKS = 10_000  # a multiple of the chunks in a synthetic document


def stream_records(n: int, folder: Path, rng: np.random.Generator) -> tuple[object, dict, dict]:
    """Write n synthetic chunks (and their documents) as rows in `folder`, counting their BM25 terms.

    Returns the term counter, each document's content hash, and the seconds spent generating (not
    indexing), tokenizing and writing rows.
    """
    from tqdm import tqdm

    folder.mkdir(parents=True, exist_ok=True)
    writer, counter = RecordWriter(folder), TermCounter()
    seconds = {"generate": 0.0, "tokenize": 0.0, "rows": 0.0}
    for first in tqdm(range(0, n, BLOCK_CHUNKS), desc="records", leave=False, file=sys.stderr):
        clock = time.perf_counter()
        texts = synthetic_texts(min(BLOCK_CHUNKS, n - first), rng, progress=False)
        documents, chunks = documents_and_chunks(texts, first)
        seconds["generate"] += time.perf_counter() - clock
        clock = time.perf_counter()
        counter.add(texts, ["en"] * len(texts))
        seconds["tokenize"] += time.perf_counter() - clock
        clock = time.perf_counter()
        writer.add_documents(documents)
        writer.add_chunks(chunks)
        seconds["rows"] += time.perf_counter() - clock
    clock = time.perf_counter()
    writer.close()
    seconds["rows"] += time.perf_counter() - clock
    return counter, writer.hashes, seconds


def stream_vectors(n: int, path: Path, rng: np.random.Generator):
    """n synthetic vectors written to an .npy file a block at a time; returns them as StoredVectors."""

    blocks = (unit_vectors(min(20_000, n - first), rng) for first in range(0, n, 20_000))
    write_vectors(path, blocks, (n, DIMENSION))
    return StoredVectors(path)
