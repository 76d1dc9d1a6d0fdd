"""Syncing an index with a folder: new files added, changed ones re-embedded, deleted ones removed."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from qa.ingest.documents import UPLOADS, read_folder
from qa.store.backend import Backend
from qa.store.build import Build
from qa.store.manifest import known_hashes
from qa.sync.report import SyncReport
from qa.sync.update import update_index


def sync_folder(build: Build) -> SyncReport:
    """Bring the index in line with `build.folder`; documents added through uploads are kept."""
    folder = Path(build.folder)
    start = time.perf_counter()
    known = {} if build.rebuild else known_hashes(build.index_dir)  # unchanged files are not parsed (nor OCR'd) again
    part = (build.backend or Backend.stored(build.index_dir)).part  # a worker's subfolder of a shared Milvus collection
    documents, skipped = read_folder(folder, known=known, under=part)
    read = time.perf_counter() - start
    unreadable = {s.source for s in skipped if s.keep}  # an I/O failure does not drop the indexed copy
    keep = lambda doc_id: doc_id.startswith(UPLOADS) or doc_id in unreadable  # noqa: E731
    report = update_index(replace(build, folder=folder.resolve()), documents, keep)
    seconds = {"read": read, **report.seconds, "total": report.seconds["total"] + read}
    return replace(report, skipped=skipped, seconds=seconds)
