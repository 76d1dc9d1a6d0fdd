"""Whether the best candidate is evidence enough to answer at all, or the documents do not hold the answer.

The answer says the documents do not contain it (and still lists passages) when nothing scores well
enough, when the best sentence is off-topic and leaves part of the question unmatched, or when the
question names something the documents never mention (a misspelt name still counts as mentioned).
"""

from __future__ import annotations

import difflib

from qa.answer.candidates import Candidate
from qa.answer.scoring import Weights
from qa.search.retrieval import Searchable
from qa.search.tokens import tokenize


def _known(token: str, vocab: dict[str, int], spelling: float) -> bool:
    """Whether the corpus has the token, a form of it ('japanes' ~ 'japan') or a close spelling ('ghengi')."""
    if token in vocab:
        return True
    if len(token) >= 5 and any(t[:5] == token[:5] and (t in token or token in t) for t in vocab):
        return True
    similar = [t for t in vocab if abs(len(t) - len(token)) <= 2]
    return bool(difflib.get_close_matches(token, similar, n=1, cutoff=spelling))


def unknown_names(question: str, index: Searchable, spelling: float = Weights.spelling) -> list[str]:
    """Capitalized words of the question (not its first) that no indexed chunk contains, even misspelt."""
    names = [w.strip("?.,!;:'\"()") for w in question.split()[1:] if w[:1].isupper()]
    vocab = index.lexical.vocab
    return [n for n in names if n and not all(_known(t, vocab, spelling) for t in tokenize(n, index.lexical.stem))]


def supported(question: str, best_first: list[Candidate], index: Searchable, weights: Weights,
              versions: tuple[str, ...] = ()) -> bool:  # fmt: skip
    """Whether the best sentence is strong enough evidence to answer at all; a name the corpus lacks blocks only
    when every version of the question (its translations in `versions`) has one: translation renames things."""
    if not best_first:
        return False
    dense = best_first[0].features.cosine is not None
    if best_first[0].score < (weights.found_threshold if dense else weights.lexical_threshold):
        return False
    if best_first[0].score < weights.named_threshold and all(
        unknown_names(text, index, weights.spelling) for text in (question, *versions)
    ):
        return False
    best = best_first[0].features
    meaning = max(best.cosine or 0.0, best.before_cosine or 0.0)
    off_topic = meaning < weights.min_cosine and best.uncovered >= weights.off_topic_uncovered
    return best.cosine is None or best.form or not off_topic
