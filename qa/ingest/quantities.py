"""What a table cell holds, read as a person reads it: 1,250 / 1.250,5 / 12% / S/ 3,400 / $286 million, dates in
several formats; and a computed value written back in the column's own format."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

SCALES = {"thousand": 1e3, "k": 1e3, "mil": 1e3, "million": 1e6, "millones": 1e6, "millón": 1e6, "m": 1e6,
          "mn": 1e6, "billion": 1e9, "bn": 1e9}  # fmt: skip
_CELL = re.compile(
    r"(?P<prefix>(?:(?:US\$|S/\.?|[$€£]|USD|PEN|EUR|GBP)\s*)?)(?P<sign>[-−+]?)\s*(?P<digits>\d[\d.,\u00a0 ]*\d|\d)"
    r"\s*(?P<scale>thousand|millones|million|millón|billion|mil|bn|mn|k|m)?\.?\s*(?P<suffix>%|[A-Za-z$€]{1,12})?\.?",
    re.IGNORECASE,
)
MONTHS = {name: i for i, names in enumerate((
    "january enero jan ene", "february febrero feb", "march marzo mar", "april abril apr abr", "may mayo",
    "june junio jun", "july julio jul", "august agosto aug ago", "september septiembre setiembre sep sept set",
    "october octubre oct", "november noviembre nov", "december diciembre dec dic"), start=1)
    for name in names.split()}  # fmt: skip
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATES = (
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), "ymd"),
    (re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"), "dmy"),
    (re.compile(rf"(\d{{1,2}})(?:\s+de)?\s+({_MONTH})\.?,?(?:\s+de(?:l)?)?\s+(\d{{4}})", re.IGNORECASE), "dMy"),
    (re.compile(rf"({_MONTH})\.?\s+(\d{{1,2}}),?\s+(\d{{4}})", re.IGNORECASE), "Mdy"),
    (re.compile(rf"({_MONTH})\.?(?:\s+de(?:l)?|[-\s])\s*(\d{{4}})", re.IGNORECASE), "My"),
    (re.compile(r"(\d{4})-(\d{1,2})"), "ym"),
)


@dataclass(frozen=True)
class Style:
    """How a column writes its numbers: '$' and ' million', thousands ',' and decimal '.', two places, a percent."""

    prefix: str = ""
    suffix: str = ""  # a unit after the number ('%' for percentages, 'soles', ...)
    scale: str = ""  # 'million' in '$286 million'
    thousands: str = ""
    decimal: str = "."
    places: int = 0


@dataclass(frozen=True)
class Number:
    """A cell read as a number: its value (12% is 0.12, '$286 million' is 286000000) and how it was written."""

    value: float
    style: Style


def _digits(text: str, decimal_comma: bool) -> tuple[float, str, str, int] | None:
    """(value, thousands separator, decimal separator, places) of '1,250.5', '1.250,5', '3 400'."""
    text = text.replace("\u00a0", " ")
    point, comma = text.rfind("."), text.rfind(",")
    if point >= 0 and comma >= 0:
        decimal = "." if point > comma else ","
    elif comma >= 0:
        tail = text[comma + 1 :]
        decimal = "," if decimal_comma or len(tail) != 3 or text.count(",") == 1 and decimal_comma else ""
    elif point >= 0:
        tail = text[point + 1 :]
        decimal = "" if (decimal_comma and len(tail) == 3) or text.count(".") > 1 else "."
    else:
        decimal = ""
    thousands = "" if not decimal else None
    whole, _, frac = text.partition(decimal) if decimal else (text, "", "")
    seps = set(re.sub(r"\d", "", whole))
    if len(seps) > 1 or frac and not frac.isdigit():
        return None
    thousands = seps.pop() if seps else ""
    if thousands and not re.fullmatch(rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+", whole):
        return None
    value = float(whole.replace(thousands, "") + ("." + frac if frac else "")) if whole else None
    return (value, thousands, decimal or ".", len(frac)) if value is not None else None


def read_number(text: str, decimal_comma: bool = False) -> Number | None:
    """The number a cell holds, or None when it holds something else (words, a date, two numbers)."""
    m = _CELL.fullmatch(text.strip())
    if not m or read_date(text) is not None:
        return None
    read = _digits(m["digits"], decimal_comma)
    if read is None:
        return None
    value, thousands, decimal, places = read
    suffix, scale = m["suffix"] or "", (m["scale"] or "").lower()
    if m["sign"] in ("-", "−"):
        value = -value
    value *= SCALES.get(scale, 1)
    if suffix == "%":
        value /= 100
    style = Style(m["prefix"], suffix, m["scale"] or "", thousands, decimal, places)
    return Number(value, style)


def read_date(text: str) -> tuple[dt.date, str] | None:
    """(date, precision: 'day' or 'month') of '2023-03-15', '15/04/2023', '15 March 2023', 'March 2023'."""
    text = text.strip()
    for pattern, order in _DATES:
        m = pattern.fullmatch(text)
        if not m:
            continue
        parts = dict(zip(order.replace("M", "m"), m.groups()))
        month = MONTHS.get(parts["m"].lower()) if "M" in order else int(parts["m"])
        try:
            return dt.date(int(parts["y"]), month or 0, int(parts.get("d", 1))), "day" if "d" in parts else "month"
        except (ValueError, TypeError):
            return None
    return None


def write_number(value: float, style: Style) -> str:
    """`value` written as the column writes its numbers: '2,500', '1.250,5', '11.5%', 'S/ 6,800', '$572 million'."""
    shown = value * 100 if style.suffix == "%" else value / SCALES.get(style.scale.lower(), 1)
    places = style.places if float(round(shown, style.places)) == round(shown, 6) else min(2, max(style.places, 2))
    text = f"{abs(shown):,.{places}f}"
    if places and "." in text:
        text = text.rstrip("0").rstrip(".") if places > style.places else text
    text = text.replace(",", "\x00").replace(".", style.decimal).replace("\x00", style.thousands)
    sign = "-" if shown < 0 else ""
    scale = f" {style.scale}" if style.scale else ""
    suffix = style.suffix if style.suffix == "%" else f" {style.suffix}" if style.suffix else ""
    return f"{sign}{style.prefix}{text}{scale}{suffix}"
