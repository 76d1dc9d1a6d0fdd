"""The rows a table answer used, shown as a small table under the answer; every cell is escaped text."""

from __future__ import annotations

import html

from qa.records import Answer


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def rows_html(answer: Answer) -> str:
    """A table of the rows a computed answer used (or, declined, the closest rows), '' for other answers."""
    table = answer.table
    if table is None or not table.cells:
        return ""
    used = len(table.rows)
    label = "Closest rows (no value computed)" if table.declined else "Rows used"
    if used > len(table.cells) and not table.declined:
        label += f" (the first {len(table.cells)} of {used})"
    place = f"{table.source}, {table.sheet}" if table.sheet else table.source
    head = "".join(f"<th>{_esc(h)}</th>" for h in ("Row", *table.headers))
    body = "".join(
        "<tr>" + "".join(f"<td>{_esc(v)}</td>" for v in (number, *cells)) + "</tr>"
        for number, cells in zip(table.rows, table.cells)
    )
    return (
        f'<div class="qa-rows"><p class="qa-rows-label">{_esc(label)} \u2014 {_esc(place)}</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )
