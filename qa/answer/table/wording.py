"""How a computed table answer says what it did, in the question's language (English or Spanish): 'the sum of
Beneficiaries over 2 rows where Year = 2023' / 'la suma de Beneficiaries en 2 filas donde Year = 2023'."""

from __future__ import annotations

from qa.answer.table.conditions import Condition
from qa.answer.table.frame import Frame
from qa.ingest.quantities import write_number

PHRASES = {
    "en": {
        "sum": "the sum of {c}", "average": "the average of {c}", "max": "the highest {c}", "min": "the lowest {c}",
        "count": "the number of rows", "distinct": "the number of different {c} values", "rows": "{n} rows",
        "row": "1 row", "over": "over {rows}", "where": "where", "and": "and", "or": "or", "between": "between",
        "in": "in", "per": "per {g}", "higher": "highest", "lower": "lowest",
        "argmax": "{a} of the row with the {word} {c} ({v}) among {rows}",
        "total": "the {a} with the {word} total {c} ({v}, over {rows})", "filter": "{a} of the {rows}",
        "doc": "in {doc}", "more": "; the first {k} of {n} rows are cited",
        "declined": "Not computed from the table in {doc}: {why}. The closest rows are cited",
        "months": ["", "January", "February", "March", "April", "May", "June", "July", "August", "September",
                   "October", "November", "December"], "to": "to",
    },
    "es": {
        "sum": "la suma de {c}", "average": "el promedio de {c}", "max": "el valor más alto de {c}",
        "min": "el valor más bajo de {c}", "count": "el número de filas",
        "distinct": "el número de valores distintos de {c}", "rows": "{n} filas", "row": "1 fila",
        "over": "en {rows}", "where": "donde", "and": "y", "or": "o", "between": "entre", "in": "en",
        "per": "por {g}", "higher": "mayor", "lower": "menor",
        "argmax": "{a} de la fila con el {word} valor de {c} ({v}) entre {rows}",
        "total": "{a} con el {word} total de {c} ({v}, en {rows})", "filter": "{a} de las {rows}",
        "doc": "en {doc}", "more": "; se citan las primeras {k} de {n} filas",
        "declined": "No calculado a partir de la tabla de {doc}: {why}. Se citan las filas más cercanas",
        "months": ["", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
                   "octubre", "noviembre", "diciembre"], "to": "a",
    },
}  # fmt: skip


def say(key: str, language: str, **values) -> str:
    """A phrase in the language (English when there is none in it), filled in."""
    phrases = PHRASES.get(language, PHRASES["en"])
    return phrases[key].format(**values)


def rows_phrase(n: int, language: str) -> str:
    return say("row", language) if n == 1 else say("rows", language, n=n)


def value_words(condition: Condition, frame: Frame, language: str) -> str:
    """The condition's value(s) as the table writes them: '2023', 'S/ 1,000,000', 'March 2023', 'Loreto or Puno'."""
    style = frame.column(condition.column).style
    shown = []
    for v in condition.values:
        if isinstance(v, float):
            shown.append(write_number(v, style) if style else f"{v:g}")
        else:
            shown.append(frame.as_written(condition.column, v) if isinstance(v, str) else str(v))
    if condition.op == "between":
        return f"{shown[0]} {say('and', language)} {shown[1]}"
    if condition.op in ("month", "months"):
        months = PHRASES.get(language, PHRASES["en"])["months"]
        year = condition.values[-1]
        named = months[condition.values[0]]
        if condition.op == "months":
            named += f" {say('to', language)} {months[condition.values[1]]}"
        return f"{named} {year}" if year else named
    return f" {say('or', language)} ".join(shown)


def condition_words(condition: Condition, frame: Frame, language: str) -> str:
    """'Year = 2023', 'Budget (soles) > 1,000,000', 'Date drilled in March 2023'."""
    op = {"year": "in", "month": "in", "months": "in"}.get(condition.op, condition.op)
    shown_op = say(op, language) if op in ("in", "between") else op
    return f"{condition.column} {shown_op} {value_words(condition, frame, language)}"


def where(frame: Frame, conditions: tuple[Condition, ...], language: str) -> str:
    """' where A and B', or '' without conditions."""
    if not conditions:
        return ""
    joined = f" {say('and', language)} ".join(condition_words(c, frame, language) for c in conditions)
    return f" {say('where', language)} {joined}"
