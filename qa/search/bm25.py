"""The lexical side: a tokenizer that keeps figures whole, and BM25 scored as a sparse product.

The statistics are counted streaming into numpy arrays (rank-bm25's per-chunk dicts cost ~5.5 KB
a chunk); Okapi's IDF goes negative (or zero) for a term in half the chunks or more, which would
rank chunks that match below chunks that do not, so the IDF is Lucene's always-positive form.
Scoring multiplies a precomputed chunk-by-term weight matrix by the query's term counts instead of
looping over every chunk in Python.

Spanish text ("es") gets Snowball's Spanish stemmer (not for capitalized words: it mangles
names), a Spanish stop-word list and figures read the Spanish way ("22.295" is 22295, "97,5%"
is 97.5%), so names and figures match across languages. Any other language is tokenized as
English. A mixed index keeps each chunk's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from scipy import sparse

K1, B = 1.2, 0.75
_TOKEN = re.compile(r"\w+(?:[.,\-/:']\w+)*%?")
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


@lru_cache(maxsize=2)
def _stemmer(language: str = "en"):
    import snowballstemmer

    return snowballstemmer.stemmer(_SNOWBALL[language])


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
    for raw in _TOKEN.findall(fold(text)):
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
    for raw in _TOKEN.findall(unicodedata.normalize("NFC", text)):
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


class LexicalIndex:
    """BM25 over tokenized chunks, held as a chunk-by-term matrix of term weights, with each chunk's language."""

    def __init__(
        self,
        vocab: dict[str, int],
        weights: sparse.csc_matrix,
        idf: np.ndarray,
        stem: bool = True,
        languages: np.ndarray | None = None,
        avgdl: float | None = None,
    ):
        self.vocab = vocab
        self.avgdl = avgdl  # the chunks' average length in tokens (None in indexes saved before it was kept)
        self.weights = weights
        self.idf = idf
        self.stem = stem
        rows = weights.shape[0]
        self.languages = np.full(rows, "en") if languages is None else np.asarray(languages, dtype=str)

    def term_idf(self, token: str) -> float:
        """IDF of a token the corpus uses."""
        return float(self.idf[self.vocab[token]])

    @classmethod
    def build(
        cls, texts: list[str], stem: bool = True, languages: Sequence[str] | None = None, reference=None
    ) -> LexicalIndex:
        """The index of `texts`, each tokenized in its language from `languages` (default: all English);
        weighted with a `reference` index's statistics when given (see qa.search.bm25_build)."""
        langs = list(languages) if languages is not None else ["en"] * len(texts)
        if len(langs) != len(texts):
            raise ValueError(f"{len(langs)} languages for {len(texts)} texts")
        if not texts:
            return cls({}, sparse.csc_matrix((0, 0), dtype=np.float32), np.zeros(0, np.float32), stem)
        from qa.search.bm25_build import TermCounter

        counter = TermCounter(stem)
        counter.add(texts, langs)
        return counter.finish(reference)

    def scores(self, query: str | Sequence[tuple[str, str]], language: str = "en") -> np.ndarray:
        """BM25 score of every chunk (0 where no term matches) for a query in `language`, or for (text, lang) pairs."""
        parts = [(query, language)] if isinstance(query, str) else query
        counts: dict[int, int] = {}
        for token, n in query_terms(parts, self.stem).items():
            if token in self.vocab:
                counts[self.vocab[token]] = n
        if not counts:
            return np.zeros(self.weights.shape[0], dtype=np.float32)
        columns = self.weights[:, list(counts)]
        return np.asarray(columns @ np.array(list(counts.values()), np.float32)).ravel()

    def matches(self, query: str | Sequence[tuple[str, str]], language: str = "en") -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the chunks matching a query term, as scores() gives them; reads only those postings."""
        parts = [(query, language)] if isinstance(query, str) else query
        terms = [(self.vocab[t], n) for t, n in query_terms(parts, self.stem).items() if t in self.vocab]
        w = self.weights
        spans = [(int(w.indptr[col]), int(w.indptr[col + 1]), n) for col, n in terms]
        if not spans or not any(b > a for a, b, _ in spans):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        postings = sum(b - a for a, b, _ in spans)
        # summed in float32 in term order, as the sparse product in scores() does, so the two agree bit for bit
        if len(spans) == 1 or postings * 32 < w.shape[0]:  # few postings: sort them rather than touch every row
            rows = np.concatenate([w.indices[a:b] for a, b, _ in spans]).astype(np.int64)
            values = np.concatenate([np.asarray(w.data[a:b], np.float32) * np.float32(n) for a, b, n in spans])
            if len(spans) == 1:
                return rows, values
            unique, inverse = np.unique(rows, return_inverse=True)
            totals = np.zeros(len(unique), np.float32)
            np.add.at(totals, inverse, values)
            return unique, totals
        totals = np.zeros(w.shape[0], np.float32)
        for a, b, n in spans:  # a term's rows are distinct: a vectorized add, term by term as add.at would
            totals[w.indices[a:b]] += np.asarray(w.data[a:b], np.float32) * np.float32(n)
        unique = np.flatnonzero(totals > 0)  # weights are positive; a bool mask is found ~10x faster than floats
        return unique, totals[unique]

    def rows_in(self, language: str) -> np.ndarray:
        """Row numbers of the chunks in `language`, e.g. to restrict a search to them."""
        return np.flatnonzero(self.languages == language)

    def arrays(self) -> dict[str, np.ndarray]:
        """The matrix and the chunks' languages as plain arrays, for saving without pickles."""
        w = self.weights
        return {
            "data": w.data,
            "indices": w.indices,
            "indptr": w.indptr,
            "shape": np.array(w.shape),
            "idf": self.idf,
            "languages": self.languages,
        } | ({"avgdl": np.array([self.avgdl], np.float64)} if self.avgdl else {})

    @classmethod
    def from_arrays(cls, vocab: dict[str, int], arrays: dict[str, np.ndarray], stem: bool) -> LexicalIndex:
        """The index saved by arrays(); an index saved before languages were kept is all English."""
        shape = tuple(int(x) for x in arrays["shape"])
        weights = sparse.csc_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape)
        languages = arrays.get("languages")
        if languages is not None and len(languages) != shape[0]:
            raise ValueError(f"{len(languages)} chunk languages for {shape[0]} BM25 rows")
        avgdl = arrays.get("avgdl")
        return cls(vocab, weights, arrays["idf"], stem, languages, float(avgdl[0]) if avgdl is not None else None)
