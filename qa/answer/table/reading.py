"""One question read against one table: the operation, its column, its conditions and group, or why not."""

from __future__ import annotations

import re

from qa.answer.table import operations as ops
from qa.answer.table.columns import LOOKUP_NEAR, UNIT_WORDS, Named, by_meaning, by_words
from qa.answer.table.conditions import Condition, comparisons, value_conditions
from qa.answer.table.frame import Column, Frame
from qa.answer.table.parse import Asked, Plan, Reading, _compared, _left_words, _missing_names, _period_conditions
from qa.answer.table.words import VERBS, stem, tokens
from qa.ingest.quantities import MONTHS


def _named(columns: list[Column], words: list[str], embedder) -> Named:
    """The column these words name: by its name's words, else by meaning."""
    found = by_words(columns, {stem(w) for w in words})
    return found if found.best is not None else by_meaning(columns, words, embedder)


def _group(frame: Frame, asked: Asked) -> tuple[Column | None, str | None]:
    """The column the question groups by ('per region', 'in each region'), and the word that named it; a column
    whose values never repeat names the rows themselves ('cost per well'), so nothing is grouped."""
    candidates = frame.of_kind("text", "year")
    for text in (asked.english, *asked.versions):
        for m in ops.GROUP.finditer(text):
            named = by_words(candidates, {stem(m[1])}).best
            if named is not None:
                repeated = frame.data[named.name].nunique() < len(frame.data)
                return (named if repeated else None), m[1]
    return None, None


def _how_many(frame: Frame, asked: Asked, embedder) -> tuple[str, Column | None]:
    """'how many X': ('sum', X's number column), ('count', X's text column) or ('count', None) for rows."""
    for text in (asked.english, *asked.versions):
        m = ops.HOW_MANY.search(text)
        if not m:
            continue
        words = [w for w in text[m.start() : m.end()].split()[2:] if w not in ("of", "de")]
        numbers = by_words(frame.of_kind("number"), {stem(w) for w in words})
        if numbers.best is not None:
            return "sum", numbers.best
        labels = by_words(frame.of_kind("text"), {stem(w) for w in words})
        if labels.best is not None:
            return "count", labels.best
        meaning = by_meaning(frame.of_kind("number"), words, embedder)
        if meaning.best is not None and not meaning.tied:
            return "sum", meaning.best
        return "count", None
    return "count", None


def _operation(cues: dict[str, bool], which: bool) -> str | None:
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


def _which(frame: Frame, asked: Asked, cues: dict[str, bool]) -> Column | None:
    """The column whose values name the answer: 'which project' names Project; 'who' the first text column."""
    labels = frame.of_kind("text", "date")
    for text in (asked.english, *asked.versions):
        m = ops.WHICH.search(text)
        if m:
            named = by_words(labels, {stem(m[1])})
            if named.best is not None:
                return named.best
    return labels[0] if cues["who"] and labels else None


def read(frame: Frame, asked: Asked, embedder) -> Reading:
    """The question read against this table."""
    texts = [asked.english, *asked.versions]
    cues = ops.asked(texts)
    all_stems = {stem(w) for t in texts for w in tokens(t)}
    mentioned = {c.name for c in frame.columns if set(c.stems) & all_stems}
    values, used = value_conditions(frame, texts, mentioned)
    periods, no_year = _period_conditions(frame, asked, used)
    group, group_word = _group(frame, asked)
    which = _which(frame, asked, cues)
    operation = _operation(cues, which is not None)
    if operation is None and cues["list"] and (values or periods or re.search(r"\d", asked.english)):
        operation = "filter"
    key = frame.columns[0]  # what the rows are: a question naming it (not to group by) is about this table
    named_key = bool(set(key.stems) & (all_stems - {stem(group_word or "")}))
    fit = len(values) + len(mentioned) + len(periods) + 0.5 * named_key
    missing = _missing_names(asked, frame)
    conditions = values + periods
    taken = {c.column for c in conditions} | {group.name if group else None, which.name if which else None}
    used += [c.span for c in comparisons(asked.english, asked.decimal_comma)]
    spent = {s for c in frame.columns if c.name in taken or c.name in mentioned and c.kind == "text" for s in c.stems}
    left = [w for w in _left_words(asked.english, used) if w != group_word and stem(w) not in spent]
    measures = [c for c in frame.of_kind("number", "date") if c.name not in taken]
    header_years = [
        y for y in re.findall(r"\b(?:19|20)\d\d\b", asked.english) if y in {s for c in measures for s in c.stems}
    ]
    superlatives = [m[1] for m in ops.SUPERLATIVE.finditer(asked.english) if m[1] not in ("most", "least", "best")]
    measure: Named = _named(measures, left + header_years + superlatives, embedder)
    counted = None
    if operation == "count" or (operation in (None, "sum") and cues["count"]):
        kind, counted = _how_many(frame, asked, embedder)
        if kind == "sum":
            operation, measure = "sum", Named(counted)
            counted = None
    compared, unclear = _compared(frame, asked, measure.best, used)
    conditions += compared
    fit += len(compared) + 0.5 * measure.by_meaning
    unknown = _unknown(frame, left, embedder)
    if operation is None:
        return _lookup(conditions, measure, fit, missing, unknown)
    if fit == 0:
        return Reading(None)
    why = _named_doubt(missing, no_year, unclear, cues)
    if why:
        return Reading(None, why, fit, tuple(conditions))
    if unknown:  # the question says something the table does not hold: declined when it names rows of it
        why = f"no column of the table holds {' '.join(repr(w) for w in unknown[:3])}"
        return Reading(None, why if values else None, fit, tuple(conditions))
    why = _column_doubt(measure, operation, left, group)
    if why:
        return Reading(None, why, fit, tuple(conditions))
    if operation == "count":
        distinct = counted is not None and frame.data[counted.name].nunique() < len(frame.data)
        plan = Plan("count", counted.name if distinct else None, tuple(conditions), group.name if group else None,
                    None, distinct)  # fmt: skip
        return Reading(plan, None, fit, tuple(conditions))
    column = measure.best or _only_measure(frame, taken)
    if column is None and operation != "filter":
        return Reading(None, "which column the question measures", fit, tuple(conditions))
    answer = (
        (which or frame.of_kind("text")[0] if frame.of_kind("text") else None)
        if operation in ("argmax", "argmin", "filter")
        else None
    )  # noqa: E501
    by_total = operation in ("argmax", "argmin") and _totals_meant(frame, asked, answer)
    plan = Plan(operation, column.name if column else None, tuple(conditions), group.name if group else None,
                answer.name if answer else None, by_total=by_total)  # fmt: skip
    return Reading(plan, None, fit, tuple(conditions))


def _totals_meant(frame: Frame, asked: Asked, answer: Column | None) -> bool:
    """Whether 'which X had the most' compares X's totals: X repeats over rows and the question asks for an
    amount ('most', 'fewest'), not a property of one row ('deepest', 'oldest')."""
    if answer is None or frame.data[answer.name].nunique() == len(frame.data):
        return False
    return not any(m[1] not in ops.AMOUNT_WORDS for m in ops.SUPERLATIVE.finditer(asked.english))


def _only_measure(frame: Frame, taken: set) -> Column | None:
    numbers = [c for c in frame.of_kind("number") if c.name not in taken]
    return numbers[0] if len(numbers) == 1 else None


def _named_doubt(missing: list, no_year: list, unclear: str | None, cues: dict) -> str | None:
    """Why the question is not one this table answers for sure: rows or years it lacks, a number with no column,
    a share asked for; else None."""
    if missing:
        return f"no row of the table mentions {', '.join(repr(n) for n in missing)}"
    if no_year:
        return f"the table has no year or date to match {', '.join(no_year)}"
    if unclear:
        return unclear
    if cues["share"]:
        return "it asks for a share or percentage, which the table path does not compute"
    return None


def _column_doubt(measure: Named, operation: str, left: list[str], group) -> str | None:
    """Why the column to compute is unclear (two are meant equally, none is named, units mixed); else None."""
    if measure.tied:
        return f"two columns could be meant: {' or '.join(repr(c.name) for c in measure.tied)}"
    if operation not in ("count", "filter") and measure.best is None and left and not group:
        return f"no column of the table holds {' '.join(repr(w) for w in left[:3])}"
    if measure.best is not None and measure.best.mixed_units and operation in ("sum", "average"):
        return f"the column {measure.best.name!r} mixes units"
    return None


def _verb_like(word: str) -> bool:
    """A verb or adverb by the word list or its ending ('runs', 'drilled', 'actually', 'spending')."""
    return word in VERBS or word.endswith(("ed", "ly", "ing")) or word[:-1] in VERBS or word[:-2] in VERBS


def _unknown(frame: Frame, left: list[str], embedder) -> list[str]:
    """The question's left-over words that name nothing in the table, not even by meaning (verbs and adverbs by
    their endings, units and the table's own caption aside)."""
    table = frame.table
    known = {s for c in frame.columns for s in c.stems}
    words = frame.value_words | set(tokens(f"{table.caption} {table.sheet or ''} {table.doc_id}"))
    words |= set(MONTHS) | UNIT_WORDS
    out = []
    for word in left:
        if stem(word) in known or word in words or _verb_like(word):
            continue
        if by_meaning(list(frame.columns), [word], embedder).best is None:
            out.append(word)
    return out


def _lookup(conditions: list[Condition], measure: Named, fit: float, missing: list, unknown: list) -> Reading:
    """One cell: the conditions pick out one row and the question names its column (by meaning, clearly); or a
    decline when the question names a row of the table and a quantity the table does not hold."""
    if not conditions or missing:
        return Reading(None)
    if unknown and measure.best is not None:
        return Reading(None, f"the table has nothing for {' '.join(repr(w) for w in unknown[:3])}", fit,
                       tuple(conditions))  # fmt: skip
    if measure.best is None or measure.tied or (measure.by_meaning and measure.score < LOOKUP_NEAR):
        if unknown and measure.best is None:
            return Reading(None, f"no column of the table holds {' '.join(repr(w) for w in unknown[:3])}", fit,
                           tuple(conditions))  # fmt: skip
        return Reading(None)
    plan = Plan("lookup", measure.best.name, tuple(conditions))
    return Reading(plan, None, fit, tuple(conditions))
