"""Cross-encoder training data and settings: gold spans, the hand order's ceiling, the (top, mix) choice,
reworded questions."""

from __future__ import annotations

import math
import random

from qa.answer.cross_encoder import rereads
from qa.answer.scoring import Reading
from qa.measure.metrics import locate
from qa.measure.train.fit_cross import group
from qa.measure.train.mine import ceiling, choose, span_figures


def _record(labels: list[bool], scores: list[float], answers=("1998",)) -> dict:
    cands = [{"text": f"It opened in {'1998' if ok else '2001'}.", "before": "", "score": s, "label": ok,
              "span": (13, 17) if ok else None} for ok, s in zip(labels, scores)]  # fmt: skip
    return {"question": "When did it open?", "answers": list(answers), "cands": cands}


def test_the_gold_answer_is_located_in_the_sentence():
    assert locate("It opened in 1998.", ["1998"]) == (13, 17)
    assert locate("The Seed Bank opened.", ["seed bank"]) == (4, 13)
    assert locate("Nothing here.", ["1998"]) is None


def test_the_ceiling_counts_gold_within_the_top_k():
    records = [_record([False, True], [2.0, 1.0]), _record([True, False], [2.0, 1.0]), _record([False], [1.0])]
    assert ceiling(records, (1, 2)) == {"top1": round(1 / 3, 4), "top2": round(2 / 3, 4)}


def test_the_mix_that_reorders_right_wins():
    records = [_record([False, True], [2.0, 1.9]), _record([True, False], [2.0, 1.0])]
    reads = [[Reading(-1.0), Reading(1.0)], [Reading(0.5), Reading(0.0)]]
    picked = choose(records, reads, tops=(1, 2), mixes=(0, 100))
    assert picked["hand_top1"] == 0.5 and picked["top1"] == 1.0 and (picked["top"], picked["mix"]) == (2, 0)


def test_a_margin_re_reads_only_candidates_close_to_the_first():
    records = [_record([False, True], [2.0, 1.9]), _record([True, False], [2.0, 0.5])]
    reads = [[Reading(-1.0), Reading(1.0)], [Reading(0.0), Reading(5.0)]]  # the second record's runner-up reads well
    everything = choose(records, reads, tops=(2,), mixes=(1,))
    assert everything["top1"] == 0.5 and everything["reads"] == 2.0
    picked = choose(records, reads, tops=(2,), mixes=(1,), margins=(math.inf, 1.0))
    assert picked["top1"] == 1.0 and picked["margin"] == 1.0 and picked["reads"] == 1.5


def test_rereads_stop_at_the_first_candidate_far_from_the_first():
    assert rereads([5.0, 4.5, 3.0, 4.9], 4, 1.0) == 2
    assert rereads([5.0, 4.5], 1, 1.0) == 1 and rereads([5.0, 4.5, 4.4], 3, math.inf) == 3 and rereads([], 3, 1) == 0


def test_span_figures_score_the_phrase_of_the_pick():
    records = [_record([True], [1.0])]
    assert span_figures(records, [[Reading(1.0, 13, 17, 0.9)]], 1, 0.0, 0.5)["short_em"] == 1.0
    assert span_figures(records, [[Reading(1.0, 13, 17, 0.1)]], 1, 0.0, 0.5) == {
        "short_em": 0.0, "short_f1": 0.0, "short_given": 0.0}  # fmt: skip


def test_a_training_group_puts_the_gold_first_with_hard_negatives():
    chosen = group(_record([False, False, True, False], [4.0, 3.0, 2.0, 1.0]), 2, random.Random(0))
    assert chosen[0]["label"] and len(chosen) == 3 and not any(c["label"] for c in chosen[1:])
    assert group(_record([False, False], [2.0, 1.0]), 2, random.Random(0)) is None


def test_paraphrased_questions_are_reworded_copies_with_the_same_candidates():
    from qa.measure.train.mine import paraphrased

    reworded = _record([True], [1.0]) | {"question": "Which team won the match?"}
    same = _record([True], [1.0]) | {"question": "Who won?"}  # apertium gives it back unchanged
    extra = paraphrased([reworded, same])
    assert len(extra) == 1 and extra[0]["question"] != reworded["question"]
    assert "won" in extra[0]["question"] and extra[0]["cands"] is reworded["cands"]
