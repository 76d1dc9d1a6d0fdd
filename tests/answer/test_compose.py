"""Extractive answers: candidate sentences, unknown names, choosing 1-3 sentences, declining, and cited composition."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import tiny_index

from qa.answer.candidates import Candidate, Passages, candidates
from qa.answer.compose import NOT_FOUND, compose, not_found, select
from qa.answer.extract import answer
from qa.answer.scorer import Scorer
from qa.answer.scoring import Features, Weights
from qa.answer.support import supported, unknown_names
from qa.engine import Engine
from qa.records import Chunk, Hit, Span
from qa.store.build import Build
from qa.sync.folder import sync_folder

TEXTS = [
    "Water Projects\n\nThe committee dug forty wells in Ayacucho. The wells serve 300 families. Ok.",
    "The Chacas bridge in Lima opened in March 2019. It spans the Rimac river.",
]
FOUNDED = "Maria Lopez founded the Andean Seed Bank in Cusco in 1998."
MOVED = "She later moved the collection to Urubamba, a town in the Sacred Valley."
STORES = "The bank now stores more than 3,000 varieties of native potato."


@pytest.fixture(scope="module")
def index():
    return tiny_index(TEXTS)


def _features(**changes) -> Features:
    base = dict(cosine=0.8, before_cosine=None, overlap=1.0, coverage=1.0, uncovered=0.0, slot=0.0, bigrams=0.0,
                length=1.0, typed=0, unit=False, form=False, passage=1.0)  # fmt: skip
    return Features(**{**base, **changes})


def _candidate(index, text: str, score: float, **changes) -> Candidate:
    row = next(i for i, c in enumerate(index.chunks) if text in c.text)
    start = index.chunk(row).text.index(text)
    return Candidate(Hit(index.chunk(row), 1.0), Span(start, start + len(text)), text, "", _features(**changes), score)


# ---- candidates -----------------------------------------------------------------------------------


def test_candidates_are_the_non_heading_sentences_in_rank_order_with_the_one_before(index):
    hits = [Hit(index.chunk(1), 2.0), Hit(index.chunk(0), 1.0)]
    found = candidates(hits, index)
    assert [c.text for c in found] == [
        "The Chacas bridge in Lima opened in March 2019.",
        "It spans the Rimac river.",
        "The committee dug forty wells in Ayacucho.",
        "The wells serve 300 families.",
    ], "the heading and the one-word sentence are left out"
    assert [c.before for c in found] == ["", found[0].text, "", found[2].text]
    assert all(index.document(c.hit.chunk.doc_id).text[c.span.start : c.span.end] == c.text for c in found)


def test_a_sentence_in_two_overlapping_chunks_is_a_candidate_once(index):
    chunk = index.chunk(1)
    overlap = Chunk(9, chunk.doc_id, chunk.start, chunk.end, chunk.text, chunk.sentences)
    found = candidates([Hit(chunk, 2.0), Hit(overlap, 1.0)], index)
    assert len(found) == 2 and all(c.hit.chunk is chunk for c in found)


# ---- unknown names -----------------------------------------------------------------------------------


def test_unknown_names_are_capitalized_words_no_chunk_contains(index):
    assert unknown_names("When did the Chacas bridge in Lima open?", index) == []
    assert unknown_names("Who built the Golden Gate bridge?", index) == ["Golden", "Gate"]
    assert unknown_names("Lima has what?", index) == [], "the first word is not taken for a name"


def test_a_misspelt_or_inflected_name_is_not_unknown(index):
    assert unknown_names("When did the Chakas bridge open?", index) == []
    assert unknown_names("How many wells did the Ayacuchans dig?", index) == []


# ---- choosing and declining ------------------------------------------------------------------------


def test_select_adds_nearly_as_good_sentences_that_hold_the_asked_type(index):
    weights = Weights()
    best = _candidate(index, "The wells serve 300 families.", 10.0)
    near_typed = _candidate(index, "The committee dug forty wells in Ayacucho.", 9.5, typed=1)
    near_untyped = _candidate(index, "It spans the Rimac river.", 9.2, typed=0)
    near_wrong = _candidate(index, "The Chacas bridge in Lima opened in March 2019.", 9.1, typed=-1)
    far = _candidate(index, "The Chacas bridge in Lima opened in March 2019.", 8.0, typed=1)
    chosen = select([best, near_typed, near_wrong, near_untyped, far], weights)
    assert [c.score for c in chosen] == [10.0, 9.5, 9.2], "the mistyped one is skipped, the far one cut off"
    assert select([best, far], weights) == [best], "below extra_ratio of the best"
    assert len(select([best, near_typed, near_typed, near_typed], weights)) == weights.max_sentences
    assert select([], weights) == []


def test_supported_declines_low_scores(index):
    weights = Weights()
    question = "How many families do the wells serve?"
    strong = _candidate(index, "The wells serve 300 families.", weights.found_threshold + 0.1)
    weak = dataclasses.replace(strong, score=weights.found_threshold - 0.1)
    assert supported(question, [strong], index, weights)
    assert not supported(question, [weak], index, weights)
    assert not supported(question, [], index, weights)


def test_supported_uses_the_lower_threshold_without_a_model(index):
    weights = Weights()
    lexical = _candidate(index, "The wells serve 300 families.", weights.lexical_threshold + 0.1, cosine=None)
    assert supported("How many families do the wells serve?", [lexical], index, weights)
    below = dataclasses.replace(lexical, score=weights.lexical_threshold - 0.1)
    assert not supported("How many families do the wells serve?", [below], index, weights)


def test_supported_declines_a_question_naming_what_the_documents_lack_unless_the_score_is_high(index):
    weights = Weights()
    question = "How many families do the wells of Gondor serve?"
    middling = _candidate(index, "The wells serve 300 families.", weights.named_threshold - 0.1)
    assert not supported(question, [middling], index, weights)
    assert supported(question, [dataclasses.replace(middling, score=weights.named_threshold + 0.1)], index, weights)


def test_supported_declines_an_off_topic_best_sentence(index):
    weights = Weights()
    question = "How many families do the wells serve?"
    off = _candidate(index, "The wells serve 300 families.", 5.0, cosine=0.2, uncovered=0.5)
    assert not supported(question, [off], index, weights)
    on_topic = _features(cosine=0.2, uncovered=0.1)
    assert supported(question, [dataclasses.replace(off, features=on_topic)], index, weights)
    rescued_by_before = _features(cosine=0.2, before_cosine=0.6, uncovered=0.5)
    assert supported(question, [dataclasses.replace(off, features=rescued_by_before)], index, weights)
    rescued_by_form = _features(cosine=0.2, uncovered=0.5, form=True)
    assert supported(question, [dataclasses.replace(off, features=rescued_by_form)], index, weights)


# ---- composing -----------------------------------------------------------------------------------------


def test_compose_quotes_and_cites_the_chosen_sentences(index):
    weights = Weights()
    best = _candidate(index, "The wells serve 300 families.", 10.0)
    second = _candidate(index, "The committee dug forty wells in Ayacucho.", 9.5, typed=1)
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
    weak = _candidate(index, "The wells serve 300 families.", 0.5)
    reply = not_found("Who won the cup?", Passages((weak.hit,), index, "bm25"))
    assert not reply.found and reply.answer == NOT_FOUND and reply.citations == () and reply.passages == (weak.hit,)


def test_answer_without_a_model_answers_from_words(index):
    hits = (Hit(index.chunk(1), 3.0), Hit(index.chunk(0), 1.0))
    reply = answer("When did the Chacas bridge in Lima open?", Passages(hits, index, "bm25"), Scorer())
    assert reply.found and reply.citations[0].quote == "The Chacas bridge in Lima opened in March 2019."
    declined = answer("Who won the 2018 FIFA World Cup?", Passages(hits, index, "bm25"), Scorer())
    assert not declined.found and declined.passages == hits
    empty = answer("When did the bridge open?", Passages((), index, "bm25"), Scorer())
    assert not empty.found and empty.passages == ()


# ---- with the real model ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_bank_index(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("seedbank")
    docs = folder / "docs"
    docs.mkdir()
    (docs / "seedbank.txt").write_text(f"{FOUNDED} {MOVED} {STORES}\n", encoding="utf-8")
    (docs / "other.txt").write_text("The river floods every March. Farmers plant potatoes in October.\n")
    sync_folder(Build(folder / "index", folder=docs, embedder_for=lambda _: embedder))
    return folder / "index"


def test_the_answer_is_the_sentence_that_answers_not_the_one_that_restates(seed_bank_index):
    reply = Engine(seed_bank_index).ask("Where did Maria Lopez move the seed bank's collection?")
    assert reply.found
    assert reply.citations[0].quote == MOVED


def test_a_misspelt_name_is_not_taken_for_one_the_documents_lack(seed_bank_index):
    index = Engine(seed_bank_index).index
    assert unknown_names("When did Maria Lopes found the Andaen Seed Bank?", index) == []
    assert unknown_names("How many varieties did Germany store in Urubamba?", index) == ["Germany"]
