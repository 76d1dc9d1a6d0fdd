"""Questions and documents in different languages (English and Spanish), with offline machine translation.

A question is searched in every language the index holds: the dense side and the answerer read it in
English (the embedding model is English), BM25 reads the original and each translation, so names,
numbers and codes match whichever way they were written. Quotes stay verbatim; a translation into the
question's language travels beside each one, labelled as machine translation. When translation is
unavailable, a question not in English is answered from BM25 on the original words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from qa.lang import translation
from qa.lang.detect import detect_language
from qa.records import Answer

ENGLISH = "en"
MESSAGES = {
    "es": {
        "The documents do not contain an answer to this question.": (
            "Los documentos no contienen una respuesta a esta pregunta."
        ),
        "Closest passages (not an answer)": "Pasajes más cercanos (no son una respuesta)",
        "References": "Referencias",
        "machine translation": "traducción automática",
        "Machine translation": "Traducción automática",
        "Searched for": "Se buscó",
        "Closest matches (not an answer)": "Coincidencias más cercanas (no son una respuesta)",
        "The closest passages are listed under Sources, marked": "Los pasajes más cercanos están en Sources, marcados",
        "No passage matched any word of the question.": "Ningún pasaje coincide con las palabras de la pregunta.",
    }
}


def message(text: str, language: str) -> str:
    """A fixed message of qa's in `language`, or as given when there is no translation of it."""
    return MESSAGES.get(language, {}).get(text, text)


@dataclass(frozen=True)
class Question:
    """One question as each part of the engine reads it: in its own language and in those of the documents."""

    language: str  # the question's language
    text: str  # the question in English when it could be translated (dense side, answerer, follow-ups)
    lexical: tuple[tuple[str, str], ...]  # (text, language) pairs BM25 scores together
    by_language: dict[str, str]  # the question in each language of the index, for the answerer's word features
    warning: str | None = None  # why translation could not serve this question


_INNER_NAME = re.compile(r"(?<=\S\s)[A-ZÁÉÍÓÚÑ][\w'’.-]*")  # a capitalized word that does not open the question


def question_language(question: str) -> str:
    """The question's language, judged without the names inside it: "Who runs Semillas del Sur?" is English."""
    words = _INNER_NAME.sub(" ", question)
    return detect_language(words if re.search(r"\w{2,}", words) else question)


def read_question(question: str, languages: tuple[str, ...]) -> Question:
    """How to search `question` in an index holding documents in `languages`."""
    asked = question_language(question)
    wanted = sorted((set(languages) | {ENGLISH}) - {asked})
    if asked == ENGLISH and languages == (ENGLISH,):
        return Question(asked, question, ((question, asked),), {asked: question})
    found = {asked: question}
    for target in wanted:
        translated = translation.translate(question, asked, target)
        if translated:
            found[target] = translated
    warning = None
    if len(found) <= len(wanted):  # at least one direction failed
        warning = f"machine translation is unavailable ({translation.reason() or 'apertium failed'})"
    text = found.get(ENGLISH, question)
    return Question(asked, text, tuple((t, lang) for lang, t in found.items()), found, warning)


def with_query(query: Question, text: str) -> Question:
    """The same query with its English text replaced (a follow-up resolved), kept in the BM25 parts."""
    if text == query.text:
        return query
    parts = tuple((text if lang == ENGLISH else t, lang) for t, lang in query.lexical)
    if not any(lang == ENGLISH for _, lang in parts):
        parts += ((text, ENGLISH),)
    return replace(query, text=text, lexical=parts, by_language={**query.by_language, ENGLISH: text})


def localize(reply: Answer, language: str, document_language: dict[str, str]) -> Answer:
    """The answer's fixed messages in the question's language, and each quote translated into it when the
    quote's document is in another language (None where translation failed)."""
    citations = list(reply.citations)
    for source_language in {document_language.get(c.source, ENGLISH) for c in citations} - {language}:
        chosen = [i for i, c in enumerate(citations) if document_language.get(c.source, ENGLISH) == source_language]
        translated = translation.translate_many([citations[i].quote for i in chosen], source_language, language)
        for i, text in zip(chosen, translated):
            citations[i] = replace(citations[i], translation=text)
    answer = message(reply.answer, language)
    return replace(reply, answer=answer, citations=tuple(citations), language=language)
