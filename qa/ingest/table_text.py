"""Tables read back from a document's text: the 'Columns: ...' line and the 'Header: value; ...' rows that the
readers write (qa.ingest.tables), so that every row keeps its exact place in the text and can be cited."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

from qa.records import Document

_HEADER = "Columns: "
_TOTAL = re.compile(r"(?:grand\s+)?(?:sub)?totals?(?:\s+general)?|suma|sum|total(?:es)?\b.*", re.IGNORECASE)
CACHE_DOCUMENTS = 64  # documents whose tables are kept read


@dataclass(frozen=True)
class TableRow:
    """A row of a table: its cells (aligned with the table's columns, '' where empty) and its line in the text."""

    number: int  # the row as cited: its row in the sheet for table documents, else its line
    start: int
    end: int
    cells: tuple[str, ...]
    total: bool = False  # a totals row ('Total', 'Grand total'): shown, never counted


@dataclass(frozen=True)
class Table:
    """A table in a document: its column names and data rows, each row a line of the document's text."""

    doc_id: str
    sheet: str | None
    caption: str  # the title lines above its header, else the sheet's or the document's title
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]
    header_start: int  # offset of its 'Columns:' line


def _pairs(line: str, labels: list[str]) -> dict[str, str] | None:
    """{label: value} of a 'Label: value; Label: value.' line, or None when it is not a row of these labels."""
    body = line[:-1] if line.endswith(".") else line
    pattern = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
    if not re.match(rf"(?:{pattern}|Column [A-Z0-9]+): ", body):
        return None
    out = {}
    for piece in re.split(rf"; (?=(?:{pattern}|Column [A-Z0-9]+): )", body):
        label, sep, value = piece.partition(": ")
        if not sep:
            return None
        out[label] = value
    return out


def _lines(text: str, start: int, end: int):
    """(offset, line) of each line of text[start:end]."""
    at = start
    for line in text[start:end].split("\n"):
        yield at, line
        at += len(line) + 1


def _read_block(document: Document, lines: list[tuple[int, str]], at: int, caption: str) -> tuple[Table, int]:
    """The table whose header is lines[at], and the index of the first line after it."""
    offset, header = lines[at]
    columns = [c for c in header[len(_HEADER) :].rstrip(".").split("; ") if c]
    rows, i, gap = [], at + 1, 0
    while i < len(lines):
        start, line = lines[i]
        if not line.strip():
            gap, i = gap + 1, i + 1
            if gap > 3:
                break
            continue
        pairs = _pairs(line, columns)
        if pairs is None:
            break
        columns += [label for label in pairs if label not in columns]
        cells = tuple(pairs.get(c, "") for c in columns)
        total = bool(_TOTAL.fullmatch(next((v for v in cells if v), "")))
        rows.append(TableRow(document.line_at(start), start, start + len(line), cells, total))
        gap, i = 0, i + 1
    width = len(columns)
    rows = [TableRow(r.number, r.start, r.end, r.cells + ("",) * (width - len(r.cells)), r.total) for r in rows]
    sheet = document.sheet_at(offset)
    table = Table(document.doc_id, sheet[0] if sheet else None, caption, tuple(columns), tuple(rows), offset)
    return table, i


def read_tables(document: Document) -> tuple[Table, ...]:
    """Every table in the document, in order."""
    if _HEADER not in document.text:
        return ()
    lines = list(_lines(document.text, 0, len(document.text)))
    tables, i, above = [], 0, []
    while i < len(lines):
        line = lines[i][1]
        if line.startswith(_HEADER):
            caption = " ".join(above[-2:]).strip(" .") or document.title
            table, i = _read_block(document, lines, i, caption)
            if table.rows:
                tables.append(table)
            above = []
            continue
        if line.startswith("## "):
            above = [line[3:]]
        elif line.strip():
            above.append(line)
        i += 1
    return tuple(tables)


_CACHE: OrderedDict[tuple[str, str], tuple[Table, ...]] = OrderedDict()
_LOCK = threading.Lock()


def tables_of(document: Document) -> tuple[Table, ...]:
    """The document's tables, read once per version of the document (a small cache, safe across threads)."""
    key = (document.doc_id, document.content_hash)
    with _LOCK:
        found = _CACHE.get(key)
    if found is None:
        found = read_tables(document)
        with _LOCK:
            _CACHE[key] = found
            while len(_CACHE) > CACHE_DOCUMENTS:
                _CACHE.popitem(last=False)
    return found
