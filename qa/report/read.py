"""Reading the citations out of a report: Markdown or plain text, HTML, or Word (its footnotes and endnotes too)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from qa.ingest.extracted import check_zip, decode_text
from qa.ingest.readers import read_docx, read_html
from qa.records import DocumentError, InputError
from qa.report.references import Quoted, find_citations

MAX_REPORT_BYTES = 20 * 2**20
READABLE = (".md", ".markdown", ".txt", ".html", ".htm", ".docx")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _notes(data: bytes, source: str) -> list[str]:
    """The text of each footnote and endnote of a .docx, in order (none when it has no notes part)."""
    from defusedxml import ElementTree

    notes = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for part, tag in (("word/footnotes.xml", "footnote"), ("word/endnotes.xml", "endnote")):
            if part not in archive.namelist():
                continue
            try:
                root = ElementTree.fromstring(archive.read(part))
            except Exception as exc:  # noqa: BLE001 - defusedxml and expat raise several kinds
                raise DocumentError(source, f"malformed DOCX notes ({type(exc).__name__})") from None
            for note in root.iter(f"{W}{tag}"):
                if note.get(f"{W}type") in (None, "normal"):
                    notes.append("".join(t.text or "" for t in note.iter(f"{W}t")).strip())
    return notes


def report_text(data: bytes, source: str) -> str:
    """The text of a report of this name (its suffix picks the format): body, then any footnotes."""
    suffix = Path(source).suffix.lower()
    if suffix in (".html", ".htm"):
        return read_html(data, source).text
    if suffix == ".docx":
        check_zip(data, source)
        return read_docx(data, source).text + "\n\n" + "\n\n".join(_notes(data, source))
    return decode_text(data, source)


def read_report(path: Path) -> bytes:
    """The bytes of a report file; InputError in one line for a missing, unreadable, unknown or oversized one."""
    path = Path(path)
    if path.suffix.lower() not in READABLE:
        raise InputError(
            f"{path}: cannot read a report of type '{path.suffix or '(none)'}' (read: {', '.join(READABLE)})"
        )
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise InputError(f"{path}: not a file")
        if size > MAX_REPORT_BYTES:
            raise InputError(
                f"{path}: the report is {size / 2**20:.1f} MB, over the {MAX_REPORT_BYTES // 2**20} MB limit"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the report ({exc.strerror or type(exc).__name__})") from None


def report_citations(data: bytes, source: str) -> list[Quoted]:
    """Every citation in the report: qa's footnotes and quotations a person wrote with a (file, place) after them."""
    try:
        return find_citations(report_text(data, source))
    except DocumentError as exc:
        raise InputError(f"{source}: not a readable report ({exc.reason})") from None
