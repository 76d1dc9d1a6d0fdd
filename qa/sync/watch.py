"""Watching a folder: a sync after each burst of changes settles."""

from __future__ import annotations

import time
from pathlib import Path

from qa.ingest.documents import find_files
from qa.store.build import Build
from qa.sync.folder import sync_folder


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    state = {}
    for path in find_files(folder):
        try:
            stat = path.stat()
        except OSError:
            continue
        state[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return state


def watch_folder(build: Build, interval: float = 1.0, debounce: float = 0.5):
    """Yield a SyncReport after each burst of changes in `build.folder` settles; runs until interrupted."""
    folder = Path(build.folder)
    seen = _snapshot(folder)
    while True:
        time.sleep(interval)
        now = _snapshot(folder)
        if now == seen:
            continue
        while True:  # debounce: wait until the folder stops changing
            time.sleep(debounce)
            settled = _snapshot(folder)
            if settled == now:
                break
            now = settled
        seen = now
        yield sync_folder(build)
