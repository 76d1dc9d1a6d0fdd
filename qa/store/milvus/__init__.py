"""The Milvus backend's connection and collection: one entity per chunk, with its vector.

The same code talks to Milvus Lite (a file path, embedded, one process at a time) and to a Milvus
server or cluster (`http://host:19530`). The token comes from $QA_MILVUS_TOKEN and is never written.
BM25 ranks in qa, from the index folder (qa.store.milvus.index); collections made before that also hold
a BM25 field over `terms`, which writes keep filling (see lexical_terms).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from qa.records import Chunk, IndexError_, IndexMismatch, InputError
from qa.search.tokens import tokenize

TOKEN_ENV = "QA_MILVUS_TOKEN"
DEFAULT_COLLECTION = "qa_chunks"
INSTALL_HINT = "pip install -e '.[milvus]' (pymilvus and milvus-lite)"
TIMEOUT = 10.0  # seconds to reach a server before saying it is unreachable
MAX_BYTES = 60_000  # VARCHAR fields hold at most 65,535 bytes; text is also kept whole in documents.jsonl
FIELDS = ("pk", "source", "key", "text", "dense", "start", "end", "line_start", "line_end", "page", "sentences",
          "heading_path")  # fmt: skip
OLD_BM25_FIELD = "terms"  # the BM25 input of collections made before BM25 moved into qa
CHUNK_FIELDS = ["source", "start", "end"]  # read back with each hit, to check a hit against the local chunk


_CLIENTS: dict[str, object] = {}  # public URI -> client: Milvus Lite serves one process, so connect once
_LOCK = threading.Lock()


class BackendUnavailable(IndexError_):
    """The Milvus server cannot be reached, refuses the token, or the Milvus Lite file is in use."""


def pymilvus():
    """The pymilvus module, imported on first use; without it, how to install it."""
    try:
        import pymilvus as module
    except ImportError:
        raise InputError(f"--backend milvus needs the Milvus client: {INSTALL_HINT}") from None
    return module


def is_server(uri: str) -> bool:
    return uri.startswith(("http://", "https://", "tcp://", "grpc://", "unix:"))


def check_uri(uri: str | None) -> str:
    """The --uri of `qa index --backend milvus`: a Milvus Lite file ending in .db, or a server URL."""
    if not uri:
        raise InputError(
            "--backend milvus needs --uri: a Milvus Lite file (e.g. qa.store.milvus.db) or http://HOST:19530"
        )
    if not is_server(uri) and not uri.endswith(".db"):
        raise InputError(f"{uri}: a Milvus Lite URI is a file path ending in .db (or give http://HOST:19530)")
    return uri


def public_uri(uri: str) -> str:
    """The URI without secrets (user:password@, query string); a Milvus Lite path made absolute."""
    if not is_server(uri):
        return str(Path(uri).expanduser().resolve())
    parts = urlsplit(uri)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def first_line(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return message.strip().splitlines()[0][:200]


def _lite_in_use(path: str) -> bool:
    """Whether another process holds the Milvus Lite file's lock."""
    import fcntl

    lock = Path(path) / "LOCK"
    if not lock.is_file():
        return False
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def connect(uri: str):
    """A MilvusClient for `uri` (one a process), or one clear BackendUnavailable line naming the URI (not the token)."""
    shown = public_uri(uri)
    with _LOCK:
        if shown not in _CLIENTS:
            _CLIENTS[shown] = _connect(uri, shown)
        return _CLIENTS[shown]


def _connect(uri: str, shown: str):
    module = pymilvus()
    for name in ("pymilvus", "milvus_lite", "grpc._server"):  # tracebacks would bury the one line qa prints
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if not is_server(uri):
        Path(shown).parent.mkdir(parents=True, exist_ok=True)
        if _lite_in_use(shown):
            raise BackendUnavailable(
                f"Milvus Lite {shown} is open in another process (Milvus Lite allows one process at a time); "
                "stop that process (e.g. `qa serve`), or use a Milvus server with --uri http://HOST:19530"
            )
    token = os.environ.get(TOKEN_ENV, "")
    try:
        return module.MilvusClient(uri=shown if not is_server(uri) else uri, token=token, timeout=TIMEOUT)
    except Exception as exc:  # pymilvus raises several types for one meaning: cannot connect
        raise _connect_error(shown, exc) from None


def _connect_error(shown: str, exc: Exception) -> BackendUnavailable:
    reason = first_line(exc)
    if re.search(r"auth|token|credential|permission|denied|password", reason, re.I):
        return BackendUnavailable(f"Milvus at {shown} refused the credentials ({reason}); set ${TOKEN_ENV}")
    if not is_server(shown):
        return BackendUnavailable(f"cannot open Milvus Lite {shown} ({reason}); check the path, or {INSTALL_HINT}")
    return BackendUnavailable(
        f"cannot reach Milvus at {shown} ({reason}); check that the server is running and the URI is right"
    )


def _schema(module, dimension: int):
    from pymilvus import DataType

    schema = module.MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("pk", DataType.INT64, is_primary=True)
    schema.add_field("source", DataType.VARCHAR, max_length=4096)
    schema.add_field("key", DataType.VARCHAR, max_length=64)
    schema.add_field("text", DataType.VARCHAR, max_length=65535)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
    for name in ("start", "end", "line_start", "line_end", "page"):
        schema.add_field(name, DataType.INT64)
    schema.add_field("sentences", DataType.VARCHAR, max_length=65535)
    schema.add_field("heading_path", DataType.VARCHAR, max_length=65535)
    return schema


def create_collection(client, name: str, dimension: int) -> None:
    """A new collection: exact inner product over the vectors, as FAISS's flat index ranks them locally."""
    module = pymilvus()
    params = client.prepare_index_params()
    params.add_index("dense", index_type="FLAT", metric_type="IP")
    client.create_collection(name, schema=_schema(module, dimension), index_params=params)


def check_collection(client, name: str, dimension: int | None, uri: str) -> None:
    """Raise IndexMismatch unless `name` exists with qa's fields and this vector dimension."""
    shown = public_uri(uri)
    if not client.has_collection(name):
        raise IndexMismatch(
            f"no collection {name!r} at Milvus {shown}; rebuild it with `qa index --rebuild FOLDER --backend milvus`"
        )
    fields = {f["name"]: f for f in client.describe_collection(name)["fields"]}
    missing = [f for f in FIELDS if f not in fields]
    found = fields.get("dense", {}).get("params", {}).get("dim")
    if missing or (dimension is not None and found is not None and int(found) != dimension):
        what = f"lacks fields {', '.join(missing)}" if missing else f"holds {found}-d vectors, not {dimension}-d"
        raise IndexMismatch(
            f"collection {name!r} at Milvus {shown} is not a qa collection ({what}); "
            "choose another --collection, or `qa index --rebuild FOLDER --backend milvus` replaces it"
        )
    client.load_collection(name)  # searches need it loaded (a no-op when it is)


def chunk_pk(chunk: Chunk) -> int:
    """A chunk's primary key: stable while its document, offsets and text stay the same (63 bits)."""
    digest = hashlib.sha256(f"{chunk.doc_id}\0{chunk.start}\0{chunk.end}\0{chunk.embed_text()}".encode())
    return int.from_bytes(digest.digest()[:8], "big") >> 1


def clip(text: str) -> str:
    """The text cut to what a VARCHAR field holds (whole characters)."""
    return text.encode()[:MAX_BYTES].decode(errors="ignore")


def lexical_terms(text: str, language: str = "en", stem: bool = True) -> str:
    """A chunk's terms for an older collection's BM25 field: its tokens in order, as qa.search.bm25 makes them."""
    words = [re.sub(r"\W", "_", t) for t in tokenize(text, stem, language)]
    return clip(" ".join(words))


def has_old_bm25(client, name: str) -> bool:
    """Whether the collection was made with a BM25 field, whose input every entity must then carry."""
    return any(f["name"] == OLD_BM25_FIELD for f in client.describe_collection(name)["fields"])


def entity(chunk: Chunk, key: str, vector, language: str, old_bm25: bool = False) -> dict:
    """The Milvus entity of a chunk: where it is, its text and vector (and terms, for an older collection)."""
    found = {
        "pk": chunk_pk(chunk),
        "source": chunk.doc_id,
        "key": key,
        "text": clip(chunk.text),
        "dense": [float(x) for x in vector],
        "start": chunk.start,
        "end": chunk.end,
        "line_start": chunk.line_start,
        "line_end": chunk.line_end,
        "page": -1 if chunk.page is None else chunk.page,
        "sentences": json.dumps([[s.start, s.end, int(s.is_heading)] for s in chunk.sentences]),
        "heading_path": clip(json.dumps(list(chunk.heading_path), ensure_ascii=False)),
    }
    return found | ({OLD_BM25_FIELD: lexical_terms(chunk.embed_text(), language)} if old_bm25 else {})


def source_filter(doc_ids) -> str:
    """A Milvus filter expression: the chunks of these documents."""
    return f"source in {json.dumps(sorted(doc_ids), ensure_ascii=False)}"
