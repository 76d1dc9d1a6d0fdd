"""A table made ready to compute: each column's kind (number, year, date or text) and number format, and a pandas
frame of its data rows (totals rows left out), built once per table."""

from __future__ import annotations

import re
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from qa.answer.table.words import content_stems, plain, tokens
from qa.ingest.quantities import Style, read_date, read_number
from qa.ingest.table_text import Table

SHARE = 0.8  # a column is of a kind when this share of its filled cells reads as that kind
CACHE_TABLES = 64
_YEAR = re.compile(r"(19|20)\d\d")
_DECIMAL_COMMA = re.compile(r"\d,\d{1,2}(?!\d)|\d\.\d{3},\d")


@dataclass(frozen=True)
class Column:
    """A column of a table: its name, the stems of its name's words, what it holds and how it writes numbers."""

    name: str
    stems: tuple[str, ...]
    kind: str  # "number", "year", "date" or "text"
    style: Style | None = None  # numbers: the format most of its cells are written in
    mixed_units: bool = False  # numbers written with different currencies or units: not added up


@dataclass(frozen=True)
class Frame:
    """A table with its columns profiled and its data rows (not totals) in a pandas DataFrame, row i of which is
    `table.rows[positions[i]]`."""

    table: Table
    columns: tuple[Column, ...]
    data: object  # pandas.DataFrame: numbers as floats, dates as datetimes, years as ints, text as strings
    positions: tuple[int, ...]
    by_first_word: dict = field(default_factory=dict)  # first word of a text value -> [(column, value, words)]
    value_words: frozenset[str] = frozenset()  # every word of every text value
    written: dict = field(default_factory=dict)  # (column, plain value) -> the value as the table writes it

    def as_written(self, column: str, value: str) -> str:
        return self.written.get((column, value), value)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def of_kind(self, *kinds: str) -> list[Column]:
        return [c for c in self.columns if c.kind in kinds]


def _profile(name: str, values: list[str]) -> tuple[Column, list]:
    """The column's kind and style, and its values read as that kind (None where empty or unreadable)."""
    filled = [v for v in values if v]
    stems = tuple(content_stems(name))
    if filled and all(_YEAR.fullmatch(v) for v in filled):
        return Column(name, stems, "year"), [int(v) if v else None for v in values]
    comma = any(_DECIMAL_COMMA.search(v) for v in filled)
    numbers = [read_number(v, comma) if v else None for v in values]
    read = [n for n in numbers if n is not None]
    if filled and len(read) >= SHARE * len(filled):
        units = Counter(
            (n.style.prefix.strip(), n.style.suffix.lower() if n.style.suffix != "%" else "%") for n in read
        )
        style = Counter(n.style for n in read).most_common(1)[0][0]
        places = max(n.style.places for n in read if n.style.scale == style.scale)
        style = Style(style.prefix, style.suffix, style.scale, style.thousands, style.decimal, places)
        if style.scale:  # '$286 million' beside '398,000,000': write sums as most cells do, with the scale
            style = Style(style.prefix, style.suffix, style.scale, ",", ".", max(1, places))
        mixed = len({u for u in units if u != ("", "")}) > 1
        return Column(name, stems, "number", style, mixed), [n.value if n else None for n in numbers]
    dates = [read_date(v) if v else None for v in values]
    if filled and sum(d is not None for d in dates) >= SHARE * len(filled):
        return Column(name, stems, "date"), [d[0] if d else None for d in dates]
    return Column(name, stems, "text"), [v or None for v in values]


def build_frame(table: Table) -> Frame:
    """The table profiled, with a DataFrame of its data rows."""
    import pandas as pd

    positions = tuple(i for i, row in enumerate(table.rows) if not row.total)
    columns, data = [], {}
    for j, name in enumerate(table.columns):
        column, values = _profile(name, [table.rows[i].cells[j] for i in positions])
        columns.append(column)
        if column.kind == "date":
            data[name] = pd.to_datetime(pd.Series(values, dtype="object"))
        elif column.kind in ("number", "year"):
            data[name] = pd.Series(values, dtype="float64")
        else:
            data[name] = pd.Series([plain(v) if v else None for v in values], dtype="object").astype("category")
    frame = pd.DataFrame(data)
    written = {}
    for j, column in enumerate(columns):
        if column.kind == "text":
            for i in positions:
                cell = table.rows[i].cells[j]
                written.setdefault((column.name, plain(cell)), cell)
    by_first_word: dict[str, list[tuple[str, str]]] = {}
    words: set[str] = set()
    for column in columns:
        if column.kind == "text":
            for value in frame[column.name].cat.categories:
                parts = tokens(value)
                if parts:
                    by_first_word.setdefault(parts[0], []).append((column.name, value, frozenset(parts)))
                    words.update(parts)
    return Frame(table, tuple(columns), frame, positions, by_first_word, frozenset(words), written)


_FRAMES: OrderedDict[tuple, Frame] = OrderedDict()
_LOCK = threading.Lock()


def frame_of(table: Table, version: str) -> Frame:
    """The table's frame, built once per version of its document (a small cache, safe across threads)."""
    key = (table.doc_id, version, table.header_start)
    with _LOCK:
        found = _FRAMES.get(key)
    if found is None:
        found = build_frame(table)
        with _LOCK:
            _FRAMES[key] = found
            while len(_FRAMES) > CACHE_TABLES:
                _FRAMES.popitem(last=False)
    return found
