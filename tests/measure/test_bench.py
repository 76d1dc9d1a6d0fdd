"""`qa bench` in-process: the JSON report's keys and sane figures (never timing thresholds)."""

from __future__ import annotations

import json

import pytest
from conftest import SEEDS

from qa.measure import bench
from qa.measure.synthetic_corpus import synthetic_queries, synthetic_texts, vocabulary

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]  # subprocesses time imports and memory

MODES = ("hybrid", "dense", "bm25")


def _bench(cli, *args) -> dict:
    code, out, err = cli("bench", "--json", *args)
    assert code == 0, err
    return json.loads(out)


def _check_common(result: dict, stages: tuple[str, ...]) -> None:
    build = result["build"]
    assert set(stages) | {"total"} == build["seconds"].keys()
    assert all(build["seconds"][s] >= 0 for s in stages) and build["seconds"]["total"] > 0
    assert build["chunks_per_s"] > 0 and build["docs_per_s"] > 0
    for mode in MODES:
        query = result["query"][mode]
        assert 0 < query["p50_ms"] <= query["p95_ms"]
        assert 0 < query["rank_p50_ms"] <= query["rank_p95_ms"]
    assert result["memory"]["peak_rss_mb"] > 0
    assert all(v > 0 for v in result["memory"]["rss_mb"].values())
    assert result["index"]["load_s"] > 0 and result["index"]["disk_mb"] > 0
    assert "chunks.jsonl" in result["index"]["files_mb"]
    assert result["startup"]["import_s"] > 0
    assert result["machine"]["cpus"] >= 1


def test_bench_seeds_with_the_real_model(cli):
    questions = SEEDS.parent / "tests" / "data" / "seeds_qa.jsonl"
    result = _bench(cli, SEEDS, "--queries", "5", "--questions", questions)
    assert result["kind"] == "folder" and result["corpus"]["documents"] == 5
    assert result["corpus"]["chunks"] > 5 and result["corpus"]["queries"] == 5
    _check_common(result, ("read", "chunk", "embed", "write"))
    build = result["build"]
    assert build["encode_s"] > 0 and build["encode_chunks_per_s"] > 0 and build["pipeline_overhead_ratio"] > 0
    assert 0 <= build["outside_embed_share"] < 1
    assert result["query"]["encode"]["p50_ms"] > 0
    assert result["query"]["dense"]["p50_ms"] >= result["query"]["dense"]["rank_p50_ms"]
    assert result["startup"]["model_load_s"] > 0
    assert any("seeds_qa.jsonl" in note for note in result["notes"])
    answer = result["answer"]  # Engine.ask as `qa ask` runs it, the first time and asked again
    assert all(0 < answer[k]["p50_ms"] <= answer[k]["p95_ms"] for k in ("first", "again"))


def test_bench_beir_takes_a_subset_and_says_so(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "BEIR_DOCS", 3)
    rows = [{"_id": f"d{i}", "title": f"Topic {i}", "text": f"Fact number {i} is about subject {i}."} for i in range(5)]
    (tmp_path / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "queries.jsonl").write_text(json.dumps({"_id": "q1", "text": "what is fact 2 about"}) + "\n")
    result = _bench(cli, tmp_path, "--queries", "3")
    assert result["kind"] == "beir" and result["corpus"]["documents"] == 3
    assert any("first 3 of 5 documents" in note for note in result["notes"])
    _check_common(result, ("read", "chunk", "embed", "write"))


def test_bench_synthetic(cli):
    result = _bench(cli, "--chunks", "2000", "--queries", "10")
    assert result["kind"] == "synthetic" and result["model"] is None
    assert result["corpus"] == {"documents": 200, "chunks": 2000, "queries": 10}
    assert any("vectors synthetic" in note for note in result["notes"])
    _check_common(result, ("records", "bm25", "faiss", "write"))
    assert result["startup"]["model_load_s"] is None
    sync = result["sync_one_document"]  # below qa.sync.delta.DELTA_FROM: a whole version, one chunk embedded
    assert sync["embedded"] == 1 and sync["delta_chunks"] is None and 0 < sync["version_written_mb"] < sync["index_mb"]


def test_bench_text_report(cli):
    code, out, _ = cli("bench", "--chunks", "300", "--queries", "3")
    assert code == 0
    assert "vectors synthetic" in out and "p50 ms" in out and "peak RSS" in out and "bm25" in out
    assert "build peak RSS" in out and "serving RSS" in out and "recall@10 vs exact 1.0" in out
    assert "sync of one changed document" in out


def _contract(result: dict) -> None:
    """The keys other tools read: build and serving memory, hybrid latency, ANN recall."""
    memory, hybrid = result["memory"], result["query"]["hybrid"]
    assert 0 < memory["build_peak_rss_mb"] <= memory["peak_rss_mb"] and memory["serve_rss_mb"] > 0
    assert 0 < hybrid["p50_ms"] <= hybrid["p95_ms"]
    assert 0 <= result["ann"]["recall@10"] <= 1


def test_bench_json_contract_with_exact_vectors(cli):
    result = _bench(cli, "--chunks", "500", "--queries", "5")
    _contract(result)
    assert result["ann"] == {"recall@10": 1.0, "index": {"type": "flat"}}


def test_bench_json_contract_with_ivf_vectors(cli, monkeypatch):
    monkeypatch.setattr("qa.search.dense.APPROXIMATE_FROM", 400)
    result = _bench(cli, "--chunks", "500", "--queries", "5")
    _contract(result)
    assert result["ann"]["index"]["type"] == "ivf_sq8" and result["ann"]["recall@10"] > 0.5


@pytest.mark.parametrize("option", [["--queries", "0"], ["--chunks", "0"]])
def test_bench_refuses_empty_runs(cli, option):
    code, _, err = cli("bench", *option)
    assert code == 2 and "at least 1" in err


def test_synthetic_corpus_is_zipfian_and_deterministic():
    import numpy as np

    words, stop = vocabulary()
    assert len(set(words)) == len(words) and stop > 100
    texts = synthetic_texts(200, np.random.default_rng(1))
    assert texts == synthetic_texts(200, np.random.default_rng(1))
    assert all(60 <= len(t.split()) <= 120 for t in texts)
    counts: dict[str, int] = {}
    for token in " ".join(texts).replace(".", "").split():
        counts[token] = counts.get(token, 0) + 1
    top = sorted(counts.values(), reverse=True)
    assert top[0] > 5 * top[50] > 0  # a heavy head, as in real text
    queries = synthetic_queries(20, np.random.default_rng(2))
    assert all(2 <= len(q.split()) <= 5 for q in queries)
