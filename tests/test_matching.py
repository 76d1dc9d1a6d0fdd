"""Token-level matching with the real packaged model: offsets, coverage through the sentence before, the asked slot."""

import numpy as np
import pytest

from qa.answer import unknown_names
from qa.embedding import CachedEmbedder
from qa.engine import Engine
from qa.matching import coverage, matches, question_tokens, slot, uncovered
from qa.sync import sync_folder

FOUNDED = "Maria Lopez founded the Andean Seed Bank in Cusco in 1998."
MOVED = "She later moved the collection to Urubamba, a town in the Sacred Valley."
STORES = "The bank now stores more than 3,000 varieties of native potato."


@pytest.fixture(scope="module")
def cached(embedder) -> CachedEmbedder:
    return CachedEmbedder(embedder)


def _question(cached, question):
    return question_tokens(question, cached.encode_tokens([question])[0], lambda word: 1.0)


def test_token_spans_point_into_the_text_and_sentence_vectors_match_encode(embedder):
    texts = ["Ünïcode résumé—22,295 people.", FOUNDED, "  spaced   out  "]
    vectors, tokens = embedder.encode_with_tokens(texts)
    assert np.allclose(vectors, embedder.encode(texts), atol=1e-5)
    for text, tv in zip(texts, tokens):
        assert len(tv.spans) == len(tv.vectors) > 0
        assert all(text[start:end].strip() == text[start:end] != "" for start, end in tv.spans)
        assert np.allclose(np.linalg.norm(tv.vectors.astype(np.float32), axis=1), 1.0, atol=1e-2)
    assert [tokens[1].words(FOUNDED)[i] for i in (0, 1)] == ["maria", "lopez"]


def test_coverage_reads_the_sentence_before_for_what_she_refers_to(cached):
    asked = _question(cached, "Where did Maria Lopez move the seed collection?")
    moved, founded, empty = cached.encode_tokens([MOVED, FOUNDED, ""])
    alone = matches(asked, moved, MOVED, empty, "")
    with_before = matches(asked, moved, MOVED, founded, FOUNDED)
    assert coverage(asked, with_before) > coverage(asked, alone) + 0.1
    assert coverage(asked, matches(asked, founded, FOUNDED, empty, "")) < coverage(asked, with_before)
    assert uncovered(asked, with_before) < uncovered(asked, alone)  # "Maria Lopez" is found only before


def test_uncovered_names_the_share_of_the_question_the_sentence_does_not_address(cached):
    asked = _question(cached, "What is the population of Cusco?")
    sentence, empty = cached.encode_tokens([FOUNDED, ""])
    best = matches(asked, sentence, FOUNDED, empty, "")
    assert 0.0 < uncovered(asked, best) < 1.0  # Cusco is there, the population is not
    assert uncovered(asked, matches(asked, empty, "", empty, "")) == 1.0


def test_slot_prefers_a_sentence_holding_the_kind_of_answer_asked_for(cached):
    asked = _question(cached, "Who founded the Andean Seed Bank?")
    by_person = "The Andean Seed Bank was founded by Maria Lopez."
    by_purpose = "The Andean Seed Bank was founded to protect native crops."
    person, purpose = cached.encode_tokens([by_person, by_purpose])
    assert slot(asked, person, by_person) > slot(asked, purpose, by_purpose)
    assert slot(_question(cached, "Seed bank founder"), person, by_person) == 0.0  # no question word, no slot


def test_the_answer_is_the_sentence_that_answers_not_the_one_that_restates(tmp_path, one_model):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "seedbank.txt").write_text(f"{FOUNDED} {MOVED} {STORES}\n", encoding="utf-8")
    (docs / "other.txt").write_text("The river floods every March. Farmers plant potatoes in October.\n")
    sync_folder(docs, tmp_path / "index")
    reply = Engine(tmp_path / "index").ask("Where did Maria Lopez move the seed bank's collection?")
    assert reply.found
    assert reply.citations[0].quote == MOVED


def test_token_vectors_are_cached_on_disk_and_read_back_without_the_model(tmp_path, embedder):
    texts = [FOUNDED, "", MOVED]
    first = CachedEmbedder(embedder, tmp_path).encode_tokens(texts)

    class NoModel:
        name = embedder.name

        def encode_with_tokens(self, texts, progress=False):
            raise AssertionError(f"cache miss for {texts}")

    again = CachedEmbedder(NoModel(), tmp_path).encode_tokens(texts)
    for a, b in zip(first, again):
        assert a.spans == b.spans
        assert np.array_equal(a.vectors, b.vectors)
    assert len(again[1].spans) == 0


def test_a_misspelt_name_is_not_taken_for_one_the_documents_lack(tmp_path, one_model):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "seedbank.txt").write_text(f"{FOUNDED} {MOVED} {STORES}\n", encoding="utf-8")
    sync_folder(docs, tmp_path / "index")
    index = Engine(tmp_path / "index").index
    assert unknown_names("When did Maria Lopes found the Andaen Seed Bank?", index) == []
    assert unknown_names("How many varieties did Germany store in Urubamba?", index) == ["Germany"]
