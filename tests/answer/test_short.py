"""The exact phrase: only for a question that asks for one fact; every answer carries a `short` key."""

from __future__ import annotations

from qa.answer.short import wants_fact
from qa.records import Answer, Short


def test_fact_questions_are_told_apart_even_when_asked_late():
    assert wants_fact("How many people went missing?") and wants_fact("Who led the delegation?")
    assert wants_fact("Since when has JICA sent volunteers to Peru?")
    assert not wants_fact("Why did the volunteers return to Japan?")
    assert wants_fact("Super Bowl 50 decided the NFL champion for what season?")
    assert not wants_fact("How did the volunteers help, and what did they teach?")


def test_every_answer_has_a_short_key():
    assert Answer("q", "a", False, "bm25").to_dict()["short"] is None
    reply = Answer("q", "a", True, "bm25", short=Short("x", 0, 1))
    assert reply.to_dict()["short"] == {"text": "x", "start": 0, "end": 1}
