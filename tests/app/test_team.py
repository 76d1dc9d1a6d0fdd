"""One server for a team: two users in different groups, over HTTP, Gradio's client and the audit log."""

from __future__ import annotations

import json
import shutil

import httpx
import pytest
from conftest import free_port

from qa.app import build_app, launch
from qa.app.access import Listen
from qa.app.users import LiveUsers, Users
from qa.engine import Engine
from qa.store.access import Rule, save_rules

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240),
              pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword)")]  # fmt: skip
JICA = "Since what year has JICA been operating in Peru?"
ANN, BOB = ("ann", "correct-horse-battery"), ("bob", "another-long-password")


@pytest.fixture(scope="module")
def team(seeds_index, tmp_path_factory):
    """The seeds, JICA's page (000_) readable by finance only and ICRC's (001_) by research only."""
    folder = tmp_path_factory.mktemp("team")
    index_dir, users, audit = folder / "index", folder / "users.json", folder / "audit.jsonl"
    shutil.copytree(seeds_index, index_dir)
    save_rules(index_dir, (Rule("000_*", ("finance",)), Rule("001_*", ("research",))))
    accounts = Users.read(users, missing_ok=True).with_user(ANN[0], ("finance",), ANN[1])
    accounts.with_user(BOB[0], ("research",), BOB[1]).write()
    demo = build_app(Engine(index_dir))
    port = free_port()
    launch(demo, Listen(port=port, users=LiveUsers(users), audit=audit, login_delay=0.2), block=False, quiet=True)
    yield f"http://127.0.0.1:{port}", audit
    demo.close()


def _cited(answer: dict) -> set[str]:
    return {c["source"] for c in answer["citations"]} | {p["source"] for p in answer.get("passages", [])}


def test_each_user_is_answered_from_their_groups_documents(team):
    base, audit = team
    ask = lambda who, body: httpx.post(f"{base}/api/ask", json=body, auth=who, timeout=60)  # noqa: E731
    mine = ask(ANN, {"question": JICA}).json()
    assert "1958" in mine["answer"] and any(s.startswith("000_") for s in _cited(mine))
    theirs = ask(BOB, {"question": JICA}).json()
    assert not any(s.startswith("000_") for s in _cited(theirs))
    refused = ask(BOB, {"question": JICA, "sources": ["000_*"]})
    assert refused.status_code == 400 and "no indexed document matches" in refused.json()["error"]
    assert ask(("bob", "wrong-password-x"), {"question": JICA}).status_code == 401
    lines = [json.loads(line) for line in audit.read_text().splitlines()]
    assert [(x["user"], x["question"]) for x in lines[-2:]] == [("ann", JICA), ("bob", JICA)]
    assert lines[-2]["sources"] and all(s.startswith("000_") for s in lines[-2]["sources"][:1])
    assert ANN[1] not in audit.read_text() and BOB[1] not in audit.read_text()


def test_gradio_client_with_each_login(team):
    from gradio_client import Client

    base, _ = team
    mine = Client(base, auth=ANN, verbose=False).predict(JICA, api_name="/ask")
    theirs = Client(base, auth=BOB, verbose=False).predict(JICA, api_name="/ask")
    assert any(s.startswith("000_") for s in _cited(mine)) and not any(s.startswith("000_") for s in _cited(theirs))
