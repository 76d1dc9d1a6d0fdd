"""The in-memory index: its Manifest, the FAISS vectors, row lookups, restricted searches and top_scores."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import make_document, tiny_index

from qa.ingest.chunking import ChunkParams
from qa.search.dense import DenseVectors
from qa.store.index import top_scores
from qa.store.manifest import FORMAT_VERSION, Manifest

TEXTS = ["Wells were dug in Ayacucho.", "The bridge in Lima opened.", "Clinics were built in Cusco."]
UNIT = np.eye(3, 4, dtype=np.float32)  # text i points along axis i


def test_manifest_describes_hybrid_or_bm25_builds():
    documents = [make_document("a.txt", "Alpha."), make_document("b.txt", "Beta.")]
    dense = DenseVectors.build(UNIT)
    hybrid = Manifest.describe(documents, 2, "some/model", dense, ChunkParams(50, 0))
    assert (hybrid.mode, hybrid.model, hybrid.dimension, hybrid.chunks) == ("hybrid", "some/model", 4, 2)
    assert hybrid.documents == {"a.txt": documents[0].content_hash, "b.txt": documents[1].content_hash}
    assert hybrid.chunking == ChunkParams(50, 0) and hybrid.format_version == FORMAT_VERSION
    bm25 = Manifest.describe(documents, 2, "some/model", None, ChunkParams())
    assert (bm25.mode, bm25.model, bm25.dimension) == ("bm25", None, None)


def test_manifest_json_round_trip_and_refusal_of_missing_fields():
    manifest = Manifest.describe([make_document("a.txt", "Alpha.")], 1, "m", DenseVectors.build(UNIT), ChunkParams())
    manifest = dataclasses.replace(manifest, files={"chunks.jsonl": {"sha256": "0" * 64, "bytes": 3}})
    data = manifest.to_json()
    assert data["chunking"] == {"size": 120, "overlap": 1}
    assert Manifest.from_json(data) == manifest
    assert Manifest.from_json({**data, "unknown": 1}) == manifest, "extra keys are ignored"
    with pytest.raises(TypeError):
        Manifest.from_json({k: v for k, v in data.items() if k != "mode"})
    with pytest.raises(KeyError):
        Manifest.from_json({k: v for k, v in data.items() if k != "chunking"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        manifest.mode = "bm25"


def test_dense_vectors_search_is_exact_inner_product_best_first():
    dense = DenseVectors.build(UNIT)
    assert dense.count == 3 and dense.dimension == 4
    assert np.allclose(dense.vectors(), UNIT)
    query = np.array([0.2, 0.9, 0.4, 0.0], np.float32)
    assert [row for row, _ in dense.search(query, 3)] == [1, 2, 0]
    best = dense.search(query, 2)
    assert [row for row, _ in best] == [1, 2] and [score for _, score in best] == pytest.approx([0.9, 0.4])
    assert len(dense.search(query, 10)) == 3, "k is capped at the number of vectors"


def test_dense_search_among_rows_only():
    dense = DenseVectors.build(UNIT)
    query = np.array([0.2, 0.9, 0.4, 0.0], np.float32)
    assert [row for row, _ in dense.search(query, 5, rows=np.array([0, 2]))] == [2, 0]
    assert dense.search(query, 5, rows=np.array([], dtype=np.int64)) == []


def test_empty_dense_vectors_search_to_nothing():
    dense = DenseVectors.build(np.zeros((0, 4), np.float32))
    assert dense.count == 0 and dense.search(np.ones(4, np.float32), 3) == []


def test_index_lookups_and_rows_of_documents():
    index = tiny_index(TEXTS, UNIT)
    assert index.mode == "hybrid" and index.version is None
    assert index.chunk(1).text == TEXTS[1] and index.document("d2.txt").text == TEXTS[2]
    assert index.rows_of({"d0.txt", "d2.txt"}).tolist() == [0, 2]
    assert index.rows_of({"missing.txt"}).tolist() == [] and index.rows_of(set()).dtype == np.int64
    assert np.allclose(index.vectors(), UNIT)


def test_lexical_search_ranks_matches_and_respects_rows():
    index = tiny_index(TEXTS, UNIT)
    assert sorted(row for row, _ in index.lexical_search("wells in Lima", 5)) == [0, 1]
    assert [row for row, _ in index.lexical_search("wells", 5)] == [0]
    assert [row for row, _ in index.lexical_search("wells in Lima", 5, rows=np.array([1, 2]))] == [1]
    assert index.lexical_search("nothing matches", 5) == []


def test_a_bm25_only_index_has_no_dense_side():
    index = tiny_index(TEXTS)
    assert index.mode == "bm25" and index.dense is None and index.vectors() is None
    assert index.dense_search(np.ones(4, np.float32), 3) == []


def test_top_scores_keeps_the_k_best_positive_scores_in_order():
    scores = np.array([0.5, 0.0, 2.0, 1.0, -1.0], np.float32)
    assert top_scores(scores, 3) == [(2, 2.0), (3, 1.0), (0, 0.5)]
    assert top_scores(scores, 10) == [(2, 2.0), (3, 1.0), (0, 0.5)], "zero and negative scores are dropped"
    assert top_scores(scores, 0) == [] and top_scores(np.zeros(0, np.float32), 3) == []


def test_old_manifests_without_a_dense_index_load_as_exact():
    manifest = Manifest.describe([make_document("a.txt", "Alpha.")], 1, "m", DenseVectors.build(UNIT), ChunkParams())
    assert manifest.dense_index == {"type": "flat"}
    data = {k: v for k, v in manifest.to_json().items() if k != "dense_index"}
    assert Manifest.from_json(data).dense_index == {}
    assert DenseVectors(DenseVectors.build(UNIT).faiss, {}).params == {"type": "flat"}
