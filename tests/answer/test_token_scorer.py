"""The token scorer: the shipped weights load, pick a sentence and read its exact phrase; lists are kept whole."""

from __future__ import annotations

from conftest import tiny_index

from qa.answer.candidates import Passages
from qa.answer.extract import answer
from qa.answer.scorer import shipped_scorer
from qa.answer.token_scorer import WEIGHTS, load_token_scorer
from qa.embed.cache import CachedEmbedder
from qa.records import Hit

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
