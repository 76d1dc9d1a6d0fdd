"""Token-level matching: weights, coverage through the sentence before, the uncovered share and the asked slot.

Hand-made token vectors pin down the arithmetic; the real packaged model shows the behaviour on real sentences.
"""

import numpy as np
import pytest

from qa.answer.matching import CLOSE, coverage, matches, question_tokens, slot, uncovered
from qa.embed.cache import CachedEmbedder
from qa.embed.embedder import TokenVectors

FOUNDED = "Maria Lopez founded the Andean Seed Bank in Cusco in 1998."
MOVED = "She later moved the collection to Urubamba, a town in the Sacred Valley."

# ---- hand-made token vectors ----------------------------------------------------------------------

AXES = {"who": 0, "wells": 1, "dug": 2, "ayacucho": 3, "maria": 4, "lima": 5}


def _tokens(text: str, words: dict[str, list[float]] | None = None) -> TokenVectors:
    """One token per space-separated word, each along its word's axis (or the given vector)."""
    spans, vectors, at = [], [], 0
    for word in text.split():
        start = text.index(word, at)
        at = start + len(word)
        spans.append((start, at))
        key = word.strip("?.,").casefold()
        vector = np.zeros(len(AXES), np.float32)
        if words and key in words:
            vector[:] = words[key]
        elif key in AXES:
            vector[AXES[key]] = 1.0
        else:
            vector[:] = 1 / np.sqrt(len(AXES))
        vectors.append(vector)
    return TokenVectors(tuple(spans), np.array(vectors, np.float16))


def _question(text: str, weight=lambda word: {"wells": 2.0, "dug": 1.0, "ayacucho": 1.0}.get(word, 0.0)):
    return question_tokens(text, _tokens(text), weight)


def test_question_tokens_keep_weighted_words_and_set_aside_the_question_word():
    asked = _question("Who dug wells?")
    assert asked.weights.tolist() == [1.0, 2.0], "'who' is the asked slot, not a word to match"
    assert asked.asked is not None and asked.asked.tolist()[0] == pytest.approx(1.0)
    assert asked.words == frozenset({"who", "dug", "wells?"})


def test_a_word_split_into_several_tokens_shares_its_weight():
    question = "Who dug wells?"
    split = TokenVectors(((0, 3), (4, 7), (8, 11), (11, 13)), np.eye(4, len(AXES), dtype=np.float16))
    asked = question_tokens(question, split, lambda word: {"dug": 1.0, "wells": 2.0}.get(word, 0.0))
    assert asked.weights.tolist() == [1.0, 1.0, 1.0]  # dug, then "wel" + "ls" with half of 2.0 each


def test_coverage_is_the_weighted_share_of_close_matches_in_the_sentence_or_the_one_before():
    asked = _question("Who dug wells in Ayacucho?")  # weights: dug 1, wells 2, ayacucho 1
    sentence, before, empty = _tokens("wells dug there."), _tokens("In Ayacucho, 2020."), _tokens("")
    alone = matches(asked, sentence, "wells dug there.", empty, "")
    assert alone.tolist() == pytest.approx([1.0, 1.0, 1 / np.sqrt(len(AXES))], abs=1e-3)  # float16 tokens
    assert coverage(asked, alone) == pytest.approx((1 + 2 + 1 / np.sqrt(len(AXES))) / 4, abs=1e-3)
    assert uncovered(asked, alone) == pytest.approx(1 / 4), "ayacucho is below CLOSE"
    both = matches(asked, sentence, "wells dug there.", before, "In Ayacucho, 2020.")
    assert coverage(asked, both) == pytest.approx(1.0, abs=1e-3) and uncovered(asked, both) == 0.0


def test_a_question_without_weighted_words_covers_nothing():
    asked = _question("Who is it?")
    best = matches(asked, _tokens("Maria is."), "Maria is.", _tokens(""), "")
    assert coverage(asked, best) == 0.0 and uncovered(asked, best) == 0.0


def test_slot_is_the_closest_new_token_to_the_question_word():
    person = [0.9, 0, 0, 0, 0.436, 0]
    asked = _question("Who dug wells?")
    sentence = _tokens("Maria dug wells.", {"maria": person})
    assert slot(asked, sentence, "Maria dug wells.") == pytest.approx(0.9, abs=1e-3)
    repeated = _tokens("dug wells.")
    assert slot(asked, repeated, "dug wells.") == 0.0, "only tokens the question does not contain"
    assert slot(_question("Wells dug."), sentence, "Maria dug wells.") == 0.0, "no question word, no slot"
    assert 0 < CLOSE < 1


# ---- with the real model ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cached(embedder) -> CachedEmbedder:
    return CachedEmbedder(embedder)


def _real_question(cached, question):
    return question_tokens(question, cached.encode_tokens([question])[0], lambda word: 1.0)


def test_coverage_reads_the_sentence_before_for_what_she_refers_to(cached):
    asked = _real_question(cached, "Where did Maria Lopez move the seed collection?")
    moved, founded, empty = cached.encode_tokens([MOVED, FOUNDED, ""])
    alone = matches(asked, moved, MOVED, empty, "")
    with_before = matches(asked, moved, MOVED, founded, FOUNDED)
    assert coverage(asked, with_before) > coverage(asked, alone) + 0.1
    assert coverage(asked, matches(asked, founded, FOUNDED, empty, "")) < coverage(asked, with_before)
    assert uncovered(asked, with_before) < uncovered(asked, alone)  # "Maria Lopez" is found only before


def test_uncovered_names_the_share_of_the_question_the_sentence_does_not_address(cached):
    asked = _real_question(cached, "What is the population of Cusco?")
    sentence, empty = cached.encode_tokens([FOUNDED, ""])
    best = matches(asked, sentence, FOUNDED, empty, "")
    assert 0.0 < uncovered(asked, best) < 1.0  # Cusco is there, the population is not
    assert uncovered(asked, matches(asked, empty, "", empty, "")) == 1.0


def test_slot_prefers_a_sentence_holding_the_kind_of_answer_asked_for(cached):
    asked = _real_question(cached, "Who founded the Andean Seed Bank?")
    by_person = "The Andean Seed Bank was founded by Maria Lopez."
    by_purpose = "The Andean Seed Bank was founded to protect native crops."
    person, purpose = cached.encode_tokens([by_person, by_purpose])
    assert slot(asked, person, by_person) > slot(asked, purpose, by_purpose)
    assert slot(_real_question(cached, "Seed bank founder"), person, by_person) == 0.0  # no question word, no slot
