"""The operation a question asks of a table, from its words: a total, an average, a count, the most or least,
a list of rows, or one cell (in English, and in Spanish as typed)."""

from __future__ import annotations

import re


def _any(*phrases: str, after: str = "") -> re.Pattern:
    """A pattern matching any of the phrases as whole words (each phrase may hold regex alternatives)."""
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b" + after)


AVERAGE = _any("average", "mean", "avg", "typical", "on average", "promedio", "media", "medio")
TOTAL = _any("total", "totals", "in all", "altogether", "sum", "combined", "overall", "all together",
             r"add(?:ed)? up", "cumulative", "suma", "en total", "en conjunto")  # fmt: skip
COUNT = re.compile(r"\bhow many\b|(?<!phone )(?<!telephone )(?<!fax )(?<!account )(?<!reference )(?<!serial )"
                   r"(?<!registration )(?<!contact )\bnumber of\b|\bcount\b|\bcuant[oa]s\b|\bnumero de\b")  # fmt: skip
HOW_MUCH = _any("how much", "cuant[oa]")
_MOST = ("most", "best", "highest", "tallest", "largest", "biggest", "greatest", "maximum", "max", "deepest",
         "longest", "latest", "newest", "most recent", "costliest", "most expensive", "mayor", "maxim[oa]",
         r"mas alt[oa]", "mas grande")  # fmt: skip
_LEAST = ("least", "worst", "lowest", "shortest", "smallest", "fewest", "minimum", "min", "cheapest", "shallowest",
          "earliest", "oldest", "least expensive", "menor", "minim[oa]", r"mas baj[oa]", r"mas pequen[oa]")  # fmt: skip
_NOT_A_BOUND = r"(?<!\bat )(?<!\bno )"  # 'at least 2,000' and 'no more than' compare; they ask for no extreme
_MORE = _any("larger", "bigger", "higher", "greater", after="(?! than)").pattern
_LESS = _any("smaller", "lower", "fewer", after="(?! than)").pattern
MOST = re.compile(_NOT_A_BOUND + _any(*_MOST).pattern + "|" + _MORE)
LEAST = re.compile(_NOT_A_BOUND + _any(*_LEAST).pattern + "|" + _LESS)
LIST = re.compile(r"^(?:list|show|name|enumerate|which|what are|what were|cuales|nombra|lista|muestra)\b"
                  r"|\b(?:list|show me)\b")  # fmt: skip
SUPERLATIVE = re.compile(r"\b(\w+est)\b")
AMOUNT_WORDS = frozenset({"highest", "lowest", "largest", "biggest", "greatest", "smallest", "fewest", "tallest"})
SHARE = _any("share", "percentage", "proportion", "ratio", "fraction", "percent", "porcentaje", "proporcion")
GROUP = re.compile(r"\b(?:per|by|for each|in each|each|for every|broken down by|para cada|en cada|por cada|por)\s+"
                   r"(?:the\s+|la\s+|el\s+)?(\w+)")  # fmt: skip
WHICH = re.compile(r"\b(?:which|what|en que|que|cual(?:es)?|whose)\s+(?:of the\s+)?(\w+)")
WHO = re.compile(r"^(?:who|in which|which|where|quien|en que|donde)\b|\bwho\b")
HOW_MANY = re.compile(r"\b(?:how many|number of|cuant[oa]s|numero de)\s+(?:\w+\s+)?(\w+)")
CUE_WORDS = frozenset(
    """average mean typical total totals sum combined overall altogether cumulative how many much number count most
    highest largest biggest greatest maximum deepest longest latest newest costliest expensive least lowest smallest
    fewest minimum cheapest shallowest earliest oldest larger bigger higher greater smaller lower fewer list show name
    which what who whose each per promedio media suma mayor menor maximo minimo cuantos cuantas cuanto cuanta cada
    single any there break breakdown down best worst""".split()  # noqa: SIM905 - a word list reads best as text
)


def asked(texts: list[str]) -> dict[str, bool]:
    """Which cues the plain question (and its versions) holds."""

    def any_of(pattern: re.Pattern) -> bool:
        return any(pattern.search(t) for t in texts)

    cues = {"average": AVERAGE, "total": TOTAL, "count": COUNT, "how_much": HOW_MUCH, "most": MOST, "least": LEAST,
            "list": LIST, "share": SHARE, "who": WHO}  # fmt: skip
    return {name: any_of(pattern) for name, pattern in cues.items()}
