"""What the learned scorer adds to an answer: a re-ranked pick, the exact phrase, and whole lists.

The cross-encoder (qa.answer.cross_scorer) re-orders the feature scorer's top few candidates; without it the
token-vector reader (qa.answer.token_scorer) scores them (re-ordering only if `Weights.reorder`). Either declines
when it believes none of them.
When the question asks for a specific fact and the reader is sure of a phrase in the chosen sentence,
that phrase is the short answer. A chosen sentence that introduces a list ("funded by:") or is itself
a bullet brings the list's items along, each line quoted verbatim.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace

from qa.answer.features import Candidate, Weights
from qa.records import Short

VETO = 2.0  # a decline floor no probability reaches
_BULLET = re.compile(r"^\s*(?:[•●▪◦‣∙*\-–]|\d{1,2}[.)])\s+")
_FACT = re.compile(
    r"^\s*(?:who|whom|whose|when|where|which|what\s+(?:year|date|day|month|time|number|percentage|name|city|"
    r"country|is the name)|how\s+(?:many|much|long|old|far|big|large|often)|in what|on what|at what|by how|since)\b",
    re.IGNORECASE,
)
# a fact asked for later in the question: "Super Bowl 50 decided the NFL champion for what season?"
_FACT_INSIDE = re.compile(r"\b(?:what|which|who|whom|when|where|how many|how much)\b", re.IGNORECASE)


def probability(logit: float) -> float:
    """The reader's logit as a 0-1 confidence."""
    return 1.0 / (1.0 + math.exp(-max(min(logit, 30.0), -30.0)))


def cross_rerank(question: str, best_first: list[Candidate], cross) -> tuple[list[Candidate], list]:
    """The hand order's top few (those near the first's hand score, qa.answer.cross_scorer.rereads) re-ordered by
    the cross-encoder's logit mixed with the hand score; the first with its phrase (widened to whole words)."""
    from qa.answer.cross_scorer import rereads
    from qa.answer.token_scorer import Reading, _word_span

    settings = cross.settings
    count = rereads([c.score for c in best_first], int(settings.get("top", 3)), settings.get("margin", math.inf))
    top = best_first[:count]
    reads = cross.read(question, [(c.before, c.text) for c in top])
    mixed = [r.logit + settings.get("mix", 0.0) * c.score for r, c in zip(reads, top)]
    order = sorted(range(len(top)), key=lambda k: -mixed[k])
    floor, short_floor = settings.get("floor"), settings.get("short_confidence")
    readings = [Reading(reads[k].logit, floor=floor, short_floor=short_floor) for k in order]
    first, chosen = reads[order[0]], top[order[0]]
    start, end = _word_span(chosen.text, first.start, first.end)
    readings[0] = Reading(first.logit, start, end, first.confidence, floor, short_floor)
    return [top[k] for k in order] + best_first[len(top) :], readings


def declines(readings: list, weights: Weights) -> bool:
    """Whether the learned scorer believes none of the candidates it read."""
    floor = readings[0].floor if readings[0].floor is not None else weights.reader_floor
    return max(probability(r.logit) for r in readings) < floor


def rerank(question: str, best_first: list[Candidate], reader, encoded, position: dict, weights: Weights):
    """The top candidates (re-ordered if `weights.reorder`) and their Readings, the first with its phrase;
    the cross-encoder (qa.answer.cross_scorer) does it when its weights and model load."""
    from qa.answer.cross_scorer import load_crossencoder

    cross = load_crossencoder()
    if cross is not None:  # the token-vector reader still vetoes: its floor declines seeds the cross-encoder answers
        _, own = rerank_tokens(question, best_first, reader, encoded, position, replace(weights, reorder=False))
        reordered, readings = cross_rerank(question, best_first, cross)
        if declines(own, weights):
            readings[0] = replace(readings[0], floor=VETO)
        return reordered, readings
    return rerank_tokens(question, best_first, reader, encoded, position, weights)


def rerank_tokens(question: str, best_first: list[Candidate], reader, encoded, position: dict, weights: Weights):
    """The token-vector reader's (qa.answer.token_scorer) scores of the top candidates, re-ordered if `weights.reorder`."""
    from qa.answer.token_scorer import Reading, feature_row, interaction

    top, scores = best_first[: weights.rerank], []
    for c in top:
        i = position[(c.hit.chunk.doc_id, c.span.start)]
        extra = interaction(reader.p, encoded.question, encoded.sentences[i], c.text, encoded.befores[i], c.before)
        scores.append(reader.score(feature_row(c.features, c.score), extra))
    order = sorted(range(len(top)), key=lambda k: -scores[k]) if weights.reorder else list(range(len(top)))
    first = top[order[0]]
    i = position[(first.hit.chunk.doc_id, first.span.start)]
    start, end, confidence = reader.span(encoded.question, encoded.sentences[i], first.text)
    readings = [Reading(scores[k]) for k in order]
    readings[0] = Reading(scores[order[0]], start, end, confidence)
    return [top[k] for k in order] + best_first[len(top) :], readings


def wants_fact(question: str) -> bool:
    """Whether the question asks for one specific fact (a number, date, name, place, short phrase)."""
    from qa.answer.types import question_type

    if re.match(r"\s*(?:why|how)\b", question, re.IGNORECASE) and not _FACT.search(question):
        return question_type(question) is not None  # "Why ...?", "How did ...?" ask for an explanation
    return question_type(question) is not None or bool(_FACT.search(question) or _FACT_INSIDE.search(question))


def short_answer(question: str, chosen: Candidate, reading, doc_text: str, weights: Weights) -> Short | None:
    """The exact phrase of the first sentence that answers a fact question, in document offsets."""
    if reading is None or not wants_fact(question):
        return None
    if reading.confidence < (weights.short_confidence if reading.short_floor is None else reading.short_floor):
        return None
    start, end = chosen.span.start + reading.start, chosen.span.start + reading.end
    text = doc_text[start:end]
    if not text.strip() or len(text.split()) > 12 or text.strip() == chosen.text.strip():
        return None
    return Short(text, start, end)


def _lines(text: str, start: int) -> tuple[int, int]:
    """The line holding offset `start`: its start and end offsets."""
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", start)
    return first, len(text) if last < 0 else last


def _item(text: str, first: int, last: int) -> tuple[int, int] | None:
    """A list item's span on a line, without its bullet and surrounding spaces; None for a blank line."""
    line = text[first:last]
    marker = _BULLET.match(line)
    begin = first + (marker.end() if marker else len(line) - len(line.lstrip()))
    end = first + len(line.rstrip())
    return (begin, end) if end > begin else None


def _block(text: str, begin: int, step: int, bullets: bool, limit: int) -> list[tuple[int, int]]:
    """Consecutive non-blank lines from the line starting at `begin`, forward (+1) or back (-1)."""
    out = []
    while len(out) < limit and 0 <= begin < len(text):
        first, last = _lines(text, begin)
        item = _item(text, first, last)
        if item is None or (bullets and not _BULLET.match(text[first:last])) or last - first > 600:
            break
        out.append(item)
        begin = last + 1 if step > 0 else first - 2
    return out


def list_items(chosen: Candidate, doc_text: str, weights: Weights) -> list[tuple[int, int]]:
    """The items of the list the sentence introduces, or of the bulleted list it belongs to (its own line left out)."""
    first, last = _lines(doc_text, chosen.span.start)
    limit, end = weights.list_items, _lines(doc_text, max(chosen.span.end - 1, chosen.span.start))[1]
    if re.search(r":[ \t]*(?:\n|$)", chosen.text.rstrip()):  # "funded by:" ending the sentence or one of its lines
        return _block(doc_text, end + 1, 1, False, limit)
    if not _BULLET.match(doc_text[first:last]):
        return []
    before = _block(doc_text, first - 2, -1, True, limit) if first >= 2 else []
    after = _block(doc_text, last + 1, 1, True, limit)
    return (before[::-1] + after)[:limit]
