"""The browser-side attacks on `qa serve`, each driven over raw HTTP against a live loopback server."""

from __future__ import annotations

import json
import secrets
import shutil
import time
from pathlib import Path

import httpx
import pytest
from conftest import free_port

from qa.app import Handlers, build_app, check_access, launch
from qa.app.access import Listen, auth_from
from qa.app.guard import HostRule, origin_problem
from qa.cli import build_parser
from qa.engine import Engine
from qa.records import InputError

pytestmark = [
    pytest.mark.timeout(180),  # live servers
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword is deprecated)"),
]
slow = pytest.mark.slow
QUESTION = "How many people went missing during the period of violence in Peru?"
PASSWORD = "correct-horse-battery"


# ---- fast: the rules themselves ---------------------------------------------------------------


def test_host_rule_accepts_only_this_server():
    rule = HostRule("127.0.0.1", 7870, ["qa.example.org"])
    for host in ("127.0.0.1:7870", "localhost:7870", "LOCALHOST:7870", "[::1]:7870", "qa.example.org"):
        assert rule.allows(host), host
    for host in ("evil.example:7870", "rebind.example", "127.0.0.1:7871", "localhost", "", "a@127.0.0.1:7870"):
        assert not rule.allows(host), host
    wildcard = HostRule("0.0.0.0", 7870)
    assert wildcard.allows("192.168.1.5:7870") and not wildcard.allows("nas.local:7870")


def test_origin_rule_refuses_other_origins_for_state_changes():
    own = {"host": "127.0.0.1:7870", "origin": "http://127.0.0.1:7870"}
    assert origin_problem("POST", own) is None and origin_problem("POST", {"host": own["host"]}) is None
    for origin in ("http://evil.example", "null", "http://127.0.0.1:9999", "http://localhost:7870"):
        assert origin_problem("POST", {**own, "origin": origin}), origin
        assert origin_problem("OPTIONS", {**own, "origin": origin}), origin
        assert origin_problem("GET", {**own, "origin": origin}) is None  # readable only without CORS: see below
    assert origin_problem("POST", {"host": own["host"], "sec-fetch-site": "same-site"})


def test_auth_comes_from_env_or_file_and_needs_a_long_password(monkeypatch, tmp_path):
    warnings = []
    monkeypatch.setenv("QA_AUTH", f"ann:{PASSWORD}")
    assert auth_from(None, None, warnings.append) == f"ann:{PASSWORD}" and not warnings
    secret = tmp_path / "auth"
    secret.write_text(f"\nbob:{PASSWORD}\n", encoding="utf-8")
    secret.chmod(0o600)
    assert auth_from(None, secret, warnings.append) == f"bob:{PASSWORD}" and not warnings
    assert auth_from("cli:pass", secret, warnings.append) == "cli:pass" and "ps" in warnings[-1]
    with pytest.raises(InputError, match="at least 10"):
        check_access("0.0.0.0", "ann:short")
    with pytest.raises(InputError, match="cannot read"):
        auth_from(None, tmp_path / "missing", warnings.append)
    secret.chmod(0o644)
    assert auth_from(None, secret, warnings.append) == f"bob:{PASSWORD}" and "chmod 600" in warnings[-1]
    args = build_parser().parse_args(
        ["serve", "--auth-file", str(secret), "--allow-host", "a.lan", "--allow-host", "b"]
    )
    assert args.auth is None and args.auth_file == secret and args.allow_host == ["a.lan", "b"]


def test_handlers_refuse_bad_values_with_a_message(seeds_index):
    import gradio as gr

    handlers = Handlers(Engine(seeds_index))
    bad_calls = [
        lambda: handlers.add_question("x" * 1_000_000, []),
        lambda: handlers.add_question(["not", "text"], []),
        lambda: handlers.add_question("fine", "not a list"),
        lambda: handlers.respond(QUESTION, [], [], "evil", 5),
        lambda: handlers.respond(QUESTION, [], [], "hybrid", "5"),
        lambda: handlers.respond(QUESTION, [], [], "hybrid", 5.5),
        lambda: handlers.ask(5),
        lambda: handlers.ask("y" * 2001),
        lambda: handlers.status("evil"),
        lambda: handlers.upload([1, 2], "hybrid"),
    ]
    for call in bad_calls:
        with pytest.raises(gr.Error) as error:
            call()
        assert error.value.message and error.value.print_exception is False
    skip = gr.skip()
    odd = [{"open": 5}, {"open": "c999"}, {"open": "p0"}, {"open": "x" * 5000}, None, "text"]
    for data in odd:
        assert handlers.open_source([], 0, gr.EventData(None, data)) == (skip, skip)
    for index in ([], ["a"], None, -4, 10**9):
        assert handlers.select_message([], gr.SelectData(None, {"index": index, "value": None})) == (skip,) * 3


# ---- slow: a live server on loopback ----------------------------------------------------------


@pytest.fixture(scope="module")
def live(seeds_index, tmp_path_factory):
    """The app on a free loopback port over a private copy of the seeds index; yields (demo, base url)."""
    index_dir = tmp_path_factory.mktemp("security") / "index"
    shutil.copytree(seeds_index, index_dir)
    demo = build_app(Engine(index_dir))
    port = free_port()
    launch(demo, Listen(port=port), block=False, quiet=True)
    yield demo, f"http://127.0.0.1:{port}"
    demo.close()


def browser(base: str) -> httpx.Client:
    """A client that loaded the page: it holds the session cookie and sends the app's own Origin."""
    client = httpx.Client(base_url=base, timeout=60, headers={"Origin": base})
    assert client.get("/").status_code == 200 and client.cookies.get("qa_session")
    return client


def fn_index(demo, name: str) -> int:
    return next(fn_id for fn_id, fn in demo.fns.items() if fn.name == name)


def run_event(client: httpx.Client, fn: int, data: list, session_hash: str | None = None, event_data=None) -> dict:
    """Join the queue for one event and read its result off the event stream."""
    session_hash = session_hash or secrets.token_hex(8)
    body = {"data": data, "fn_index": fn, "session_hash": session_hash, "event_data": event_data}
    joined = client.post("/gradio_api/queue/join", json=body)
    assert joined.status_code == 200, joined.text
    with client.stream("GET", f"/gradio_api/queue/data?session_hash={session_hash}") as stream:
        for line in stream.iter_lines():
            message = json.loads(line[5:]) if line.startswith("data:") else {}
            if message.get("msg") == "process_completed":
                return message
    raise AssertionError("no result")


def upload(client: httpx.Client, name: str, data: bytes) -> str:
    reply = client.post("/gradio_api/upload", files={"files": (name, data)})
    assert reply.status_code == 200, reply.text
    return reply.json()[0]


def file_data(path: str) -> dict:
    return {"path": path, "orig_name": Path(path).name, "meta": {"_type": "gradio.FileData"}}


@slow
def test_foreign_host_names_are_refused_before_gradio(live):
    _, base = live
    port = base.rsplit(":", 1)[1]
    raw = httpx.Client(base_url=base, timeout=30)
    for host in (f"evil.example:{port}", "rebind.example", f"127.0.0.1:{int(port) + 1}"):
        for method, path in (("GET", "/"), ("GET", "/config"), ("POST", "/gradio_api/call/v2/ask")):
            reply = raw.request(method, path, headers={"Host": host, "Origin": "http://anything.example"}, json={})
            assert reply.status_code == 421, (host, path)
            assert not any(k.startswith("access-control") for k in reply.headers), reply.headers
    assert raw.get("/config", headers={"Host": f"localhost:{port}"}).status_code == 200


@slow
def test_other_origins_cannot_change_state_and_cors_grants_nothing(live):
    demo, base = live
    client = browser(base)
    other_port = f"http://127.0.0.1:{int(base.rsplit(':', 1)[1]) + 1}"
    posts = {
        "/gradio_api/upload": {"files": {"files": ("x.txt", b"planted text")}},
        "/gradio_api/queue/join": {"json": {"data": [QUESTION, []], "fn_index": 0, "session_hash": "abcdefgh"}},
        "/gradio_api/call/v2/ask": {"json": {"question": QUESTION}},
        "/gradio_api/call/ask": {"json": {"data": [QUESTION]}},
        "/gradio_api/reset": {"json": {"event_id": "x"}},
        "/gradio_api/cancel": {"json": {"session_hash": "abcdefgh", "fn_index": 0, "event_id": "x"}},
    }
    for origin in ("http://evil.example", "null", other_port, "http://localhost:1"):
        for path, body in posts.items():
            reply = client.post(path, headers={"Origin": origin}, **body)
            assert reply.status_code == 403, (origin, path, reply.status_code)
            assert not any(k.startswith("access-control") for k in reply.headers)
        preflight = client.options(
            "/gradio_api/upload", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
        )
        assert preflight.status_code == 403 and "access-control-allow-origin" not in preflight.headers
        read = client.get("/config", headers={"Origin": origin})
        assert read.status_code == 200 and not any(k.startswith("access-control") for k in read.headers)
    cookies, blind = dict(client.cookies), {"files": ("x.txt", b"blind upload")}
    cross_site = httpx.post(
        f"{base}/gradio_api/upload", headers={"Sec-Fetch-Site": "same-site"}, cookies=cookies, files=blind
    )
    assert cross_site.status_code == 403  # no Origin header, but the browser says it comes from another site
    no_session = httpx.post(f"{base}/gradio_api/upload", files=blind, timeout=30)
    assert no_session.status_code == 403  # a blind upload without the page's session cookie
    no_origin = httpx.post(f"{base}/gradio_api/upload", files=blind, cookies=cookies, timeout=30)
    assert no_origin.status_code == 403  # nor without an Origin: only the page uploads
    assert upload(client, "fine.txt", b"The page's own upload works.").endswith("fine.txt")


@slow
def test_upload_event_indexes_only_this_sessions_uploads(live):
    from gradio.utils import get_upload_folder

    demo, base = live
    mine, theirs = browser(base), browser(base)
    fn = fn_index(demo, "upload")
    their_path = upload(theirs, "theirs.txt", b"The Quarnel canal is 88 kilometres long.")
    planted = Path(get_upload_folder()) / secrets.token_hex(8) / "planted.txt"
    planted.parent.mkdir(parents=True)
    planted.write_text("The Vostrik tower is 140 metres tall.", encoding="utf-8")
    documents = len(demo.qa_handlers.engine.index.documents)
    for path in (their_path, str(planted)):
        log = run_event(mine, fn, [[file_data(path)], "hybrid"])["output"]["data"][0]
        assert "qa-up-rejected" in log and "not uploaded through this page" in log
        assert Path(path).exists()  # neither indexed nor deleted
    assert len(demo.qa_handlers.engine.index.documents) == documents
    my_path = upload(mine, "mine.txt", b"The Brelloc ferry leaves at 7 every morning.")
    log = run_event(mine, fn, [[file_data(my_path)], "hybrid"])["output"]["data"][0]
    assert "qa-up-added" in log and not Path(my_path).exists()
    assert len(demo.qa_handlers.engine.index.documents) == documents + 1
    again = run_event(mine, fn, [[file_data(my_path)], "hybrid"])["output"]["data"][0]
    assert "qa-up-rejected" in again  # a path is good for one use only
    planted.unlink()


@slow
def test_exports_are_served_only_to_the_session_that_made_them(live):
    demo, base = live
    mine, theirs = browser(base), browser(base)
    session = secrets.token_hex(8)
    run_event(mine, fn_index(demo, "add_question"), [QUESTION, []], session)
    outputs = run_event(mine, fn_index(demo, "respond"), [None, [], None, "hybrid", 5, []], session)
    outputs = outputs["output"]["data"]
    url = outputs[5]["value"]["url"]
    assert "/gradio_api/file=" in url and mine.get(url).text.startswith("# qa conversation")
    assert theirs.get(url).status_code == 403
    assert httpx.get(url, timeout=30).status_code == 403  # no session at all
    lookalike = upload(mine, Path(url).name, b"# qa conversation\nnot an export")
    assert mine.get(f"/gradio_api/file={lookalike}").status_code == 403  # same name, another path
    for path in ("/gradio_api/file=/etc/passwd", "/gradio_api/file=http://example.com/x", "/gradio_api/proxy=x"):
        assert mine.get(path).status_code == 403


@slow
def test_oversized_and_ill_typed_inputs_get_clear_4xx_errors(live, capfd):
    demo, base = live
    client = browser(base)
    ask_fn, respond_fn = fn_index(demo, "add_question"), fn_index(demo, "respond")
    bad_events = [
        ({"fn_index": ask_fn, "data": ["x" * 1_000_000, []]}, "limit is 2,000"),
        ({"fn_index": ask_fn, "data": [{"text": "q"}, []]}, "expected text"),
        ({"fn_index": ask_fn, "data": ["q", "not a chat"]}, "not a valid chatbot"),
        ({"fn_index": ask_fn, "data": ["q"]}, "list of 2"),
        ({"fn_index": respond_fn, "data": [None, [], None, "evil", 5, []]}, "expected one of"),
        ({"fn_index": respond_fn, "data": [None, [], None, "hybrid", "abc", []]}, "expected a number"),
        ({"fn_index": respond_fn, "data": [None, [], None, "hybrid", 10**9, []]}, "expected a number"),
        ({"fn_index": respond_fn, "data": [None, [], None, "hybrid", 5, "a.txt"]}, "expected a list"),
        ({"fn_index": respond_fn, "data": [None, [], None, "hybrid", 5, [{"x": 1}]]}, "expected texts"),
        ({"fn_index": respond_fn, "data": [None, [], None, "hybrid", 5]}, "list of 6"),
        ({"fn_index": 999, "data": []}, "no such event"),
        ({"fn_index": fn_index(demo, "upload"), "data": [[{"path": 5}], "hybrid"]}, "not a valid file"),
    ]
    for body, message in bad_events:
        reply = client.post("/gradio_api/queue/join", json={**body, "session_hash": "abcdefgh"})
        assert reply.status_code == 422 and message in reply.json()["error"], (body["data"][:1], reply.text[:200])
    bad_calls = [
        ("/gradio_api/call/v2/ask", {"question": "hi", "top_k": 3}, 400, "unknown parameter(s) top_k"),
        ("/gradio_api/call/v2/ask", {"question": "hi", "mode": "bm25"}, 400, "unknown parameter(s) mode"),
        ("/gradio_api/call/v2/ask", {"history": ["hi"]}, 400, "missing parameter(s) question"),
        ("/gradio_api/call/v2/ask", {"question": "hi", "history": "hi"}, 400, "history: expected a list"),
        ("/gradio_api/call/v2/ask", {"question": "hi", "history": ["q"] * 11}, 400, "at most 10"),
        ("/gradio_api/call/v2/ask", {"question": "hi", "sources": [5]}, 400, "sources: expected texts"),
        ("/gradio_api/call/ask", {"data": ["a", [], [], "b"]}, 400, "list of 1 to 3"),
        ("/gradio_api/call/ask", {"data": []}, 400, "list of 1 to 3"),
        ("/gradio_api/run/ask", {"data": ["a", 5]}, 400, "history: expected a list"),
        ("/gradio_api/call/v2/ask", {"question": "z" * 70_000}, 413, "too large"),
    ]
    for path, body, status, message in bad_calls:
        reply = client.post(path, json=body)
        assert reply.status_code == status and message in reply.json()["error"], (path, reply.text[:200])
    for question, message in ((5, "must be text"), ("q" * 2001, "the limit is 2,000")):
        event = client.post("/gradio_api/call/v2/ask", json={"question": question}).json()["event_id"]
        stream = client.get(f"/gradio_api/call/ask/{event}").text
        assert "event: error" in stream and message in stream
    alone = (("/gradio_api/call/ask", {"data": [QUESTION]}), ("/gradio_api/call/v2/ask", {"question": QUESTION}))
    for path, body in alone:  # the question alone works as before
        event = client.post(path, json=body).json()["event_id"]
        assert "22,295" in client.get(f"/gradio_api/call/ask/{event}").text
    assert "Traceback" not in capfd.readouterr().err


@pytest.fixture(scope="module")
def locked(seeds_index):
    """The app with a password; after a failed login the next waits LOGIN_DELAY (short here), doubling."""
    demo = build_app(Engine(seeds_index))
    port = free_port()
    launch(demo, Listen(port=port, auth=("ann", PASSWORD), login_delay=0.4), block=False, quiet=True)
    yield demo, f"http://127.0.0.1:{port}"
    demo.close()


@slow
def test_with_auth_on_nothing_runs_without_logging_in(locked):
    demo, base = locked
    client = browser(base)
    assert client.get("/config").status_code == 401
    assert client.post("/gradio_api/call/v2/ask", json={"question": QUESTION}).status_code == 401
    assert client.post("/gradio_api/call/ask", json={"data": [QUESTION]}).status_code == 401
    assert client.post("/gradio_api/upload", files={"files": ("x.txt", b"no")}).status_code == 401
    join = {"data": [QUESTION, []], "fn_index": fn_index(demo, "add_question"), "session_hash": "abcdefgh"}
    assert client.post("/gradio_api/queue/join", json=join).status_code == 401
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        assert client.post("/login", data={"username": "ann", "password": "wrong-password!"}).status_code == 400
        timings.append(time.perf_counter() - start)
    assert timings[1] >= 0.4 and timings[2] >= 0.8, timings  # each failure doubles the wait before the next try
    assert client.post("/login", data={"username": "ann", "password": PASSWORD}).status_code == 200
    assert client.get("/config").status_code == 200
    assert client.post("/gradio_api/call/v2/ask", json={"question": QUESTION}).status_code == 200


@slow
def test_with_auth_on_the_json_route_needs_basic_credentials(locked):
    _, base = locked
    url, body = f"{base}/api/ask", {"question": QUESTION}
    refused = httpx.post(url, json=body, timeout=30)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == 'Basic realm="qa"'
    assert httpx.post(url, json=body, auth=("ann", "wrong-password!"), timeout=30).status_code == 401
    answered = httpx.post(url, json=body, auth=("ann", PASSWORD), timeout=60)
    assert answered.status_code == 200 and "22,295" in answered.json()["answer"]
