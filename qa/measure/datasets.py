"""Reading benchmark data: BEIR directories (corpus, queries, qrels) and SQuAD v1.1 files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from qa.records import Document, InputError
from qa.store.files import read_jsonl


def file_key(path: Path) -> str:
    """A key that changes when the file does: its path, size and modification time."""
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """Query id -> {document id: grade} for the positive judgements of a BEIR qrels TSV."""
    qrels: dict[str, dict[str, int]] = {}
    if not path.is_file():
        raise InputError(f"{path}: missing BEIR qrels file")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.strip().split("\t")
        if len(parts) != 3 or (number == 1 and not parts[2].lstrip("-").isdigit()):
            continue  # blank lines and the header
        if not parts[2].lstrip("-").isdigit():
            raise InputError(f"{path}:{number}: relevance score '{parts[2]}' is not a whole number")
        if int(parts[2]) > 0:
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def beir_document(row: dict) -> Document:
    """A BEIR corpus row as a Document (id, title, text)."""
    text = row["text"]
    digest = hashlib.sha256(f"{row.get('title', '')}\0{text}".encode()).hexdigest()
    return Document(str(row["_id"]), (row.get("title") or str(row["_id"])).strip() or str(row["_id"]), text, digest)


def read_squad(path: Path) -> tuple[list[Document], list[tuple[str, list[str], str]]]:
    """Every paragraph as a Document (`AAA-PPP`), and (question, gold answers, paragraph id) triples."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a SQuAD v1.1 JSON file ({type(exc).__name__})") from None
    try:
        return _squad_records(data)
    except (TypeError, KeyError, AttributeError) as exc:
        raise InputError(f"{path}: not a SQuAD v1.1 JSON file ({type(exc).__name__} in its articles)") from None


def _squad_records(data: list) -> tuple[list[Document], list[tuple[str, list[str], str]]]:
    documents, questions = [], []
    for a, article in enumerate(data):
        for p, paragraph in enumerate(article["paragraphs"]):
            doc_id = f"{a:03d}-{p:03d}"
            text = paragraph["context"]
            title = article["title"].replace("_", " ")
            documents.append(Document(doc_id, title, text, hashlib.sha256(text.encode()).hexdigest()))
            for qa in paragraph["qas"]:
                questions.append((qa["question"], [x["text"] for x in qa["answers"]], doc_id))
    return documents, questions


def beir_documents(path: Path, limit: int | None = None) -> list[Document]:
    """The documents with text in a BEIR corpus.jsonl (the first `limit` of them)."""
    rows = read_jsonl(path)
    documents = [beir_document(r) for r in rows if (r.get("text") or "").strip()]
    return documents[:limit] if limit else documents


def beir_queries(root: Path, qrels: dict) -> dict[str, str]:
    """Query id -> text for the queries that have relevance judgements."""
    return {q["_id"]: q["text"] for q in read_jsonl(root / "queries.jsonl") if q["_id"] in qrels}


def article(doc_id: str) -> int:
    """The article number of a SQuAD paragraph id `AAA-PPP`."""
    return int(doc_id.split("-")[0])


def in_half(doc_id: str, articles: str) -> bool:
    """Whether the paragraph belongs to the `even`, `odd` or `all` articles."""
    return articles == "all" or (article(doc_id) % 2 == 0) == (articles == "even")
