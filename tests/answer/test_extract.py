"""The one answer path: words alone without a model; with the packaged model the sentence that answers wins."""

from __future__ import annotations

import pytest
from answer_cases import FOUNDED, MOVED, STORES, wells_and_bridge
from conftest import tiny_index

from qa.answer.candidates import Passages
from qa.answer.extract import answer
from qa.answer.scorer import Scorer, shipped_scorer
from qa.embed.cache import CachedEmbedder
from qa.records import Hit


@pytest.fixture(scope="module")
def index():
    return wells_and_bridge()


def test_answer_without_a_model_answers_from_words(index):
    hits = (Hit(index.chunk(1), 3.0), Hit(index.chunk(0), 1.0))
    reply = answer("When did the Chacas bridge in Lima open?", Passages(hits, index, "bm25"), Scorer())
    assert reply.found and reply.citations[0].quote == "The Chacas bridge in Lima opened in March 2019."
    declined = answer("Who won the 2018 FIFA World Cup?", Passages(hits, index, "bm25"), Scorer())
    assert not declined.found and declined.passages == hits
    empty = answer("When did the bridge open?", Passages((), index, "bm25"), Scorer())
    assert not empty.found and empty.passages == ()


def test_the_answer_is_the_sentence_that_answers_not_the_one_that_restates(embedder):
    index = tiny_index(
        [f"{FOUNDED} {MOVED} {STORES}", "The river floods every March. Farmers plant potatoes in October."]
    )
    hits = (Hit(index.chunk(0), 1.0), Hit(index.chunk(1), 0.9))
    scorer = shipped_scorer(CachedEmbedder(embedder))
    reply = answer("Where did Maria Lopez move the seed bank's collection?", Passages(hits, index, "hybrid"), scorer)
    assert reply.found and reply.citations[0].quote == MOVED
