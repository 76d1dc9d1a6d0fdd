"""`qa eval tables`: questions over tables with gold values and rows, asked through the same `Engine.ask`."""

from __future__ import annotations

import math
from pathlib import Path

from tqdm import tqdm

from qa.engine import Engine
from qa.records import Answer, InputError
from qa.search.options import check_mode, check_top_k
from qa.store.files import read_jsonl


def read_table_cases(path: Path) -> list[dict]:
    """A table question file: {"question", "answerable", "value", "rows": [[cell, ...], ...], ...} a line."""
    cases = read_jsonl(path)
    for number, case in enumerate(cases, start=1):
        if not isinstance(case.get("question"), str) or not isinstance(case.get("answerable"), bool):
            raise InputError(f"{path}: case {number} needs a 'question' string and an 'answerable' true or false")
        if case["answerable"] and ("value" not in case or not isinstance(case.get("rows"), list)):
            raise InputError(f"{path}: case {number} is answerable but has no 'value' or 'rows' list")
    return cases


def _plain(text) -> str:
    from qa.answer.table.words import plain

    return " ".join(plain(str(text)).split())


def same_value(got, gold) -> bool:
    """Whether a computed value equals the gold one: numbers to 1e-4 (relative), texts without case or accents,
    lists as sets, groups key by key."""
    if isinstance(gold, bool) or got is None:
        return False
    if isinstance(gold, int | float):
        return isinstance(got, int | float) and math.isclose(float(got), float(gold), rel_tol=1e-4, abs_tol=1e-6)
    if isinstance(gold, str):
        return isinstance(got, str) and _plain(got) == _plain(gold)
    if isinstance(gold, list):
        return isinstance(got, list | tuple) and sorted(map(_plain, got)) == sorted(map(_plain, gold))
    if isinstance(gold, dict):
        if not isinstance(got, dict):
            return False
        mine = {_plain(k): v for k, v in got.items()}
        return mine.keys() == {_plain(k) for k in gold} and all(same_value(mine[_plain(k)], v) for k, v in gold.items())
    return False


def same_rows(reply: Answer, gold: list[list[str]]) -> bool:
    """Whether the rows used are the gold rows: as many, and each row shown matching a gold row's cells."""
    table = reply.table
    if table is None or len(table.rows) != len(gold):
        return False
    wanted = [{_plain(v) for v in row} for row in gold]
    for cells in table.cells:
        have = {_plain(v) for v in cells}
        match = next((w for w in wanted if w <= have), None)
        if match is None:
            return False
        wanted.remove(match)
    return True


def checkable(reply: Answer, engine: Engine) -> bool:
    """Whether every citation's quote equals its document's text at its offsets."""
    documents = engine.documents()
    return all(documents[c.source].text[c.start : c.end] == c.quote for c in reply.citations)


def eval_tables(cases: list[dict], engine: Engine, mode: str = "hybrid", top_k: int = 5) -> dict:
    """Right answers (value and rows), declines, and wrong numbers given on questions the tables cannot answer."""
    mode, top_k = check_mode(mode), check_top_k(top_k)
    right, value_right, wrong_numbers, uncheckable, failures = 0, 0, 0, 0, []
    by_operation: dict[str, list[int]] = {}
    by_language: dict[str, list[int]] = {}
    for case in tqdm(cases, desc="table questions", leave=False):
        reply = engine.ask(case["question"], mode, top_k)
        uncheckable += not checkable(reply, engine)
        if case["answerable"]:
            value = reply.table.value if reply.table is not None else None
            value_ok = reply.found and same_value(value, case["value"])
            value_right += value_ok
            ok = value_ok and same_rows(reply, case["rows"])
        else:
            ok = not reply.found
            wrong_numbers += reply.found
        right += ok
        operation = case.get("operation") or f"unanswerable ({case.get('why', '?')})"
        by_operation.setdefault(operation, []).append(ok)
        by_language.setdefault(case.get("language", "en"), []).append(ok)
        if not ok:
            failures.append({"question": case["question"], "expected": case.get("value", "no answer"),
                             "got": reply.answer, "table": reply.table.to_dict() if reply.table else None})  # fmt: skip
    unanswerable = sum(not c["answerable"] for c in cases)
    return {
        "questions": len(cases),
        "mode": mode,
        "right": round(right / max(len(cases), 1), 4),
        "right_count": f"{right}/{len(cases)}",
        "value_right_on_answerable": f"{value_right}/{len(cases) - unanswerable}",
        "wrong_numbers_on_unanswerable": f"{wrong_numbers}/{unanswerable}",
        "uncheckable_citations": uncheckable,
        "right_by_operation": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(by_operation.items())},
        "right_by_language": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(by_language.items())},
        "failures": failures,
    }
