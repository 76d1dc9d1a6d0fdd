"""Candidates and texts shared by the answer tests."""

from __future__ import annotations

from conftest import tiny_index

from qa.answer.candidates import Candidate
from qa.answer.scoring import Features
from qa.records import Hit, Span

TEXTS = [
    "Water Projects\n\nThe committee dug forty wells in Ayacucho. The wells serve 300 families. Ok.",
    "The Chacas bridge in Lima opened in March 2019. It spans the Rimac river.",
]
FOUNDED = "Maria Lopez founded the Andean Seed Bank in Cusco in 1998."
MOVED = "She later moved the collection to Urubamba, a town in the Sacred Valley."
STORES = "The bank now stores more than 3,000 varieties of native potato."


def wells_and_bridge():
    """A tiny index of TEXTS: a heading, three sentences, and a two-sentence passage."""
    return tiny_index(TEXTS)


def features(**changes) -> Features:
    base = dict(cosine=0.8, before_cosine=None, overlap=1.0, coverage=1.0, uncovered=0.0, slot=0.0, bigrams=0.0,
                length=1.0, typed=0, unit=False, form=False, passage=1.0)  # fmt: skip
    return Features(**{**base, **changes})


def candidate(index, text: str, score: float, **changes) -> Candidate:
    """The sentence `text` of the index as a scored candidate with these feature changes."""
    row = next(i for i, c in enumerate(index.chunks) if text in c.text)
    start = index.chunk(row).text.index(text)
    return Candidate(Hit(index.chunk(row), 1.0), Span(start, start + len(text)), text, "", features(**changes), score)
