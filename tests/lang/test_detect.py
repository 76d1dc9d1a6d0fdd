"""Language detection, Spanish tokenizing and BM25, and Spanish sentence splitting."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from qa.ingest.sentences import split_sentences
from qa.lang.detect import detect_language
from qa.search.bm25 import LexicalIndex
from qa.search.bm25_build import build_bm25
from qa.search.tokens import query_terms, tokenize

DATA = Path(__file__).parents[1] / "data"
ES_QA = [json.loads(line) for line in (DATA / "seeds_qa_es.jsonl").read_text(encoding="utf-8").splitlines()]
EN_QA = [json.loads(line) for line in (DATA / "seeds_qa.jsonl").read_text(encoding="utf-8").splitlines()]


def test_spanish_and_english_questions_are_told_apart():
    spanish = [row["question"] for row in ES_QA]
    english = [row["english"] for row in ES_QA] + [row["question"] for row in EN_QA]
    assert [q for q in spanish if detect_language(q) != "es"] == []
    assert [q for q in english if detect_language(q) != "en"] == []


def test_short_queries_and_documents():
    assert detect_language("ingresos de las familias rurales") == "es"
    assert detect_language("rural families income") == "en"
    assert detect_language((DATA / "es_corpus" / "cicr_peru.txt").read_text(encoding="utf-8")) == "es"
    seed = Path(__file__).parents[2] / "seeds" / "002_f806f91d97a55b2f.txt"
    assert detect_language(seed.read_text(encoding="utf-8") * 20) == "en"  # long texts are sampled


def test_text_without_letters_defaults_to_english_and_other_languages_on_request():
    assert detect_language("") == detect_language("  2023-2024 97,5% ") == "en"
    assert detect_language("Bonjour, je voudrais savoir où se trouve la gare la plus proche.", languages=None) == "fr"


def test_spanish_inflections_share_a_stem_and_stop_words_drop():
    assert tokenize("familias", language="es") == tokenize("familia", language="es")
    assert tokenize("desaparecieron", language="es") == tokenize("desaparecidos", language="es")
    assert tokenize("información", language="es") == tokenize("informacion", language="es")  # typed without accents
    assert tokenize("Blinken se reunió con Castillo y la OEA en Lima", language="es") == [
        "blinken",
        "reuni",
        "castillo",
        "oea",
        "lima",
    ]  # names are not stemmed, so they match the English stems of the same names
    assert tokenize("¿Cuántas de las personas que están en el Perú?", stem=False, language="es") == ["personas", "peru"]


def test_spanish_figures_stay_whole_in_the_english_form():
    tokens = tokenize("un aumento del 97,5% para 22.295 personas, convenio 527-0427 (2023-2024)", language="es")
    assert {"97.5%", "22295", "527-0427", "2023-2024"} <= set(tokens)
    assert tokenize("97,5%", language="es") == tokenize("97.5%") == ["97.5%"]
    assert tokenize("22.295", language="es") == tokenize("22,295") == ["22295"]


def test_english_tokenize_is_unchanged():
    assert tokenize("state-owned O'Brien's") == ["state-own", "state", "own", "obrien", "o", "brien"]
    assert tokenize("The volunteers' 22,295 families, 97.5%. PERÚ", stem=False) == [
        "volunteers",
        "22295",
        "families",
        "97.5%",
        "peru",
    ]
    text = "How many people went missing during Peru's period of violence between 1980 and 2000?"
    expected = ["mani", "peopl", "went", "miss", "perus", "peru", "period", "violenc", "1980", "2000"]
    assert tokenize(text) == tokenize(text, True, "en") == expected
    assert tokenize("22.295 97,5%") == ["22.295", "97,5%"]


def test_mixed_index_scores_each_language_with_its_own_rules():
    texts = ["Las familias rurales aumentaron sus ingresos", "Rural families increased their income", "Lima water"]
    index = build_bm25(texts, languages=["es", "en", "en"])
    assert list(index.languages) == ["es", "en", "en"] and list(index.rows_in("es")) == [0]
    assert np.argmax(index.scores("ingreso de una familia", language="es")) == 0
    both = index.scores([("What income did the families get?", "en"), ("¿Qué ingresos tuvieron las familias?", "es")])
    assert both[0] > 0 and both[1] > 0 and both[2] == 0


def test_query_terms_count_a_shared_term_once():
    terms = query_terms([("USAID 97.5%", "en"), ("USAID 97,5%", "es")])
    assert terms == {"usaid": 1, "97.5%": 1}


def test_languages_survive_arrays_and_old_arrays_load_as_english():
    index = build_bm25(["alpha beta", "gamma delta"], languages=["es", "en"])
    arrays = index.arrays()
    assert arrays["languages"].dtype.kind == "U"
    again = LexicalIndex.from_arrays(index.vocab, arrays, index.stem)
    assert list(again.languages) == ["es", "en"] and np.allclose(again.scores("gamma"), index.scores("gamma"))
    old = LexicalIndex.from_arrays(index.vocab, {k: v for k, v in arrays.items() if k != "languages"}, True)
    assert list(old.languages) == ["en", "en"]


def _sentences(text: str, language: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text, language)]


def test_spanish_sentence_splitting():
    text = "El Sr. García llegó ayer. La Dra. López lo esperaba en la pág. 5 del informe. ¿Vendrá? ¡Claro que sí!"
    assert _sentences(text, "es") == [
        "El Sr. García llegó ayer.",
        "La Dra. López lo esperaba en la pág. 5 del informe.",
        "¿Vendrá?",
        "¡Claro que sí!",
    ]
    assert _sentences(text, "en")[0] == "El Sr."  # English rules are unchanged
    assert _sentences("Two words. Three more words.", "xx") == ["Two words.", "Three more words."]


def test_spanish_web_fragments_still_fold():
    text = (DATA / "es_corpus" / "cicr_peru.txt").read_text(encoding="utf-8")
    sentences = _sentences(text, "es")
    assert "22.295\npersonas desaparecieron durante el periodo de violencia (1980-2000)." in sentences
    assert "El Sr. José Carlos Thissen es el contacto para los medios de comunicación." in sentences
