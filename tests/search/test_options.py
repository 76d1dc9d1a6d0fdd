"""The user's choices, checked once: modes, fusions, top_k and the question text."""

from __future__ import annotations

import pytest

from qa.records import InputError
from qa.search.fusion import DEFAULT_FUSION, FUSIONS
from qa.search.options import (
    DEFAULT_MODE,
    MAX_QUESTION_CHARS,
    MODES,
    check_fusion,
    check_mode,
    check_top_k,
    clean_question,
)


def test_defaults_are_among_the_choices():
    assert MODES == ("hybrid", "dense", "bm25") and DEFAULT_MODE in MODES
    assert tuple(FUSIONS) == ("convex", "rrf") and DEFAULT_FUSION in FUSIONS


@pytest.mark.parametrize("mode", MODES)
def test_known_modes_pass_through(mode):
    assert check_mode(mode) == mode


def test_unknown_mode_names_the_value_and_the_choices():
    with pytest.raises(InputError, match=r"unknown retrieval mode 'sparse'; choose one of hybrid, dense, bm25"):
        check_mode("sparse")


def test_unknown_fusion_names_the_value_and_the_choices():
    assert check_fusion("rrf") == "rrf"
    with pytest.raises(InputError, match=r"unknown fusion 'max'; choose one of convex, rrf"):
        check_fusion("max")


@pytest.mark.parametrize("top_k", [1, 5, 1000])
def test_positive_whole_top_k_passes(top_k):
    assert check_top_k(top_k) == top_k


@pytest.mark.parametrize("top_k", [0, -2, 1.5, "3", True, None])
def test_other_top_k_is_refused_with_the_value(top_k):
    with pytest.raises(InputError, match=f"top_k must be a whole number greater than 0; got {top_k!r}"):
        check_top_k(top_k)


def test_clean_question_turns_controls_into_spaces_and_collapses_them():
    assert clean_question("  How\x00 many\twells\u200b were\r\ndug? ") == "How many wells were dug?"


def test_clean_question_keeps_other_scripts():
    assert clean_question("暴力期间有多少人失踪？") == "暴力期间有多少人失踪？"


def test_clean_question_cuts_long_questions():
    cleaned = clean_question("word " * 1000)
    assert len(cleaned) == MAX_QUESTION_CHARS and cleaned.startswith("word word")


@pytest.mark.parametrize("question", ["", "   ", "\t\n", "\x00\x01\x1b", "\u200b\u200b"])
def test_empty_questions_are_refused(question):
    with pytest.raises(InputError, match="the question is empty; type a question in words"):
        clean_question(question)


def test_a_question_must_be_text():
    with pytest.raises(InputError, match="the question must be text; got int"):
        clean_question(42)
