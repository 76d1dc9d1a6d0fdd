"""Questions read as operations over a table and computed: each operation, each kind of condition, groups, and
the declines (a column the table lacks, two columns it could mean, a row it does not have)."""

from __future__ import annotations

import pytest

from qa.answer.table.compute import compute
from qa.answer.table.frame import build_frame
from qa.answer.table.parse import asked_question
from qa.answer.table.reading import read
from qa.ingest.documents import parse_document
from qa.ingest.table_text import read_tables

PROJECTS = """Project,Region,Organisation,Year,Budget (soles),Beneficiaries,Started
Agua Nauta,Loreto,COOPI,2022,"1,250,000","3,400",2022-03-15
Escuelas Andinas,Cusco,Plan International,2022,"860,500","2,150",15/06/2022
Riego Piura,Piura,COOPI,2023,"1,480,000","1,875",March 2023
Amazonía Limpia,Loreto,Cáritas,2023,"615,000","2,600",2023-07-02
Alpacas,Puno,COOPI,2023,"390,000",,2023-09-18
Total,,,,"4,595,500","10,025",
"""
DONORS = """Donor,Funding 2022 (USD),Funding 2023 (USD)
EU,$286 million,$310 million
KOICA,$18 million,$21.5 million
"""


def _frame(text: str, name: str):
    return build_frame(read_tables(parse_document(text.encode(), name))[0])


@pytest.fixture(scope="module")
def projects():
    return _frame(PROJECTS, "projects.csv")


def solve(frame, question: str, embedder, spanish: str | None = None):
    """(operation, value, row numbers) of the question over the frame, or ('unsure', why, ())."""
    asked = asked_question(question, [spanish] if spanish else [], "es" if spanish else "en")
    reading = read(frame, asked, embedder)
    if reading.plan is None:
        return ("unsure", reading.unsure, ())
    computed = compute(frame, reading.plan)
    if computed.unsure:
        return ("unsure", computed.unsure, ())
    numbers = tuple(frame.table.rows[p].number for p in computed.rows)
    operation = f"group_{reading.plan.operation}" if reading.plan.group_by else reading.plan.operation
    return (operation, computed.value, numbers)


def test_a_total_over_rows_in_a_year_leaves_the_totals_row_and_empty_cells_out(projects, embedder):
    assert solve(projects, "How many beneficiaries were there in 2023 in total?", embedder) == ("sum", 4475, (4, 5))


def test_a_near_synonym_names_the_column(projects, embedder):
    assert solve(projects, "How many people did the COOPI projects reach altogether?", embedder)[:2] == ("sum", 5275)


def test_an_average_skips_empty_cells(projects, embedder):
    operation, value, rows = solve(projects, "What was the average number of beneficiaries?", embedder)
    assert operation == "average" and value == pytest.approx(10025 / 4) and len(rows) == 4


def test_counting_rows_and_counting_distinct_values(projects, embedder):
    assert solve(projects, "How many projects did COOPI run?", embedder)[:2] == ("count", 3)
    assert solve(projects, "How many regions does COOPI work in?", embedder)[:2] == ("count", 3)
    assert solve(projects, "How many regions does Cáritas work in?", embedder)[:2] == ("count", 1)


def test_the_row_with_the_most_and_the_least(projects, embedder):
    assert solve(projects, "Which project had the biggest budget?", embedder) == ("argmax", "Riego Piura", (4,))
    assert solve(projects, "Which region had the fewest beneficiaries?", embedder) == ("argmin", "Piura", (4,))
    assert solve(projects, "What was the smallest budget?", embedder) == ("min", 390000, (6,))


def test_filters_by_comparison_and_range(projects, embedder):
    over = solve(projects, "Which projects have a budget of more than S/ 1,000,000?", embedder)
    assert over == ("filter", ("Agua Nauta", "Riego Piura"), (2, 4))
    between = solve(projects, "List the projects with a budget between 500,000 and 900,000 soles.", embedder)
    assert between[1] == ("Escuelas Andinas", "Amazonía Limpia")


def test_dates_in_mixed_formats_filter_by_month_and_year(projects, embedder):
    assert solve(projects, "How many projects started in March 2023?", embedder)[:2] == ("count", 1)
    assert solve(projects, "Which projects started between June and September 2023?", embedder)[1] == (
        "Amazonía Limpia", "Alpacas")  # fmt: skip


def test_one_cell_is_looked_up(projects, embedder):
    assert solve(projects, "What was the budget of Escuelas Andinas?", embedder) == ("lookup", 860500, (3,))


def test_per_group(projects, embedder):
    operation, value, _ = solve(projects, "What was the total budget per region?", embedder)
    assert operation == "group_sum" and value == {"Loreto": 1865000, "Cusco": 860500, "Piura": 1480000, "Puno": 390000}
    assert solve(projects, "How many projects are there in each region?", embedder)[1]["Loreto"] == 2


def test_a_spanish_question_reads_through_its_translation(projects, embedder):
    english = "How many beneficiaries there was in Loreto in total?"
    assert solve(projects, english, embedder, "¿Cuántos beneficiarios hubo en Loreto en total?")[:2] == ("sum", 6000)


def test_a_column_named_by_a_year_in_its_header_is_chosen_by_the_year(embedder):
    donors = _frame(DONORS, "donors.csv")
    assert solve(donors, "How much did the EU give in 2023?", embedder)[1:] == (310e6, (2,))


@pytest.mark.parametrize(
    ("question", "why"),
    [
        ("What was the average rainfall in Loreto?", "no column of the table holds 'rainfall'"),
        ("How many projects did COOPI run in Tumbes?", "no row of the table mentions 'Tumbes'"),
        ("How many projects started in 2019?", "no row meets the conditions"),
        ("What share of the beneficiaries were children?", "share or percentage"),
    ],
)
def test_what_the_table_cannot_answer_is_declined_with_the_reason(projects, embedder, question, why):
    operation, reason, _ = solve(projects, question, embedder)
    assert operation == "unsure" and why in reason


def test_two_columns_equally_meant_are_declined(embedder):
    donors = _frame(DONORS, "donors.csv")
    operation, reason, _ = solve(donors, "What is the total funding of the EU?", embedder)
    assert operation == "unsure" and "two columns could be meant" in reason


def test_a_question_not_about_the_table_is_left_alone(projects, embedder):
    assert solve(projects, "Who founded the programme?", embedder) == ("unsure", None, ())


def test_which_value_has_the_most_compares_totals_when_values_repeat(projects, embedder):
    operation, value, rows = solve(projects, "Which region had the most beneficiaries?", embedder)
    assert (operation, value, rows) == ("argmax", "Loreto", (2, 5))  # 3,400 + 2,600: more than Cusco's 2,150
    assert solve(projects, "Which organisation started the latest project?", embedder) == ("argmax", "COOPI", (6,))


def test_a_date_column_groups_by_month(projects, embedder):
    operation, value, _ = solve(projects, "How many projects started per month?", embedder)
    assert operation == "group_count"
    assert value == {"2022-03": 1, "2022-06": 1, "2023-03": 1, "2023-07": 1, "2023-09": 1}
