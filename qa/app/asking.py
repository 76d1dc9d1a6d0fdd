"""The `ask` endpoint's call, shared by Gradio's API and `POST /api/ask`: checked values, then the engine."""

from __future__ import annotations

from qa.app import checks
from qa.app.audit import AuditLog
from qa.engine import Engine
from qa.records import Turn
from qa.store.access import Reader


def ask_json(engine: Engine, question, history=None, sources=None, reader: Reader | None = None,
             audit: AuditLog | None = None) -> dict:  # fmt: skip
    """`qa ask --json`'s answer, asked after the earlier questions in `history`, within `sources` globs, from the
    documents `reader` may read (None: all), noted in `audit`; raises checks.Refused for a bad value and QAError
    for what the engine refuses."""
    text = checks.question(question, "The question is empty; type a question in words.")
    earlier, patterns = checks.earlier_questions(history), checks.patterns(sources)
    turns: list[Turn] = []
    for before in earlier:  # the earlier answers, each asked with the turns before it
        turns.append(Turn(before, engine.ask(before, history=turns, sources=patterns, reader=reader)))
    answer = engine.ask(text, history=turns, sources=patterns, reader=reader)
    if audit is not None:
        audit.asked(reader, answer)
    return answer.to_dict()
