"""Hostile and odd input: every bad file gets one clear line, the rest is indexed, nothing indexed is lost."""

from __future__ import annotations

import errno
import io
import os
import pathlib
import struct
import time
import tracemalloc
import zipfile

import pytest
from conftest import make_docx, make_pdf

from qa.engine import Engine
from qa.ingest.chunking import ChunkParams, chunk_document
from qa.ingest.documents import read_folder
from qa.records import Document
from qa.store.build import Build
from qa.store.load import load_index
from qa.sync.folder import sync_folder

pytestmark = pytest.mark.slow

GOOD = {
    "a.txt": b"Forty wells were dug in Ayacucho during 2020 by the water committee.\n",
    "b.md": b"# Bridges\n\nThe bridge in Lima opened in March after two years of work.\n",
    "c.html": b"<html><head><title>Clinics</title></head><body><p>Three clinics were built in Cusco.</p></body></html>",
    "d.pdf": make_pdf(["The school in Puno received new roofs in 2019."]),
    "e.docx": make_docx([("Annual report", "Heading 1"), ("Seed banks were opened in Junin.", None)]),
}
NEW_GOOD = ["utf16.txt", "crlf.txt", "oneline.txt", "deep.html"]


def _stream_zip(path: pathlib.Path, megabytes: int, lie: bool) -> None:
    """A .docx whose document.xml inflates to `megabytes` MB; with `lie`, the headers claim 1 KB."""
    good = zipfile.ZipFile(io.BytesIO(make_docx([("Hello.", None)])))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in good.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info.filename, good.read(info.filename))
        with archive.open("word/document.xml", "w") as handle:
            for _ in range(megabytes):
                handle.write(b" " * 2**20)
    if lie:
        raw = bytearray(path.read_bytes())
        for signature, at in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
            i = raw.find(signature)
            while i >= 0:
                raw[i + at : i + at + 4] = struct.pack("<I", 1024)
                i = raw.find(signature, i + 4)
        path.write_bytes(bytes(raw))


def _one_mb_line() -> bytes:
    """A single 1 MB line, like a minified data export."""
    record = b'{"site":"Ayacucho","wells":40,"year":2020,"ok":true},'
    return b"Export of well records: " + record * (2**20 // len(record)) + b"\n"


def _write_hostile(folder: pathlib.Path) -> dict[str, str]:
    """Write every odd file; returns file name -> the reason expected in its message."""
    big = folder / "big.txt"
    with big.open("wb") as handle:
        for _ in range(50):
            handle.write(b"word " * (2**20 // 5) + b"word\n")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_bytes(b" \n\t\n")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + os.urandom(4096))
    (folder / "latin1.txt").write_bytes("Perú y café, año 2020.".encode("latin-1"))
    (folder / "broken.pdf").write_bytes(GOOD["d.pdf"][: len(GOOD["d.pdf"]) // 2])
    (folder / "scan.pdf").write_bytes(make_pdf([""]))
    (folder / "broken.docx").write_bytes(b"PK\x03\x04" + os.urandom(2000))
    _stream_zip(folder / "bomb.docx", 210, lie=False)
    _stream_zip(folder / "lying.docx", 250, lie=True)
    (folder / "notes.xyz").write_bytes(b"some text")
    outside = folder.parent / "outside-secret.txt"
    outside.write_text("The secret password is swordfish.", encoding="utf-8")
    os.symlink(outside, folder / "link.txt")
    os.symlink(folder / "loop2.txt", folder / "loop1.txt")
    os.symlink(folder / "loop1.txt", folder / "loop2.txt")
    os.symlink(folder / "gone.txt", folder / "dangling.txt")
    os.mkfifo(folder / "pipe.txt")
    (folder / "vanish.txt").write_text("This file vanishes while it is read.", encoding="utf-8")
    # odd but good
    (folder / "utf16.txt").write_bytes("Les puits de Huánuco furent creusés en 2021.\n".encode("utf-16"))
    (folder / "crlf.txt").write_bytes(b"Line one about canals.\r\nLine two says the canal in Ica is 12 km long.\r\n")
    (folder / "oneline.txt").write_bytes(_one_mb_line())
    deep = b"<div>" * 100_000 + b"Deep inside, the reservoir in Tacna holds water." + b"</div>" * 100_000
    (folder / "deep.html").write_bytes(b"<html><body>" + deep + b"</body></html>")
    return {
        "big.txt": "file is 50.0 MB, over the 20 MB limit",
        "empty.txt": "empty file",
        "blank.md": "empty file",
        "binary.txt": "binary data, not text",
        "latin1.txt": "not valid UTF-8 text",
        "broken.pdf": "malformed PDF",
        "scan.pdf": "no text layer",
        "broken.docx": "malformed DOCX",
        "bomb.docx": "zip bomb",
        "lying.docx": "malformed DOCX (BadZipFile)",
        "notes.xyz": "unsupported file type '.xyz'",
        "link.txt": "symlink pointing outside the folder; not followed",
        "loop1.txt": "symlink",
        "loop2.txt": "symlink",
        "dangling.txt": "broken symlink",
        "pipe.txt": "not a regular file",
        "vanish.txt": "file disappeared while being read",
        "a.txt": "cannot read file (Input/output error)",
    }


@pytest.fixture()
def note(request, capsys):
    """Print a figure when pytest runs with -s (the cli fixture captures output otherwise)."""

    def emit(line: str) -> None:
        if request.config.getoption("capture") == "no":
            with capsys.disabled():
                print(line)

    return emit


def _failing_open(monkeypatch) -> None:
    """vanish.txt disappears between listing and reading; a.txt hits an I/O error (its indexed copy stays)."""
    real_open = pathlib.Path.open

    def fake_open(self, mode="r", *args, **kwargs):
        if mode == "rb" and self.name == "vanish.txt":
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(self))
        if mode == "rb" and self.name == "a.txt":
            raise OSError(errno.EIO, "Input/output error", str(self))
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", fake_open)


def _check_consistent(index) -> None:
    assert index.dense.count == len(index.chunks) == index.lexical.weights.shape[0]
    for chunk in index.chunks:
        assert chunk.text == index.documents[chunk.doc_id].text[chunk.start : chunk.end]


def test_each_hostile_file_gets_its_message_and_nothing_indexed_is_lost(tmp_path, monkeypatch, cli, note):
    folder, index_dir = tmp_path / "docs", tmp_path / "index"
    folder.mkdir()
    for name, data in GOOD.items():
        (folder / name).write_bytes(data)
    first = sync_folder(Build(index_dir, folder=folder))
    assert sorted(first.added) == sorted(GOOD) and not first.skipped

    expected = _write_hostile(folder)
    _failing_open(monkeypatch)
    tracemalloc.start()
    start = time.perf_counter()
    documents, skipped = read_folder(folder)
    read_seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    reasons = {s.source: s.reason for s in skipped}
    assert sorted(reasons) == sorted(expected), reasons
    for name, reason in expected.items():
        assert reason in reasons[name], (name, reasons[name])
        assert "\n" not in reasons[name]
    assert sorted(d.doc_id for d in documents) == sorted(set(GOOD) - {"a.txt"} | set(NEW_GOOD))
    note(f"\nread {len(documents) + len(skipped)} files in {read_seconds:.2f}s, peak {peak / 2**20:.0f} MB traced")
    assert read_seconds < 60 and peak < 200 * 2**20

    start = time.perf_counter()
    second = sync_folder(Build(index_dir, folder=folder))
    seconds = time.perf_counter() - start
    note(f"sync with hostile files: {seconds:.1f}s, {second.chunks} chunks, {second.embedded} embedded")
    assert sorted(second.added) == sorted(NEW_GOOD) and second.removed == [] and seconds < 120
    assert sorted(s.source for s in second.skipped) == sorted(expected)
    assert second.unchanged == len(GOOD) - 1  # a.txt could not be read, so it is neither unchanged nor removed
    index = load_index(index_dir)
    assert sorted(index.documents) == sorted(set(GOOD) | set(NEW_GOOD)), "a.txt keeps its indexed copy"
    assert "swordfish" not in " ".join(d.text for d in index.documents.values())
    _check_consistent(index)

    monkeypatch.undo()  # the files behave again: a second sync via the CLI loses nothing
    code, out, err = cli("index", folder, "--index", index_dir)
    assert code == 0, err
    assert "added 1, updated 0, removed 0, unchanged 9, skipped 16" in out
    for name, reason in expected.items():
        if name not in ("vanish.txt", "a.txt"):
            assert f"skipped {name}: " in out and reason in out
    index = load_index(index_dir)
    assert sorted(index.documents) == sorted(set(GOOD) | set(NEW_GOOD) | {"vanish.txt"})
    _check_consistent(index)


def test_odd_but_good_files_keep_true_offsets(tmp_path):
    folder, index_dir = tmp_path / "docs", tmp_path / "index"
    folder.mkdir()
    (folder / "crlf.txt").write_bytes(b"Canals.\r\n\r\nThe canal in Ica is 12 km long.\r\nIt was dug in 1990.\r\n")
    (folder / "utf16.txt").write_bytes("Les puits de Huánuco.\r\nIls furent creusés en 2021.\n".encode("utf-16"))
    (folder / "oneline.txt").write_bytes(_one_mb_line())
    sync_folder(Build(index_dir, folder=folder))
    index = load_index(index_dir)
    for name, encoding in (("crlf.txt", "utf-8"), ("utf16.txt", "utf-16"), ("oneline.txt", "utf-8")):
        with open(folder / name, encoding=encoding, newline=None) as handle:  # universal newlines
            text = handle.read()
        assert index.documents[name].text == text
        for chunk in (c for c in index.chunks if c.doc_id == name):
            assert text[chunk.start : chunk.end] == chunk.text
            assert text.count("\n", 0, chunk.start) + 1 == chunk.line_start
    answer = Engine(index_dir).ask("How long is the canal in Ica?")
    assert answer.found and answer.citations[0].source == "crlf.txt"
    assert "12 km" in answer.citations[0].quote


def test_a_one_megabyte_line_of_prose_is_split_in_bounded_time(note):
    sentence = "The committee dug forty wells in the valley and the people had water again. "
    text = (sentence * (2**20 // len(sentence))).rstrip()
    assert "\n" not in text and len(text) > 1_000_000
    start = time.perf_counter()
    chunks = chunk_document(Document("long.txt", "long.txt", text, "h"), ChunkParams())
    seconds = time.perf_counter() - start
    note(f"\n1 MB line: {len(chunks)} chunks in {seconds:.1f}s")
    assert seconds < 60
    assert all(c.text == text[c.start : c.end] for c in chunks)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
