"""One question read against one table: the operation, its column, its conditions and group, or why not."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.answer.table import clues
from qa.answer.table import operations as ops
from qa.answer.table.columns import LOOKUP_NEAR, Named
from qa.answer.table.conditions import Condition, comparisons, value_conditions
from qa.answer.table.frame import Column, Frame
from qa.answer.table.parse import (
    Asked,
    Plan,
    Reading,
    compared_conditions,
    left_words,
    missing_names,
    period_conditions,
)
from qa.answer.table.words import stem, tokens


@dataclass(frozen=True)
class Said:
    """What the question says of one table before an operation is chosen."""

    cues: dict
    conditions: tuple[Condition, ...]  # values and periods named
    values: int  # how many of the conditions name text values (rows of the table)
    missing: tuple[str, ...]  # names the table does not have
    no_year: tuple[str, ...]  # years it has no way to match
    group: Column | None
    group_part: str | None  # 'year' or 'month' of a date column
    which: Column | None
    left: tuple[str, ...]  # words no condition, group or answer column used
    fit: float  # how much of the question the table accounts for


def said(frame: Frame, asked: Asked, embedder) -> tuple[Said, list]:
    """The clues of the question about this table, and the spans of the question they used."""
    texts = [asked.english, *asked.versions]
    cues = ops.asked(texts)
    all_stems = {stem(w) for t in texts for w in tokens(t)}
    mentioned = {c.name for c in frame.columns if set(c.stems) & all_stems}
    values, used = value_conditions(frame, texts, mentioned)
    periods, no_year = period_conditions(frame, asked, used)
    group, group_words, group_part = clues.grouped_by(frame, asked, embedder)
    which = clues.answer_column(frame, asked, cues)
    key = frame.columns[0]  # what the rows are: a question naming it (not to group by) is about this table
    named_key = bool(set(key.stems) & (all_stems - {stem(w) for w in group_words}))
    fit = len(values) + len(mentioned) + len(periods) + 0.5 * named_key
    used += [c.span for c in comparisons(asked.english, asked.decimal_comma)]
    taken = {c.column for c in values + periods} | {group.name if group else None, which.name if which else None}
    rows_named = {key.name} if key.kind == "text" and key.name in mentioned else set()  # 'the projects'
    spent = {s for c in frame.columns if c.name in taken | rows_named for s in c.stems}
    left = [w for w in left_words(asked.english, used) if w not in group_words and stem(w) not in spent]
    clue = Said(cues, tuple(values + periods), len(values), tuple(missing_names(asked, frame)), tuple(no_year),
                group, group_part, which, tuple(left), fit)  # fmt: skip
    return clue, used


def read(frame: Frame, asked: Asked, embedder) -> Reading:
    """The question read against this table."""
    clue, used = said(frame, asked, embedder)
    operation = clues.operation_asked(clue.cues, clue.which is not None)
    if operation is None and clue.cues["list"] and (clue.conditions or re.search(r"\d", asked.english)):
        operation = "filter"
    taken = {c.column for c in clue.conditions} | {getattr(clue.group, "name", None), getattr(clue.which, "name", None)}
    kinds = ("number", "date") if operation else ("number", "date", "text")  # a lookup may ask for any cell
    measure = clues.measured([c for c in frame.of_kind(*kinds) if c.name not in taken], asked, list(clue.left),
                             embedder)  # fmt: skip
    if clue.cues["share"]:  # 'what share were women': a percentage column holds shares, read as any number
        percent = [c for c in frame.of_kind("number") if c.style and c.style.suffix == "%" and c.name not in taken]
        found = clues.named(percent, list(clue.left), embedder)
        measure = found if found.best is not None else measure
        operation = None if operation == "share" and found.best is not None else operation
    counted = None
    if operation == "count" or (operation in (None, "sum") and clue.cues["count"]):
        kind, counted = clues.how_many(frame, asked, embedder)
        if kind == "sum":
            operation, measure, counted = "sum", Named(counted), None
        elif kind == "unknown":  # 'how many hours' of a table of workshops: not rows it counts
            why = "the question counts something the table does not list"
            return Reading(None, why if clue.values else None, clue.fit, clue.conditions)
    compared, unclear = compared_conditions(frame, asked, measure.best, used)
    conditions = clue.conditions + tuple(compared)
    fit = clue.fit + len(compared) + (measure.score if measure.by_meaning else 0.0)
    unknown = clues.unknown_words(frame, asked, list(clue.left), embedder)
    if operation is None:
        return _lookup(clue, conditions, measure, fit, unknown)
    if fit == 0:
        return Reading(None)
    why = _named_doubt(clue, unclear, measure)
    if why:
        return Reading(None, why, fit, conditions)
    if unknown:  # the question says something the table does not hold: declined when it names rows of it
        why = f"no column of the table holds {' '.join(repr(w) for w in unknown[:3])}"
        return Reading(None, why if clue.values else None, fit, conditions)
    why = _column_doubt(measure, operation, clue)
    if why:
        return Reading(None, why, fit, conditions)
    chosen = Chosen(operation, measure.best or clues.only_measure(frame, taken), counted, conditions)
    return Reading(_plan(frame, asked, clue, chosen), None, fit, conditions)


@dataclass(frozen=True)
class Chosen:
    """The operation read, the column it measures, the column 'how many' counts, and the conditions."""

    operation: str
    measure: Column | None
    counted: Column | None
    conditions: tuple[Condition, ...]


def _plan(frame: Frame, asked: Asked, clue: Said, chosen: Chosen) -> Plan:
    """The plan for a question whose reading raised no doubt."""
    group = clue.group.name if clue.group else None
    operation, counted, conditions = chosen.operation, chosen.counted, chosen.conditions
    if operation == "count":
        distinct = counted is not None and frame.data[counted.name].nunique() < len(frame.data)
        return Plan("count", counted.name if distinct else None, conditions, group, None, distinct,
                    group_part=clue.group_part)  # fmt: skip
    texts = frame.of_kind("text")
    answer = (clue.which or (texts[0] if texts else None)) if operation in ("argmax", "argmin", "filter") else None
    by_total = operation in ("argmax", "argmin") and clues.totals_meant(frame, asked, answer)
    column = chosen.measure.name if chosen.measure else None
    return Plan(operation, column, conditions, group, answer.name if answer else None, by_total=by_total,
                group_part=clue.group_part)  # fmt: skip


def _named_doubt(clue: Said, unclear: str | None, measure: Named) -> str | None:
    """Why the question is not one this table answers for sure: rows or years it lacks, a number with no column,
    a share of something other than a percentage column; else None."""
    if clue.missing:
        return f"no row of the table mentions {', '.join(repr(n) for n in clue.missing)}"
    if clue.no_year:
        return f"the table has no year or date to match {', '.join(clue.no_year)}"
    if unclear:
        return unclear
    percent = measure.best is not None and measure.best.style is not None and measure.best.style.suffix == "%"
    if clue.cues["share"] and not percent:
        return "it asks for a share or percentage, which the table path does not compute"
    return None


def _column_doubt(measure: Named, operation: str, clue: Said) -> str | None:
    """Why the column to compute is unclear (two are meant equally, none is named, units mixed); else None."""
    if measure.tied and operation != "count":
        return f"two columns could be meant: {' or '.join(repr(c.name) for c in measure.tied)}"
    if operation not in ("count", "filter", "share") and measure.best is None and clue.left and not clue.group:
        return f"no column of the table holds {' '.join(repr(w) for w in clue.left[:3])}"
    if operation not in ("count", "filter") and measure.best is None and not clue.left:
        return "which column the question measures"
    if measure.best is not None and measure.best.mixed_units and operation in ("sum", "average"):
        return f"the column {measure.best.name!r} mixes units"
    return None


def _lookup(clue: Said, conditions: tuple, measure: Named, fit: float, unknown: list) -> Reading:
    """One cell: the conditions pick out one row and the question names its column (by meaning, clearly); or a
    decline when the question names a row of the table and something the table does not hold."""
    if not conditions or (clue.missing and not clue.values):
        return Reading(None)
    why = _named_doubt(clue, None, measure)
    if why and clue.values:
        return Reading(None, why, fit, conditions)
    if unknown:
        return Reading(None, f"no column of the table holds {' '.join(repr(w) for w in unknown[:3])}", fit, conditions)
    if measure.best is None or measure.tied or (measure.by_meaning and measure.score < LOOKUP_NEAR):
        return Reading(None)
    return Reading(Plan("lookup", measure.best.name, conditions), None, fit, conditions)
