"""Checking large index files in the background, so a big index answers in seconds yet damage is still found.

What is guaranteed: files read whole at load (manifest, vocabulary, tables, FAISS) are hashed before
use; JSON-lines rows are checked block by block before any byte is used (qa.store.chunk_store); memory-
mapped arrays larger than VERIFY_AT_LOAD (BM25 postings, exact vectors) are checked here once, in a
background thread started at load, after which every search refuses the index if one was damaged. In
that window, a damaged array can misrank a query, but never alter a quoted text.
"""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

from qa.records import IndexCorrupt
from qa.store.files import REBUILD_HINT

VERIFY_AT_LOAD = 64 << 20  # bytes: files up to this size are hashed before the index is used


def file_matches(path: Path, meta: dict) -> bool:
    """Whether a file has the size and the sha256 its manifest entry records."""
    if path.stat().st_size != meta["bytes"]:
        return False
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest() == meta["sha256"]


class Integrity:
    """The background check of a version's large files; `check()` raises once one proved damaged."""

    def __init__(self, files: dict[Path, dict]):
        self.files = files
        self.damaged: Path | None = None
        self.seconds: float | None = None
        self._done = threading.Event()
        if not files:
            self.seconds = 0.0
            self._done.set()
            return
        threading.Thread(target=self._run, name="qa-verify", daemon=True).start()

    def _run(self) -> None:
        start = time.perf_counter()
        try:
            for path, meta in self.files.items():
                if not file_matches(path, meta):
                    self.damaged = path
                    break
        except OSError:  # a version removed under a reader cannot be checked; its open mappings still serve
            pass
        finally:
            self.seconds = time.perf_counter() - start
            self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the check has finished (or `timeout` passed); True when finished."""
        return self._done.wait(timeout)

    def check(self) -> None:
        """Raise IndexCorrupt if the background check found a damaged file."""
        if self.damaged is not None:
            raise IndexCorrupt(f"{self.damaged}: damaged (checksum mismatch); {REBUILD_HINT}")


class Joined:
    """The background checks of a layered index's base and delta, as one."""

    def __init__(self, *parts: Integrity):
        self.parts = parts

    @property
    def damaged(self) -> Path | None:
        return next((p.damaged for p in self.parts if p.damaged is not None), None)

    @property
    def seconds(self) -> float | None:
        times = [p.seconds for p in self.parts]
        return None if None in times else max(times)

    def wait(self, timeout: float | None = None) -> bool:
        return all(p.wait(timeout) for p in self.parts)

    def check(self) -> None:
        for part in self.parts:
            part.check()
