"""Translation through the installed apertium: round trips, batches, the cache and every way it can fail."""

from __future__ import annotations

import re

from qa.lang import translation
from qa.lang.translation import INSTALL, MAX_CHARS, Translator


def test_spanish_question_comes_out_in_english_and_back():
    english = translation.translate("¿En qué porcentaje subieron los ingresos de las familias rurales?", "es", "en")
    assert english is not None and {"percentage", "income", "rural", "families"} <= set(
        re.findall(r"\w+", english.lower())
    )
    spanish = translation.translate("The income of rural families went up by 97.5%.", "en", "es")
    assert spanish is not None and "familias" in spanish and "97.5%" in spanish
    assert translation.available("es", "en") and translation.available("en", "es")


def test_batch_keeps_order_line_breaks_and_empty_texts():
    texts = ["Peru hosts migrants.", "22,295\npeople went missing.", "", "The volunteers returned to Japan."]
    out = Translator().translate_many(texts, "en", "es")
    assert len(out) == 4 and "Perú" in out[0] and "22,295\n" in out[1] and out[2] == ""
    assert "voluntarios" in out[3] and "Japón" in out[3]


def test_separator_inside_a_text_does_not_break_the_batch():
    out = Translator().translate_many(["uno § dos §§§ tres", "cuatro"], "es", "en")
    assert out[0] is not None and "three" in out[0] and out[1] == "Four"


def test_translations_are_cached():
    translator = Translator()
    first = translator.translate("las familias desaparecidas", "es", "en")
    translator.command = "/nonexistent/apertium"  # a second call must not need apertium
    assert first is not None and translator.translate("las familias desaparecidas", "es", "en") == first


def test_missing_apertium_gives_none_and_the_install_command():
    translator = Translator(command="/nonexistent/apertium")
    assert not translator.available()
    assert translator.translate("hola", "es", "en") is None
    assert translator.translate_many(["hola", "adiós"], "es", "en") == [None, None]
    assert translator.reason is not None and INSTALL in translator.reason


def test_failing_apertium_gives_none_and_a_reason():
    translator = Translator(command="false")  # a real program that exits 1
    assert translator.translate("hola", "es", "en") is None
    assert translator.reason is not None and "exit 1" in translator.reason


def test_slow_apertium_times_out_and_is_not_called_again_at_once():
    translator = Translator(timeout=0.001)
    assert translator.translate("las familias rurales " * 50, "es", "en") is None
    assert translator.reason is not None and "longer than" in translator.reason
    assert not translator.available()


def test_same_language_unknown_pair_and_long_text():
    translator = Translator()
    assert translator.translate("hola", "es", "es") == "hola"
    assert translator.translate("bonjour", "fr", "en") is None and "'fr'" in (translator.reason or "")
    long = translator.translate("The families went home. " * 400, "en", "es")
    assert long is not None and long.endswith("…") and len(long) < MAX_CHARS * 1.5


def test_glossary_names_come_out_right_both_ways():
    english = translation.translate("¿Desde cuándo está la Cruz Roja y el CICR en el Perú?", "es", "en")
    assert english is not None and "Red Cross" in english and "ICRC" in english
    spanish = translation.translate("The OAS met the ICRC in the U.S.", "en", "es")
    assert spanish is not None and "OEA" in spanish and "CICR" in spanish and "EE. UU." in spanish
