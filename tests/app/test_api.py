"""`POST /api/ask`: the `ask` JSON in, `qa ask --json`'s object out, behind the same guard and checks."""

from __future__ import annotations

import base64
import shutil

import httpx
import pytest
from conftest import free_port

from qa.app import build_app, launch
from qa.app.access import Listen
from qa.app.api import ROUTE, _credentials
from qa.app.asking import ask_json
from qa.app.checks import Refused
from qa.app.guard import MAX_API_BODY
from qa.app.inputs import PUBLIC_API, named_problem
from qa.engine import Engine

pytestmark = [pytest.mark.timeout(180), pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword)")]
QUESTION = "How many people went missing during the period of violence in Peru?"


def test_parameters_are_checked_by_name():
    ask = PUBLIC_API["ask"]
    assert named_problem("ask", ask, {"question": QUESTION, "sources": ["004_*"]}) is None
    assert named_problem("ask", ask, [QUESTION]) == "the body must be a JSON object"
    assert "unknown parameter(s) mode" in named_problem("ask", ask, {"question": QUESTION, "mode": "bm25"})
    assert "missing parameter(s) question" in named_problem("ask", ask, {"history": []})
    assert named_problem("ask", ask, {"question": QUESTION, "history": "no"}).startswith("history: expected a list")


def test_basic_credentials_are_read_from_the_header():
    token = base64.b64encode(b"ann:pass:word").decode()
    assert _credentials({"authorization": f"Basic {token}"}) == ("ann", "pass:word")
    assert _credentials({"authorization": "Bearer abc"}) is None and _credentials({}) is None
    assert _credentials({"authorization": "Basic !!!"}) is None
    assert _credentials({"authorization": f"Basic {base64.b64encode(b'no-colon').decode()}"}) is None


def test_the_call_answers_as_the_engine_does_and_refuses_bad_values(seeds_engine):
    assert ask_json(seeds_engine, QUESTION) == seeds_engine.ask(QUESTION).to_dict()
    for bad in ("", 5, "x" * 2001):
        with pytest.raises(Refused):
            ask_json(seeds_engine, bad)


@pytest.fixture(scope="module")
def base(seeds_index, tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("api") / "index"
    shutil.copytree(seeds_index, index_dir)
    demo = build_app(Engine(index_dir))
    port = free_port()
    launch(demo, Listen(port=port), block=False, quiet=True)
    yield f"http://127.0.0.1:{port}"
    demo.close()


@pytest.mark.slow  # a live server
def test_post_gives_the_same_json_as_qa_ask(base, seeds_engine):
    reply = httpx.post(f"{base}{ROUTE}", json={"question": QUESTION}, timeout=60)
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/json"
    assert reply.json() == seeds_engine.ask(QUESTION).to_dict()
    follow = {"question": "In which northern regions does it work?", "sources": ["004_*"],
              "history": ["Since when has COOPI been present in Peru?"]}  # fmt: skip
    assert "Piura" in httpx.post(f"{base}{ROUTE}", json=follow, timeout=60).json()["answer"]


@pytest.mark.slow  # a live server
def test_bad_requests_get_a_status_and_a_one_line_reason(base, capfd):
    post = lambda **kw: httpx.post(f"{base}{ROUTE}", timeout=30, **kw)  # noqa: E731
    assert httpx.get(f"{base}{ROUTE}").status_code == 405
    assert post(content=b'{"question": "x"}').status_code == 415  # not sent as JSON: a form from another site
    cases = [
        (post(json={"question": QUESTION, "mode": "bm25"}), 400, "unknown parameter(s) mode"),
        (post(json={"question": "  "}), 400, "The question is empty"),
        (post(json=[QUESTION]), 400, "the body must be a JSON object"),
        (post(content=b"{not json", headers={"content-type": "application/json"}), 400, "JSON object"),
        (post(json={"question": "y" * 2001}), 400, "limit is 2,000"),
        (post(json={"question": QUESTION, "history": ["a"] * 11}), 400, "history"),
        (post(json={"question": QUESTION, "sources": ["nothing-like-this*"]}), 400, "match"),
        (post(json={"question": "x" * (MAX_API_BODY + 1)}), 413, "over"),
        (post(json={"question": QUESTION}, headers={"host": "evil.example"}), 421, "host name"),
        (post(json={"question": QUESTION}, headers={"origin": "http://evil.example"}), 403, "not allowed"),
    ]
    for reply, status, words in cases:
        assert reply.status_code == status and words in reply.text and "\n" not in reply.text.strip(), reply.text
    assert "Traceback" not in capfd.readouterr().err
