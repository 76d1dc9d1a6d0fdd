"""Plain-file serialization of documents and chunks (JSON lines, no pickles)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from qa.records import Chunk, Document, Span


def document_row(document: Document) -> dict:
    return {
        "doc_id": document.doc_id,
        "title": document.title,
        "content_hash": document.content_hash,
        "page_starts": list(document.page_starts),
        "text": document.text,
    }


def document_from_row(row: dict) -> Document:
    return Document(row["doc_id"], row["title"], row["text"], row["content_hash"], tuple(row["page_starts"]))


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


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
