"""The words of a question and of column names, compared without case, accents or plural endings."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

STOPWORDS = frozenset(
    """a an the of in on at to for by from with and or is are was were be been did do does has have had what which
    who whom where when how many much there their its it this that these those each per all any one single across
    over under into than as our your we you they i me my total sum average mean overall combined altogether number
    amount count list show give tell name most least highest lowest largest smallest biggest fewest maximum minimum
    top table row rows during s get got up every de la el los las en del por que cual cuantos cuantas cuanto cuanta
    hay fue fueron se among""".split()  # noqa: SIM905 - a word list reads best as text
)


VERBS = frozenset(
    """run ran give gave given make made go went take took receive get got reach serve hold held work start begin
    began open build built provide support carry drill implement manage lead led employ help become happen see saw
    do does put spend spent add adding""".split()  # noqa: SIM905 - a word list reads best as text
)  # what was done, not what was measured: a question's verb need not name a column


def plain(text: str) -> str:
    """Lower case without accents: 'Región' and 'region' read alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    """The English stem of a plain word: 'beneficiaries' and 'beneficiary' share one."""
    return _stemmer().stemWord(word)


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def tokens(text: str) -> list[str]:
    """The plain words and numbers of `text`, in order."""
    return re.findall(r"[a-z0-9]+", plain(text))


def content_stems(text: str) -> list[str]:
    """The stems of the words of `text` that carry meaning (no stop words)."""
    return [stem(w) for w in tokens(text) if w not in STOPWORDS]


def contains(haystack: str, needle: str) -> re.Match | None:
    """Where plain `needle` stands as whole words in plain `haystack`."""
    return re.search(rf"(?<![a-z0-9]){re.escape(needle)}(?![a-z0-9])", haystack) if needle else None
