"""Questions over tables answered by computation: the question read as an operation over a table's columns and
rows, computed with pandas, and answered with the value and a citation of every row used."""

from __future__ import annotations

from qa.answer.candidates import Passages
from qa.answer.table.compute import compute
from qa.answer.table.frame import frame_of
from qa.answer.table.parse import asked_question
from qa.answer.table.reading import read
from qa.answer.table.reply import Decline, Place, computed_answer, declined_answer
from qa.ingest.table_text import tables_of
from qa.records import Answer, Citation

DOCUMENTS_READ = 8  # the table documents among the passages whose tables are read


def _frames(passages: Passages):
    seen = []
    for hit in passages.hits:
        if hit.chunk.doc_id not in seen:
            seen.append(hit.chunk.doc_id)
    for doc_id in seen[:DOCUMENTS_READ]:
        document = passages.index.document(doc_id)
        for table in tables_of(document):
            yield frame_of(table, document.content_hash)


def _weight(reading) -> float:
    """How well a table accounts for the question; a table that can compute it beats one that cannot by a little."""
    return reading.fit + (0.5 if reading.plan is not None else 0.0)


def quotes_a_row(citation: Citation, index) -> bool:
    """Whether a citation quotes (part of) a row of a table."""
    document = index.document(citation.source)
    return any(r.start <= citation.start < r.end for t in tables_of(document) for r in t.rows)


def table_answer(question: str, passages: Passages, embedder, by_language: dict | None = None) -> Answer | None:
    """The answer computed from a table among the passages' documents, a decline saying what was unclear, or
    None when the question is not one the table path reads (it then goes the usual way)."""
    typed = next(iter(by_language or {}), "en")  # the first is the language it was asked in
    versions = [t for t in (by_language or {}).values() if t != question]
    asked = asked_question(question, versions, typed)
    best = None
    for frame in _frames(passages):
        reading = read(frame, asked, embedder)
        if (reading.plan or reading.unsure) and (best is None or _weight(reading) > _weight(best[1])):
            best = (frame, reading)
    if best is None:
        return None
    frame, reading = best
    place = Place(passages, frame, typed)
    if reading.plan is None:
        return declined_answer(question, place, Decline(None, reading.unsure, reading.conditions))
    computed = compute(frame, reading.plan)
    if computed.unsure:
        return declined_answer(question, place, Decline(reading.plan, computed.unsure, reading.plan.conditions))
    return computed_answer(question, place, reading.plan, computed)
