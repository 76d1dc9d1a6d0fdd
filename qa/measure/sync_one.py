"""`python -m qa.measure.sync_one INDEX`: time a sync that changes one document of a large (synthetic) index.

Run in a fresh process by `qa bench --chunks N`, so its memory is the sync's own. The changed document
gets one more line; every other document is passed as unchanged (as a folder sync finds it by hash). The
new line is embedded by a stand-in that returns a unit vector (the synthetic index has no model): the
model's time for one document's chunks, about a second, is not in the figure.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa.ingest.documents import Unchanged
from qa.measure.timing import peak_rss_mb
from qa.store.build import Build
from qa.store.load import load_index
from qa.sync.update import update_index


class StandIn:
    """Unit vectors for a synthetic index's sync (no model: the index was built without one)."""

    name, dimension, encoder = "synthetic", 384, "torch-fp32"

    def encode(self, texts, progress: bool = False, **_):
        vectors = np.random.default_rng(len(texts)).standard_normal((len(texts), self.dimension)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _folder_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 3)


def sync_one(folder: Path, which: int = 5) -> dict:
    """Change the `which`-th document and sync; seconds, peak RSS, and what the new version holds."""

    start = time.perf_counter()
    index = load_index(folder)
    doc_id = sorted(index.manifest.documents)[which]
    changed = index.documents[doc_id]
    text = changed.text + "\nA new closing line about the wells of the district."
    changed = replace(changed, text=text, content_hash=hashlib.sha256(text.encode()).hexdigest())
    documents = [Unchanged(d, h) for d, h in index.manifest.documents.items() if d != doc_id] + [changed]
    del index
    report = update_index(
        Build(folder, model="synthetic", embedder_for=lambda _: StandIn()), documents, lambda _: False
    )
    seconds = time.perf_counter() - start
    written = folder / (folder / "CURRENT").read_text(encoding="utf-8").strip()
    return {
        "seconds": round(seconds, 3),
        "update_index_s": {k: round(v, 3) for k, v in report.seconds.items()},
        "delta_chunks": report.delta,
        "embedded": report.embedded,
        "version_written_mb": _folder_mb(written),
        "index_mb": _folder_mb(folder),
        "peak_rss_mb": peak_rss_mb(),
    }


if __name__ == "__main__":
    print(json.dumps(sync_one(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 5)))


def in_fresh_process(folder: Path) -> dict:
    """sync_one in a new Python process (its peak memory is the sync's own)."""
    import subprocess

    out = subprocess.run([sys.executable, "-m", "qa.measure.sync_one", str(folder)], capture_output=True, text=True,
                         check=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])
