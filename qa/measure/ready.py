"""How soon `qa serve` answers after launch (BM25 first), and when meaning search joins.

    python -m qa.measure.ready [--index DIR] [--question TEXT]

Starts `qa serve` on a free loopback port, asks through `POST /api/ask` every tenth of a second and prints JSON:
seconds from launch to the first answer and the mode that served it, and seconds until an answer is served by
hybrid search.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

QUESTION = "How many people went missing during the period of violence?"
POLL = 0.1  # seconds between attempts


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ask_once(port: int, question: str, timeout: float = 60.0) -> dict | None:
    """The answer JSON of `POST /api/ask`, or None while the server is not up yet."""
    body = json.dumps({"question": question}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/ask", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return json.loads(reply.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return None


def _launch(index_dir: Path, port: int) -> subprocess.Popen:
    launcher = "import sys; from qa.cli import main; sys.exit(main())"
    command = [sys.executable, "-c", launcher, "serve", "--index", str(index_dir), "--port", str(port)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip


def _stop(server: subprocess.Popen) -> str:
    server.terminate()
    try:
        return server.communicate(timeout=30)[1] or ""
    except subprocess.TimeoutExpired:
        server.kill()
        return server.communicate()[1] or ""


def measure_ready(index_dir: Path, question: str = QUESTION, limit: float = 300.0) -> dict:
    """Launch `qa serve` on `index_dir` and time its first answer and its first hybrid answer."""
    port, start = free_port(), time.perf_counter()
    server = _launch(index_dir, port)
    result = {"first_answer_s": None, "first_mode": None, "hybrid_s": None}
    try:
        while time.perf_counter() - start < limit and server.poll() is None:
            answer = ask_once(port, question)
            elapsed = round(time.perf_counter() - start, 2)
            if answer is not None and result["first_answer_s"] is None:
                result.update(first_answer_s=elapsed, first_mode=answer.get("mode"))
            if answer is not None and answer.get("mode") == "hybrid":
                result["hybrid_s"] = elapsed
                break
            time.sleep(POLL)
    finally:
        errors = _stop(server)
    if result["first_answer_s"] is None:
        result["error"] = (errors or "no answer").strip().splitlines()[-1:]
    return result


@contextlib.contextmanager
def started_server(index_dir: Path, limit: float = 120.0) -> Iterator[int]:
    """`qa serve` on `index_dir`, yielded (its port) once it answers in hybrid mode; stopped afterwards."""
    port, start = free_port(), time.perf_counter()
    server = _launch(index_dir, port)
    try:
        while (answer := ask_once(port, QUESTION)) is None or answer.get("mode") != "hybrid":
            if server.poll() is not None or time.perf_counter() - start > limit:
                raise RuntimeError(f"qa serve did not come up: {_stop(server).strip()[-300:]}")
            time.sleep(POLL)
        yield port
    finally:
        _stop(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa.measure.ready", description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("index"))
    parser.add_argument("--question", default=QUESTION)
    args = parser.parse_args(argv)
    print(json.dumps(measure_ready(args.index, args.question)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
