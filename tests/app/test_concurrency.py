"""Load on a running server: 50 concurrent `ask` calls on loopback, all answered correctly."""

from __future__ import annotations

import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import free_port

from qa.app import build_app, launch
from qa.app.access import Listen
from qa.engine import Engine

CASES = [json.loads(line) for line in (Path(__file__).parents[1] / "data" / "seeds_qa.jsonl").read_text().splitlines()]
REQUESTS = 50
pytestmark = [
    pytest.mark.slow,  # a live server
    pytest.mark.timeout(240),
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword is deprecated)"),
]  # pandas notes from gradio's queue


@pytest.fixture(scope="module")
def url(seeds_index):
    demo = build_app(Engine(seeds_index))
    port = free_port()
    launch(demo, Listen(port=port), block=False, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def test_fifty_concurrent_requests_all_succeed_with_the_same_answers(url, seeds_index):
    from gradio_client import Client

    engine = Engine(seeds_index)
    questions = [CASES[i % len(CASES)]["question"] for i in range(REQUESTS)]
    expected = {q: engine.ask(q).answer for q in set(questions)}

    clients = [Client(url, verbose=False) for _ in range(REQUESTS)]

    def call(i: int) -> tuple[dict, float]:
        start = time.perf_counter()
        reply = clients[i].predict(questions[i], api_name="/ask")
        return reply, time.perf_counter() - start

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        results = list(pool.map(call, range(REQUESTS)))
    wall = time.perf_counter() - start
    for question, (reply, _) in zip(questions, results, strict=True):
        assert reply["question"] == question and reply["answer"] == expected[question]
    latencies = sorted(seconds for _, seconds in results)
    p50, p95 = statistics.median(latencies), latencies[int(0.95 * (len(latencies) - 1))]
    figures = {"requests": REQUESTS, "wall_s": round(wall, 2), "p50_s": round(p50, 3), "p95_s": round(p95, 3)}
    print(f"\n50 concurrent asks: {figures}")
