"""Embeddings kept by text: in memory (bounded) and, given a folder, on disk as .npy shards."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from qa.embed.embedder import Embedder, TokenVectors, text_key
from qa.embed.encoders import TORCH_FP32

SAVE_EVERY = 512  # texts embedded between two shard writes: an interrupted run keeps what it finished


class Shards:
    """Append-only .npy shards named `{prefix}-{pid}-{n}.{part}.npy`; each part is renamed into place whole and
    `keys` last, so a shard interrupted mid-write is never read, and a damaged one is only a cache miss."""

    def __init__(self, folder: Path, prefix: str):
        self.folder, self.prefix = folder, prefix

    def save(self, parts: dict[str, np.ndarray]) -> bool:
        """Write each part whole (temporary file, fsync, rename), `keys` last; False if it could not be written
        (disk full, read-only folder): a cache that cannot grow is not an error."""
        temporary = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            count = len(list(self.folder.glob(f"{self.prefix}-*.keys.npy")))
            stem = self.folder / f"{self.prefix}-{os.getpid()}-{count:05d}"
            for part in sorted(parts, key=lambda name: name == "keys"):
                temporary = Path(f"{stem}.{part}.npy.tmp")
                with temporary.open("wb") as handle:
                    np.save(handle, parts[part], allow_pickle=False)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temporary, f"{stem}.{part}.npy")
            return True
        except OSError:
            if temporary is not None:
                temporary.unlink(missing_ok=True)
            return False

    def load(self, parts: tuple[str, ...]):
        """Yield each readable shard as {part: array}, keys included."""
        for keys_file in sorted(self.folder.glob(f"{self.prefix}-*.keys.npy")):
            stem = str(keys_file)[: -len(".keys.npy")]
            try:
                yield {part: np.load(f"{stem}.{part}.npy", allow_pickle=False) for part in ("keys", *parts)}
            except (OSError, ValueError):
                continue


def _pack_tokens(tokens: list[TokenVectors]) -> dict[str, np.ndarray]:
    return {
        "counts": np.array([len(t.spans) for t in tokens], np.int32),
        "spans": np.array([span for t in tokens for span in t.spans], np.int32).reshape(-1, 2),
        "vectors": np.concatenate([t.vectors for t in tokens]),
    }


def _unpack_tokens(shard: dict[str, np.ndarray]) -> dict[str, TokenVectors]:
    keys, counts, spans, vectors = shard["keys"], shard["counts"], shard["spans"], shard["vectors"]
    if len(keys) != len(counts) or int(counts.sum()) != len(spans) or len(spans) != len(vectors):
        return {}
    ends = np.cumsum(counts)
    return {
        key: TokenVectors(tuple(map(tuple, spans[start:end].tolist())), vectors[start:end])
        for key, start, end in zip(keys.astype(str), ends - counts, ends)
    }


class CachedEmbedder:
    """An Embedder whose sentence and token vectors are cached by text key (model and encoder variant)."""

    def __init__(self, embedder: Embedder, folder: Path | None = None, max_items: int | None = None):
        self.embedder = embedder
        self.name = embedder.name
        self.encoder = getattr(embedder, "encoder", TORCH_FP32)
        self.key = getattr(embedder, "key", embedder.name)  # int8 and fp32 vectors never share a key
        self.max_items = max_items
        self.memory: dict[str, np.ndarray] = {}
        self.tokens: dict[str, TokenVectors] = {}  # about 25 KB a sentence
        self.folder = folder
        if folder is not None:
            for shard in Shards(folder, "shard").load(("vectors",)):
                if len(shard["keys"]) == len(shard["vectors"]):
                    self.memory.update(zip(shard["keys"].astype(str), shard["vectors"]))
            for shard in Shards(folder, "tokens").load(("counts", "spans", "vectors")):
                self.tokens.update(_unpack_tokens(shard))

    @property
    def dimension(self) -> int:
        if self.memory:
            return len(next(iter(self.memory.values())))
        return self.embedder.dimension

    def _cached(self, store: dict, limit: int | None, texts: list[str], compute: Callable) -> list | None:
        """Each text's value from `store`, computing the missing ones in one call of `compute`."""
        keys = [text_key(self.key, t) for t in texts]
        found = {k: v for k in set(keys) if (v := store.get(k)) is not None}  # safe if another thread clears
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in found}.items())
        if missing:
            fresh = compute([k for k, _ in missing], [t for _, t in missing])
            if fresh is None:
                return None
            if limit and len(store) + len(missing) > limit:
                store.clear()  # a long-running server starts over rather than grow without end
            found.update(fresh)
            store.update(fresh)
        return [found[k] for k in keys]

    def has(self, text: str) -> bool:
        """Whether the text's vector is cached."""
        return text_key(self.key, text) in self.memory

    def cached(self, texts: list[str]) -> list[np.ndarray]:
        """The cached vectors of the texts, as rows (not copied); KeyError if one is not cached."""
        return [self.memory[text_key(self.key, t)] for t in texts]

    def _encode(self, keys: list[str], texts: list[str], progress: bool) -> dict[str, np.ndarray]:
        """Vectors of the texts; with a folder, each SAVE_EVERY of them saved as soon as they are embedded."""
        step = SAVE_EVERY if self.folder is not None else max(len(texts), 1)
        fresh: dict[str, np.ndarray] = {}
        for first in range(0, len(texts), step):
            vectors = self.embedder.encode(texts[first : first + step], progress=progress)
            part = keys[first : first + step]
            if self.folder is not None:
                Shards(self.folder, "shard").save({"vectors": vectors, "keys": np.array(part)})
            fresh.update(zip(part, vectors))
        return fresh

    def _encode_tokens(self, keys: list[str], texts: list[str], progress: bool) -> dict[str, TokenVectors] | None:
        encoded = self.embedder.encode_with_tokens(texts, progress)
        if encoded is None:
            return None
        self.memory.update(zip(keys, encoded[0]))  # the same pass gave the sentence vectors
        if self.folder is not None:
            Shards(self.folder, "tokens").save({**_pack_tokens(encoded[1]), "keys": np.array(keys)})
        return dict(zip(keys, encoded[1]))

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Normalized embeddings, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._cached(self.memory, self.max_items, texts, lambda k, t: self._encode(k, t, progress))
        return np.stack(vectors).astype(np.float32)

    def encode_tokens(self, texts: list[str], progress: bool = False) -> list[TokenVectors] | None:
        """Token embeddings of the texts (their sentence embeddings are cached on the way); None if unavailable."""
        limit = self.max_items // 10 if self.max_items else None
        return self._cached(self.tokens, limit, texts, lambda k, t: self._encode_tokens(k, t, progress))
