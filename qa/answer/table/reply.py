"""A computed table answer in words: the value as the table writes it, how it was computed, and a citation of
each row used (the first MAX_CITED); or, when unsure, what was unclear and the closest rows."""

from __future__ import annotations

from dataclasses import dataclass

from qa.answer.candidates import Passages
from qa.answer.compose import cite
from qa.answer.table.compute import Computed, selected
from qa.answer.table.conditions import Condition
from qa.answer.table.frame import Frame
from qa.answer.table.parse import Plan
from qa.answer.table.wording import rows_phrase, say, value_words, where
from qa.ingest.quantities import Style, write_number
from qa.records import Answer, TableCondition, TableResult

MAX_CITED = 20


@dataclass(frozen=True)
class Place:
    """Where a table answer is read from: the passages (and their index), the table, the question's language."""

    passages: Passages
    frame: Frame
    language: str = "en"


@dataclass(frozen=True)
class Decline:
    """Why no value is given: the plan if there was one, the reason, and the conditions to find close rows by."""

    plan: Plan | None
    why: str
    conditions: tuple[Condition, ...]


def shown(value, frame: Frame, column: str | None, operation: str) -> str:
    """The value as the column writes its numbers (counts as plain whole numbers)."""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {shown(v, frame, column, operation)}" for k, v in value.items())
    if isinstance(value, tuple):
        return "; ".join(value)
    if isinstance(value, str):
        return value
    if operation in ("count", "group_count") or column is None:
        return f"{int(value):,}"
    return write_number(value, frame.column(column).style or Style())


def _how(frame: Frame, plan: Plan, computed: Computed, language: str) -> str:
    """'the sum of Beneficiaries over 2 rows where Year = 2023', in the question's language."""
    rows = rows_phrase(len(computed.rows), language)
    over, condition = say("over", language, rows=rows), where(frame, plan.conditions, language)
    c, a = plan.column, plan.answer_column
    if plan.group_by:
        what = say("count", language) if plan.operation == "count" else say(plan.operation, language, c=c)
        group = f"{plan.group_by} ({plan.group_part})" if plan.group_part else plan.group_by
        return f"{what} {say('per', language, g=group)}, {over}{condition}"
    if plan.operation in ("argmax", "argmin"):
        best = shown(computed.extreme, frame, c, "max")
        word = say("higher" if plan.operation == "argmax" else "lower", language)
        if plan.by_total:
            return say("total", language, a=a, word=word, c=c, v=best, rows=rows) + condition
        among = rows_phrase(int(selected(frame, plan.conditions).sum()), language)
        return say("argmax", language, a=a, word=word, c=c, v=best, rows=among) + condition
    if plan.operation == "filter":
        return say("filter", language, a=a, rows=rows) + condition
    if plan.operation == "count":
        return (say("distinct", language, c=c) + f" {over}" if plan.distinct else say("count", language)) + condition
    if plan.operation == "lookup":
        return f"{c}{condition}"
    return f"{say(plan.operation, language, c=c)} {over}{condition}"


def _cited(passages: Passages, frame: Frame, positions) -> tuple:
    document = passages.index.document(frame.table.doc_id)
    rows = [frame.table.rows[p] for p in positions[:MAX_CITED]]
    return tuple(cite(n, document, r.start, r.end, 1.0, passages.index) for n, r in enumerate(rows, start=1))


def _result(frame: Frame, plan: Plan, computed: Computed, text: str, declined: str | None = None) -> TableResult:
    table, rows = frame.table, computed.rows
    operation = f"group_{plan.operation}" if plan.group_by else plan.operation
    if operation == "sum" and len(rows) == 1 and plan.conditions:
        operation = "lookup"
    conditions = tuple(
        TableCondition(c.column, {"year": "in", "month": "in", "months": "in"}.get(c.op, c.op),
                       value_words(c, frame, "en"))
        for c in plan.conditions
    )  # fmt: skip
    value = _whole(list(computed.value) if isinstance(computed.value, tuple) else computed.value)
    group = f"{plan.group_by} ({plan.group_part})" if plan.group_part else plan.group_by
    return TableResult(operation, plan.column or plan.answer_column, conditions, group, value, text,
                       tuple(table.rows[p].number for p in rows), table.doc_id, table.sheet, table.columns,
                       tuple(table.rows[p].cells for p in rows[:MAX_CITED]), declined)  # fmt: skip


def _whole(value):
    """Whole numbers as ints (11755, not 11755.0), in groups too."""
    if isinstance(value, dict):
        return {k: _whole(v) for k, v in value.items()}
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _place_words(place: Place) -> str:
    sheet = f" ({place.frame.table.sheet})" if place.frame.table.sheet else ""
    return f"{place.frame.table.doc_id}{sheet}"


def computed_answer(question: str, place: Place, plan: Plan, computed: Computed) -> Answer:
    """The answer giving the computed value, how, and the rows used."""
    frame, language = place.frame, place.language
    text = shown(computed.value, frame, plan.column, f"group_{plan.operation}" if plan.group_by else plan.operation)
    citations = _cited(place.passages, frame, computed.rows)
    markers = "".join(f"[{c.n}]" for c in citations)
    n = len(computed.rows)
    more = say("more", language, k=MAX_CITED, n=n) if n > MAX_CITED else ""
    where_from = say("doc", language, doc=_place_words(place))
    words = f"{text} \u2014 {_how(frame, plan, computed, language)}, {where_from}{more} {markers}"
    result = _result(frame, plan, computed, text)
    return Answer(question, words, True, place.passages.mode, citations, place.passages.hits, table=result)


def closest_rows(frame: Frame, conditions: tuple[Condition, ...], limit: int = 5) -> tuple[int, ...]:
    """The data rows meeting the most of the conditions, in table order."""
    if not conditions:
        return frame.positions[:limit]
    met = sum(selected(frame, (c,)).astype(int) for c in conditions)
    best = met.max()
    return tuple(frame.positions[i] for i in met.index[met == best][:limit]) if best > 0 else frame.positions[:limit]


def declined_answer(question: str, place: Place, decline: Decline) -> Answer:
    """No number: the table path was unsure; say why, and cite the closest rows."""
    rows = closest_rows(place.frame, decline.conditions)
    citations = _cited(place.passages, place.frame, rows)
    words = say("declined", place.language, doc=_place_words(place), why=decline.why)
    words += " " + "".join(f"[{c.n}]" for c in citations)
    plan = decline.plan or Plan("unsure", None, decline.conditions)
    result = _result(place.frame, plan, Computed(None, rows), "", decline.why)
    return Answer(question, words, False, place.passages.mode, citations, place.passages.hits, table=result)
