"""Embeddings cached by text: computed once, bounded in memory, kept on disk as shards that survive damage."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import FakeEmbedder

from qa.embed.cache import CachedEmbedder, Shards
from qa.embed.embedder import TokenVectors, text_key

FOUNDED = "Maria Lopez founded the Andean Seed Bank in Cusco in 1998."
MOVED = "She later moved the collection to Urubamba, a town in the Sacred Valley."


class FakeTokens(FakeEmbedder):
    """A FakeEmbedder that also gives token vectors: one per word, with its span."""

    def __init__(self):
        super().__init__(dimension=16)
        self.token_calls: list[list[str]] = []

    def encode_with_tokens(self, texts, progress=False):
        self.token_calls.append(list(texts))
        tokens = []
        for text in texts:
            spans = tuple(m.span() for m in re.finditer(r"\w+", text))
            vectors = np.stack([self.vector(text[s:e]) for s, e in spans]) if spans else np.zeros((0, 16))
            tokens.append(TokenVectors(spans, vectors.astype(np.float16)))
        return self.encode(texts), tokens


def test_each_distinct_text_is_embedded_once():
    fake = FakeEmbedder()
    cached = CachedEmbedder(fake)
    first = cached.encode(["a b", "c d", "a b"])
    again = cached.encode(["c d", "e f"])
    assert fake.calls == [["a b", "c d"], ["e f"]]
    assert np.array_equal(first[0], first[2]) and np.array_equal(first[1], again[0])
    assert np.allclose(first, fake.encode(["a b", "c d", "a b"]))
    assert first.dtype == np.float32 and cached.name == fake.name


def test_no_texts_give_an_empty_matrix_of_the_right_width():
    assert CachedEmbedder(FakeEmbedder(dimension=8)).encode([]).shape == (0, 8)


def test_a_full_memory_cache_starts_over_instead_of_growing():
    cached = CachedEmbedder(FakeEmbedder(), max_items=3)
    cached.encode(["one", "two"])
    cached.encode(["three", "four"])  # 2 + 2 > 3: cleared first, then the fresh ones kept
    assert sorted(cached.memory) == sorted(text_key(cached.name, t) for t in ("three", "four"))


def test_vectors_are_kept_on_disk_and_read_back_without_the_model(tmp_path):
    fake = FakeEmbedder()
    first = CachedEmbedder(fake, tmp_path).encode(["alpha", "beta"])
    assert sorted(p.name.split(".", 1)[1] for p in tmp_path.iterdir()) == ["keys.npy", "vectors.npy"]

    reread = FakeEmbedder()
    again = CachedEmbedder(reread, tmp_path).encode(["beta", "alpha"])
    assert reread.calls == [] and np.array_equal(again, first[::-1])


def test_a_damaged_shard_is_only_a_cache_miss(tmp_path):
    CachedEmbedder(FakeEmbedder(), tmp_path).encode(["alpha"])
    next(tmp_path.glob("*.vectors.npy")).write_bytes(b"garbage")
    fake = FakeEmbedder()
    CachedEmbedder(fake, tmp_path).encode(["alpha"])
    assert fake.calls == [["alpha"]]


def test_a_shard_without_its_keys_file_is_never_read(tmp_path):
    shards = Shards(tmp_path, "shard")
    shards.save({"vectors": np.ones((1, 2), np.float32), "keys": np.array(["k"])})
    assert [s["keys"].tolist() for s in shards.load(("vectors",))] == [["k"]]
    next(tmp_path.glob("*.keys.npy")).unlink()  # as if the write stopped before its last file
    assert list(shards.load(("vectors",))) == []


def test_token_vectors_are_cached_and_fill_the_sentence_cache_on_the_way(tmp_path):
    fake = FakeTokens()
    cached = CachedEmbedder(fake, tmp_path)
    tokens = cached.encode_tokens([FOUNDED, "", MOVED])
    assert [t.words(x)[:2] for t, x in zip(tokens, [FOUNDED, "", MOVED])] == [["maria", "lopez"], [], ["she", "later"]]
    cached.encode_tokens([MOVED])
    cached.encode([FOUNDED, MOVED])  # the sentence vectors came with the tokens
    assert fake.token_calls == [sorted([FOUNDED, "", MOVED], key=lambda t: text_key(fake.name, t))]
    assert len(fake.calls) == 1, "only the pass that gave the tokens"


def test_token_vectors_are_none_when_the_tokenizer_gives_no_offsets():
    assert CachedEmbedder(FakeEmbedder()).encode_tokens(["x y"]) is None


def test_token_vectors_are_cached_on_disk_and_read_back_without_the_model(tmp_path, embedder):
    texts = [FOUNDED, "", MOVED]
    first = CachedEmbedder(embedder, tmp_path).encode_tokens(texts)

    class NoModel:
        name = embedder.name

        def encode_with_tokens(self, texts, progress=False):
            raise AssertionError(f"cache miss for {texts}")

    again = CachedEmbedder(NoModel(), tmp_path).encode_tokens(texts)
    for a, b in zip(first, again):
        assert a.spans == b.spans
        assert np.array_equal(a.vectors, b.vectors)
    assert len(again[1].spans) == 0


@pytest.mark.parametrize("part", ["counts", "spans"])
def test_inconsistent_token_shards_are_dropped(tmp_path, part):
    CachedEmbedder(FakeTokens(), tmp_path).encode_tokens(["one two", "three"])
    path = next(tmp_path.glob(f"tokens-*.{part}.npy"))
    np.save(path, np.load(path)[:1], allow_pickle=False)
    fake = FakeTokens()
    CachedEmbedder(fake, tmp_path).encode_tokens(["one two"])
    assert len(fake.token_calls) == 1, "the damaged shard was not used"


def test_a_cache_folder_that_cannot_be_written_still_gives_the_vectors(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    fake = FakeEmbedder()
    vectors = CachedEmbedder(fake, blocker / "cache").encode(["alpha", "beta"])
    assert vectors.shape == (2, fake.dimension) and not Shards(blocker / "cache", "shard").save({"keys": np.array([])})
