"""What a question says about one table, clue by clue: the column it groups by, the column naming its answer,
what 'how many' counts, the column it measures, and the words the table has nothing for."""

from __future__ import annotations

from qa.answer.table import operations as ops
from qa.answer.table.columns import NEAR, UNIT_WORDS, Named, by_meaning, by_words
from qa.answer.table.frame import Column, Frame
from qa.answer.table.parse import Asked
from qa.answer.table.words import VERBS, stem, tokens
from qa.ingest.quantities import MONTHS


def named(columns: list[Column], words: list[str], embedder) -> Named:
    """The column these words name: by its name's words, else by meaning."""
    found = by_words(columns, {stem(w) for w in words})
    return found if found.best is not None else by_meaning(columns, words, embedder)


PARTS = {"year": "year", "years": "year", "ano": "year", "month": "month", "months": "month", "mes": "month"}


def grouped_by(frame: Frame, asked: Asked, embedder) -> tuple[Column | None, list[str], str | None]:
    """The column the question groups by ('per region', 'in each region'), the words that named groups, and
    'year' or 'month' when it groups a date column by them ('each year' of a table with dates, no Year column);
    a column whose values never repeat names the rows themselves ('cost per well'), so it groups nothing."""
    candidates, words = frame.of_kind("text", "year"), []
    for text in (asked.english, *asked.versions):
        for m in ops.GROUP.finditer(text):
            part = PARTS.get(m[1])
            if part and frame.of_kind("date") and not (part == "year" and frame.of_kind("year")):
                return frame.of_kind("date")[0], [m[1]], part
            column = named(candidates, [m[1]], embedder).best if text == asked.english else None
            column = column or by_words(candidates, {stem(m[1])}).best
            if column is not None:
                words.append(m[1])
                if frame.data[column.name].nunique() < len(frame.data):
                    return column, words, None
    return None, words, None


def how_many(frame: Frame, asked: Asked, embedder) -> tuple[str, Column | None]:
    """'how many X': ('sum', X's number column), ('count', X's text column), ('count', None) when X names the
    rows (the first column, the table's caption or file), or ('unknown', None) when X names nothing here."""
    for text in (asked.english, *asked.versions):
        m = ops.HOW_MANY.search(text)
        if not m:
            continue
        words = [w for w in text[m.start() : m.end()].split()[2:] if w not in ("of", "de") and not verb_like(w)]
        numbers = by_words(frame.of_kind("number"), {stem(w) for w in words})
        if numbers.best is not None:
            return "sum", numbers.best
        labels = by_words(frame.of_kind("text"), {stem(w) for w in words})
        if labels.best is not None:
            return "count", labels.best
        meaning = by_meaning(frame.of_kind("number"), words, embedder)
        if meaning.best is not None and not meaning.tied:
            return "sum", meaning.best
        table = frame.table
        rows = set(frame.columns[0].stems) | {stem(w) for w in tokens(f"{table.caption} {table.sheet} {table.doc_id}")}
        named_rows = any(stem(w) in rows for w in words) or by_meaning(frame.columns[:1], words, embedder).best
        return ("count" if named_rows or asked.typed_spanish else "unknown"), None
    return "count", None


def operation_asked(cues: dict[str, bool], which: bool) -> str | None:
    """The operation the cue words ask for (argmax/argmin when a column names the answer), else None."""
    if cues["most"] or cues["least"]:
        kind = "max" if cues["most"] and not cues["least"] else "min"
        return ("arg" + kind) if which else kind
    if cues["average"]:
        return "average"
    if cues["count"]:
        return "count"
    if cues["total"] or cues["how_much"]:
        return "sum"
    return "share" if cues["share"] else None


def answer_column(frame: Frame, asked: Asked, cues: dict[str, bool]) -> Column | None:
    """The column whose values name the answer: 'which project' names Project; 'who' the first text column."""
    labels = frame.of_kind("text", "date")
    for text in (asked.english, *asked.versions):
        m = ops.WHICH.search(text)
        if m:
            found = by_words(labels, {stem(m[1])})
            if found.best is not None:
                return found.best
    return labels[0] if cues["who"] and labels else None


def measured(columns: list[Column], asked: Asked, left: list[str], embedder) -> Named:
    """The column the question measures: the one a superlative names by meaning ('cheapest' is Cost), else the
    one its words name (a year in a column's name counts: 'Funding 2023'), else the nearest by meaning."""
    import re

    adjectives = [m[1] for m in ops.SUPERLATIVE.finditer(asked.english) if m[1] not in ops.AMOUNT_WORDS]
    if adjectives:
        found = by_meaning(columns, adjectives, embedder)
        if found.best is not None and not found.tied:
            return found
    in_names = {s for c in columns for s in c.stems}
    years = [y for y in re.findall(r"\b(?:19|20)\d\d\b", asked.english) if y in in_names]
    return named(columns, left + years + adjectives, embedder)


def verb_like(word: str) -> bool:
    """A verb or adverb by the word list or its ending ('runs', 'drilled', 'actually', 'spending')."""
    return word in VERBS or word.endswith(("ed", "ly", "ing")) or word[:-1] in VERBS or word[:-2] in VERBS


def unknown_words(frame: Frame, asked: Asked, left: list[str], embedder) -> list[str]:
    """The question's left-over words that name nothing in the table, not even by meaning (verbs and adverbs by
    their endings, units and the table's own caption aside); a word machine translation left in Spanish says
    nothing either way (the model reads English)."""
    table = frame.table
    known = {s for c in frame.columns for s in c.stems}
    words = frame.value_words | set(tokens(f"{table.caption} {table.sheet or ''} {table.doc_id}"))
    words |= set(MONTHS) | UNIT_WORDS
    untranslated = {w for v in asked.versions for w in tokens(v)} if asked.typed_spanish else set()
    out = []
    for word in left:
        if stem(word) in known or word in words or verb_like(word) or word in untranslated or _extreme(word):
            continue
        if by_meaning(list(frame.columns), [word], embedder, NEAR).best is None:
            out.append(word)
    return out


def _extreme(word: str) -> bool:
    """A superlative ('tallest', 'cheapest'): it says which end, not what the table must hold."""
    return bool(ops.MOST.fullmatch(word) or ops.LEAST.fullmatch(word) or ops.SUPERLATIVE.fullmatch(word))


def totals_meant(frame: Frame, asked: Asked, answer: Column | None) -> bool:
    """Whether 'which X had the most' compares X's totals: X repeats over rows and the question asks for an
    amount ('most', 'fewest'), not a property of one row ('deepest', 'oldest')."""
    if answer is None or frame.data[answer.name].nunique() == len(frame.data):
        return False
    return not any(m[1] not in ops.AMOUNT_WORDS for m in ops.SUPERLATIVE.finditer(asked.english))


def only_measure(frame: Frame, taken: set) -> Column | None:
    """The table's one number column not otherwise used, if it has exactly one."""
    numbers = [c for c in frame.of_kind("number") if c.name not in taken]
    return numbers[0] if len(numbers) == 1 else None
