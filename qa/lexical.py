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

import math
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
    tokens = []
    for raw in _TOKEN.findall(fold(text)):
        if any(ch.isdigit() for ch in raw):
            tokens.append(THOUSANDS.sub("", raw))
            continue
        parts = re.split(r"[.,\-/:']", raw)
        words = [raw.replace("'", "")] + (parts if len(parts) > 1 else [])
        for word in words:
            if word and word not in STOP_WORDS:
                tokens.append(_stem(word) if stem else word)
    return tokens


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


_BLOCK = 1 << 20  # matrix entries weighted a block at a time; chunks are counted _BLOCK // 256 at a time


def _term_counts(texts: list[str], langs: list[str], stem: bool):
    """Term ids in first-seen order, each chunk's length, and the CSR indptr, term ids and counts (float32)."""
    from array import array

    vocab: dict[str, int] = {}
    lengths = np.empty(len(texts), np.float64)
    counts, indptr, nnz = [], np.zeros(len(texts) + 1, np.int64), 0
    step = _BLOCK // 256
    for first in range(0, len(texts), step):
        ids, sizes = array("i"), array("i")
        for text, lang in zip(texts[first : first + step], langs[first : first + step]):
            tokens = tokenize(text, stem, lang) or ["\0"]  # an empty chunk counts as one token, as in rank-bm25
            ids.extend([vocab.setdefault(t, len(vocab)) for t in tokens])
            sizes.append(len(tokens))
        size = np.frombuffer(sizes, np.int32)
        row = np.repeat(np.arange(len(size), dtype=np.int64), size)
        keys, tf = np.unique(row * len(vocab) + np.frombuffer(ids, np.int32), return_counts=True)
        lengths[first : first + len(size)] = size
        per_row = np.bincount(keys // len(vocab), minlength=len(size))
        indptr[first + 1 : first + len(size) + 1] = nnz + np.cumsum(per_row)
        nnz = int(indptr[first + len(size)])
        counts.append(((keys % len(vocab)).astype(np.int32), tf.astype(np.float32)))
    cols = np.concatenate([c for c, _ in counts]) if counts else np.zeros(0, np.int32)
    tfs = np.concatenate([t for _, t in counts]) if counts else np.zeros(0, np.float32)
    index_type = np.int32 if nnz < 2**31 else np.int64
    return vocab, lengths, indptr.astype(index_type), cols, tfs


class LexicalIndex:
    """BM25 over tokenized chunks, held as a chunk-by-term matrix of term weights, with each chunk's language."""

    def __init__(
        self,
        vocab: dict[str, int],
        weights: sparse.csc_matrix,
        idf: np.ndarray,
        stem: bool = True,
        languages: np.ndarray | None = None,
    ):
        self.vocab = vocab
        self.weights = weights
        self.idf = idf
        self.stem = stem
        rows = weights.shape[0]
        self.languages = np.full(rows, "en") if languages is None else np.asarray(languages, dtype=str)

    def term_idf(self, token: str) -> float:
        """IDF of a token the corpus uses."""
        return float(self.idf[self.vocab[token]])

    @classmethod
    def build(cls, texts: list[str], stem: bool = True, languages: Sequence[str] | None = None) -> LexicalIndex:
        """The index of `texts`, each tokenized in its language from `languages` (default: all English)."""
        langs = list(languages) if languages is not None else ["en"] * len(texts)
        if len(langs) != len(texts):
            raise ValueError(f"{len(langs)} languages for {len(texts)} texts")
        if not texts:
            return cls({}, sparse.csc_matrix((0, 0), dtype=np.float32), np.zeros(0, np.float32), stem)
        vocab, lengths, indptr, cols, tfs = _term_counts(texts, langs, stem)
        terms = sorted(vocab)  # columns in sorted term order, as indexes saved before
        first_seen = np.array([vocab[t] for t in terms], np.int64)
        order = np.empty(len(terms), np.int32)
        order[first_seen] = np.arange(len(terms), dtype=np.int32)
        n, df = len(texts), np.bincount(cols, minlength=len(terms))[first_seen]
        idf64 = np.array([math.log(1 + (n - f + 0.5) / (f + 0.5)) for f in df.tolist()])
        norm = K1 * (1 - B + B * lengths / (int(lengths.sum()) / n))  # rank-bm25's float64 arithmetic
        for first in range(0, len(tfs), _BLOCK):  # tf -> weight in place, a block of entries at a time
            part = slice(first, first + _BLOCK)
            cols[part] = order[cols[part]]
            rows = np.searchsorted(indptr, np.arange(first, first + len(tfs[part])), side="right") - 1
            tf = tfs[part].astype(np.float64)
            tfs[part] = idf64[cols[part]] * tf * (K1 + 1) / (tf + norm[rows])
        weights = sparse.csr_matrix((tfs, cols, indptr), shape=(n, len(terms))).tocsc()
        return cls(dict(zip(terms, range(len(terms)))), weights, idf64.astype(np.float32), stem, np.array(langs, str))

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
        }

    @classmethod
    def from_arrays(cls, vocab: dict[str, int], arrays: dict[str, np.ndarray], stem: bool) -> LexicalIndex:
        """The index saved by arrays(); an index saved before languages were kept is all English."""
        shape = tuple(int(x) for x in arrays["shape"])
        weights = sparse.csc_matrix((arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape)
        languages = arrays.get("languages")
        if languages is not None and len(languages) != shape[0]:
            raise ValueError(f"{len(languages)} chunk languages for {shape[0]} BM25 rows")
        return cls(vocab, weights, arrays["idf"], stem, languages)
