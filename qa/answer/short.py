"""The exact phrase that answers a fact question, read by the learned scorer inside the first cited sentence."""

from __future__ import annotations

import re

from qa.answer.candidates import Candidate
from qa.answer.scoring import Reading
from qa.answer.types import question_type
from qa.records import Short

_FACT = re.compile(
    r"^\s*(?:who|whom|whose|when|where|which|what\s+(?:year|date|day|month|time|number|percentage|name|city|"
    r"country|is the name)|how\s+(?:many|much|long|old|far|big|large|often)|in what|on what|at what|by how|since)\b",
    re.IGNORECASE,
)
# a fact asked for later in the question: "Super Bowl 50 decided the NFL champion for what season?"
_FACT_INSIDE = re.compile(r"\b(?:what|which|who|whom|when|where|how many|how much)\b", re.IGNORECASE)


_WORD = re.compile(r"\w+")


def word_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The phrase [start, end) of `text` widened to whole words."""
    for m in _WORD.finditer(text):
        if m.start() < start < m.end():
            start = m.start()
        if m.start() < end < m.end():
            end = m.end()
    return start, end


def wants_fact(question: str) -> bool:
    """Whether the question asks for one specific fact (a number, date, name, place, short phrase)."""
    if re.match(r"\s*(?:why|how)\b", question, re.IGNORECASE) and not _FACT.search(question):
        return question_type(question) is not None  # "Why ...?", "How did ...?" ask for an explanation
    return question_type(question) is not None or bool(_FACT.search(question) or _FACT_INSIDE.search(question))


def short_answer(question: str, chosen: Candidate, reading: Reading, doc_text: str, floor: float) -> Short | None:
    """The exact phrase of the first sentence that answers a fact question, in document offsets, when its
    confidence reaches `floor`."""
    if not wants_fact(question) or reading.confidence < floor:
        return None
    start, end = chosen.span.start + reading.start, chosen.span.start + reading.end
    text = doc_text[start:end]
    if not text.strip() or len(text.split()) > 12 or text.strip() == chosen.text.strip():
        return None
    return Short(text, start, end)
