"""Sentence spans for a document's text, with web-page fragments folded into their sentences.

Text extracted from web pages puts headings, bullets, figures and labels on lines of their own
("22,295" then "people went missing ..."). pysbd splits sentences inside a block; the rules
below then fold a figure into its caption, a label into its value and a broken line into its
continuation, and mark short title-like lines as headings, so every span is a quotable statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from qa.records import Span

MAX_BLOCK_CHARS = 5_000  # pysbd's cost grows fast with block length; longer blocks are windowed
MAX_SENTENCE_CHARS = 1_000
_BULLET = re.compile(r"[ \t]*(?:[•·▪◦‣∙*+>-](?=\s)|#{1,6}(?=\s)|\d{1,3}[.)](?=\s))?[ \t]*")
_MD_HEADING = re.compile(r"[ \t]{0,3}#{1,6}\s")
_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*$")
_FIGURE = re.compile(r"^[\s$€£¥+\-–—~≈<>]*\d[\d\s.,%$€£¥+\-–—/:()x]*(?:[a-zA-Z%]{0,3})?$")
_WORD = re.compile(r"\w+")
_NAME = r"[A-ZÁÉÍÓÚÑ][\w'’-]+(?:\s+[A-ZÁÉÍÓÚÑ][\w'’-]+)+"
_VALUE = re.compile(rf"\S+@\S+\.\w|(?:https?://|www\.)\S|[A-Z][a-z]{{1,3}}\.\s+{_NAME}|{_NAME},")  # e-mail, web, name
# Spanish titles that pysbd's Spanish rules end a sentence after ("el Sr. | García")
_TITLE_ES = re.compile(r"\b(?:Sr|Sra|Srta|Sres|Dr|Dra|Lic|Ing|Prof|Ud|Uds|Gral|Mons|Excmo|Excma)\.$")
_SPACES = {c: " " for c in range(0x3001) if chr(c).isspace()}  # one for one, so offsets stay true


@dataclass(frozen=True)
class _Unit:
    """A sentence candidate before fragment folding."""

    start: int
    end: int
    block: int
    whole_block: bool
    heading_marked: bool = False


@lru_cache(maxsize=4)
def _segmenter(language: str = "en"):
    import pysbd
    from pysbd.languages import LANGUAGE_CODES

    return pysbd.Segmenter(language=language if language in LANGUAGE_CODES else "en", clean=False)


def _lines(text: str) -> list[tuple[int, int, int, bool]]:
    """(line start, content start, content end, is_markdown_heading) of each non-blank line."""
    lines, offset = [], 0
    for line in text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        lead = _BULLET.match(line).end()
        if line[lead:].strip():
            lines.append((start, start + lead, start + len(line.rstrip()), bool(_MD_HEADING.match(line))))
    return lines


def _looks_wrapped(text: str, lines: list) -> bool:
    """True for hard-wrapped text (PDF-like): short lines that mostly run on into the next."""
    runs = [b for a, b in zip(lines, lines[1:]) if "\n\n" not in text[a[2] : b[0]]]
    if len(runs) < 3 or max(end - start for start, _, end, _ in lines) > 150:
        return False
    open_ended = sum(1 for start, _, end, _ in lines if not _TERMINAL.search(text[start:end]))
    return open_ended >= 0.5 * len(lines)


def _blocks(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_markdown_heading) of each block: lines joined where a line merely wraps."""
    lines = _lines(text)
    wrapped = _looks_wrapped(text, lines)
    blocks: list[list] = []
    for line_start, start, end, heading in lines:
        previous = blocks[-1] if blocks else None
        if previous and _wraps(text, previous, line_start, start, heading, wrapped):
            previous[1] = end
        else:
            blocks.append([start, end, heading])
    return [tuple(b) for b in blocks]


def _wraps(text: str, previous: list, line_start: int, start: int, heading: bool, wrapped: bool) -> bool:
    """True when the line continues the previous block (a soft wrap, as in PDF text)."""
    if heading or previous[2] or start > line_start or "\n\n" in text[previous[1] : start]:
        return False  # headings, bullets and blank-line breaks always start a new block
    prev_text = text[previous[0] : previous[1]]
    if _TERMINAL.search(prev_text) or prev_text.endswith(":"):
        return False
    return text[start].islower() or wrapped


def _windows(start: int, end: int, text: str):
    """Cut an overly long block at spaces so segmentation stays bounded in time."""
    while end - start > MAX_BLOCK_CHARS:
        cut = text.rfind(" ", start + MAX_BLOCK_CHARS // 2, start + MAX_BLOCK_CHARS)
        cut = cut if cut > start else start + MAX_BLOCK_CHARS
        yield start, cut
        start = cut
    yield start, end


def _segment(piece: str, language: str = "en") -> list[str]:
    """pysbd's sentences; a piece pysbd chokes on (it has crashed on odd input) stays one sentence."""
    try:
        return _segmenter(language).segment(piece)
    except Exception:  # any failure inside the third-party splitter means the same
        return [piece]


def _split_block(text: str, start: int, end: int, language: str = "en") -> list[tuple[int, int]]:
    """pysbd sentences of one block as trimmed (start, end) offsets into `text`."""
    spans = []
    for win_start, win_end in _windows(start, end, text):
        piece = text[win_start:win_end].translate(_SPACES)  # pysbd trips on control spaces like \x1f
        cursor = 0
        for sentence in _segment(piece, language):
            core = sentence.strip()
            if not core:
                continue
            found = piece.find(core, cursor)
            if found < 0:  # pysbd altered the text; fall back to the rest of the window
                found, core = cursor, piece[cursor:].strip()
            cursor = found + len(core)
            spans.extend(_cap(win_start + found, win_start + cursor, text))
            if cursor >= len(piece.rstrip()):
                break
        if cursor < len(piece.rstrip()):
            rest = piece[cursor:]
            lead = len(rest) - len(rest.lstrip())
            spans.extend(_cap(win_start + cursor + lead, win_start + len(piece.rstrip()), text))
    return spans


def _cap(start: int, end: int, text: str) -> list[tuple[int, int]]:
    """Split a run-on 'sentence' longer than MAX_SENTENCE_CHARS at spaces."""
    out = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + 1, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        out.append((start, cut))
        start = cut + 1 if text[cut] == " " else cut
    if end > start:
        out.append((start, end))
    return out


def _rejoin(text: str, spans: list[tuple[int, int]], language: str = "en") -> list[tuple[int, int]]:
    """Undo splits before a lowercase word ("97.5%. in their income") or after a Spanish title ("Sr.")."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        title = language == "es" and out and _TITLE_ES.search(text, out[-1][0], out[-1][1])
        if out and (text[start].islower() or title) and end - out[-1][0] <= MAX_SENTENCE_CHARS:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _units(text: str, language: str = "en") -> list[_Unit]:
    units = []
    for block, (start, end, heading) in enumerate(_blocks(text)):
        spans = _split_block(text, start, end, language)
        spans = _rejoin(text, spans, language)
        for s, e in spans:
            units.append(_Unit(s, e, block, whole_block=len(spans) == 1, heading_marked=heading))
    return units


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _is_fragment(unit: _Unit, text: str) -> bool:
    body = text[unit.start : unit.end]
    return unit.whole_block and not _TERMINAL.search(body) and (_words(body) < 12 or body.endswith(":"))


def _merge_rule(unit: _Unit, nxt: _Unit, text: str) -> bool:
    """Whether a fragment belongs with the unit that follows it."""
    body, following = text[unit.start : unit.end], text[nxt.start : nxt.end]
    if unit.heading_marked:
        return False
    if body.endswith(":") or following[:1].islower():
        return True
    # A short label ("Telephone", "Medical director") followed on the next line by a value: one with figures, an
    # e-mail or web address, or a name with a title or a role ("Dr. Elena Mamani", "Lucía Paredes, Press Officer").
    label = _words(body) <= 3 and not re.search(r"\d", body)
    return label and _is_fragment(nxt, text) and bool(re.search(r"\d", following) or _VALUE.match(following))


def _merge_end(units: list[_Unit], i: int, text: str) -> int:
    """How many units a fragment at `i` absorbs: the next one, or all of a short next block."""
    block = units[i + 1].block
    j = i + 1
    while j + 1 < len(units) and units[j + 1].block == block:
        j += 1
    whole = text[units[i + 1].start : units[j].end]
    return j + 1 if _words(whole) < 20 else i + 2


def _is_heading(unit: _Unit, text: str) -> bool:
    body = text[unit.start : unit.end]
    return unit.heading_marked or (body[:1].isupper() and not _FIGURE.match(body) and _words(body) <= 10)


def split_sentences(text: str, language: str = "en") -> list[Span]:
    """Sentence spans (headings flagged) by pysbd's rules for `language`, English's for a language it lacks."""
    units, spans, i = _units(text, language), [], 0
    while i < len(units):
        unit = units[i]
        if _is_fragment(unit, text) and i + 1 < len(units) and _merge_rule(unit, units[i + 1], text):
            stop = _merge_end(units, i, text)
            spans.append(Span(unit.start, units[stop - 1].end))
            i = stop
            continue
        heading = _is_fragment(unit, text) and _is_heading(unit, text)
        spans.append(Span(unit.start, unit.end, is_heading=heading))
        i += 1
    return spans
