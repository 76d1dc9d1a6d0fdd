"""Whether to answer at all: thresholds, names the documents lack (misspellings forgiven), off-topic best sentences."""

from __future__ import annotations

import dataclasses

import pytest
from answer_cases import FOUNDED, MOVED, STORES, candidate, features, wells_and_bridge
from conftest import tiny_index

from qa.answer.scoring import Weights
from qa.answer.support import supported, unknown_names


@pytest.fixture(scope="module")
def index():
    return wells_and_bridge()


def test_unknown_names_are_capitalized_words_no_chunk_contains(index):
    assert unknown_names("When did the Chacas bridge in Lima open?", index) == []
    assert unknown_names("Who built the Golden Gate bridge?", index) == ["Golden", "Gate"]
    assert unknown_names("Lima has what?", index) == [], "the first word is not taken for a name"


def test_a_misspelt_or_inflected_name_is_not_unknown(index):
    assert unknown_names("When did the Chakas bridge open?", index) == []
    assert unknown_names("How many wells did the Ayacuchans dig?", index) == []


def test_a_misspelt_name_is_not_taken_for_one_the_documents_lack():
    index = tiny_index([f"{FOUNDED} {MOVED} {STORES}"])
    assert unknown_names("When did Maria Lopes found the Andaen Seed Bank?", index) == []
    assert unknown_names("How many varieties did Germany store in Urubamba?", index) == ["Germany"]


def test_supported_declines_low_scores(index):
    weights = Weights()
    question = "How many families do the wells serve?"
    strong = candidate(index, "The wells serve 300 families.", weights.found_threshold + 0.1)
    weak = dataclasses.replace(strong, score=weights.found_threshold - 0.1)
    assert supported(question, [strong], index, weights)
    assert not supported(question, [weak], index, weights)
    assert not supported(question, [], index, weights)


def test_supported_uses_the_lower_threshold_without_a_model(index):
    weights = Weights()
    lexical = candidate(index, "The wells serve 300 families.", weights.lexical_threshold + 0.1, cosine=None)
    assert supported("How many families do the wells serve?", [lexical], index, weights)
    below = dataclasses.replace(lexical, score=weights.lexical_threshold - 0.1)
    assert not supported("How many families do the wells serve?", [below], index, weights)


def test_supported_declines_a_question_naming_what_the_documents_lack_unless_the_score_is_high(index):
    weights = Weights()
    question = "How many families do the wells of Gondor serve?"
    middling = candidate(index, "The wells serve 300 families.", weights.named_threshold - 0.1)
    assert not supported(question, [middling], index, weights)
    assert supported(question, [dataclasses.replace(middling, score=weights.named_threshold + 0.1)], index, weights)


def test_a_name_translation_renamed_does_not_block_when_the_question_as_asked_names_it_rightly(index):
    weights = Weights()
    middling = candidate(index, "The wells serve 300 families.", weights.named_threshold - 0.1)
    translated, asked = (
        "How many families do the wells of Seedbank serve?",
        "¿A cuántas familias sirven los pozos de Ayacucho?",
    )
    assert not supported(translated, [middling], index, weights)
    assert supported(translated, [middling], index, weights, (asked,))


def test_supported_declines_an_off_topic_best_sentence(index):
    weights = Weights()
    question = "How many families do the wells serve?"
    off = candidate(index, "The wells serve 300 families.", 5.0, cosine=0.2, uncovered=0.5)
    assert not supported(question, [off], index, weights)
    on_topic = features(cosine=0.2, uncovered=0.1)
    assert supported(question, [dataclasses.replace(off, features=on_topic)], index, weights)
    rescued_by_before = features(cosine=0.2, before_cosine=0.6, uncovered=0.5)
    assert supported(question, [dataclasses.replace(off, features=rescued_by_before)], index, weights)
    rescued_by_form = features(cosine=0.2, uncovered=0.5, form=True)
    assert supported(question, [dataclasses.replace(off, features=rescued_by_form)], index, weights)
