"""Hostile files of the new formats: decompression bombs, huge sheets, corrupt images, sheets and decks.

Each gets one line naming the file; the good files beside them are indexed all the same.
"""

from __future__ import annotations

import io
import logging
import struct
import zipfile
import zlib

import pytest
from format_samples import SCAN_TEXT, WELLS_CSV, make_pptx, make_xlsx, png

from qa.engine import Engine
from qa.ingest import tables as formats_tables
from qa.ingest.documents import read_folder
from qa.ingest.ocr import ocr_status
from qa.store.build import Build
from qa.sync.folder import sync_folder

pytestmark = pytest.mark.slow


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels (a decompression bomb's shape)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def zip_bomb(member: str, megabytes: int) -> bytes:
    """A zip holding `member` that inflates to `megabytes` MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive, archive.open(member, "w") as handle:
        block = b"\x00" * (1 << 20)
        for _ in range(megabytes):
            handle.write(block)
    return out.getvalue()


def _hostile(folder) -> dict[str, str]:
    """Write the hostile files; returns each one's expected reason fragment."""
    good_png = png(SCAN_TEXT[0])
    files = {
        "bomb.png": (png_claiming(60_000, 60_000), "too large to decode"),
        "big.png": (png_claiming(12_000, 10_000), "too large to decode"),
        "truncated.png": (good_png[: len(good_png) // 3], "malformed image"),
        "garbage.jpg": (b"\xff\xd8\xff\xe0 not really a jpeg" * 10, "malformed image"),
        "garbage.tiff": (b"II*\x00" + b"\x01" * 200, "malformed image"),
        "bomb.xlsx": (zip_bomb("xl/worksheets/sheet1.xml", 120), "XLSX inflates to 120 MB (zip bomb?); refused"),
        "bomb.pptx": (zip_bomb("ppt/slides/slide1.xml", 210), "PPTX inflates to 210 MB (zip bomb?); refused"),
        "broken.xlsx": (make_xlsx()[:2000], "malformed XLSX"),
        "broken.pptx": (make_pptx()[:3000], "malformed PPTX"),
        "binary.csv": (b"a,b\x00\x01\x02", "binary data, not text"),
    }
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    return {name: reason for name, (_, reason) in files.items()}


def _good(folder) -> None:
    (folder / "wells.csv").write_text(WELLS_CSV, encoding="utf-8")
    (folder / "budget.xlsx").write_bytes(make_xlsx())
    (folder / "review.pptx").write_bytes(make_pptx())
    (folder / "scan.png").write_bytes(png(SCAN_TEXT[1]))


def test_each_hostile_file_is_one_line_and_the_good_ones_are_indexed(tmp_path, fake_model):
    folder = tmp_path / "docs"
    folder.mkdir()
    _good(folder)
    sync_folder(Build(tmp_path / "index", folder=folder))
    expected = _hostile(folder)
    report = sync_folder(Build(tmp_path / "index", folder=folder))
    reasons = {s.source: s.reason for s in report.skipped}
    good = {"wells.csv", "budget.xlsx", "review.pptx"} | ({"scan.png"} if ocr_status().available else set())
    assert set(reasons) == set(expected) | ({"scan.png"} - good)
    for name, fragment in expected.items():
        assert fragment in reasons[name] and "\n" not in reasons[name], (name, reasons[name])
    assert set(Engine(tmp_path / "index").index.documents) == good  # nothing good was lost


def test_a_huge_sheet_is_capped_with_one_line_and_still_indexed(tmp_path, monkeypatch, caplog):
    import openpyxl

    monkeypatch.setattr(formats_tables, "MAX_ROWS", 1000)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Log")
    sheet.append(["Day", "Reading"])
    for day in range(3000):
        sheet.append([day, day * 0.5])
    folder = tmp_path / "docs"
    folder.mkdir()
    book.save(folder / "log.xlsx")
    with caplog.at_level(logging.WARNING, logger="qa.ingest.documents"):
        documents, skipped = read_folder(folder)
    assert skipped == [] and documents[0].text.count("\n") == 1000  # the name line and 1,000 rows
    assert caplog.messages == ["log.xlsx: sheet Log: only the first 1,000 rows were read (the cap)"]


def test_a_sheet_whose_dimension_lies_is_read_only_as_far_as_the_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(formats_tables, "MAX_ROWS", 50)
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["a", "b"])
    book.active["A1048576"] = "far away"
    out = io.BytesIO()
    book.save(out)
    from qa.ingest.documents import parse_document

    document = parse_document(out.getvalue(), "far.xlsx")
    assert "far away" not in document.text and document.text.startswith("## Sheet")
