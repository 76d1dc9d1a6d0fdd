"""The learned pick: the cross-encoder re-reads only the candidates near the first's hand score, and a veto
declines."""

from __future__ import annotations

from types import SimpleNamespace

from qa.answer.pick import cross_pick
from qa.answer.scoring import Reading, Weights

QUESTION = "In what year was the Andean Seed Bank founded?"


class _Recording:
    """Plumbing stand-in for the cross-encoder: records what it is asked to read, prefers the last."""

    def __init__(self, margin: float):
        self.settings, self.asked = {"top": 3, "mix": 1.0, "margin": margin}, []

    def score(self, question, pairs):
        self.asked.append([text for _, text in pairs])
        return [Reading(float(3 * k)) for k in range(len(pairs))]


def test_only_candidates_near_the_first_hand_score_are_re_read():
    best_first = [SimpleNamespace(score=s, before="", text=t) for s, t in ((5.0, "a"), (4.5, "b"), (3.0, "c"))]
    near = _Recording(margin=1.0)
    pick = cross_pick(QUESTION, best_first, near, Weights(), veto=False)
    assert near.asked == [["a", "b"]] and [c.text for c in pick.order] == ["b", "a", "c"] and len(pick.readings) == 2
    every = _Recording(margin=float("inf"))
    pick = cross_pick(QUESTION, best_first, every, Weights(), veto=True)
    assert every.asked == [["a", "b", "c"]] and pick.order[0].text == "c" and pick.declined
