"""Candidate sentences: the non-heading sentences of the passages, in rank order, each once, with the one before."""

from __future__ import annotations

import pytest
from answer_cases import wells_and_bridge

from qa.answer.candidates import candidates
from qa.records import Chunk, Hit


@pytest.fixture(scope="module")
def index():
    return wells_and_bridge()


def test_candidates_are_the_non_heading_sentences_in_rank_order_with_the_one_before(index):
    hits = [Hit(index.chunk(1), 2.0), Hit(index.chunk(0), 1.0)]
    found = candidates(hits, index)
    assert [c.text for c in found] == [
        "The Chacas bridge in Lima opened in March 2019.",
        "It spans the Rimac river.",
        "The committee dug forty wells in Ayacucho.",
        "The wells serve 300 families.",
    ], "the heading and the one-word sentence are left out"
    assert [c.before for c in found] == ["", found[0].text, "", found[2].text]
    assert all(index.document(c.hit.chunk.doc_id).text[c.span.start : c.span.end] == c.text for c in found)


def test_a_sentence_in_two_overlapping_chunks_is_a_candidate_once(index):
    chunk = index.chunk(1)
    overlap = Chunk(9, chunk.doc_id, chunk.start, chunk.end, chunk.text, chunk.sentences)
    found = candidates([Hit(chunk, 2.0), Hit(overlap, 1.0)], index)
    assert len(found) == 2 and all(c.hit.chunk is chunk for c in found)
