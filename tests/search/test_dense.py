"""The dense side: exact below the threshold, IVF-SQ8 above it with exact vectors beside; old HNSW indexes load."""

from __future__ import annotations

import dataclasses

import numpy as np
from conftest import tiny_index

from qa.search.dense import HNSW, DenseVectors, StoredVectors, ivf_params, scan
from qa.store.load import load_index
from qa.store.save import save_index


def _clustered(n: int, seed: int = 0, dim: int = 32) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((20, dim)).astype(np.float32)
    points = centers[rng.integers(0, 20, n)] + 0.3 * rng.standard_normal((n, dim)).astype(np.float32)
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def test_large_builds_are_ivf_and_find_the_exact_neighbours_of_clustered_vectors():
    vectors = _clustered(3000)
    ivf, flat = DenseVectors.build(vectors, approximate_from=1000), DenseVectors.build(vectors, approximate_from=5000)
    assert ivf.approximate and ivf.params == ivf_params(3000) and flat.params == {"type": "flat"}
    assert ivf.count == 3000 and np.array_equal(ivf.vectors(), vectors)
    found = [{r for r, _ in ivf.search(q, 10)} & {r for r, _ in flat.search(q, 10)} for q in vectors[:50]]
    assert np.mean([len(f) for f in found]) >= 9.5  # recall@10 at least 0.95 on clustered vectors
    assert ivf.search(vectors[7], 1, exact=True)[0][0] == 7
    assert [r for r, _ in ivf.search(vectors[7], 5, exact=True)] == [r for r, _ in flat.search(vectors[7], 5)]


def test_ivf_search_among_rows_is_exact_over_the_rows():
    vectors = _clustered(1500, seed=1)
    ivf, flat = DenseVectors.build(vectors, approximate_from=1), DenseVectors.build(vectors)
    rows = np.arange(0, 1500, 7)
    assert [r for r, _ in ivf.search(vectors[3], 10, rows)] == [r for r, _ in flat.search(vectors[3], 10, rows)]
    assert all(r % 7 == 0 for r, _ in ivf.search(vectors[3], 10, rows))


def test_scan_is_exact_across_blocks(monkeypatch):
    monkeypatch.setattr("qa.search.dense.SCAN_BLOCK", 7)
    vectors = _clustered(100, seed=2)
    scores = vectors @ vectors[5]
    best = np.argsort(-scores)[:4]
    assert [r for r, _ in scan(vectors, vectors[5], 4)] == best.tolist()
    rows = np.arange(1, 100, 3)
    expected = rows[np.argsort(-scores[rows])[:3]]
    assert [r for r, _ in scan(vectors, vectors[5], 3, rows)] == expected.tolist()


def test_an_ivf_index_saves_its_exact_vectors_and_loads_them_mapped(tmp_path):
    texts = [f"Well number {i} in Ayacucho." for i in range(300)]
    original = tiny_index(texts, _clustered(300, dim=384))
    dense = DenseVectors.build(original.vectors(), approximate_from=1)
    manifest = dataclasses.replace(original.manifest, dense_index=dense.params)
    save_index(tmp_path, dataclasses.replace(original, dense=dense, manifest=manifest))
    loaded = load_index(tmp_path)
    assert loaded.manifest.dense_index == ivf_params(300) and loaded.dense.faiss.nprobe == ivf_params(300)["nprobe"]
    assert isinstance(loaded.dense.exact, StoredVectors) and np.array_equal(loaded.vectors(), original.vectors())
    assert loaded.dense_search(original.vectors()[5], 1)[0][0] == 5
    assert "vectors.npy" in loaded.manifest.files


def test_indexes_written_with_hnsw_still_load_with_their_search_params(tmp_path):
    import faiss

    texts = [f"Well number {i} in Ayacucho." for i in range(300)]
    original = tiny_index(texts, _clustered(300))
    hnsw = faiss.IndexHNSWFlat(32, HNSW["M"], faiss.METRIC_INNER_PRODUCT)
    hnsw.add(original.vectors())
    dense = DenseVectors(hnsw, {**HNSW, "efSearch": 77})
    manifest = dataclasses.replace(original.manifest, dense_index=dense.params)
    save_index(tmp_path, dataclasses.replace(original, dense=dense, manifest=manifest))
    loaded = load_index(tmp_path)
    assert loaded.manifest.dense_index == {**HNSW, "efSearch": 77}
    assert loaded.dense.approximate and loaded.dense.faiss.hnsw.efSearch == 77
    assert loaded.dense_search(original.vectors()[5], 1)[0][0] == 5
    assert loaded.dense.search(original.vectors()[5], 3, rows=np.array([1, 2, 3]))[0][0] in (1, 2, 3)
