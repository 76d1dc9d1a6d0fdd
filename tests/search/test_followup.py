"""Follow-up detection and standalone queries (model-free), then follow-ups through the real engine."""

from __future__ import annotations

import pytest

from qa.records import Answer, Citation, Turn
from qa.search.followup import is_follow_up, names, resolve

COOPI = "004_b3fbc4fefc858b64.txt"


def _turn(question: str, quote: str | None, source: str = "a.txt", searched: str | None = None) -> Turn:
    """A turn whose answer cites `quote`, or a declined turn when `quote` is None."""
    if quote is None:
        return Turn(question, Answer(question, "not found", False, "hybrid", searched=searched))
    cite = Citation(1, source, source, quote, 0, len(quote), 1, 1, None, 5.0)
    return Turn(question, Answer(question, f"{quote} [1]", True, "hybrid", (cite,), searched=searched))


@pytest.mark.parametrize(
    "question",
    [
        "What does it do there?",
        "Who is it for?",
        "When did he take office?",
        "How much did they give?",
        "What does that agreement cover?",
        "And in 2021?",
        "What about women?",
        "Between which countries?",
        "According to which institution?",
    ],
)
def test_follow_ups_are_recognized(question):
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [
        "Which rivers form the VRAEM?",
        "Who won the 2018 FIFA World Cup?",
        "What is Buenas Noticias?",
        "Is there a JICA office in Lima?",
        "How many people went missing during the period of violence in Peru?",
    ],
)
def test_self_contained_questions_are_not_follow_ups(question):
    assert not is_follow_up(question)


def test_names_skip_opening_words_months_and_stop_words():
    assert names("On October 6, Secretary Blinken met the OAS in Lima.") == ["Secretary Blinken", "OAS", "Lima"]
    assert names("Since when has COOPI been present in Peru?") == ["COOPI", "Peru"]


def test_a_question_alone_or_self_contained_is_searched_as_typed():
    history = [_turn("Since when has COOPI been present in Peru?", "COOPI has been present in Peru since 2000.")]
    assert resolve("What does it do there?", []).query == "What does it do there?"
    switched = resolve("Which rivers form the VRAEM?", history)
    assert switched.query == "Which rivers form the VRAEM?" and not switched.follow_up


def test_a_pronoun_carries_the_previous_subject_and_prefers_its_documents():
    history = [_turn("Since when has COOPI been present in Peru?", "COOPI has been present in Peru since 2000.", COOPI)]
    resolved = resolve("What does it do there?", history)
    assert resolved.query == "What does it do there? COOPI Peru"
    assert resolved.follow_up and resolved.prefer == (COOPI,) and not resolved.unresolvable


def test_a_person_pronoun_takes_the_name_the_answer_brought_in():
    quote = "On October 6, Secretary Blinken continues his regional travel to Lima, Peru."
    history = [_turn("Who led the U.S. delegation in Lima?", quote)]
    resolved = resolve("Which president will he meet?", history)
    assert "Secretary Blinken" in resolved.query and "October" not in resolved.query


def test_an_ellipsis_repeats_the_previous_question_with_its_figure_replaced():
    history = [_turn("How much was trade worth in 2021?", "Trade reached $22 billion in 2021.")]
    resolved = resolve("And in 2009?", history)
    assert resolved.query.startswith("And in 2009? How much was trade worth in") and "2021" not in resolved.query


def test_a_chain_of_follow_ups_keeps_the_resolved_subject():
    first = _turn("Since when has JICA operated in Peru?", "JICA, since 1958, started its operations in Peru.")
    second = _turn(
        "When did it start volunteers?", "JICA started the program in 1980.", searched="When did it start? JICA Peru"
    )
    assert "JICA" in resolve("How many did they send?", [first, second]).query


def test_a_pronoun_after_a_declined_answer_cannot_be_resolved():
    history = [_turn("What is the name of JICA's Chief Representative?", None)]
    resolved = resolve("When did he take office?", history)
    assert resolved.follow_up and resolved.unresolvable


def test_engine_answers_a_follow_up_and_declines_one_to_a_declined_answer(seeds_engine):

    engine = seeds_engine
    first = engine.ask("Since when has COOPI been present in Peru?")
    reply = engine.ask("In which northern regions does it work?", history=[Turn(first.question, first)])
    assert reply.found and "Piura and Tumbes" in reply.answer and reply.citations[0].source == COOPI
    assert reply.searched.startswith("In which northern regions does it work?") and "COOPI" in reply.searched
    alone = engine.ask("In which northern regions does it work?")
    assert alone.searched is None and alone.to_dict()["searched"] == alone.question
    declined = Answer("Who is JICA's Chief Representative?", "x", False, "hybrid")
    follow = engine.ask("When did he take office?", history=[Turn(declined.question, declined)])
    assert not follow.found and follow.passages


def test_engine_scopes_a_question_to_matching_sources(seeds_engine):
    from qa.records import InputError

    engine = seeds_engine
    hits, _ = engine.search("Peru cooperation", top_k=8, sources=["004*"])
    assert len(hits) == 8 and {h.chunk.doc_id for h in hits} == {COOPI}
    reply = engine.ask("Since when has JICA been operating in Peru?", sources=["001*", "004*"])
    assert all(c.source[:3] in ("001", "004") for c in reply.citations)
    with pytest.raises(InputError, match="'nothing\\*'"):
        engine.ask("Since when?", sources=["nothing*"])


def test_a_definite_reference_to_the_last_turns_subject_is_searched_with_it_and_read_as_asked():
    history = [_turn("What does the Semillas del Sur programme do?", "Semillas del Sur helps smallholder farmers.")]
    resolved = resolve("What was the programme's budget in 2023?", history)
    assert resolved.query == "What was the programme's budget in 2023? Semillas del Sur"
    assert resolved.follow_up and resolved.read_as_asked and resolved.prefer == ("a.txt",)
    assert not resolve("What does the ICRC do in Lima?", history).follow_up, "a name stands on its own"
    assert not resolve("What is the capital of Peru?", history).follow_up, "'the capital' was not talked about"
    assert not resolve("What does it cost?", history).read_as_asked, "a pronoun is read with what it stands for"
