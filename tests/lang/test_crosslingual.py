"""Spanish questions over the English seeds, through the real engine, apertium and language detection."""

from __future__ import annotations

import pytest

from qa.lang import translation
from qa.lang.crosslingual import question_language, read_question

RURAL_ES = "¿En qué porcentaje aumentaron los ingresos de las familias rurales?"


@pytest.fixture()
def engine(seeds_engine):
    return seeds_engine


def test_an_english_question_over_english_documents_is_not_translated():
    query = read_question("By what percentage did rural incomes rise?", ("en",))
    assert query.language == "en" and query.lexical == (("By what percentage did rural incomes rise?", "en"),)


def test_a_spanish_question_is_searched_in_english_and_in_its_own_words():
    query = read_question(RURAL_ES, ("en",))
    assert query.language == "es" and query.text != RURAL_ES and "income" in query.text.lower()
    assert (RURAL_ES, "es") in query.lexical and (query.text, "en") in query.lexical


def test_a_spanish_question_gets_verbatim_quotes_with_a_translation_beside_them(engine):
    reply = engine.ask(RURAL_ES)
    assert reply.found and reply.searched and reply.searched != RURAL_ES
    cite = reply.citations[0]
    assert reply.answer.startswith(" ".join(cite.quote.split()) + " [1]") and "97.5%" in cite.quote
    document = engine.index.document(cite.source)
    assert document.text[cite.start : cite.end] == cite.quote  # the quote stays English and exact
    assert cite.translation and "97.5" in cite.translation and cite.translation != cite.quote
    assert reply.to_dict()["citations"][0]["translation"] == cite.translation


def test_english_answers_carry_no_translation(engine):
    reply = engine.ask("By what percentage did the earnings of the rural families helped by USAID go up?")
    assert reply.found and reply.searched is None and all(c.translation is None for c in reply.citations)


def test_the_not_found_message_is_in_the_question_language(engine):
    reply = engine.ask("¿Quién ganó la Copa Mundial de la FIFA de 2018?")
    assert not reply.found and reply.answer.startswith("Los documentos no contienen")


def test_without_translation_a_spanish_question_is_answered_from_bm25_and_said_once(engine, monkeypatch):
    monkeypatch.setattr(translation, "_default", translation.Translator(command="/nonexistent/apertium"))
    reply = engine.ask("¿Cuántos migrantes recibieron apoyo de USAID en 2022?")
    assert reply.mode == "bm25" and "apertium" in engine.translation_warning
    assert "apt-get install apertium" in engine.translation_warning


def test_a_question_is_judged_by_its_own_words_not_the_names_inside_it():
    assert question_language("Who handles press enquiries at Semillas del Sur?") == "en"
    assert question_language("¿Quién es el responsable de la Oficina Regional del Cusco?") == "es"
    assert question_language("JICA?") == "en"
