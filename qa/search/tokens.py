"""Tokens for BM25 and the answerer: folded words without stop words, figures and codes kept whole.

Spanish text ("es") gets Snowball's Spanish stemmer (not for capitalized words: it mangles
names), a Spanish stop-word list and figures read the Spanish way ("22.295" is 22295, "97,5%"
is 97.5%), so names and figures match across languages. Any other language is tokenized as
English.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

TOKEN = re.compile(r"\w+(?:[.,\-/:']\w+)*%?")
THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me
    more most my myself no nor not now of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then there these they
    this those through to too under until up very was we were what when where which while who whom
    why will with would you your yours yourself yourselves s t don
    """.split()  # noqa: SIM905
)
# Snowball's Spanish stop words, folded (no accents), without most verb forms: the common ones are kept.
SPANISH_STOP_WORDS = frozenset(
    """
    a al algo algunas algunos ante antes como con contra cual cuales cuando cuanta cuantas cuanto cuantos de
    del desde donde durante e el ella ellas ellos en entre era eran es esa esas ese eso esos esta estaba estado
    estan estar estas este esto estos fue fueron ha habia han hasta hay la las le les lo los me mi mis mucho
    muchos muy nada ni no nos nosotros o os otra otras otro otros para pero poco por porque que quien quienes
    se sea ser si sido sin sobre son su sus tambien tanto te ti tiene tienen todo todos tu tus un una uno unos
    y ya yo
    """.split()  # noqa: SIM905
)
_SNOWBALL = {"en": "english", "es": "spanish"}
_ES_THOUSANDS = re.compile(r"(?<=\d)\.(?=\d{3}(?:\D|$))")
_ES_DECIMAL = re.compile(r"(?<=\d),(?=\d)")


def fold(text: str) -> str:
    """Case- and accent-folded text: 'Perú' and 'PERU' both become 'peru'."""
    if text.isascii():  # nothing to decompose: the same result without a loop over characters
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_LOCAL = threading.local()


def _stemmer(language: str = "en"):
    """This thread's Snowball stemmer: one holds the word it works on, so two threads must not share one."""
    stemmers = _LOCAL.__dict__.setdefault("stemmers", {})
    if language not in stemmers:
        import snowballstemmer

        stemmers[language] = snowballstemmer.stemmer(_SNOWBALL[language])
    return stemmers[language]


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


@lru_cache(maxsize=100_000)
def _stem_es(word: str) -> str:
    return _stemmer("es").stemWord(word)


def _figure_es(raw: str) -> str:
    """A Spanish figure in the English form: '22.295' -> '22295', '97,5%' -> '97.5%'."""
    return _ES_DECIMAL.sub(".", _ES_THOUSANDS.sub("", THOUSANDS.sub("", raw)))


def tokenize(text: str, stem: bool = True, language: str = "en") -> list[str]:
    """Folded tokens without stop words; figures and codes ('22,295', '527-0427', '97.5%') stay whole."""
    if language == "es":
        return _tokenize_es(text, stem)
    tokens: list[str] = []
    for raw in TOKEN.findall(fold(text)):
        tokens.extend(_word_tokens(raw, stem))
    return tokens


@lru_cache(maxsize=500_000)
def _word_tokens(raw: str, stem: bool) -> tuple[str, ...]:
    """The English tokens of one folded raw word ('22,295', "don't", 'u.s.-based'), cached: words repeat."""
    if any(ch.isdigit() for ch in raw):
        return (THOUSANDS.sub("", raw),)
    parts = re.split(r"[.,\-/:']", raw)
    words = [raw.replace("'", "")] + (parts if len(parts) > 1 else [])
    return tuple(_stem(word) if stem else word for word in words if word and word not in STOP_WORDS)


def _tokenize_es(text: str, stem: bool) -> list[str]:
    """Spanish tokens: Spanish stop words and stems; capitalized words (names, acronyms) are not stemmed."""
    tokens = []
    for raw in TOKEN.findall(unicodedata.normalize("NFC", text)):
        folded = fold(raw)
        if any(ch.isdigit() for ch in folded):
            tokens.append(_figure_es(folded))
            continue
        parts = re.split(r"[.,\-/:']", folded)
        words = [folded.replace("'", "")] + (parts if len(parts) > 1 else [])
        name = raw[:1].isupper()  # the Spanish stemmer mangles names: Lima -> lim, Castillo -> castill
        for word in words:
            if word and word not in SPANISH_STOP_WORDS:
                tokens.append(_stem_es(word) if stem and not name else word)
    return tokens


def query_terms(parts: Sequence[tuple[str, str]], stem: bool = True) -> dict[str, int]:
    """Term counts of a query given as (text, language) pairs; a term in several parts counts as often as in one."""
    counts: dict[str, int] = {}
    for text, language in parts:
        part: dict[str, int] = {}
        for token in tokenize(text, stem, language):
            part[token] = part.get(token, 0) + 1
        for token, n in part.items():
            counts[token] = max(counts.get(token, 0), n)
    return counts
