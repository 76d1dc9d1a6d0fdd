"""Shared fixtures: the real seeds index (built once), file builders, and an in-process CLI runner."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

from qa.cli import main
from qa.embed.embedder import Embedder
from qa.embed.models import DEFAULT_MODEL
from qa.records import Document

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
settings.register_profile("qa", database=None)  # property tests keep no example database in the repository
settings.load_profile("qa")


def make_pdf(pages: list[str]) -> bytes:
    """A minimal valid PDF with one text line per page (empty string: a page without text)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>")
    font = 3 + 2 * len(pages)
    for i, text in enumerate(pages):
        resources = f"<< /Font << /F1 {font} 0 R >> >>"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R /Resources {resources} >>"
        )
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET" if text else ""
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def make_docx(paragraphs: list[tuple[str, str | None]]) -> bytes:
    """A .docx with (text, style) paragraphs, written by python-docx."""
    import docx

    document = docx.Document()
    for text, style in paragraphs:
        document.add_paragraph(text, style=style)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    """The real packaged model (loaded once a process: every Embedder of it shares the loaded model)."""
    return Embedder()


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory, worker_id) -> Path:
    """An index of seeds/ built once per test run with the real packaged model, shared by the run's workers
    (pytest-xdist); read only: a test that writes copies it."""
    from filelock import FileLock

    from qa.store.build import Build
    from qa.sync.folder import sync_folder

    shared = tmp_path_factory.getbasetemp() if worker_id == "master" else tmp_path_factory.getbasetemp().parent
    index_dir = shared / "seeds-index"
    with FileLock(str(shared / "seeds-index.lock")):
        if not (index_dir / "CURRENT").is_file():
            report = sync_folder(Build(index_dir, folder=SEEDS))
            assert report.mode == "hybrid" and report.documents == 5
    return index_dir


@pytest.fixture(scope="session")
def seeds_engine(seeds_index):
    """One Engine over the seeds index for the tests that only ask it questions (its caches warm up once)."""
    from qa.engine import Engine

    return Engine(seeds_index)


@pytest.fixture()
def seeds_copy(tmp_path) -> Path:
    """A private, writable copy of seeds/."""
    folder = tmp_path / "docs"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture()
def cli(capsys):
    """Run `qa ARGS...` in-process; returns (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def free_port() -> int:
    """A loopback port nothing listens on now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- model-free helpers --------------------------------------------------------------------------


class FakeEmbedder:
    """A model-free stand-in for Embedder: a text's vector is its hashed, stemmed bag of words, normalized.

    Texts sharing words get a positive cosine, so dense search still means something; `calls` records
    the texts of every encode call, so tests can count what was embedded.
    """

    def __init__(self, name: str = DEFAULT_MODEL, dimension: int = 384):
        self.name = name
        self.dimension = dimension
        self.calls: list[list[str]] = []

    def vector(self, text: str) -> np.ndarray:
        import zlib

        from qa.search.tokens import tokenize

        vector = np.zeros(self.dimension, dtype=np.float32)
        vector[0] = 0.05  # so that an empty text is not a zero vector
        for token in tokenize(text):
            vector[1 + zlib.crc32(token.encode()) % (self.dimension - 1)] += 1.0
        return vector / np.linalg.norm(vector)

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        self.calls.append(list(texts))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self.vector(t) for t in texts]).astype(np.float32)

    def encode_with_tokens(self, texts: list[str], progress: bool = False):
        return None  # like a slow tokenizer: no token offsets

    @property
    def embedded(self) -> int:
        return sum(len(c) for c in self.calls)


@pytest.fixture()
def fake_model() -> FakeEmbedder:
    """A model-free embedder to pass to the library (Engine(embedder=...), Build(embedder_for=...))."""
    return FakeEmbedder()


def make_document(doc_id: str, text: str, title: str | None = None) -> Document:
    """A Document with a content hash of its text (as a file's would be)."""
    import hashlib

    return Document(doc_id, title or doc_id, text, hashlib.sha256(text.encode()).hexdigest())


def tiny_index(texts: list[str], vectors: np.ndarray | None = None, doc_ids: list[str] | None = None):
    """An in-memory Index with one document and one chunk per text: BM25 over the texts, and
    (given `vectors`, one unit row per text) exact dense vectors; no model, nothing on disk."""
    from qa.ingest.chunking import ChunkParams
    from qa.ingest.sentences import split_sentences
    from qa.records import Chunk, Span
    from qa.search.bm25_build import build_bm25
    from qa.search.dense import DenseVectors
    from qa.store.index import Index
    from qa.store.manifest import Manifest

    doc_ids = doc_ids or [f"d{i}.txt" for i in range(len(texts))]
    documents = [make_document(d, t) for d, t in zip(doc_ids, texts)]
    chunks = [
        Chunk(i, d.doc_id, 0, len(d.text), d.text, tuple(split_sentences(d.text)) or (Span(0, len(d.text)),))
        for i, d in enumerate(documents)
    ]
    lexical = build_bm25(texts)
    dense = DenseVectors.build(np.asarray(vectors, dtype=np.float32)) if vectors is not None else None
    model = DEFAULT_MODEL if dense is not None else None
    manifest = Manifest.describe(documents, len(chunks), model, dense, ChunkParams())
    return Index(manifest, {d.doc_id: d for d in documents}, chunks, lexical, dense)


# ---- property-test inputs ---------------------------------------------------------------------------

# Text made of the pieces that trouble splitters: bullets, figures, headings, odd spaces and scripts.
TEXT_PIECES = [
    "Wells were dug in 2020.",
    "The bridge opened",
    " ",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\t",
    "• ",
    "- ",
    "* ",
    "1. ",
    "2) ",
    "# ",
    "## Water projects",
    "22,295",
    "97.5%.",
    "Telephone:",
    "527-0427",
    "e.g. ",
    "Mr. Smith said so!",
    "Why?",
    "...",
    "“Quoted.”",
    "(see p. 4)",
    "café Perú",
    "水は重要です。",
    "الماء مهم.",
    "\u00a0",
    "\u2028",
    "\x0c",
    "\x85",
    "a" * 60,
    "word " * 30,
]


def odd_texts():
    """A hypothesis strategy: texts assembled from TEXT_PIECES and random characters, or random text."""
    from hypothesis import strategies as st

    return st.one_of(
        st.lists(st.one_of(st.sampled_from(TEXT_PIECES), st.text(max_size=12)), max_size=40).map("".join),
        st.text(max_size=300),
    )
