"""HTML tables read as tables: a line a row, 'Header: value; ...' (qa.ingest.tables), spanning cells repeated.

A table whose cells hold block content (paragraphs, lists: a page laid out with a table) is not data: its
cells are written one a line, as any other block."""

from __future__ import annotations

from qa.ingest.tables import table_lines

MAX_SPAN = 50  # a colspan repeats a cell this many times at most
LAYOUT_TAGS = frozenset({"p", "div", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "form"})


def _span(attrib, name: str) -> int:
    """A cell's colspan or rowspan, 1 when missing or unreadable, at most MAX_SPAN."""
    try:
        return max(1, min(MAX_SPAN, int(str(attrib.get(name, "1")).strip() or 1)))
    except ValueError:
        return 1


class TableCollector:
    """The rows of the outermost table being read; nested tables fold into the cell that holds them."""

    def __init__(self):
        self.depth = 0
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.span = (1, 1)  # the open cell's (colspan, rowspan)
        self.below: dict[int, tuple[int, str]] = {}  # column -> (rows still to fill, text) of cells spanning rows
        self.caption: list[str] = []
        self.in_caption = False
        self.layout = False

    def start(self, tag: str, attrib) -> None:
        if tag == "table":
            self.depth += 1
        elif self.depth == 1 and tag == "tr":
            self._close_cell()
            self._new_row()
        elif self.depth == 1 and tag in ("td", "th"):
            self._close_cell()
            if not self.rows:
                self._new_row()
            self.cell, self.span = [], (_span(attrib, "colspan"), _span(attrib, "rowspan"))
        elif self.depth == 1 and tag == "caption":
            self.in_caption = True
        elif tag in LAYOUT_TAGS:
            self.layout = True

    def end(self, tag: str) -> list[str] | None:
        """The table's lines when this closes the outermost table, else None."""
        if tag == "caption":
            self.in_caption = False
        elif tag in ("td", "th") and self.depth == 1:
            self._close_cell()
        elif tag == "table":
            self.depth -= 1
            if self.depth == 0:
                return self._lines()
        return None

    def data(self, text: str) -> None:
        if self.in_caption:
            self.caption.append(text)
        elif self.cell is not None:
            self.cell.append(text)

    def _new_row(self) -> None:
        if self.rows:
            self._fill_below(self.rows[-1], 10**6)
        self.rows.append([])

    def _fill_below(self, row: list[str], upto: int) -> None:
        """Carry the cells of rows above that span down into this row, at their columns up to `upto`."""
        while len(row) in self.below and len(row) <= upto:
            left, text = self.below.pop(len(row))
            if left > 1:
                self.below[len(row)] = (left - 1, text)
            row.append(text)

    def _close_cell(self) -> None:
        if self.cell is not None and self.rows:
            row, text = self.rows[-1], " ".join("".join(self.cell).split())
            self._fill_below(row, len(row))
            columns, rows = self.span
            for _ in range(columns):
                if rows > 1:
                    self.below[len(row)] = (rows - 1, text)
                row.append(text)
        self.cell = None

    def _lines(self) -> list[str]:
        self._close_cell()
        if self.rows:
            self._fill_below(self.rows[-1], 10**6)
        rows = [row for row in self.rows if any(row)]
        caption = " ".join("".join(self.caption).split())
        if self.layout or len(rows) < 2 or max(len(r) for r in rows) < 2:
            lines = [v for row in rows for v in row if v]
        else:
            lines = [line for line in table_lines(rows) if line]
        self.__init__()
        return [caption, *lines] if caption else lines
