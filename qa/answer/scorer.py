"""What scores candidate sentences: hand weights, the model's embeddings, and the shipped learned scorers."""

from __future__ import annotations

from dataclasses import dataclass

from qa.answer.cross_encoder import CrossEncoder, load_cross_encoder
from qa.answer.scoring import Weights
from qa.answer.token_scorer import TokenScorer, load_token_scorer


@dataclass(frozen=True)
class Scorer:
    """Everything that scores a candidate: the hand `weights`, the `embedder` (a qa.embed.cache.CachedEmbedder;
    None when meaning search cannot serve, and words alone score) and the learned scorers (None: not used)."""

    weights: Weights = Weights()
    embedder: object | None = None
    token_scorer: TokenScorer | None = None
    cross: CrossEncoder | None = None


def shipped_scorer(embedder, weights: Weights = Weights()) -> Scorer:
    """The scorer users get: over an embedder, the shipped learned scorers too (each loaded once, where it loads)."""
    if embedder is None:
        return Scorer(weights)
    token_scorer = load_token_scorer()
    cross = load_cross_encoder() if token_scorer is not None else None
    return Scorer(weights, embedder, token_scorer, cross)
