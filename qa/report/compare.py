"""Comparing a cited quote with a document's text: where it occurs (whitespace aside), whether that is the place
cited, and for a quote that is gone the closest sentence and a word-level difference."""

from __future__ import annotations

import difflib

from qa.ingest.sentences import split_sentences
from qa.records import Document
from qa.report.references import Place


def place_of(document: Document, start: int, end: int) -> Place:
    """The place of [start, end) in a document, as a citation names it."""
    sheet = document.sheet_at(start)
    return Place(document.page_at(start), document.line_at(start), document.line_at(max(start, end - 1)),
                 sheet[0] if sheet else None, start, end)  # fmt: skip


def _flat(text: str) -> tuple[str, list[int]]:
    keep = [i for i, ch in enumerate(text) if not ch.isspace()]
    return "".join(text[i] for i in keep), keep


def occurrences(text: str, quote: str) -> list[tuple[int, int]]:
    """Every [start, end) of `quote` in `text`, whitespace differences ignored."""
    flat, where = _flat(text)
    needle, found, at = "".join(quote.split()), [], 0
    while needle and (at := flat.find(needle, at)) >= 0:
        found.append((where[at], where[at + len(needle) - 1] + 1))
        at += 1
    return found


def same_place(was: Place, now: Place) -> bool:
    """Whether the place the report gives (what it gives of it) is where the quote is now."""
    pairs = [(was.page, now.page), (was.line_start, now.line_start), (was.line_end, now.line_end),
             (was.start, now.start), (was.end, now.end)]  # fmt: skip
    sheet = was.sheet is None or (now.sheet or "").casefold() == was.sheet.casefold()
    return sheet and all(a is None or a == b for a, b in pairs)


def word_diff(old: str, new: str) -> str:
    """The words of `old` changed into `new`: removed words as [-…-], added ones as {+…+}."""
    a, b, out = old.split(), new.split(), []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out += a[i1:i2]
            continue
        if i2 > i1:
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
    return " ".join(out)


def closest_sentence(document: Document, quote: str) -> str | None:
    """The sentence of the document most like the quote (by words), or None for an empty document."""
    words = quote.casefold().split()
    best, best_ratio = None, -1.0
    for span in split_sentences(document.text, document.language):
        sentence = " ".join(document.text[span.start : span.end].split())
        matcher = difflib.SequenceMatcher(None, words, sentence.casefold().split(), autojunk=False)
        if matcher.real_quick_ratio() > best_ratio and matcher.quick_ratio() > best_ratio:
            ratio = matcher.ratio()
            if ratio > best_ratio:
                best, best_ratio = sentence, ratio
    return best
