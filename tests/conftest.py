"""Shared fixtures: the real seeds index (built once), file builders, and an in-process CLI runner."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from qa.cli import main
from qa.embedding import Embedder

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


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
    """One real packaged model for the module (loading it per sync would dominate the run time)."""
    return Embedder()


@pytest.fixture()
def one_model(monkeypatch, embedder):
    monkeypatch.setattr("qa.sync.Embedder", lambda name: embedder)
    monkeypatch.setattr("qa.engine.Embedder", lambda name: embedder)
    return embedder


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory) -> Path:
    """An index of seeds/ built once per test run with the real packaged model."""
    from qa.sync import sync_folder

    index_dir = tmp_path_factory.mktemp("seeds-index")
    report = sync_folder(SEEDS, index_dir)
    assert report.mode == "hybrid" and report.documents == 5
    return index_dir


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
