"""A made-up corpus for `qa bench --chunks N`: Zipf-distributed text over made-up words, and vectors clustered
around topic centres like real embeddings (random unit vectors are every approximate index's worst case)."""

from __future__ import annotations

import hashlib
import sys

import numpy as np

from qa.records import Chunk, Document, Span
from qa.search.tokens import STOP_WORDS

DIMENSION = 384  # the packaged all-MiniLM-L6-v2's
CONTENT_WORDS = 100_000
ZIPF_S = 1.0
WORDS_PER_CHUNK = (60, 120)
CHUNKS_PER_DOC = 10
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
SEED = 0
CLUSTERS = 1000  # topics the synthetic vectors gather around


def _made_up_word(k: int) -> str:
    """The k-th made-up word: k + 70 in base 70, one syllable a digit (so every word is distinct)."""
    k += len(SYLLABLES)
    syllables = []
    while k:
        k, digit = divmod(k, len(SYLLABLES))
        syllables.append(SYLLABLES[digit])
    return "".join(reversed(syllables))


def vocabulary() -> tuple[np.ndarray, int]:
    """Words by rank: the stop words first (as in real text), then made-up words; and the stop-word count."""

    made_up = (w for w in map(_made_up_word, range(2 * CONTENT_WORDS)) if w not in STOP_WORDS)  # 'have', 'here'
    words = sorted(STOP_WORDS) + [next(made_up) for _ in range(CONTENT_WORDS)]
    return np.array(words, dtype=object), len(STOP_WORDS)


def zipf_cdf(size: int) -> np.ndarray:
    """Cumulative Zipf probabilities over ranks 1..size."""
    weights = 1.0 / np.arange(1, size + 1) ** ZIPF_S
    return np.cumsum(weights / weights.sum())


def synthetic_texts(n: int, rng: np.random.Generator, progress: bool = True) -> list[str]:
    """n chunk texts of 60-120 words drawn from the Zipf vocabulary."""
    from tqdm import tqdm

    words, _ = vocabulary()
    cdf = zipf_cdf(len(words))
    lengths = rng.integers(WORDS_PER_CHUNK[0], WORDS_PER_CHUNK[1] + 1, size=n)
    texts = []
    blocks = range(0, n, 10_000)
    for first in tqdm(blocks, desc="texts", leave=False, file=sys.stderr) if progress else blocks:
        sizes = lengths[first : first + 10_000]
        ids = np.minimum(np.searchsorted(cdf, rng.random(int(sizes.sum()))), len(words) - 1)
        for piece in np.split(ids, np.cumsum(sizes)[:-1]):
            texts.append(" ".join(words[piece]) + ".")
    return texts


def documents_and_chunks(texts: list[str], first_chunk: int = 0) -> tuple[list, list]:
    """Documents of 10 chunks each, one chunk a line, with offsets as the real chunker records them.

    `first_chunk` (a multiple of 10) numbers a later block of the corpus.
    """

    documents, chunks = [], []
    for first in range(0, len(texts), CHUNKS_PER_DOC):
        doc_id, start = f"synthetic/{(first_chunk + first) // CHUNKS_PER_DOC:07d}.txt", 0
        text = "\n".join(texts[first : first + CHUNKS_PER_DOC])
        for line, piece in enumerate(texts[first : first + CHUNKS_PER_DOC], start=1):
            end = start + len(piece)
            chunk_id = first_chunk + len(chunks)
            chunks.append(Chunk(chunk_id, doc_id, start, end, piece, (Span(start, end),), (), line, line))
            start = end + 1
        documents.append(Document(doc_id, doc_id.rsplit("/", 1)[-1], text, hashlib.sha256(text.encode()).hexdigest()))
    return documents, chunks


def unit_vectors(n: int, rng: np.random.Generator) -> np.ndarray:
    """n unit vectors, float32, clustered as sentence embeddings are: a random topic centre plus as much noise.

    Each vector is a centre (one of CLUSTERS random unit vectors) plus Gaussian noise of the same norm,
    normalized: cosine about 0.7 to its centre, 0.5 within a topic, 0 across topics. Uniformly random
    vectors (the bench before) are the worst case for any approximate index and unlike real embeddings.
    """
    centres = np.random.default_rng(SEED + 1).standard_normal((CLUSTERS, DIMENSION), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    vectors = np.empty((n, DIMENSION), dtype=np.float32)
    for first in range(0, n, 100_000):
        size = min(100_000, n - first)
        noise = rng.standard_normal((size, DIMENSION), dtype=np.float32) / np.float32(np.sqrt(DIMENSION))
        block = centres[rng.integers(0, CLUSTERS, size)] + noise
        vectors[first : first + size] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return vectors


def synthetic_queries(n: int, rng: np.random.Generator) -> list[str]:
    """n queries of 2-5 content words drawn from the same Zipf distribution (stop words skipped)."""
    words, stop = vocabulary()
    cdf = zipf_cdf(len(words) - stop)
    draw = lambda k: words[stop + np.minimum(np.searchsorted(cdf, rng.random(k)), len(cdf) - 1)]  # noqa: E731
    return [" ".join(draw(int(k))) for k in rng.integers(2, 6, size=n)]
