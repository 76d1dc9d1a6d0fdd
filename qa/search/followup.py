"""Follow-up questions without an LLM: decide whether a question leans on the conversation, and if so
search a standalone query made of the question plus what it refers to.

A question is a follow-up when it refers back (a pronoun, "there", "then", "that agreement", or a definite
"the programme" / "the network's" naming a thing the last turn was about, in a question that names nothing of
its own: searched with the last turn's subject, but read as asked, since it names what it wants), is an
ellipsis ("And in 2021?", "What about women?") or is too short to stand alone ("Between which
countries?"). Its query adds the subject of the previous turn: the names and rarest words of the
previous (resolved) question, and the rarest name the last answer brought in (the "he" of "Who led
...?" is in the answer, not the question). An ellipsis keeps the previous question and swaps in what
changed ("And in 2009?" replaces the year). A pronoun whose antecedent the documents never supplied
(the previous answer was declined) cannot be resolved, so the engine declines too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa.records import Answer, Turn
from qa.search.tokens import STOP_WORDS, tokenize

REFERRING = re.compile(
    r"\b(it|its|he|him|his|she|her|hers|they|them|their|theirs|then|the same)\b"
    r"|(?<!\bis )(?<!\bare )\bthere\b(?! (is|are|was|were)\b)"
    r"|\b(this|that|these|those)\s+(?!is\b|was\b|are\b|were\b)[a-z]+",
    re.IGNORECASE,
)
PERSON = re.compile(r"\b(he|him|his|she|her|hers)\b", re.IGNORECASE)  # refers to someone an answer named
PLURAL = re.compile(r"\b(they|them|their|theirs|these|those)\b", re.IGNORECASE)  # refers to things named before
ELLIPSIS = re.compile(r"^\s*(and|but|or|also|what about|how about|what of)\b", re.IGNORECASE)
_WH = frozenset(
    ("what", "which", "who", "whom", "whose", "when", "where", "why", "how", "many", "much", "long", "often")
)
_NAME = re.compile(
    r"\b(?:[A-Z][\w'’.-]*[A-Za-z0-9]|[A-Z]{2,})(?:\s+(?:of|de|del|the|and)?\s*[A-Z][\w'’.-]*[A-Za-z0-9])*"
)
_CALENDAR = frozenset(  # months and days are capitalized but name no subject
    ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october")
    + ("november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
)
_YEAR_OR_NUMBER = re.compile(r"\b\d[\d,.]*\b")
_DEFINITE = re.compile(r"\bthe\s+([a-z]+)")
SUBJECT_WORDS = 3  # rare words carried over from the previous question when it names nothing rare
ANSWER_NAMES = 1  # names carried over from the last answer


@dataclass(frozen=True)
class Resolved:
    """What to search for a question in its conversation."""

    query: str  # what is searched and answered; the question itself when it stands alone
    follow_up: bool = False
    prefer: tuple[str, ...] = ()  # documents cited in the last turn
    unresolvable: bool = False  # refers to something the documents never supplied
    read_as_asked: bool = False  # a definite reference: the query finds its documents, the question is answered


def content_words(text: str) -> list[str]:
    """The words of `text` that carry meaning (no stop words, no question words), in order."""
    return [w for w in tokenize(text, stem=False) if w not in _WH and w not in STOP_WORDS]


def is_short(question: str) -> bool:
    """Too short to stand alone: at most two words that carry meaning, and no name among them."""
    return len(content_words(question)) <= 2 and not names(question)


def is_follow_up(question: str) -> bool:
    """Whether the question refers back, is an ellipsis, or is too short to stand alone."""
    return bool(REFERRING.search(question) or ELLIPSIS.match(question) or is_short(question))


def names(text: str) -> list[str]:
    """Capitalized names and acronyms in `text`, in order; a sentence's capitalized opening word, months and
    days are not names."""
    found = []
    for match in _NAME.finditer(text):
        words = match.group().strip(".").split()
        opening = match.start() == 0 or text[: match.start()].rstrip().endswith(("?", ".", "!", ":"))
        if opening and not words[0].isupper():
            words = words[1:]
        while words and (words[0].casefold() in STOP_WORDS or words[0].casefold() in _CALENDAR):
            words = words[1:]
        if words:
            found.append(" ".join(words))
    return found


def _rarest(words: Sequence[str], weight: Callable[[str], float], n: int) -> list[str]:
    ranked = sorted(dict.fromkeys(words), key=lambda w: -weight(w))
    return ranked[:n]


def subject(previous: str, answer: Answer, weight: Callable[[str], float], pronoun: str = "") -> list[str]:
    """What the previous turn was about: its names (else rarest words); for a plural pronoun also its rarest
    words (they are things, not names); for a personal pronoun also the first name the answer brought in
    (a sentence's subject comes first: the "he" of "Who led ...?")."""
    named = names(previous)
    carried = named or _rarest(content_words(previous), weight, SUBJECT_WORDS)
    if pronoun == "plural" and named:
        spelled = {w.casefold() for n in named for w in n.split()}
        carried += _rarest([w for w in content_words(previous) if w not in spelled], weight, SUBJECT_WORDS - 1)
    if pronoun == "person" and answer.found and answer.citations:
        seen = {w.casefold() for w in re.findall(r"\w+", previous)}
        fresh = [n for n in names(answer.citations[0].quote) if not {w.casefold() for w in n.split()} <= seen]
        carried += fresh[:ANSWER_NAMES]
    return list(dict.fromkeys(carried))


def refers_to_last_turn(question: str, previous: str, answer: Answer) -> bool:
    """Whether a question that names nothing of its own says "the X" of an X the last turn asked or answered
    about ("the programme" after a question about one programme); a name ("the ICRC") stands on its own."""
    if names(question):
        return False
    nouns = " ".join(_DEFINITE.findall(question))
    said = f"{previous} {answer.citations[0].quote if answer.found and answer.citations else ''}"
    return bool(set(tokenize(nouns)) & set(tokenize(said)))


def _ellipsis_base(previous: str, fragment: str) -> str:
    """The previous question with what the fragment replaces (a figure for a figure) taken out."""
    if _YEAR_OR_NUMBER.search(fragment):
        return _YEAR_OR_NUMBER.sub(" ", previous)
    return previous


def resolve(question: str, history: Sequence[Turn], weight: Callable[[str], float] = lambda w: 1.0) -> Resolved:
    """The query to search for `question` given the earlier turns (oldest first).

    `weight(word)` ranks words by rarity (the index's IDF); `history` holds each turn's resolved
    question in `answer.searched`, so a chain of follow-ups keeps its subject.
    """
    if not history:
        return Resolved(question)
    last = history[-1]
    previous = last.answer.searched or last.question
    prefer = tuple(dict.fromkeys(c.source for c in last.answer.citations))
    plain = not is_follow_up(question) or not REFERRING.search(question) and not ELLIPSIS.match(question)
    if plain and refers_to_last_turn(question, previous, last.answer):
        carried = [w for w in subject(previous, last.answer, weight) if w.casefold() not in question.casefold()]
        return Resolved(" ".join([question, *carried]), True, prefer, read_as_asked=True)
    if not is_follow_up(question):
        return Resolved(question)
    if ELLIPSIS.match(question) or is_short(question) and not REFERRING.search(question):
        base = _ellipsis_base(previous, question)
        return Resolved(" ".join(f"{question} {base}".split()), True, prefer)
    pronoun = "person" if PERSON.search(question) else "plural" if PLURAL.search(question) else ""
    carried = [w for w in subject(previous, last.answer, weight, pronoun) if w.casefold() not in question.casefold()]
    unresolvable = not last.answer.found
    return Resolved(" ".join([question, *carried]), True, prefer, unresolvable)
