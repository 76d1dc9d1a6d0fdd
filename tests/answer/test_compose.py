"""The Answer record: 1-3 chosen sentences quoted with [n] markers and checkable citations, or not found."""

from __future__ import annotations

import pytest
from answer_cases import candidate, wells_and_bridge

from qa.answer.candidates import Passages
from qa.answer.compose import NOT_FOUND, compose, earns_place, not_found, select
from qa.answer.scoring import Weights


@pytest.fixture(scope="module")
def index():
    return wells_and_bridge()


def test_select_adds_nearly_as_good_sentences_that_hold_the_asked_type(index):
    weights = Weights()
    best = candidate(index, "The wells serve 300 families.", 10.0)
    near_typed = candidate(index, "The committee dug forty wells in Ayacucho.", 9.5, typed=1)
    near_untyped = candidate(index, "It spans the Rimac river.", 9.2, typed=0)
    near_wrong = candidate(index, "The Chacas bridge in Lima opened in March 2019.", 9.1, typed=-1)
    far = candidate(index, "The Chacas bridge in Lima opened in March 2019.", 8.0, typed=1)
    question = "How many families do the wells serve?"
    chosen = select(question, [best, near_typed, near_wrong, near_untyped, far], weights, index)
    assert [c.score for c in chosen] == [10.0, 9.5, 9.2], "the mistyped one is skipped, the far one cut off"
    assert select(question, [best, far], weights, index) == [best], "below extra_ratio of the best"
    assert len(select(question, [best, near_typed, near_typed, near_typed], weights, index)) == weights.max_sentences
    assert select(question, [], weights, index) == []


def test_when_sure_of_the_first_only_a_sentence_answering_another_part_of_the_question_follows(index):
    weights = Weights()
    best = candidate(index, "The wells serve 300 families.", 10.0, typed=1)
    more_wells = candidate(index, "The committee dug forty wells in Ayacucho.", 9.5, typed=1)
    bridge = candidate(index, "The Chacas bridge in Lima opened in March 2019.", 9.4, typed=1)
    question = "How many families do the wells serve, and when did the Chacas bridge open?"
    assert select(question, [best, more_wells, bridge], weights, index, sure=True) == [best, bridge]
    assert select(question, [best, more_wells, bridge], weights, index) == [best, more_wells, bridge]
    assert earns_place(bridge, [best], question, index) and not earns_place(more_wells, [best], question, index)


def test_compose_quotes_and_cites_the_chosen_sentences(index):
    weights = Weights()
    best = candidate(index, "The wells serve 300 families.", 10.0)
    second = candidate(index, "The committee dug forty wells in Ayacucho.", 9.5, typed=1)
    hits = (best.hit,)
    reply = compose("How many families do the wells serve?", [best, second], Passages(hits, index, "hybrid"), weights)
    assert reply.found and reply.mode == "hybrid" and reply.passages == hits
    assert reply.answer == "The wells serve 300 families. [1] The committee dug forty wells in Ayacucho. [2]"
    first = reply.citations[0]
    text = index.document("d0.txt").text
    assert (first.n, first.source, first.quote, first.score) == (1, "d0.txt", best.text, 10.0)
    assert text[first.start : first.end] == first.quote
    assert (first.line_start, first.line_end, first.page) == (3, 3, None)


def test_not_found_says_so_with_the_passages_still_listed(index):
    weak = candidate(index, "The wells serve 300 families.", 0.5)
    reply = not_found("Who won the cup?", Passages((weak.hit,), index, "bm25"))
    assert not reply.found and reply.answer == NOT_FOUND and reply.citations == () and reply.passages == (weak.hit,)
