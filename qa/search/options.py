"""The choices a user makes (retrieval mode, fusion, top_k, question), defined and checked once; no heavy imports."""

from __future__ import annotations

import unicodedata

from qa.records import InputError
from qa.search.fusion import FUSIONS

MODES = ("hybrid", "dense", "bm25")
DEFAULT_MODE = "hybrid"
DEFAULT_TOP_K = 5
MAX_QUESTION_CHARS = 2_000


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise InputError(f"unknown retrieval mode {mode!r}; choose one of {', '.join(MODES)}")
    return mode


def check_fusion(fusion: str) -> str:
    if fusion not in FUSIONS:
        raise InputError(f"unknown fusion {fusion!r}; choose one of {', '.join(FUSIONS)}")
    return fusion


def check_top_k(top_k: int) -> int:
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise InputError(f"top_k must be a whole number greater than 0; got {top_k!r}")
    return top_k


def clean_question(question: str) -> str:
    """The question without control characters, cut to MAX_QUESTION_CHARS; empty questions are refused."""
    if not isinstance(question, str):
        raise InputError(f"the question must be text; got {type(question).__name__}")
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs") else ch for ch in question)
    text = " ".join(text.split())
    if not text:
        raise InputError("the question is empty; type a question in words")
    return text[:MAX_QUESTION_CHARS]
