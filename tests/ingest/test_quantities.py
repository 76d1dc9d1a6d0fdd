"""Cells read as people read them: thousands and decimal marks, percentages, currencies and scales, dates."""

from __future__ import annotations

import datetime as dt

import pytest

from qa.ingest.quantities import read_date, read_number, write_number


@pytest.mark.parametrize(
    ("cell", "decimal_comma", "value"),
    [
        ("1,250", False, 1250),
        ("1.250,5", True, 1250.5),
        ("125.430,50", True, 125430.5),
        ("3.400", True, 3400),
        ("12%", False, 0.12),
        ("12.5 %", False, 0.125),
        ("S/ 3,400", False, 3400),
        ("S/. 3,400", False, 3400),
        ("$286 million", False, 286e6),
        ("$52.3 million", False, 52.3e6),
        ("US$ 1.2 billion", False, 1.2e9),
        ("-3", False, -3),
        ("48", False, 48),
    ],
)
def test_numbers_in_their_written_forms(cell, decimal_comma, value):
    assert read_number(cell, decimal_comma).value == pytest.approx(value)


@pytest.mark.parametrize("cell", ["Loreto", "W-05", "2023-03-15", "12 to 15", "1,25,0", ""])
def test_cells_that_are_not_one_number(cell):
    assert read_number(cell) is None


@pytest.mark.parametrize(
    ("cell", "date", "precision"),
    [
        ("2023-03-15", dt.date(2023, 3, 15), "day"),
        ("15/04/2023", dt.date(2023, 4, 15), "day"),  # day first, as written in Peru
        ("15 March 2023", dt.date(2023, 3, 15), "day"),
        ("Mar 15, 2023", dt.date(2023, 3, 15), "day"),
        ("March 2023", dt.date(2023, 3, 1), "month"),
        ("marzo de 2023", dt.date(2023, 3, 1), "month"),
    ],
)
def test_dates_in_several_formats(cell, date, precision):
    assert read_date(cell) == (date, precision)


def test_an_impossible_date_is_not_a_date():
    assert read_date("31/02/2023") is None and read_date("2023") is None


@pytest.mark.parametrize(
    ("cell", "decimal_comma", "value", "written"),
    [
        ("1,250", False, 2500, "2,500"),
        ("S/ 3,400", False, 6800, "S/ 6,800"),
        ("12%", False, 0.115, "11.5%"),
        ("$286 million", False, 572e6, "$572 million"),
        ("1.250,50", True, 2501.25, "2.501,25"),
        ("48", False, 37.25, "37.25"),
    ],
)
def test_a_computed_value_is_written_as_the_column_writes_numbers(cell, decimal_comma, value, written):
    assert write_number(value, read_number(cell, decimal_comma).style) == written
