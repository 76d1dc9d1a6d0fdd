"""Questions over tables through the engine: values computed and every row cited, the JSON contract, the
dev question set (tests/data/tables_dev.jsonl), and questions that are not about a table left to the usual path."""

from __future__ import annotations

import shutil

import pytest
from conftest import ROOT

from qa.engine import Engine
from qa.measure.tables import eval_tables, read_table_cases

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
CORPUS = ROOT / "tests" / "data" / "tables_corpus"


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tables") / "docs"
    shutil.copytree(CORPUS, folder)
    rows = "\n".join(f"Well {i:02d},{'Loreto' if i % 2 else 'Puno'},{30 + i}" for i in range(1, 31))
    (folder / "many_wells.csv").write_text("Borehole,Province,Depth (m)\n" + rows + "\n", encoding="utf-8")
    (folder / "history.txt").write_text(
        "The programme was founded in 1998 by three parishes in Iquitos.\n\n"
        "Four interpreters of Amazonian languages work at the Iquitos office.\n"
    )
    engine = Engine(tmp_path_factory.mktemp("tables") / "index")
    engine.sync(folder)
    return engine


def test_the_json_names_the_operation_the_conditions_and_the_rows(engine):
    reply = engine.ask("How many people did the 2023 projects reach altogether?")
    table = reply.to_dict()["table"]
    assert reply.found and table["operation"] == "sum" and table["column"] == "Beneficiaries"
    assert table["conditions"] == [{"column": "Year", "op": "=", "value": "2023"}] and table["group_by"] is None
    assert table["value"] == 11755 and reply.answer.startswith("11,755 \u2014 the sum of Beneficiaries over 5 rows")
    assert len(table["rows"]) == len(reply.citations) == 5
    for citation in reply.citations:  # each row quoted as it stands in the document
        assert engine.index.document(citation.source).text[citation.start : citation.end] == citation.quote
        assert citation.location().startswith("row ")


def test_over_twenty_rows_the_first_twenty_are_cited_and_the_count_said(engine):
    reply = engine.ask("What is the average depth of the boreholes?")
    assert reply.table.value == pytest.approx(45.5) and len(reply.table.rows) == 30
    assert len(reply.citations) == 20 and "the first 20 of 30 rows are cited" in reply.answer


def test_a_question_not_about_a_table_goes_the_usual_way(engine):
    reply = engine.ask("When was the programme founded?")
    assert reply.found and reply.table is None and reply.citations[0].source == "history.txt"


def test_a_question_the_tables_cannot_answer_is_answered_from_text_that_can(engine):
    reply = engine.ask("How many interpreters work at the Iquitos office?")
    assert reply.found and reply.table is None and reply.citations[0].source == "history.txt"


def test_the_dev_questions_are_answered_right_and_no_number_is_given_where_none_is_right(engine):
    result = eval_tables(read_table_cases(ROOT / "tests" / "data" / "tables_dev.jsonl"), engine)
    assert result["right"] >= 0.9, result["failures"]
    assert result["wrong_numbers_on_unanswerable"].startswith("0/") and result["uncheckable_citations"] == 0
