"""`python -m qa.measure.ready`: a real `qa serve` answers through its API, first from BM25 or hybrid, then hybrid."""

from __future__ import annotations

import pytest

from qa.measure.ready import measure_ready


@pytest.mark.slow  # launches a server and loads the model
@pytest.mark.timeout(300)
def test_serve_answers_then_meaning_search_joins(seeds_index):
    result = measure_ready(seeds_index, limit=240)
    assert result["first_answer_s"] is not None, result.get("error")
    assert result["first_mode"] in ("bm25", "hybrid")
    assert result["hybrid_s"] is not None and result["hybrid_s"] >= result["first_answer_s"]
