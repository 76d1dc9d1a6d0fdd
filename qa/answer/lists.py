"""Lists kept whole: a chosen sentence that introduces a list ("funded by:") or is itself a bullet brings the
list's items along, each line quoted verbatim."""

from __future__ import annotations

import re

from qa.answer.candidates import Candidate
from qa.answer.scoring import Weights

BULLET = re.compile(r"^\s*(?:[•●▪◦‣∙*\-–]|\d{1,2}[.)])\s+")


def _lines(text: str, start: int) -> tuple[int, int]:
    """The line holding offset `start`: its start and end offsets."""
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", start)
    return first, len(text) if last < 0 else last


def _item(text: str, first: int, last: int) -> tuple[int, int] | None:
    """A list item's span on a line, without its bullet and surrounding spaces; None for a blank line."""
    line = text[first:last]
    marker = BULLET.match(line)
    begin = first + (marker.end() if marker else len(line) - len(line.lstrip()))
    end = first + len(line.rstrip())
    return (begin, end) if end > begin else None


def _block(text: str, begin: int, step: int, bullets: bool, limit: int) -> list[tuple[int, int]]:
    """Consecutive non-blank lines from the line starting at `begin`, forward (+1) or back (-1)."""
    out = []
    while len(out) < limit and 0 <= begin < len(text):
        first, last = _lines(text, begin)
        item = _item(text, first, last)
        if item is None or (bullets and not BULLET.match(text[first:last])) or last - first > 600:
            break
        out.append(item)
        begin = last + 1 if step > 0 else first - 2
    return out


def list_items(chosen: Candidate, doc_text: str, weights: Weights, bullets: bool = True) -> list[tuple[int, int]]:
    """The items of the list the sentence introduces, or (with `bullets`) of the bulleted list it belongs to (its
    own line left out)."""
    first, last = _lines(doc_text, chosen.span.start)
    limit, end = weights.list_items, _lines(doc_text, max(chosen.span.end - 1, chosen.span.start))[1]
    if re.search(r":[ \t]*(?:\n|$)", chosen.text.rstrip()):  # "funded by:" ending the sentence or one of its lines
        return _block(doc_text, end + 1, 1, False, limit)
    if not bullets or not BULLET.match(doc_text[first:last]):
        return []
    before = _block(doc_text, first - 2, -1, True, limit) if first >= 2 else []
    after = _block(doc_text, last + 1, 1, True, limit)
    return (before[::-1] + after)[:limit]
