"""`qa bench --serve`: how fast answers come from a fresh process and from a running server, in one run.

Builds the target's index in a temporary folder, then measures, each on a fresh process:
- one-shot `qa ask` (median of 5): seconds from process start to the answer printed, and peak memory;
- `qa serve`: seconds from launch to the first answer and to the first hybrid one (ready);
- `POST /api/ask`, questions one at a time, each asked for the first time: p50 against the engine's own time
  on the same questions in this process (the transport's cost);
- saturation: all the questions at once, through `POST /api/ask` and through Gradio's queue API: questions/s,
  p50/p95, errors, and whether every answer equals the serial one;
- steady load: questions arriving at 5 a second through `POST /api/ask`: p50/p95.
Questions are `--questions FILE` if given, else sentences of the indexed chunks; each phase asks its own.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from qa.measure.ready import measure_ready, started_server
from qa.measure.timing import latency
from qa.records import InputError

ONE_SHOTS = 5
SERIAL = 20
SATURATION = 50
STEADY_RATE = 5.0  # questions a second
STEADY = 50


def post_ask(port: int, question: str, timeout: float = 120.0) -> dict:
    """The answer of `POST /api/ask`; raises on an HTTP error."""
    body = json.dumps({"question": question}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/ask", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        return json.loads(reply.read())


def gradio_ask(port: int, question: str, timeout: float = 120.0) -> dict:
    """The answer of Gradio's `ask` API (queue, then event stream); raises if there is none."""
    base = f"http://127.0.0.1:{port}/gradio_api/call/ask"
    body = json.dumps({"data": [question]}).encode()
    request = urllib.request.Request(base, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as reply:
        event = json.loads(reply.read())["event_id"]
    with urllib.request.urlopen(f"{base}/{event}", timeout=timeout) as stream:
        lines = stream.read().decode().splitlines()
    data = [line[len("data: ") :] for line in lines if line.startswith("data: ")]
    result = json.loads(data[-1]) if data else None
    if not (isinstance(result, list) and result and isinstance(result[0], dict)):
        raise ValueError("no answer in the event stream")
    return result[0]


def _gist(answer: dict) -> tuple:
    """What must not change between serial and concurrent asking: the answer and every citation's place."""
    return answer.get("answer"), tuple((c["source"], c["start"], c["end"]) for c in answer.get("citations", []))


PEAK_MARK = "qa-bench-peak-kb "
# the child's own peak (VmHWM: this process image only; ru_maxrss would count the forked copy of this one)
ONE_SHOT = (
    "import atexit, sys\n"
    "def peak():\n"
    "    line = next(x for x in open('/proc/self/status') if x.startswith('VmHWM:'))\n"
    f"    print({PEAK_MARK!r} + line.split()[1], file=sys.stderr)\n"
    "atexit.register(peak)\n"
    "from qa.cli import main\n"
    "sys.exit(main())\n"
)


def one_shot(index_dir: Path, question: str, runs: int | None = None) -> dict:
    """`qa ask` in a fresh process, `runs` times: seconds to the answer printed and peak memory, median."""
    runs, seconds, peaks = runs or ONE_SHOTS, [], []
    command = [sys.executable, "-c", ONE_SHOT, "ask", question, "--index", str(index_dir)]
    for _ in range(runs):
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        child.stdout.read()  # the answer printed: the stream closes as the process ends
        seconds.append(time.perf_counter() - start)
        errors = child.stderr.read()
        if child.wait() != 0 or PEAK_MARK not in errors:
            return {"error": f"qa ask exited with {child.returncode}: {errors.strip()[-200:]}"}
        peaks.append(int(errors.rpartition(PEAK_MARK)[2].split()[0]) / 1024)
    middle = sorted(range(runs), key=lambda i: seconds[i])[runs // 2]
    return {"runs": runs, "median_s": round(seconds[middle], 3), "peak_mb_median": round(sorted(peaks)[runs // 2], 1),
            "seconds": [round(s, 3) for s in seconds], "peak_mb": [round(p, 1) for p in peaks]}  # fmt: skip


def serial(port: int, engine, questions: list[str]) -> dict:
    """p50 of `POST /api/ask` and of the engine itself, each asked every question once, in turn."""
    api_ms, engine_ms = [], []
    for question in questions:
        start = time.perf_counter()
        post_ask(port, question)
        api_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        engine.ask(question)
        engine_ms.append((time.perf_counter() - start) * 1000)
    api, own = latency(api_ms), latency(engine_ms)
    return {"questions": len(questions), "api_p50_ms": api["p50_ms"], "engine_p50_ms": own["p50_ms"],
            "overhead_p50_ms": round(api["p50_ms"] - own["p50_ms"], 3)}  # fmt: skip


def _timed(ask, port: int, question: str) -> tuple[float, dict | None]:
    start = time.perf_counter()
    try:
        answer = ask(port, question)
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError, KeyError):
        answer = None
    return (time.perf_counter() - start) * 1000, answer


def _load_report(results: list, wall: float, questions: list[str], expected: dict) -> dict:
    ms, answers = [r[0] for r in results], [r[1] for r in results]
    errors = sum(a is None for a in answers)
    same = all(a is not None and _gist(a) == expected[q] for q, a in zip(questions, answers, strict=True))
    return {"questions": len(results), "wall_s": round(wall, 3), "per_s": round(len(results) / wall, 2),
            **latency(ms), "errors": errors, "same_as_serial": same}  # fmt: skip


def saturation(ask, port: int, questions: list[str], expected: dict) -> dict:
    """Every question sent at once; questions/s over the wall time, latencies, errors, answers as serial ones."""
    start = time.perf_counter()
    with ThreadPoolExecutor(len(questions)) as pool:
        results = list(pool.map(lambda q: _timed(ask, port, q), questions))
    return _load_report(results, time.perf_counter() - start, questions, expected)


def steady(port: int, questions: list[str], expected: dict, rate: float = STEADY_RATE) -> dict:
    """Questions arriving `rate` a second, each on its own thread; latencies from each one's send time."""
    results: list = [None] * len(questions)

    def send(i: int) -> None:
        results[i] = _timed(post_ask, port, questions[i])

    threads, start = [], time.perf_counter()
    for i in range(len(questions)):
        time.sleep(max(0.0, start + i / rate - time.perf_counter()))
        threads.append(threading.Thread(target=send, args=(i,)))
        threads[-1].start()
    for thread in threads:
        thread.join()
    return {"rate_per_s": rate, **_load_report(results, time.perf_counter() - start, questions, expected)}


def _questions(index, file: Path | None) -> list[str]:
    """The question file's questions, else the index's sentences of 6 to 40 words; distinct, in order."""
    from qa.measure.datasets import read_jsonl

    if file is not None:
        pool = [c["question"] for c in read_jsonl(file) if isinstance(c.get("question"), str)]
    else:
        sentences = (c.text[s.start - c.start : s.end - c.start] for c in index.chunks for s in c.sentences)
        pool = [" ".join(s.split()) for s in sentences if 6 <= len(s.split()) <= 40]
    pool = list(dict.fromkeys(pool))
    if not pool:
        raise InputError(f"{file or 'the index'}: no questions to ask")
    return pool


def bench_serving(target: Path, questions_file: Path | None = None, model: str | None = None) -> dict:
    """Build the target's index in a temporary folder and measure serving it (see the module's docstring)."""
    from qa.embed.onnx import one_question_a_core
    from qa.engine import Engine

    if not target.is_dir():
        raise InputError(f"{target}: not a folder (give a folder of documents)")
    one_question_a_core()  # as qa serve does, so the engine's own times compare with the server's
    with tempfile.TemporaryDirectory(prefix="qa-bench-serve-") as tmp:
        index_dir = Path(tmp) / "index"
        engine = Engine(index_dir, model)
        engine.sync(target)
        return _measure(index_dir, _questions(engine.index, questions_file), engine, model)


def _measure(index_dir: Path, questions: list[str], engine, model: str | None) -> dict:
    from qa.engine import Engine

    need = 1 + SERIAL + 2 * SATURATION + STEADY
    if len(questions) < need:
        questions = [questions[i % len(questions)] + f" ({i // len(questions) + 1})" for i in range(need)]
    first, rest = questions[0], questions[1:]
    sets = {"serial": rest[:SERIAL], "api": rest[SERIAL : SERIAL + SATURATION],
            "gradio": rest[SERIAL + SATURATION : SERIAL + 2 * SATURATION], "steady": rest[-STEADY:]}  # fmt: skip
    result = {"questions": len(set(questions)), "cpus": os.cpu_count(), "one_shot_ask": one_shot(index_dir, first)}
    result["ready"] = measure_ready(index_dir, first)
    expected = {q: _gist(engine.ask(q).to_dict()) for q in sets["api"] + sets["gradio"] + sets["steady"]}
    engine = Engine(index_dir, model)  # the serial phase times first askings
    engine.ask(first)
    with started_server(index_dir) as port:
        post_ask(port, first)
        result["api_serial"] = serial(port, engine, sets["serial"])
        result["api_saturation"] = saturation(post_ask, port, sets["api"], expected)
        result["gradio_saturation"] = saturation(gradio_ask, port, sets["gradio"], expected)
        result["api_steady"] = steady(port, sets["steady"], expected)
    result["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result
