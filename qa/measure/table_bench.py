"""`qa bench --table-rows N`: table questions over one generated sheet of N rows, timed warm through `Engine.ask`."""

from __future__ import annotations

import csv
import random
import statistics
import time
from pathlib import Path

from qa.measure.corpora import Setup, folder_engine

REGIONS = ("Loreto", "Cusco", "Puno", "Piura", "Ayacucho", "Lima", "Junín", "Áncash", "Cajamarca", "San Martín",
           "Ucayali", "Huánuco", "Apurímac", "Tacna", "Moquegua", "Tumbes", "Pasco", "Amazonas", "Ica",
           "Arequipa")  # fmt: skip
ORGANISATIONS = ("COOPI", "Cáritas", "CARE Perú", "Plan International", "Oxfam", "World Vision", "Save the Children",
                 "Ayuda en Acción")  # fmt: skip
QUESTIONS = (
    "How many beneficiaries were there in Loreto in 2023 in total?",
    "What was the average budget of the COOPI projects?",
    "Which project had the most beneficiaries?",
    "How many projects did Cáritas run in Puno?",
    "What was the total budget per region in 2021?",
)


def write_sheet(path: Path, rows: int, seed: int = 7) -> None:
    """A CSV of `rows` invented projects: name, region, organisation, year, budget (soles) and beneficiaries."""
    pick = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["Project", "Region", "Organisation", "Year", "Budget (soles)", "Beneficiaries"])
        for i in range(rows - 1):  # the header is a row too
            out.writerow([f"Project {i + 1:05d}", pick.choice(REGIONS), pick.choice(ORGANISATIONS),
                          pick.randint(2019, 2024), f"{pick.randint(50, 5000) * 1000:,}",
                          f"{pick.randint(20, 9000):,}"])  # fmt: skip


def _cased(question: str, i: int) -> str:
    """The question with its words' first letters in the i-th pattern of cases: the same question to the (uncased)
    model and the table path, but new text to every cache, so each warm answer encodes its question again."""
    words = question.split()
    return " ".join(w.swapcase() if i >> k & 1 and k else w for k, w in enumerate(words))


def bench_tables(rows: int, cache: Path, repeats: int = 20) -> dict:
    """Per question: the first answer (the sheet read and its frame built) and warm answers (p50, p95, in ms),
    each warm one with its question encoded anew."""
    folder = cache / f"table-bench-{rows}"
    folder.mkdir(parents=True, exist_ok=True)
    sheet = folder / "projects.csv"
    if not sheet.exists():
        write_sheet(sheet, rows)
    engine = folder_engine(folder, Setup(cache))
    engine.ask("warm up the model")
    timings = []
    for question in QUESTIONS:
        start = time.perf_counter()
        reply = engine.ask(question)
        first = (time.perf_counter() - start) * 1000
        warm = []
        for i in range(1, repeats + 1):
            asked = _cased(question, i)
            start = time.perf_counter()
            engine.ask(asked)
            warm.append((time.perf_counter() - start) * 1000)
        warm.sort()
        table = reply.table
        timings.append({
            "question": question,
            "answer": reply.answer[:160],
            "operation": table.operation if table else None,
            "rows_used": len(table.rows) if table else 0,
            "first_ms": round(first, 1),
            "warm_p50_ms": round(statistics.median(warm), 1),
            "warm_p95_ms": round(warm[int(0.95 * (len(warm) - 1))], 1),
        })  # fmt: skip
    return {"rows": rows, "repeats": repeats, "questions": timings,
            "warm_p50_ms_max": max(t["warm_p50_ms"] for t in timings)}  # fmt: skip
