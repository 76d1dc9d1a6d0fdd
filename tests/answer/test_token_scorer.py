"""The token scorer: the shipped weights load, pick a sentence and read its exact phrase; lists are kept whole."""

from __future__ import annotations

from conftest import tiny_index

from qa.answer.candidates import Candidate, Passages
from qa.answer.extract import answer
from qa.answer.lists import list_items
from qa.answer.scorer import shipped_scorer
from qa.answer.scoring import Weights
from qa.answer.short import wants_fact
from qa.answer.token_scorer import WEIGHTS, load_token_scorer
from qa.embed.cache import CachedEmbedder
from qa.records import Answer, Hit, Short, Span

FOUNDED = "Maria Lopez founded the Andean Seed Bank in Cusco in 1998."
MOVED = "She later moved the collection to Urubamba, a town in the Sacred Valley."
STORES = "The bank now stores more than 3,000 varieties of native potato."


def test_the_shipped_weights_load_and_are_small():
    assert WEIGHTS.is_file() and WEIGHTS.stat().st_size < 3_000_000
    scorer = load_token_scorer()
    assert scorer is not None and {"P", "P2", "w", "W1", "Us", "Ve"} <= set(scorer.p)


def test_without_weights_the_hand_features_answer_alone(tmp_path):
    assert load_token_scorer(tmp_path / "missing.npz") is None


def test_a_learned_pick_carries_the_exact_phrase(embedder):
    index = tiny_index([MOVED, STORES, FOUNDED])
    passages = Passages(tuple(Hit(index.chunk(i), 1.0) for i in range(3)), index, "hybrid")
    reply = answer("In what year was the Andean Seed Bank founded?", passages, shipped_scorer(CachedEmbedder(embedder)))
    assert reply.found and reply.citations[0].quote == FOUNDED
    text = index.document(reply.citations[0].source).text
    assert reply.short is not None and "1998" in reply.short.text
    assert text[reply.short.start : reply.short.end] == reply.short.text
    assert reply.citations[0].start <= reply.short.start < reply.short.end <= reply.citations[0].end
    assert reply.to_dict()["short"] == {"text": reply.short.text, "start": reply.short.start, "end": reply.short.end}


def test_every_answer_has_a_short_key():
    assert Answer("q", "a", False, "bm25").to_dict()["short"] is None
    reply = Answer("q", "a", True, "bm25", short=Short("x", 0, 1))
    assert reply.to_dict()["short"] == {"text": "x", "start": 0, "end": 1}


def test_fact_questions_are_told_apart():
    assert wants_fact("How many people went missing?") and wants_fact("Who led the delegation?")
    assert wants_fact("Since when has JICA sent volunteers to Peru?")
    assert not wants_fact("Why did the volunteers return to Japan?")


def _chosen(text: str, sentence: str) -> Candidate:
    start = text.index(sentence)
    return Candidate(None, Span(start, start + len(sentence)), sentence)


def test_a_sentence_that_introduces_a_list_brings_its_items():
    text = "COOPI works in Peru.\nIts work is currently funded by:\nWASH • UNHCR\nAPCI • CENEPRED\n\nOther news."
    items = list_items(_chosen(text, "Its work is currently funded by:"), text, Weights())
    assert [text[a:b] for a, b in items] == ["WASH • UNHCR", "APCI • CENEPRED"]


def test_a_bullet_brings_its_sibling_bullets_verbatim():
    text = "Crime\n\n  • We fight it together.\n  • Three lines of effort: eradication and interdiction.\n"
    text += "  • Training.\n\nEnd."
    items = list_items(_chosen(text, "We fight it together."), text, Weights())
    assert [text[a:b] for a, b in items] == ["Three lines of effort: eradication and interdiction.", "Training."]


def test_a_plain_sentence_brings_no_items():
    text = "One sentence here. Another one there."
    assert list_items(_chosen(text, "One sentence here."), text, Weights()) == []
