"""Plain files of an index: JSON-lines rows (no pickles), checksums, the CURRENT pointer and the writer's lock."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

from qa.records import Chunk, Document, IndexCorrupt, IndexLocked, IndexWriteError, InputError, Span

CURRENT = "CURRENT"
VERSION_NAME = re.compile(r"^v\d{6}$")
HIDDEN = "base.hidden.json"  # in a delta version (qa.store.layered): the base's documents it hides
REBUILD_HINT = "run `qa index --rebuild FOLDER` to rebuild it"


def document_row(document: Document) -> dict:
    return {
        "doc_id": document.doc_id,
        "title": document.title,
        "content_hash": document.content_hash,
        "page_starts": list(document.page_starts),
        "language": document.language,
        **_format_fields(document),
        "text": document.text,
    }


def _format_fields(document: Document) -> dict:
    """The kind, OCR pages and sheets of a document, written only when they differ from plain text."""
    fields = {"kind": document.kind} if document.kind != "text" else {}
    if document.ocr_pages:
        fields["ocr_pages"] = list(document.ocr_pages)
    if document.sheets:
        fields["sheets"] = [[name, start] for name, start in document.sheets]
    return fields


def document_from_row(row: dict) -> Document:
    """A document from its row; rows written before languages were recorded are English."""
    return Document(
        row["doc_id"],
        row["title"],
        row["text"],
        row["content_hash"],
        tuple(row["page_starts"]),
        row.get("language", "en"),
        kind=row.get("kind", "text"),
        ocr_pages=tuple(row.get("ocr_pages", ())),
        sheets=tuple((name, start) for name, start in row.get("sheets", ())),
    )


def chunk_row(chunk: Chunk) -> dict:
    return {
        "chunk_id": chunk.chunk_id,
        "doc_id": chunk.doc_id,
        "start": chunk.start,
        "end": chunk.end,
        "sentences": [[s.start, s.end, int(s.is_heading)] for s in chunk.sentences],
        "heading_path": list(chunk.heading_path),
        "line_start": chunk.line_start,
        "line_end": chunk.line_end,
        "page": chunk.page,
    }


def chunk_from_row(row: dict, document: Document) -> Chunk:
    """A chunk; its text is sliced from its document so the two can never disagree."""
    return Chunk(
        chunk_id=row["chunk_id"],
        doc_id=row["doc_id"],
        start=row["start"],
        end=row["end"],
        text=document.text[row["start"] : row["end"]],
        sentences=tuple(Span(s, e, bool(h)) for s, e, h in row["sentences"]),
        heading_path=tuple(row["heading_path"]),
        line_start=row["line_start"],
        line_end=row["line_end"],
        page=row["page"],
    )


def write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path, limit: int | None = None) -> list[dict]:
    """JSON objects, one a line (the first `limit` of them); a missing file or a bad line is named in the error."""
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    rows: list[dict] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if limit is not None and len(rows) >= limit:
                break
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise InputError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise InputError(f"{path}:{number}: expected a JSON object")
            rows.append(row)
    return rows


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_error(folder: Path, exc: OSError) -> IndexWriteError:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return IndexWriteError(f"cannot write the index in {folder}: {reason}; the previous index is unchanged")


def pointer(folder: Path) -> str | None:
    """What CURRENT says, or None if it cannot be read."""
    try:
        return (folder / CURRENT).read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None


def current_version(folder: Path) -> str | None:
    """The live version's folder name, or None if no index was ever completed here."""
    if not folder.is_dir():
        return None
    try:
        name = (folder / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexCorrupt(f"{folder / CURRENT}: cannot read ({exc.strerror}); {REBUILD_HINT}") from None
    except ValueError:
        raise IndexCorrupt(f"{folder / CURRENT}: not a version name (binary data); {REBUILD_HINT}") from None
    if not VERSION_NAME.match(name) or not (folder / name).is_dir():
        raise IndexCorrupt(f"{folder / CURRENT}: points to a missing version {name[:40]!r}; {REBUILD_HINT}")
    return name


class IndexLock:
    """One writer at a time: an exclusive lock file in the index folder."""

    def __init__(self, folder: Path):
        from filelock import FileLock

        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_error(folder, exc) from None
        self.folder = folder
        self.lock = FileLock(str(folder / ".lock"), timeout=0)

    def __enter__(self):
        from filelock import Timeout

        try:
            self.lock.acquire()
        except Timeout:
            raise IndexLocked(
                f"{self.folder}: another qa process is updating this index; wait for it to finish"
            ) from None
        except OSError as exc:
            raise write_error(self.folder, exc) from None
        return self

    def __exit__(self, *exc):
        self.lock.release()
