"""The conditions a question puts on a table's rows: a value of a text column ('in Loreto'), a comparison with a
number ('over S/ 10,000', 'between 400,000 and 700,000'), a year or a month ('in 2023', 'in March 2023')."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.answer.table.frame import Frame
from qa.answer.table.words import contains, tokens
from qa.ingest.quantities import MONTHS, read_number

_AMOUNT = r"(?:(?:us\$|s/\.?|\$|€)\s?)?\d(?:[\d,.]*\d)?(?:\s?(?:million|billion|thousand|k))?\s?%?"
_ABOVE = (r"more than|greater than|higher than|larger than|bigger than|over|above|exceeding|exceeds|beyond|"
          r"mas del?|more of|mayor(?:es)? (?:a|que)|superior(?:es)? a")  # fmt: skip
_AT_LEAST = r"at least|no less than|or more|minimum of|al menos|como minimo"
_BELOW = (r"less than|fewer than|lower than|smaller than|under|below|menos del?|less of|menor(?:es)? (?:a|que)|"
          r"inferior(?:es)? a")  # fmt: skip
_AT_MOST = r"at most|no more than|up to|or less|maximum of|como maximo|hasta"
_COMPARE = re.compile(
    rf"(?P<op>{_ABOVE}|{_AT_LEAST}|{_BELOW}|{_AT_MOST})\s+(?:(?:a|an|the)\s+)?(?:\w+\s+(?:of\s+)?)?(?P<a>{_AMOUNT})"
    rf"|(?:between|among|entre|from|de)\s+(?P<lo>{_AMOUNT})\s+(?:and|y|to|a)\s+(?P<hi>{_AMOUNT})"
)
_YEAR = re.compile(r"(?<![\d,.$/])((?:19|20)\d\d)(?![\d,.%])")
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_OF_YEAR = r"(?:\s+(?:of\s+|de\s+)?((?:19|20)\d\d))?"
_MONTHS_IN = re.compile(
    rf"\b(?:between|from|entre|de)\s+({_MONTH})\s+(?:and|to|y|a)\s+({_MONTH}){_OF_YEAR}|\b({_MONTH}){_OF_YEAR}\b"
)
_YEAR_AFTER = re.compile(r"\b(after|since|from|before|until|prior to|desde|antes de|despues de)\s+((?:19|20)\d\d)\b")


@dataclass(frozen=True)
class Condition:
    """A condition on a column: `op` is '=' (one of `values`), '>', '>=', '<', '<=', 'between' (low, high), 'year'
    (year,), 'month' (month, year or None) or 'months' (first, last, year or None)."""

    column: str
    op: str
    values: tuple = ()


def value_conditions(frame: Frame, texts: list[str], mentioned: set[str]) -> tuple[list[Condition], list]:
    """'= value' conditions for the text columns' values the question names, whole values, longest first; a
    value in two columns belongs to the one the question names, else to the one further left."""
    order = {c.name: (c.name not in mentioned, i) for i, c in enumerate(frame.columns)}
    words = {w for text in texts for w in tokens(text)}
    named = [
        (-len(v), order[c], c, v) for w in words for c, v, parts in frame.by_first_word.get(w, ()) if parts <= words
    ]
    found: dict[str, list[str]] = {}
    taken: dict[int, list[tuple[int, int]]] = {t: [] for t in range(len(texts))}
    for _, _, column, value in sorted(named):
        for t, text in enumerate(texts):
            m = contains(text, value)
            if m and not any(a < m.end() and m.start() < b for a, b in taken[t]):
                taken[t].append(m.span())
                if value not in found.setdefault(column, []):
                    found[column].append(value)
                break
    return [Condition(c, "=", tuple(v)) for c, v in found.items()], taken[0]


@dataclass(frozen=True)
class Comparison:
    """A number the question compares a column with, before its column is known: the words around it tell."""

    op: str
    values: tuple[float, ...]
    span: tuple[int, int]
    unit: str  # 's/', '$', '%' or ''


def _op(word: str) -> str:
    for pattern, op in ((_AT_LEAST, ">="), (_AT_MOST, "<="), (_ABOVE, ">"), (_BELOW, "<")):
        if re.fullmatch(pattern, word):
            return op
    return ">"


def _amount(text: str, decimal_comma: bool) -> tuple[float, str] | None:
    number = read_number(text.strip().replace("s/", "S/").replace("us$", "US$"), decimal_comma)
    if number is None:
        return None
    prefix = number.style.prefix.strip().lower()
    unit = ("%" if number.style.suffix == "%" else "s/" if prefix.startswith("s/") else "$" if "$" in prefix
            else "€" if "€" in prefix or prefix == "eur" else "")  # fmt: skip
    return number.value, unit


_UNIT_AFTER = {"euro": "€", "eur": "€", "sole": "s/", "sol": "s/", "pen": "s/", "dollar": "$", "usd": "$",
               "percent": "%", "por ciento": "%"}  # fmt: skip


def _unit_after(text: str) -> str:
    """The unit a word after a number names ('10,000 soles', '90,000 euros'), else ''."""
    m = re.match(r"\s*([a-z]+(?: ciento)?)", text)
    word = m[1].rstrip("s") if m else ""
    return _UNIT_AFTER.get(word, _UNIT_AFTER.get(m[1], "") if m else "")


def comparisons(text: str, decimal_comma: bool) -> list[Comparison]:
    """The comparisons with numbers in the plain question ('more than 10,000', 'between 1 and 5')."""
    out = []
    for m in _COMPARE.finditer(text):
        parts = [m["a"]] if m["a"] else [m["lo"], m["hi"]]
        read = [_amount(p, decimal_comma) for p in parts]
        if any(r is None for r in read) or all(_YEAR.fullmatch(p.strip()) for p in parts):
            continue
        values = tuple(sorted(r[0] for r in read))
        op = "between" if m["lo"] else _op(m["op"])
        unit = next((r[1] for r in read if r[1]), "") or _unit_after(text[m.end() : m.end() + 12])
        out.append(Comparison(op, values, m.span(), unit))
    return out


def years(text: str) -> list[tuple[str, int, tuple[int, int]]]:
    """('=', '>', '<'...) comparisons with years in the plain question, as (op, year, span)."""
    out, seen = [], set()
    for m in _YEAR_AFTER.finditer(text):
        op = ">=" if m[1] in ("since", "from", "desde") else ">" if m[1] in ("after", "despues de") else "<"
        out.append((op, int(m[2]), m.span(2)))
        seen.add(m.start(2))
    for m in re.finditer(
        rf"(?:between|among|entre|from|de)\s+({_YEAR.pattern})\s+(?:and|y|to|a)\s+({_YEAR.pattern})", text
    ):
        out += [(">=", int(m[1]), m.span(1)), ("<=", int(m[3]), m.span(3))]
        seen |= {m.start(1), m.start(3)}
    out += [("=", int(m[1]), m.span(1)) for m in _YEAR.finditer(text) if m.start(1) not in seen]
    return out


def months(text: str) -> list[tuple[int, int, int | None, tuple[int, int]]]:
    """(first month, last month, year or None, span) of each month or range of months the plain question names."""
    out = []
    for m in _MONTHS_IN.finditer(text):
        if m[1]:
            out.append((MONTHS[m[1]], MONTHS[m[2]], int(m[3]) if m[3] else None, m.span()))
        elif m[4] not in ("may", "mar", "set", "dic", "jun", "jul") or m[5]:  # 'may' is a verb without a year
            out.append((MONTHS[m[4]], MONTHS[m[4]], int(m[5]) if m[5] else None, m.span()))
    return out
