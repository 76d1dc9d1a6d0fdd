"""Embedding a build's chunks in slices: progress with rates and an ETA on stderr, and resumable after a crash.

Each finished slice is written to the index folder's `.embedding-progress/` shards (see qa.embed.cache),
so an interrupted build embeds only what is left when it runs again; a successful write clears the folder.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import numpy as np

from qa.embed.cache import CachedEmbedder

PROGRESS_FOLDER = ".embedding-progress"  # hidden: the index loader ignores it, `_remove_stale` keeps it
SLICE = 256  # texts embedded (and saved) at a time: ~10-20 s of fp32 work on a 2-core CPU


def progress_folder(index_dir: Path) -> Path:
    return Path(index_dir) / PROGRESS_FOLDER


def resumable(embedder, index_dir: Path) -> CachedEmbedder:
    """`embedder` with each slice it embeds kept on disk under the index folder until the build is written."""
    return CachedEmbedder(embedder, progress_folder(index_dir))


def finished(index_dir: Path) -> None:
    """The build is written: its saved slices are no longer needed."""
    shutil.rmtree(progress_folder(index_dir), ignore_errors=True)


def embed_texts(embedder: CachedEmbedder, texts: list[str], doc_ids: list[str], progress: bool) -> list[np.ndarray]:
    """Vectors of `texts` (in order), the uncached ones embedded SLICE at a time; with `progress`, a bar on
    stderr with chunks/s, documents/s and an ETA (texts saved by an interrupted build count as done)."""
    from tqdm import tqdm

    todo = [row for row, text in enumerate(texts) if not embedder.has(text)]
    if todo:
        getattr(embedder.embedder, "model", None)  # load the model before the clock starts: rates are of embedding
    last_row = {doc_ids[row]: position for position, row in enumerate(todo)}  # a document is done with its last
    ends = sorted(last_row.values())
    done_docs, start = 0, time.perf_counter()
    with tqdm(total=len(texts), initial=len(texts) - len(todo), desc="Embedding", unit="chunk", file=sys.stderr,
              disable=not progress, smoothing=0.05, dynamic_ncols=True) as bar:  # fmt: skip
        for first in range(0, len(todo), SLICE):
            rows = todo[first : first + SLICE]
            embedder.encode([texts[row] for row in rows])
            while done_docs < len(ends) and ends[done_docs] < first + len(rows):
                done_docs += 1
            rate = done_docs / max(time.perf_counter() - start, 1e-9)
            bar.set_postfix_str(f"{done_docs}/{len(ends)} docs, {rate:.1f} docs/s", refresh=False)
            bar.update(len(rows))
    return embedder.cached(texts)  # rows, not one more copy of every vector
