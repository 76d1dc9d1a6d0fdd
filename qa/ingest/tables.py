"""Spreadsheets and CSV: each data row becomes one line, a sentence pairing each value with its column header.

A table document's line n is row n of its sheet (a blank line for an empty row); an .xlsx sheet opens with a
'## name' line (row 0) so that the sheet name is a heading. Rows and columns are capped, with a note.
"""

from __future__ import annotations

import csv
import io
import re

from qa.ingest.extracted import Extracted, check_zip, decode_text
from qa.records import DocumentError

MAX_ROWS = 20_000  # rows read per sheet
MAX_TOTAL_ROWS = 50_000  # rows read per document
MAX_COLUMNS = 100
MAX_SHEETS = 50
MAX_MERGES = 10_000
MAX_XLSX_UNZIPPED = 100 * 1024 * 1024
_TERMINAL = re.compile(r"[.!?…]$")


def _clean(value: str) -> str:
    return " ".join(value.split())


def _sentence(text: str) -> str:
    """`text` ending with terminal punctuation, so that a row is never folded into the next one."""
    return text if _TERMINAL.search(text) else text + "."


def _header_at(rows: list[list[str]]) -> int:
    """Index of the header among the first rows: the first with at least half as many values as the widest."""
    counts = [sum(1 for v in row if v) for row in rows[:20]]
    widest = max(counts, default=0)
    return next((i for i, n in enumerate(counts) if n and n >= max(1, (widest + 1) // 2)), 0)


def _label(headers: list[str], j: int, letters: bool) -> str:
    if j < len(headers) and headers[j]:
        return headers[j]
    return f"Column {_letter(j) if letters else j + 1}"


def _letter(j: int) -> str:
    out = ""
    j += 1
    while j:
        j, rest = divmod(j - 1, 26)
        out = chr(65 + rest) + out
    return out


def _second_header(rows: list[list[str]], at: int) -> bool:
    """Whether the row under the header completes it: a header cell spans several columns (merged, so repeated,
    or left blank), the next row names each of them and leaves the first column to the header above."""
    if at + 2 >= len(rows) or not rows[at + 1]:
        return False
    top, under = rows[at], rows[at + 1]
    spans = [j for j in range(1, min(len(top), len(under))) if under[j] and top[j - 1] and top[j] in ("", top[j - 1])]
    named = [v for v in under if v]
    return bool(spans) and under[0] in ("", top[0]) and len(set(named)) == len(named)


def _joined(top: list[str], under: list[str]) -> list[str]:
    """The two header rows read as one: 'Funding (USD)' over '2022' is 'Funding (USD) 2022'."""
    out, above = [], ""
    for j in range(max(len(top), len(under))):
        head = top[j] if j < len(top) else ""
        above = head or (above if j < len(under) and under[j] else "")
        low = under[j] if j < len(under) else ""
        out.append(" ".join(v for v in dict.fromkeys((above, low)) if v))
    return out


def _unique(headers: list[str]) -> list[str]:
    """Headers with repeats numbered, 'Year', 'Year (2)', so that each names one column."""
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        if h:
            seen[h] = seen.get(h, 0) + 1
            h = h if seen[h] == 1 else f"{h} ({seen[h]})"
        out.append(h)
    return out


def table_lines(rows: list[list[str]], letters: bool = False) -> list[str]:
    """One line a row: blank when empty, titles above the header as they are, then 'Header: value; ...' rows.

    A header of two rows (a spanning cell over the names under it) is read as one: its first row is written as
    a title, its second as the 'Columns:' line with the joined names."""
    at = _header_at(rows)
    two = _second_header(rows, at)
    headers = _unique(_joined(rows[at], rows[at + 1]) if two else rows[at] if rows else [])
    lines = []
    for i, row in enumerate(rows):
        values = [v for v in row if v]
        if not values:
            lines.append("")
        elif i < at or (two and i == at):
            lines.append(_sentence(" ".join(dict.fromkeys(values))))
        elif i == at + two:
            lines.append(_sentence("Columns: " + "; ".join(h for h in headers if h)))
        else:
            pairs = [f"{_label(headers, j, letters)}: {v}" for j, v in enumerate(row) if v]
            lines.append(_sentence("; ".join(pairs)))
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _capped(rows, limit: int, name: str, notes: list[str]) -> list[list[str]]:
    """The first `limit` rows (at most MAX_COLUMNS values each), with a note when there were more."""
    out = []
    for row in rows:
        if len(out) == limit:
            notes.append(f"{name}: only the first {limit:,} rows were read (the cap)")
            break
        if len(row) > MAX_COLUMNS and not any("columns" in n for n in notes):
            notes.append(f"{name}: only the first {MAX_COLUMNS} columns were read (the cap)")
        out.append(row[:MAX_COLUMNS])
    return out


def _read_delimited(data: bytes, source: str, delimiter: str | None) -> Extracted:
    text = decode_text(data, source)
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    notes: list[str] = []
    try:
        records = csv.reader(io.StringIO(text), delimiter=delimiter, quoting=quoting)
        rows = _capped(([_clean(v) for v in r] for r in records), MAX_ROWS, "the file", notes)
    except csv.Error as exc:
        raise DocumentError(source, f"malformed CSV ({exc})") from None
    return Extracted("\n".join(table_lines(rows)), None, kind="table", notes=tuple(notes))


def read_csv(data: bytes, source: str) -> Extracted:
    """A CSV file (comma, semicolon, tab or bar separated, sniffed): one sentence a row; line n is row n."""
    return _read_delimited(data, source, None)


def read_tsv(data: bytes, source: str) -> Extracted:
    """A tab-separated file: one sentence a row; line n is row n."""
    return _read_delimited(data, source, "\t")


def read_xlsx(data: bytes, source: str) -> Extracted:
    """Every sheet of an Excel workbook, formulas as their computed (cached) values, merged cells filled."""
    check_zip(data, source, "XLSX", MAX_XLSX_UNZIPPED)
    from qa.ingest.xlsx import sheet_rows, workbook

    book = workbook(data, source)
    parts, sheets, notes, offset, budget = [], [], [], 0, MAX_TOTAL_ROWS
    try:
        for k, sheet in enumerate(book.worksheets):
            if k == MAX_SHEETS or budget <= 0:
                notes.append(f"only the first {k} sheets were read (the cap)")
                break
            name = _clean(str(sheet.title)) or f"Sheet{k + 1}"
            rows = _capped(sheet_rows(book, sheet), min(MAX_ROWS, budget), f"sheet {name}", notes)
            budget -= len(rows)
            lines = [f"## {name.rstrip('.!?…:')}", *table_lines(rows, letters=True)]
            sheets.append((name, offset))
            parts.append("\n".join(lines))
            offset += len(parts[-1]) + 2
    except DocumentError:
        raise
    except Exception as exc:  # openpyxl raises many types for damaged sheets
        raise DocumentError(source, f"malformed XLSX ({type(exc).__name__})") from None
    finally:
        book.close()
    title = _clean(book.properties.title or "") if book.properties else ""
    return Extracted("\n\n".join(parts), title or None, kind="table", sheets=tuple(sheets), notes=tuple(notes))
