"""The findings of a probe of a live server, each a test: private handlers, headers, logout, deep links, and
(with accounts) the login before anything else and a login flood that does not keep the right password out."""

from __future__ import annotations

import shutil
import threading
import time

import httpx
import pytest
from conftest import free_port

from qa.app import build_app, launch
from qa.app.access import Listen
from qa.app.users import LiveUsers, Users
from qa.engine import Engine

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180),
              pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword)")]  # fmt: skip
QUESTION = "How many people went missing during the period of violence in Peru?"
PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def server(seeds_index, tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("probe") / "index"
    shutil.copytree(seeds_index, index_dir)
    demo = build_app(Engine(index_dir))
    port = free_port()
    launch(demo, Listen(port=port), block=False, quiet=True)
    yield demo, f"http://127.0.0.1:{port}", str(index_dir)
    demo.close()


@pytest.fixture(scope="module")
def accounts(seeds_index, tmp_path_factory):
    folder = tmp_path_factory.mktemp("accounts")
    path = folder / "users.json"
    Users.read(path, missing_ok=True).with_user("ann", ("finance",), PASSWORD).write()
    demo = build_app(Engine(seeds_index))
    port = free_port()
    launch(demo, Listen(port=port, users=LiveUsers(path), login_delay=0.3), block=False, quiet=True)
    yield demo, f"http://127.0.0.1:{port}"
    demo.close()


def test_private_handlers_cannot_be_called_by_name_or_index(server, capfd):
    demo, base, index_dir = server
    client = httpx.Client(base_url=base, timeout=30, headers={"Origin": base})
    private = sorted({fn.api_name for fn in demo.fns.values() if fn.api_name and fn.api_name != "ask"})
    assert private, "the page has private handlers to try"
    for name in private:
        for route in ("run", "api", "call", "call/v2"):
            reply = client.post(f"/gradio_api/{route}/{name}", json={"data": ["x"]})
            assert reply.status_code == 404 and index_dir not in reply.text, (route, name, reply.status_code)
        assert client.get(f"/gradio_api/call/{name}/some-event").status_code == 404
    respond = next(i for i, fn in demo.fns.items() if fn.name == "respond")
    by_index = client.post("/gradio_api/run/ask", json={"data": [QUESTION], "fn_index": respond})
    assert by_index.status_code == 400 and "unknown key(s) fn_index" in by_index.text
    extra = client.post("/gradio_api/call/ask", json={"data": [QUESTION], "session_hash": "x"})
    assert extra.status_code == 400  # the README's 400 for extra keys, on every API version
    assert "Traceback" not in capfd.readouterr().err


def test_every_answer_forbids_framing_and_sniffing(server):
    _, base, _ = server
    for method, path, body in (("GET", "/", None), ("GET", "/config", None), ("POST", "/api/ask", {"question": "x"}),
                               ("GET", "/gradio_api/deep_link", None)):  # fmt: skip
        reply = httpx.request(method, base + path, json=body, timeout=60)
        csp = reply.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp and "script-src" in csp, path
        assert reply.headers["x-frame-options"] == "DENY" and reply.headers["x-content-type-options"] == "nosniff"


def test_logout_needs_a_post_from_the_page_and_deep_links_are_off(server):
    _, base, _ = server
    assert httpx.get(f"{base}/logout", timeout=30).status_code == 405
    assert httpx.post(f"{base}/logout", headers={"Origin": "http://evil.example"}, timeout=30).status_code == 403
    assert httpx.post(f"{base}/logout", headers={"Origin": base}, timeout=30).status_code < 400
    assert httpx.get(f"{base}/gradio_api/deep_link?session_hash=abc", timeout=30).status_code == 404
    assert httpx.get(f"{base}/?deep_link=abc", timeout=30).status_code == 404


def test_with_accounts_nothing_answers_before_the_login(accounts):
    demo, base = accounts
    client = httpx.Client(base_url=base, timeout=30, headers={"Origin": base})
    join = {"data": ["x"], "fn_index": 999, "session_hash": "abcdefgh"}  # a malformed event: 401, not 422
    for method, path, body in (("POST", "/gradio_api/queue/join", join), ("POST", "/gradio_api/cancel", {}),
                               ("POST", "/gradio_api/reset", {}), ("GET", "/openapi.json", None),
                               ("GET", "/gradio_api/openapi.json", None), ("GET", "/config", None),
                               ("POST", "/gradio_api/call/v2/ask", {"question": "x", "extra": 1})):  # fmt: skip
        reply = client.request(method, path, json=body)
        assert reply.status_code == 401 and "input" not in reply.text, (path, reply.status_code, reply.text[:100])
    assert client.get("/").status_code == 200  # the login page itself


def test_a_flood_of_wrong_logins_does_not_keep_the_right_password_out(accounts):
    _, base = accounts
    flood = [threading.Thread(daemon=True, target=lambda: httpx.post(f"{base}/login", timeout=120,
                                                        data={"username": "ann", "password": "wrong-password-x"}))
             for _ in range(25)]  # fmt: skip
    for thread in flood:
        thread.start()
    time.sleep(0.5)
    browser = httpx.Client(base_url=base, timeout=60, headers={"Origin": base})
    assert browser.get("/").status_code == 200 and browser.cookies.get("qa_session")
    start = time.perf_counter()
    reply = browser.post("/login", data={"username": "ann", "password": PASSWORD})
    waited = time.perf_counter() - start
    assert reply.status_code == 200 and waited < 2, waited
    assert browser.get("/config").status_code == 200
    assert sum(t.is_alive() for t in flood) > 15  # the wrong ones are still queued
