"""Uploaded files as documents: named safely under `uploads/`, size-checked, parsed, de-duplicated by content."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa.ingest.documents import UPLOADS, parse_document
from qa.records import Document, DocumentError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """What became of one uploaded file: `status` is added, updated, duplicate or rejected."""

    name: str
    status: str
    note: str


def safe_name(name: str) -> str:
    """A file name reduced to letters, digits, '.', '-' and '_', keeping its suffix."""
    base = Path(name.replace("\\", "/").rsplit("/", 1)[-1])
    suffix = base.suffix.lower() if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", base.suffix) else ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", base.name[: len(base.name) - len(suffix)]).strip("_")
    return (stem[:100] or "document") + suffix


def unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name` with a number added when another file of the same upload already has it."""
    stem, suffix = os.path.splitext(name)
    number = 2
    while name in taken:
        name, number = f"{stem}-{number}{suffix}", number + 1
    return name


def read_upload(path: Path, source: str, max_bytes: int = MAX_UPLOAD_BYTES) -> Document:
    """The uploaded file as a Document with id `source`; any failure is a DocumentError naming it."""
    try:
        size = os.path.getsize(path)
        if size > max_bytes:
            raise DocumentError(source, f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit")
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError:
        raise DocumentError(source, "the upload could not be read; try again") from None
    if len(data) > max_bytes:
        raise DocumentError(source, f"file is over the {max_bytes / 2**20:.0f} MB limit")
    try:
        return parse_document(data, source)
    except DocumentError:
        raise
    except Exception as exc:  # a damaged file of a supported type must not break the caller
        raise DocumentError(source, f"cannot read the file ({type(exc).__name__})") from None


@dataclass(frozen=True)
class ReadUploads:
    """The uploaded files read: a row per file (fresh ones "pending"), and the fresh documents with their rows."""

    rows: list[Upload]
    fresh: list[tuple[int, Document]]

    def rejected(self, reason: str) -> list[Upload]:
        """The rows with every fresh file rejected for `reason` (the index update failed)."""
        rows = list(self.rows)
        for row, _ in self.fresh:
            rows[row] = Upload(rows[row].name, "rejected", reason)
        return rows

    def added(self, updated: list[str], passages: Callable[[str], int]) -> list[Upload]:
        """The rows once the fresh documents are indexed: `updated` lists the ids that replaced earlier uploads,
        `passages(doc_id)` counts a document's chunks."""
        rows = list(self.rows)
        for row, document in self.fresh:
            status = "updated" if document.doc_id in updated else "added"
            note = ("replaced the earlier upload; " if status == "updated" else "") + (
                f"{passages(document.doc_id)} passages; ask about it now"
            )
            rows[row] = Upload(rows[row].name, status, note)
        return rows


def read_uploads(paths: list[Path], known: dict[str, str], max_bytes: int = MAX_UPLOAD_BYTES,
                 on_read: Callable[[int, str], None] = lambda i, name: None) -> ReadUploads:  # fmt: skip
    """Parse each file as `uploads/NAME`; `known` maps the content hashes already indexed to their ids (duplicates
    are not added again)."""
    known, rows, fresh = dict(known), [], []
    for i, path in enumerate(paths):
        name = unique_name(safe_name(Path(path).name), {row.name for row in rows})
        on_read(i, name)
        try:
            document = read_upload(Path(path), UPLOADS + name, max_bytes)
        except DocumentError as exc:
            rows.append(Upload(name, "rejected", exc.reason))
            continue
        if document.content_hash in known:
            rows.append(Upload(name, "duplicate", f"already indexed ({known[document.content_hash]})"))
            continue
        known[document.content_hash] = document.doc_id
        rows.append(Upload(name, "pending", ""))
        fresh.append((len(rows) - 1, document))
    return ReadUploads(rows, fresh)
