"""Reading a folder of files into Documents, skipping what cannot be read with a reason."""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from qa.ingest.formats import READERS
from qa.lang.detect import detect_language
from qa.records import Document, DocumentError, FileUnreadable, InputError

MAX_FILE_BYTES = 20 * 1024 * 1024
UPLOADS = "uploads/"  # doc_id prefix of documents added through the app (not files of the folder)
SUPPORTED = tuple(sorted(READERS))


@dataclass(frozen=True)
class Skipped:
    """A file left out of the index, and why; `keep` if an I/O failure should keep its indexed copy."""

    source: str
    reason: str
    keep: bool = False


@dataclass(frozen=True)
class Unchanged:
    """A file whose bytes hash to what the index already holds for it: neither parsed nor read from the index."""

    doc_id: str
    content_hash: str


def find_files(root: Path) -> Iterator[Path]:
    """Files below `root` in a stable order; symlinked folders are not descended."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def source_name(path: Path, root: Path) -> str:
    """The document id: the path relative to the indexed folder, with forward slashes."""
    return path.relative_to(root).as_posix()


def _check_link(path: Path, root: Path, source: str) -> None:
    """Refuse symlinks that leave the folder, loop or dangle."""
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:
        raise DocumentError(source, "broken symlink (its target does not exist)") from None
    except RuntimeError:  # how Python < 3.13 reports a loop
        raise DocumentError(source, "symlink loop; not followed") from None
    except OSError as exc:
        raise DocumentError(source, f"symlink cannot be followed ({exc.strerror or exc})") from None
    if not target.is_relative_to(root.resolve()):
        raise DocumentError(source, "symlink pointing outside the folder; not followed")


def read_bytes(path: Path, root: Path, source: str, max_bytes: int) -> bytes:
    """The file's bytes, refusing links out of the folder, non-regular, oversized and vanished files."""
    if path.is_symlink():
        _check_link(path, root, source)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError(source, "not a regular file (a pipe, socket or device); skipped")
        if info.st_size > max_bytes:
            size, limit = info.st_size / 2**20, max_bytes / 2**20
            raise DocumentError(source, f"file is {size:.1f} MB, over the {limit:.0f} MB limit")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise FileUnreadable(source, "file disappeared while being read") from None
    except OSError as exc:
        raise FileUnreadable(source, f"cannot read file ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise DocumentError(source, f"file grew past the {max_bytes / 2**20:.0f} MB limit while being read")
    return data


def parse_document(data: bytes, source: str) -> Document:
    """Extract a Document from a file's bytes; the suffix of `source` picks the format."""
    suffix = Path(source).suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise DocumentError(source, f"unsupported file type '{suffix or '(none)'}' (supported: {', '.join(SUPPORTED)})")
    if not data.strip():
        raise DocumentError(source, "empty file")
    extracted = reader(data, source)
    if not extracted.text.strip():
        raise DocumentError(source, "no text found in the file")
    title = " ".join((extracted.title or "").split())[:200] or Path(source).name
    digest = hashlib.sha256(data).hexdigest()
    language = detect_language(extracted.text)
    for note in extracted.notes:  # a cap that was reached: the document is indexed in part, said once here
        logging.getLogger("qa.ingest.documents").warning("%s: %s", source, note)
    return Document(
        source, title, extracted.text, digest, extracted.page_starts, language,
        kind=extracted.kind, ocr_pages=extracted.ocr_pages, sheets=extracted.sheets,
    )  # fmt: skip


def read_document(
    path: Path, root: Path, max_bytes: int = MAX_FILE_BYTES, known: Mapping[str, str] | None = None
) -> Document | Unchanged:
    """Read one file below `root` into a Document, or raise DocumentError; Unchanged if its bytes hash to
    `known[doc_id]` (the index's content hash: OCR of a scanned PDF takes seconds a page, and is not redone)."""
    source = source_name(path, root)
    data = read_bytes(path, root, source, max_bytes)
    previous = (known or {}).get(source)
    if previous is not None:
        digest = hashlib.sha256(data).hexdigest()
        if previous == digest:
            return Unchanged(source, digest)
    return parse_document(data, source)


def read_folder(
    root: Path, max_bytes: int = MAX_FILE_BYTES, known: Mapping[str, str] | None = None, under: str | None = None
) -> tuple[list[Document | Unchanged], list[Skipped]]:
    """Every readable document below `root` (or only below its subfolder `under`, ids still relative to `root`),
    Unchanged for those whose hash `known` holds, and the files skipped."""
    top = root / under if under else root
    if not top.is_dir():
        raise InputError(f"{top}: not a folder (give the folder of documents to index)")
    documents, skipped = [], []
    for path in find_files(top):
        try:
            documents.append(read_document(path, root, max_bytes, known))
        except DocumentError as exc:
            skipped.append(Skipped(exc.source, exc.reason, keep=isinstance(exc, FileUnreadable)))
    return documents, skipped
