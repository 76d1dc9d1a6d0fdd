"""A question read as an operation over one table: which column is measured, which rows count, grouped by what;
or why it cannot be computed from this table (a column it lacks, a row it does not have, two columns it could
mean)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.answer.table import operations as ops
from qa.answer.table.columns import by_words
from qa.answer.table.conditions import Condition, comparisons, months, years
from qa.answer.table.frame import Column, Frame
from qa.answer.table.words import STOPWORDS, content_stems, plain, tokens
from qa.ingest.quantities import MONTHS

_NAME = re.compile(r"(?<=[\w,;:]\s)([A-ZÁÉÍÓÚÑ][\w'’-]+(?:\s+[A-ZÁÉÍÓÚÑ][\w'’-]+)*)")


@dataclass(frozen=True)
class Plan:
    """What to compute: `operation` over `column` on the rows meeting every condition, per `group_by` value."""

    operation: str  # lookup, filter, count, sum, average, min, max, argmax, argmin; group_* when grouped
    column: str | None  # the column measured (None: rows are counted)
    conditions: tuple[Condition, ...] = ()
    group_by: str | None = None
    answer_column: str | None = None  # argmax/argmin and filter: the column that names the rows found
    distinct: bool = False  # count the distinct values of `column`, not the rows
    by_total: bool = False  # argmax/argmin over the totals of `answer_column`'s values ('which region had the most')
    group_part: str | None = None  # 'year' or 'month': `group_by` is a date column grouped by the year or month


@dataclass(frozen=True)
class Reading:
    """A question read against one table: a plan, or why there is none (`unsure`), and how much of the
    question the table accounts for (`fit`: names of its columns and values the question uses)."""

    plan: Plan | None
    unsure: str | None = None
    fit: float = 0.0
    conditions: tuple[Condition, ...] = field(default=())


@dataclass(frozen=True)
class Asked:
    """The question as the table path reads it: in English, in each language it was asked in, and the
    names (capitalized words) it uses as typed."""

    english: str
    versions: tuple[str, ...]
    names: tuple[str, ...]
    decimal_comma: bool = False
    typed_spanish: bool = False  # asked in Spanish: `english` is apertium's translation


def asked_question(english: str, versions: list[str], language: str) -> Asked:
    """The question's readings; `versions` are the other languages' texts, the one typed first when it was not
    asked in English (`language`)."""
    typed = versions[0] if versions and language != "en" else english
    names = tuple(m.group(1) for m in _NAME.finditer(typed.replace("¿", "")))
    return Asked(plain(english), tuple(plain(v) for v in versions if plain(v) != plain(english)), names,
                 language == "es", language == "es")  # fmt: skip


def left_words(text: str, used: list[tuple[int, int]]) -> list[str]:
    """The words of the question outside the spans conditions used, without stop and cue words."""
    kept = "".join(" " if any(a <= i < b for a, b in used) else ch for i, ch in enumerate(text))
    return [w for w in tokens(kept) if w not in STOPWORDS and w not in ops.CUE_WORDS and not w.isdigit()]


def missing_names(asked: Asked, frame: Frame) -> list[str]:
    """Names the question uses that appear nowhere in the table: it asks about rows the table does not have."""
    words = frame.value_words | set(tokens(" ".join(frame.table.columns) + " " + frame.table.caption))
    words |= set(tokens(frame.table.sheet or "")) | ops.CUE_WORDS | set(MONTHS)
    out = []
    for name in asked.names:
        parts = tokens(name)
        if parts and not all(p in words or p in STOPWORDS for p in parts):
            out.append(name)
    return out


def period_conditions(frame: Frame, asked: Asked, used: list) -> tuple[list[Condition], list[str]]:
    """Conditions for the years and months named, and the years the table has no way to match."""
    text = asked.english
    out, unmatched = [], []
    dates = frame.of_kind("date")
    year_columns = frame.of_kind("year")
    in_names = {s for c in frame.columns for s in c.stems}
    context = set(tokens(frame.table.caption + " " + (frame.table.sheet or "")))
    month_spans = []
    for first, last, year, span in months(text):
        if dates:
            values = (first, year) if first == last else (first, last, year)
            out.append(Condition(dates[0].name, "month" if first == last else "months", values))
            month_spans.append(span)
            used.append(span)
    for op, year, span in years(text):
        if any(a <= span[0] < b for a, b in month_spans) or str(year) in in_names:
            continue
        used.append(span)
        if year_columns:
            out.append(Condition(year_columns[0].name, "=" if op == "=" else op, (float(year),)))
        elif dates:
            out.append(Condition(dates[0].name, "year" if op == "=" else op, (year,)))
        elif str(year) not in context:
            unmatched.append(str(year))
    return out, unmatched


def _in_unit(columns: list[Column], unit: str) -> list[Column]:
    """The columns whose numbers are in this unit ('%', 's/', '$'; '' matches none)."""
    if not unit:
        return []
    names = {"s/": ("s/", "sole", "pen"), "$": ("$", "usd", "us$"), "%": ("%",), "€": ("€", "eur", "euro")}[unit]
    return [c for c in columns if c.style and (c.style.prefix.strip().lower() in names or c.style.suffix in names)
            or any(n in c.stems for n in names)]  # fmt: skip


def compared_conditions(
    frame: Frame, asked: Asked, measure: Column | None, used: list
) -> tuple[list[Condition], str | None]:
    """Conditions for the numbers the question compares a column with; the column is the one named next to the
    number, else the one its unit says, else the measured one."""
    out = []
    numbers = frame.of_kind("number")
    for comparison in comparisons(asked.english, asked.decimal_comma):
        a, b = comparison.span
        near = content_stems(asked.english[max(0, a - 40) : min(len(asked.english), b + 25)])
        pool = _in_unit(numbers, comparison.unit) if comparison.unit else numbers
        if not pool:  # '90,000 euros' of a table with no amounts in euros
            return out, f"no column of the table is in {comparison.unit}"
        named = by_words(pool, set(near)).best or (pool[0] if len(pool) == 1 else None)
        named = named or (measure if measure in pool else None)
        if named is None:
            return out, "which column the number is compared with"
        out.append(Condition(named.name, comparison.op, comparison.values))
        used.append(comparison.span)
    return out, None
