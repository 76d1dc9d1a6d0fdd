"""The dense side of an index: normalized chunk vectors behind FAISS, exact when small, IVF-SQ8 when large.

Below APPROXIMATE_FROM chunks the vectors sit in an exact inner-product index (`vectors.faiss`).
From there on `vectors.faiss` is an inverted-file index with 8-bit scalar quantization (a quarter of
the memory, a few percent of the vectors scanned per query), and the exact float32 vectors are kept
beside it in `vectors.npy`, memory-mapped, for scoped (row-restricted) searches, recall checks and
reuse by a sync. Indexes written with HNSW still load and search as before.
"""

from __future__ import annotations

import math

import numpy as np

from qa.search.vector_file import StoredVectors, save_vectors, write_vectors  # noqa: F401 - re-exported

APPROXIMATE_FROM = 50_000  # chunks from which the dense side is IVF: exact search costs 7-18 ms at 50k, IVF ~1.5
HNSW = {"type": "hnsw", "M": 32, "efConstruction": 80, "efSearch": 128}  # indexes written before IVF
IVF_TRAIN_PER_LIST = 40  # training vectors per inverted list (FAISS warns below 39)
IVF_NPROBE = 32  # lists scanned per query
REFINE = 2  # IVF candidates per wanted result (plus REFINE_EXTRA), re-scored with the exact vectors
REFINE_EXTRA = 20
SCAN_BLOCK = 65_536  # exact vectors scored at a time when scanning a memory-mapped matrix


def ivf_params(n: int) -> dict:
    """The IVF-SQ8 parameters for n vectors: about sqrt(n) lists, 32 of them probed."""
    nlist = int(min(4096, max(16, round(math.sqrt(n)))))
    return {
        "type": "ivf_sq8",
        "nlist": nlist,
        "nprobe": min(IVF_NPROBE, nlist),
        "train": min(n, IVF_TRAIN_PER_LIST * nlist),
    }


def _ivf(vectors, params: dict):
    """An IVF-SQ8 inner-product index trained on an even sample of `vectors` and holding all of them."""
    import faiss

    d = vectors.shape[1]
    quantizer = faiss.IndexFlatIP(d)
    index = faiss.IndexIVFScalarQuantizer(quantizer, d, params["nlist"], faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT)  # fmt: skip
    index.cp.niter = 10
    sample = np.linspace(0, len(vectors) - 1, params["train"]).astype(np.int64)
    index.train(np.ascontiguousarray(vectors[sample], dtype=np.float32))
    for first in range(0, len(vectors), SCAN_BLOCK):
        index.add(np.ascontiguousarray(vectors[first : first + SCAN_BLOCK], dtype=np.float32))
    index.nprobe = params["nprobe"]
    return index


def _top(scores: np.ndarray, rows: np.ndarray, k: int) -> list[tuple[int, float]]:
    k = min(k, len(scores))
    best = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(int(rows[i]), float(scores[i])) for i in best]


def scan(matrix, query: np.ndarray, k: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
    """Exact top k of `matrix @ query` (among `rows`), a block of rows at a time (the matrix may be mapped)."""
    query = query.astype(np.float32).ravel()
    found_rows, found_scores = [], []
    total = len(matrix) if rows is None else len(rows)
    for first in range(0, total, SCAN_BLOCK):
        part = np.arange(first, min(first + SCAN_BLOCK, total)) if rows is None else rows[first : first + SCAN_BLOCK]
        block = matrix[first : first + len(part)] if rows is None else matrix[part]
        scores = np.asarray(block, dtype=np.float32) @ query
        top = _top(scores, part, k)
        found_rows += [r for r, _ in top]
        found_scores += [s for _, s in top]
    return _top(np.array(found_scores, np.float32), np.array(found_rows, np.int64), k) if found_rows else []


class DenseVectors:
    """Normalized chunk vectors behind an inner-product FAISS index; row i is chunk i.

    `exact` holds the float32 vectors (in memory or memory-mapped) when the FAISS index is IVF.
    """

    def __init__(self, faiss_index, params: dict | None = None, exact=None):
        self.faiss = faiss_index
        self.params = dict(params or {"type": "flat"})  # as the Manifest records it; {} (old indexes) is flat
        self.exact = exact
        if self.params.get("type") == "hnsw":
            self.faiss.hnsw.efSearch = int(self.params["efSearch"])
        elif self.params.get("type") == "ivf_sq8":
            self.faiss.nprobe = int(self.params["nprobe"])

    @classmethod
    def build(cls, vectors, approximate_from: int | None = None) -> DenseVectors:
        """An exact inner-product index over normalized vectors, or IVF-SQ8 from `approximate_from` vectors up."""
        import faiss

        if len(vectors) < (APPROXIMATE_FROM if approximate_from is None else approximate_from):
            index = faiss.IndexFlatIP(vectors.shape[1])
            if len(vectors):
                index.add(np.ascontiguousarray(vectors, dtype=np.float32))
            return cls(index, {"type": "flat"})
        params = ivf_params(len(vectors))
        return cls(_ivf(vectors, params), params, vectors)

    @property
    def approximate(self) -> bool:
        return self.params.get("type") in ("hnsw", "ivf_sq8")

    @property
    def dimension(self) -> int:
        return int(self.faiss.d)

    @property
    def count(self) -> int:
        return int(self.faiss.ntotal)

    def vectors(self) -> np.ndarray:
        """Every vector, in row order."""
        if self.exact is not None:
            return np.asarray(self.exact, dtype=np.float32)
        return self.faiss.reconstruct_n(0, self.count)

    def rows(self, rows: np.ndarray) -> np.ndarray:
        """The vectors of these rows."""
        if self.exact is not None:
            return np.asarray(self.exact[np.asarray(rows, np.int64)], dtype=np.float32)
        store = faiss_storage(self.faiss) if self.approximate else self.faiss
        if not len(rows):
            return np.zeros((0, self.dimension), np.float32)
        return np.stack([store.reconstruct(int(r)) for r in rows])

    def search(
        self,
        query_vector: np.ndarray,
        k: int,
        rows: np.ndarray | None = None,
        exact: bool = False,
        excluded: np.ndarray | None = None,
    ) -> list[tuple[int, float]]:
        """The k nearest rows (only among `rows` when given, always exactly; never `excluded` ones), best first."""
        import faiss

        _one_faiss_thread()
        excluded = excluded if excluded is not None and len(excluded) else None
        if excluded is not None and (rows is not None or exact):
            rows = np.setdiff1d(np.arange(self.count) if rows is None else rows, excluded)
            excluded = None
        k = min(k, self.count if rows is None else len(rows))
        if k <= 0:
            return []
        if self.exact is not None and (rows is not None or exact):
            return scan(self.exact, query_vector, k, rows)
        if self.exact is not None:  # IVF-SQ8: a wider pool from the quantized codes, re-scored exactly
            return self._refined(query_vector, k, excluded)
        index, params = self.faiss, None
        if self.approximate and (rows is not None or exact):  # HNSW's flat storage, scanned: exact
            index = faiss_storage(self.faiss)
        elif self.params.get("type") == "hnsw":
            params = faiss.SearchParametersHNSW(efSearch=max(k, int(self.params["efSearch"])))
            if excluded is not None:
                params.sel = selector = _not(excluded)  # noqa: F841 - kept alive until the search returns
        if rows is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(rows.astype(np.int64)))
        elif excluded is not None and params is None:
            params = faiss.SearchParameters(sel=_not(excluded))
        scores, found = index.search(query_vector.reshape(1, -1).astype(np.float32), k, params=params)
        return [(int(r), float(s)) for r, s in zip(found[0], scores[0]) if r >= 0]

    def _refined(self, query_vector: np.ndarray, k: int, excluded: np.ndarray | None = None) -> list[tuple[int, float]]:
        """IVF's top REFINE * k + REFINE_EXTRA by 8-bit codes, re-scored with the exact vectors (one read each)."""
        import faiss

        pool = min(REFINE * k + REFINE_EXTRA, self.count)
        params = None if excluded is None else faiss.SearchParametersIVF(sel=_not(excluded), nprobe=self.faiss.nprobe)
        _, found = self.faiss.search(query_vector.reshape(1, -1).astype(np.float32), pool, params=params)
        rows = np.sort(found[0][found[0] >= 0])
        if not len(rows):
            return []
        return _top(np.asarray(self.exact[rows], np.float32) @ query_vector.astype(np.float32).ravel(), rows, k)


def faiss_storage(index):
    """The flat storage of an HNSW index."""
    import faiss

    return faiss.downcast_index(index.storage)


def _not(rows: np.ndarray | None):
    """A FAISS selector of every row but these (None for none); it holds the selector it wraps alive."""
    if rows is None:
        return None
    import faiss

    batch = faiss.IDSelectorBatch(np.asarray(rows, np.int64))
    selector = faiss.IDSelectorNot(batch)
    selector.batch = batch  # the C++ object keeps only a pointer
    return selector


_faiss_threads_set = False


def _one_faiss_thread() -> None:
    """One query at a time is fastest on one thread: OpenMP start-up costs more than the scan."""
    global _faiss_threads_set
    if not _faiss_threads_set:
        import faiss

        faiss.omp_set_num_threads(1)
        _faiss_threads_set = True
