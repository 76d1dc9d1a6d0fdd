"""The learned scorers' pick among the hand order's best candidates, and whether they believe any of them.

The cross-encoder (qa.answer.cross_encoder) re-reads the first few candidates (those near the first's
hand score) and re-orders them by its logit mixed with the hand score; the token scorer
(qa.answer.token_scorer) still vetoes: its floor declines questions the cross-encoder answers. Without
the cross-encoder the token scorer scores the top candidates itself (re-ordering only if
`Weights.reorder`). Either reads the exact phrase of the first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from qa.answer.candidates import Candidate
from qa.answer.cross_encoder import rereads
from qa.answer.features import Encoded
from qa.answer.scoring import Reading, Weights, probability
from qa.answer.short import word_span
from qa.answer.token_scorer import feature_row, interaction

VETO = 2.0  # a decline floor no probability reaches


@dataclass(frozen=True)
class Pick:
    """The candidates as the learned scorer orders them, its Reading of those it read (the first with its phrase),
    and the thresholds it is held to."""

    order: tuple[Candidate, ...]  # the candidates it read, re-ordered, then the others in hand order
    readings: tuple[Reading, ...]  # of the candidates it read, in `order`
    floor: float  # declined when no reading reaches this probability
    short_floor: float  # the phrase's confidence needed to give it

    @property
    def declined(self) -> bool:
        """Whether the learned scorer believes none of the candidates it read."""
        return max(probability(r.logit) for r in self.readings) < self.floor


def token_logits(question_tokens, top: list[Candidate], scorer, encoded: Encoded) -> list[float]:
    """The token scorer's logit of each candidate (`scorer` a TokenScorer)."""
    logits = []
    for c in top:
        row = c.row
        extra = interaction(scorer.p, question_tokens, encoded.sentences[row], c.text, encoded.befores[row], c.before)
        logits.append(scorer.score(feature_row(c.features, c.score), extra))
    return logits


def token_pick(best_first: list[Candidate], token_scorer, encoded: Encoded, weights: Weights) -> Pick:
    """The token scorer's pick of the top `weights.rerank` candidates, the first with its phrase."""
    top = best_first[: weights.rerank]
    logits = token_logits(encoded.question, top, token_scorer, encoded)
    order = sorted(range(len(top)), key=lambda k: -logits[k]) if weights.reorder else list(range(len(top)))
    first = top[order[0]]
    start, end, confidence = token_scorer.span(encoded.question, encoded.sentences[first.row], first.text)
    readings = [Reading(logits[k]) for k in order]
    readings[0] = Reading(logits[order[0]], start, end, confidence)
    chosen = tuple(top[k] for k in order) + tuple(best_first[len(top) :])
    return Pick(chosen, tuple(readings), weights.token_floor, weights.short_confidence)


def cross_pick(question: str, best_first: list[Candidate], cross, weights: Weights, veto: bool) -> Pick:
    """The cross-encoder's pick of the first few candidates (qa.answer.cross_encoder.rereads), mixed with the hand
    score; the first's phrase widened to whole words. `veto`: the token scorer believes none of them."""
    settings = cross.settings
    count = rereads([c.score for c in best_first], int(settings.get("top", 3)), settings.get("margin", math.inf))
    top = best_first[:count]
    reads = cross.score(question, [(c.before, c.text) for c in top])
    mixed = [r.logit + settings.get("mix", 0.0) * c.score for r, c in zip(reads, top)]
    order = sorted(range(len(top)), key=lambda k: -mixed[k])
    readings = [Reading(reads[k].logit) for k in order]
    first, chosen = reads[order[0]], top[order[0]]
    start, end = word_span(chosen.text, first.start, first.end)
    readings[0] = Reading(first.logit, start, end, first.confidence)
    floor = VETO if veto else settings.get("floor", weights.token_floor)
    short_floor = settings.get("short_confidence", weights.short_confidence)
    return Pick(tuple(top[k] for k in order) + tuple(best_first[len(top) :]), tuple(readings), floor, short_floor)


def learned_pick(question: str, best_first: list[Candidate], encoded: Encoded | None, scorer) -> Pick | None:
    """The learned scorers' pick (`scorer` a qa.answer.scorer.Scorer), or None when none of them can read."""
    if scorer.token_scorer is None or encoded is None or encoded.question is None or not best_first:
        return None
    weights = scorer.weights
    if scorer.cross is None:
        return token_pick(best_first, scorer.token_scorer, encoded, weights)
    top = best_first[: weights.rerank]
    own = token_logits(encoded.question, top, scorer.token_scorer, encoded)
    veto = max(probability(x) for x in own) < weights.token_floor
    return cross_pick(question, best_first, scorer.cross, weights, veto)
