"""How soon `qa serve` answers after launch (BM25 first), and when meaning search joins.

    python -m qa.measure.ready [--index DIR] [--question TEXT]

Starts `qa serve` on a free loopback port, asks through the public `ask` API every half second and
prints JSON: seconds from launch to the first answer and the mode that served it, and seconds until an
answer is served by hybrid search.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

QUESTION = "How many people went missing during the period of violence?"
POLL = 0.5  # seconds between attempts


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ask_once(port: int, question: str, timeout: float = 60.0) -> dict | None:
    """The answer JSON from the `ask` endpoint, or None while the server is not up yet."""
    base = f"http://127.0.0.1:{port}/gradio_api/call/ask"
    body = json.dumps({"data": [question, [], []]}).encode()
    try:
        request = urllib.request.Request(base, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            event = json.loads(reply.read())["event_id"]
        with urllib.request.urlopen(f"{base}/{event}", timeout=timeout) as stream:
            lines = stream.read().decode().splitlines()
    except (urllib.error.URLError, ConnectionError, TimeoutError, KeyError, ValueError):
        return None
    data = [line[len("data: ") :] for line in lines if line.startswith("data: ")]
    result = json.loads(data[-1]) if data else None
    return result[0] if isinstance(result, list) and result and isinstance(result[0], dict) else None


def measure(index_dir: Path, question: str = QUESTION, limit: float = 300.0) -> dict:
    """Launch `qa serve` on `index_dir` and time its first answer and its first hybrid answer."""
    port, start = free_port(), time.perf_counter()
    launcher = "import sys; from qa.cli import main; sys.exit(main())"
    command = [sys.executable, "-c", launcher, "serve", "--index", str(index_dir), "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
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
        server.terminate()
        _, errors = server.communicate(timeout=30)
    if result["first_answer_s"] is None:
        result["error"] = (errors or "no answer").strip().splitlines()[-1:]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m qa.measure.ready", description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("index"))
    parser.add_argument("--question", default=QUESTION)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.index, args.question)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
