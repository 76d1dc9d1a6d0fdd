"""What kind of fact a question asks for, and whether a sentence holds one it did not repeat."""

from __future__ import annotations

import re

NUMBER, DATE, PERSON, PLACE = "number", "date", "person", "place"
_MONTHS = "january february march april may june july august september october november december"
_NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty "
    "hundred thousand million billion dozen"
)

_QUESTION_TYPES = [
    (
        re.compile(
            r"\b(how (many|much|long|old|far|large|big|often|tall|high)|number of|population"
            r"|what (percentage|percent|share|amount|proportion)|phone|telephone|call)\b"
        ),
        NUMBER,
    ),
    (
        re.compile(r"\b(when|what (year|date|day|time|month|century|decade)|which (year|date|day|month)|since when)\b"),
        DATE,
    ),
    (re.compile(r"\b(who|whom|whose|what is the name|which (person|organi[sz]ation|company|agency))\b"), PERSON),
    (
        re.compile(
            r"\b(where|what (address|city|country|region|place)|which (city|country|region|place|province|district))\b"
        ),
        PLACE,
    ),
]
_HAS_NUMBER = re.compile(rf"\d|\b({_NUMBER_WORDS.replace(' ', '|')})\b", re.IGNORECASE)
_HAS_DATE = re.compile(
    rf"\b(1[0-9]{{3}}|20[0-9]{{2}})\b|\b({_MONTHS.replace(' ', '|')})\b|\b\d{{1,2}}\s?(am|pm)\b|\bcentury\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][\w'’-]+(?:\s+(?:of|de|la|del|the|and|y)?\s*[A-Z][\w'’-]+)+|\b[A-Z]{3,}\b")
_PHONE = re.compile(r"\+?\d[\d ()-]{7,}\d")
_YEAR_AFTER = re.compile(r"\b(?:in|since|from|until|till|by|of|to|and|between|before|after)\s+(?:1[5-9]\d\d|20\d\d)\b")
_UNIT = re.compile(r"\bhow (?:many|much) ([a-z]+)")


def question_type(question: str) -> str | None:
    """The answer type a question wants, or None when it does not say."""
    folded = question.casefold()
    for pattern, kind in _QUESTION_TYPES:
        if pattern.search(folded):
            return kind
    return None


def count_unit(question: str) -> str | None:
    """The thing a "how many X" question counts ("people"), if any."""
    match = _UNIT.search(question.casefold())
    return match.group(1) if match and match.group(1) not in ("of", "did", "does", "do", "is", "was", "are") else None


# A question that names one of these gets a bonus for sentences holding the matching form.
_SPECIFIC = [
    (re.compile(r"\b(phone|telephone|call|contact number)\b"), _PHONE),
    (re.compile(r"\baddress\b"), re.compile(r"\b[A-Z][a-z]+ \d{1,5}\b|\b\d{1,5} [A-Z][a-z]+ (St|Street|Ave|Road)\b")),
    (re.compile(r"\b(percentage|percent)\b"), re.compile(r"%|\bpercent\b")),
    (
        re.compile(r"\bhow much\b.*\b(money|funding|fund|dollars|support|cost|budget|agreement|aid)\b"),
        re.compile(r"[$€£]\s?\d|\b(dollars|euros|million|billion)\b"),
    ),
]


def specific_form(question: str) -> re.Pattern | None:
    """The written form the answer must take when the question names it (a phone number, an address)."""
    folded = question.casefold()
    return next((form for asks, form in _SPECIFIC if asks.search(folded)), None)


def _new_names(sentence: str, question_words: set[str]) -> list[str]:
    """Multi-word capitalized names or acronyms in the sentence that the question does not contain."""
    names = []
    for match in _NAME.finditer(sentence.strip()):
        words = {w.casefold() for w in re.findall(r"\w+", match.group())}
        if not words <= question_words:
            names.append(match.group())
    return names


def holds_type(sentence: str, kind: str | None, question: str) -> bool:
    """Whether the sentence contains a fact of `kind` that the question itself does not contain."""
    if kind is None:
        return True
    question_words = {w.casefold() for w in re.findall(r"\w+", question)}
    fresh = " ".join(w for w in re.findall(r"[\w%$.,'’-]+", sentence) if w.casefold().strip(".,") not in question_words)
    if kind == NUMBER:  # a year ("since 2018") dates something; it counts nothing
        return bool(_HAS_NUMBER.search(_YEAR_AFTER.sub(" ", fresh)))
    if kind == DATE:
        return bool(_HAS_DATE.search(fresh))
    if kind == PLACE and re.search(r"\d", fresh):
        return True  # an address
    return bool(_new_names(sentence, question_words))
