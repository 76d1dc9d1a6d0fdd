"""Lists kept whole: the items a chosen sentence introduces, or the bullets beside a chosen bullet, verbatim."""

from __future__ import annotations

from qa.answer.candidates import Candidate
from qa.answer.lists import list_items
from qa.answer.scoring import Weights
from qa.records import Span


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


def test_a_bullet_stands_alone_when_one_fact_of_a_named_kind_is_asked_for():
    text = "Facts\n\n- Founded in 2009 in Cusco.\n- Employs 46 staff.\n- Works in four regions.\n"
    assert list_items(_chosen(text, "Employs 46 staff."), text, Weights(), bullets=False) == []
    assert len(list_items(_chosen(text, "Employs 46 staff."), text, Weights())) == 2
