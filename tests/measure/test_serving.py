"""`qa bench --serve`: every figure measured on real processes, here with few questions."""

from __future__ import annotations

import pytest
from conftest import SEEDS

import qa.measure.serving as serving


def test_questions_are_the_index_sentences_of_a_fair_length(seeds_engine):
    questions = serving._questions(seeds_engine.index, None)
    assert len(questions) == len(set(questions)) > 100
    assert all(6 <= len(q.split()) <= 40 for q in questions)


@pytest.mark.slow  # one-shot processes and two servers
@pytest.mark.timeout(300)
def test_the_serving_figures_come_from_real_answers(monkeypatch):
    for name, value in (("ONE_SHOTS", 1), ("SERIAL", 2), ("SATURATION", 4), ("STEADY", 3)):
        monkeypatch.setattr(serving, name, value)
    result = serving.bench_serving(SEEDS)
    assert result["one_shot_ask"]["runs"] == 1 and result["one_shot_ask"]["median_s"] > 0
    assert result["ready"]["hybrid_s"] >= result["ready"]["first_answer_s"] > 0
    assert result["api_serial"]["questions"] == 2 and result["api_serial"]["engine_p50_ms"] > 0
    for key in ("api_saturation", "gradio_saturation", "api_steady"):
        assert result[key]["errors"] == 0 and result[key]["same_as_serial"], (key, result[key])
    assert result["api_steady"]["rate_per_s"] == serving.STEADY_RATE
