"""Serving: a password off loopback, and the index built before the server starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.app import check_access, serve
from qa.app.access import Listen
from qa.records import InputError
from qa.store.files import current_version

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def test_non_loopback_host_needs_auth(monkeypatch, tmp_path):
    monkeypatch.delenv("QA_AUTH", raising=False)
    with pytest.raises(InputError, match="--auth"):
        serve(tmp_path / "index", SEEDS, Listen(host="0.0.0.0"))
    assert not (tmp_path / "index").exists()  # refused before doing anything
    assert check_access("0.0.0.0", "ann:correct-horse") == ("ann", "correct-horse")
    with pytest.raises(InputError, match="at least 10"):
        check_access("0.0.0.0", "ann:x")
    assert check_access("127.0.0.1", None) is None and check_access("localhost", None) is None
    assert check_access("::1", None) is None
    with pytest.raises(InputError):
        check_access("192.168.1.5", "no-colon")


def test_serve_builds_the_index_first_then_launches(monkeypatch, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "note.txt").write_text("The Quibble bridge opened in 1911.\n", encoding="utf-8")
    launched = {}
    monkeypatch.setattr(
        "qa.app.server.launch", lambda demo, listen, **_: launched.update(host=listen.host, port=listen.port)
    )
    serve(tmp_path / "index", folder, Listen(port=7999))
    assert current_version(tmp_path / "index") is not None and launched == {"host": "127.0.0.1", "port": 7999}
