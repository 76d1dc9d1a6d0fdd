"""Answers over documents written for answer quality (tests/data/quality_corpus): label and value, quoted alone."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

from qa.engine import Engine
from qa.measure.metrics import contains_answer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
CORPUS = ROOT / "tests" / "data" / "quality_corpus"
DEV = [json.loads(line) for line in (ROOT / "tests" / "data" / "quality_dev.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    engine = Engine(tmp_path_factory.mktemp("quality") / "index")
    engine.sync(CORPUS)
    return engine


@pytest.mark.parametrize("case", [c for c in DEV if c["kind"] == "label"], ids=lambda c: c["question"][:40])
def test_a_label_question_is_answered_by_its_value_with_the_label(engine, case):
    """Typed and scanned, English and Spanish: a quote holds the label and its value, and is checkable."""
    reply = engine.ask(case["question"])
    [holding, *_] = [c for c in reply.citations if contains_answer(c.quote, case["answers"])] or [None]
    assert reply.found and holding is not None, reply.answer
    assert "\n" in holding.quote, "the quote covers the label and its value"
    assert engine.index.document(holding.source).text[holding.start : holding.end] == holding.quote


def test_a_bullet_that_answers_a_one_fact_question_is_quoted_without_its_siblings(engine):
    reply = engine.ask("When was the Andes Water Fund founded?")
    assert [c.quote for c in reply.citations][:1] == [
        "Founded in 2009 in Cusco by a group of engineers from the National University of San Antonio Abad."
    ]
    assert not any("Employs 46 staff" in c.quote for c in reply.citations)
    assert reply.short is not None and reply.short.text == "2009"


def test_a_definite_reference_finds_the_last_turns_office_and_answers_the_question_asked(engine):
    from qa.records import Turn

    first = "Where is the Lima office of Semillas del Sur?"
    reply = engine.ask("When is the office open?", history=[Turn(first, engine.ask(first))])
    assert reply.searched is not None and "Semillas del Sur" in reply.searched
    assert reply.citations[0].quote == "Opening hours\n\nMonday to Friday, 8:30 to 17:00"
