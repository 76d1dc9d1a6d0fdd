"""What every format reader shares: the Extracted record, text decoding and the zip-bomb check."""

from __future__ import annotations

import codecs
import io
import zipfile
from dataclasses import dataclass

from qa.records import DocumentError

MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # a .docx/.xlsx/.pptx that inflates past this is treated as a zip bomb


@dataclass(frozen=True)
class Extracted:
    """What a parser returns: the text, an optional title, page starts, and how the text is cited."""

    text: str
    title: str | None = None
    page_starts: tuple[int, ...] = ()
    kind: str = "text"  # "text", "table" (each line a row) or "slides" (each page a slide)
    ocr_pages: tuple[int, ...] = ()  # 1-based pages read by OCR
    sheets: tuple[tuple[str, int], ...] = ()  # (sheet name, offset of its name line)
    notes: tuple[str, ...] = ()  # caps that were reached: the file was read in part


def decode_text(data: bytes, source: str) -> str:
    """Decode UTF-8 (or UTF-16/UTF-8 with BOM) with universal newlines, as `open()` would."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif b"\x00" in data[:8192]:
        raise DocumentError(source, "binary data, not text (contains NUL bytes)")
    else:
        encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DocumentError(source, f"not valid UTF-8 text (bad byte at offset {exc.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_zip(data: bytes, source: str, label: str = "DOCX", limit: int | None = None) -> None:
    """Refuse archives that are not zips or that would inflate beyond `limit` (MAX_UNZIPPED_BYTES)."""
    limit = MAX_UNZIPPED_BYTES if limit is None else limit
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, NotImplementedError, EOFError, OSError):  # what zipfile raises on damage
        raise DocumentError(source, f"malformed {label} (not a valid zip archive)") from None
    if total > limit:
        raise DocumentError(source, f"{label} inflates to {total // 2**20} MB (zip bomb?); refused")


def join_pages(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """Pages joined by blank lines, with the offset where each begins."""
    starts, offset = [], 0
    for page in pages:
        starts.append(offset)
        offset += len(page) + 2
    return "\n\n".join(pages), tuple(starts)
