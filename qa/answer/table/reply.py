"""A computed table answer in words: the value as the table writes it, how it was computed, and a citation of
each row used (the first MAX_CITED); or, when unsure, what was unclear and the closest rows."""

from __future__ import annotations

from qa.answer.candidates import Passages
from qa.answer.compose import cite
from qa.answer.table.compute import Computed
from qa.answer.table.conditions import Condition
from qa.answer.table.frame import Frame
from qa.answer.table.parse import Plan
from qa.ingest.quantities import Style, write_number
from qa.records import Answer, TableCondition, TableResult

MAX_CITED = 20
_PHRASE = {"sum": "the sum of {c}", "average": "the average of {c}", "max": "the highest {c}", "min": "the lowest {c}",
           "count": "the number of rows", "lookup": "{c}"}  # fmt: skip


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
    style = frame.column(column).style or Style()
    return write_number(value, style)


def _conditions(frame: Frame, conditions: tuple[Condition, ...]) -> tuple[TableCondition, ...]:
    out = []
    for c in conditions:
        text = c.words(frame)
        op = {"year": "in", "month": "in", "months": "in"}.get(c.op, c.op)
        value = (
            text.split(f"{c.column} {c.op if op != 'in' else 'in'} ", 1)[-1]
            if op != "="
            else " or ".join(text.split(" = ", 1)[1:])
        )
        out.append(TableCondition(c.column, op, value))
    return tuple(out)


def _where(frame: Frame, conditions: tuple[Condition, ...]) -> str:
    return (" where " + " and ".join(c.words(frame) for c in conditions)) if conditions else ""


def _how(frame: Frame, plan: Plan, computed: Computed) -> str:
    """'the sum of Beneficiaries over 2 rows where Year = 2023'."""
    n = len(computed.rows)
    rows = f"{n} row{'s' if n != 1 else ''}"
    where = _where(frame, plan.conditions)
    if plan.group_by:
        what = _PHRASE["count"] if plan.operation == "count" else _PHRASE[plan.operation].format(c=plan.column)
        return f"{what} per {plan.group_by}, over {rows}{where}"
    if plan.operation in ("argmax", "argmin"):
        best = shown(computed.extreme, frame, plan.column, "max")
        word = "highest" if plan.operation == "argmax" else "lowest"
        if plan.by_total:
            return f"the {plan.answer_column} with the {word} total {plan.column} ({best}, over {rows}){where}"
        return (
            f"{plan.answer_column} of the row with the {word} {plan.column} ({best}) among {_count(frame, plan)}{where}"
        )
    if plan.operation == "filter":
        return f"{plan.answer_column} of the {rows}{where}"
    if plan.operation == "count" and not plan.distinct:
        return f"the number of rows{where}"
    if plan.operation == "count" and plan.distinct:
        return f"the number of different {plan.column} values over {rows}{where}"
    if plan.operation == "lookup":
        return f"{plan.column}{where}"
    return f"{_PHRASE[plan.operation].format(c=plan.column)} over {rows}{where}"


def _count(frame: Frame, plan: Plan) -> str:
    from qa.answer.table.compute import selected

    n = int(selected(frame, plan.conditions).sum())
    return f"{n} row{'s' if n != 1 else ''}"


def _cited(passages: Passages, frame: Frame, positions) -> tuple:
    document = passages.index.document(frame.table.doc_id)
    rows = [frame.table.rows[p] for p in positions[:MAX_CITED]]
    return tuple(cite(n, document, r.start, r.end, 1.0, passages.index) for n, r in enumerate(rows, start=1))


def _result(frame: Frame, plan: Plan, value, text: str, rows: tuple[int, ...], declined: str | None = None):
    table = frame.table
    operation = f"group_{plan.operation}" if plan.group_by else plan.operation
    if operation == "sum" and len(rows) == 1 and plan.conditions:
        operation = "lookup"
    numbers = tuple(table.rows[p].number for p in rows)
    return TableResult(operation, plan.column, _conditions(frame, plan.conditions), plan.group_by, value, text,
                       numbers, table.doc_id, table.sheet, table.columns,
                       tuple(table.rows[p].cells for p in rows[:MAX_CITED]), declined)  # fmt: skip


def computed_answer(question: str, passages: Passages, frame: Frame, plan: Plan, computed: Computed) -> Answer:
    """The answer giving the computed value, how, and the rows used."""
    value = computed.value
    operation = f"group_{plan.operation}" if plan.group_by else plan.operation
    text = shown(value, frame, plan.column, operation)
    citations = _cited(passages, frame, computed.rows)
    markers = "".join(f"[{c.n}]" for c in citations)
    more = f"; the first {MAX_CITED} of {len(computed.rows)} rows are cited" if len(computed.rows) > MAX_CITED else ""
    place = f" ({frame.table.sheet})" if frame.table.sheet else ""
    words = f"{text} \u2014 {_how(frame, plan, computed)}, in {frame.table.doc_id}{place}{more} {markers}"
    result = _result(frame, plan, value if not isinstance(value, tuple) else list(value), text, computed.rows)
    return Answer(question, words, True, passages.mode, citations, passages.hits, table=result)


def closest_rows(frame: Frame, conditions: tuple[Condition, ...], limit: int = 5) -> tuple[int, ...]:
    """The data rows meeting the most of the conditions, in table order."""
    from qa.answer.table.compute import _mask

    if not conditions:
        return frame.positions[:limit]
    met = sum(_mask(frame, c).fillna(False).astype(int) for c in conditions)
    best = met.max()
    return tuple(frame.positions[i] for i in met.index[met == best][:limit]) if best > 0 else frame.positions[:limit]


def declined_answer(question: str, passages: Passages, frame: Frame, plan: Plan | None, why: str,
                    conditions: tuple[Condition, ...]) -> Answer:  # fmt: skip
    """No number: the table path was unsure; say why, and cite the closest rows."""
    rows = closest_rows(frame, conditions)
    citations = _cited(passages, frame, rows)
    place = f" ({frame.table.sheet})" if frame.table.sheet else ""
    words = (f"Not computed from the table in {frame.table.doc_id}{place}: {why}. "
             f"The closest rows are cited {''.join(f'[{c.n}]' for c in citations)}")  # fmt: skip
    plan = plan or Plan("unsure", None, conditions)
    result = _result(frame, plan, None, "", rows, why)
    return Answer(question, words, False, passages.mode, citations, passages.hits, table=result)
