"""Reading .xlsx sheets with openpyxl in read-only (streaming) mode: cell values as shown, merged cells filled."""

from __future__ import annotations

import datetime as dt
import io
import math
import re

from qa.records import DocumentError

MAX_FILL_COLUMNS = 200  # merged ranges are filled this far at most
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')


def workbook(data: bytes, source: str):
    """The workbook opened read-only with cached formula values (what Excel last computed)."""
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it does not read
            return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged or non-xlsx files
        raise DocumentError(source, f"malformed XLSX ({type(exc).__name__})") from None


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def merged_ranges(book, sheet, limit: int = 10_000) -> list[tuple[int, int, int, int]]:
    """(first row, last row, first column, last column) of each merged range, 1-based rows, 0-based columns."""
    path = getattr(sheet, "_worksheet_path", None)
    if not path:
        return []
    ranges, tail = [], b""
    with book._archive.open(path) as handle:  # streamed: the sheet XML is never held whole
        for block in iter(lambda: handle.read(1 << 20), b""):
            window = tail + block
            for m in _MERGE.finditer(window):
                if m.end() > len(tail):
                    ranges.append((int(m[2]), int(m[4]), _column(m[1]), _column(m[3])))
            tail = window[-200:]
            if len(ranges) >= limit:
                break
    return ranges[:limit]


def cell_text(value, number_format: str | None = None) -> str:
    """A cell value as a person reads it: 1,250 with a thousands format, 12% as a percentage, dates as ISO."""
    fmt = number_format or "General"
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int | float):
        return _number(value, fmt)
    return " ".join(str(value).split())


def _number(value: float, fmt: str) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    places = len(m[1]) if (m := re.search(r"\.(0+)", fmt)) else None
    if "%" in fmt:
        return f"{value * 100:.{places or 0}f}%"
    if isinstance(value, float) and value.is_integer() and not places:
        value = int(value)
    comma = "," if "#,##" in fmt else ""
    if places is not None:
        return f"{value:{comma}.{places}f}"
    return f"{value:{comma}}" if isinstance(value, int) else f"{value:{comma}.10g}"


def sheet_rows(book, sheet):
    """Each row of the sheet as a list of shown values, merged ranges filled with their top-left value."""
    starts: dict[int, list[tuple[int, int, int]]] = {}
    for r0, r1, c0, c1 in merged_ranges(book, sheet):
        if c0 < MAX_FILL_COLUMNS:
            starts.setdefault(r0, []).append((r1, c0, min(c1, MAX_FILL_COLUMNS - 1)))
    live: list[tuple[int, int, int, str]] = []  # (last row, first col, last col, value) of open merged ranges
    for number, row in enumerate(sheet.iter_rows(), start=1):
        values = [cell_text(getattr(c, "value", None), getattr(c, "number_format", None)) for c in row]
        for last, c0, c1 in starts.get(number, ()):
            live.append((last, c0, c1, values[c0] if c0 < len(values) else ""))
        live = [m for m in live if m[0] >= number]
        for _, c0, c1, value in live:
            values += [""] * (c1 + 1 - len(values))
            for c in range(c0, c1 + 1):
                values[c] = values[c] or value
        yield values
