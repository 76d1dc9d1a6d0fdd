"""Accounts: scrypt hashes in a private file, `qa users` reading the password from stdin, throttled logins."""

from __future__ import annotations

import asyncio
import json
import stat
import time

import pytest

from qa.app.throttle import Throttle
from qa.app.users import LiveUsers, Users, hash_password, password_matches
from qa.records import InputError
from qa.store.access import Reader

PASSWORD = "correct-horse-battery"


def test_a_password_is_kept_as_a_salted_scrypt_hash():
    stored = hash_password(PASSWORD)
    assert stored.startswith("scrypt$16384$8$1$") and PASSWORD not in stored
    assert stored != hash_password(PASSWORD)  # salted
    assert password_matches(PASSWORD, stored) and not password_matches(PASSWORD + "!", stored)
    assert not password_matches(PASSWORD, "garbage")


def test_the_users_file_is_written_private_and_read_back(tmp_path):
    path = tmp_path / "users.json"
    Users.read(path, missing_ok=True).with_user("ann", ("finance", "staff"), PASSWORD).write()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and PASSWORD not in path.read_text()
    users = Users.read(path)
    assert users.reader("ann", PASSWORD) == Reader("ann", ("finance", "staff"))
    assert users.reader("ann", "wrong password") is None and users.reader("zed", PASSWORD) is None
    assert users.without_user("ann").accounts == {}
    with pytest.raises(InputError, match="at least 10"):
        users.with_user("bob", (), "short")
    with pytest.raises(InputError, match="user 'b b'"):
        users.with_user("b b", (), PASSWORD)
    path.write_text("{}")
    with pytest.raises(InputError, match="not a qa users file"):
        Users.read(path)


def test_a_running_server_sees_a_user_added_later(tmp_path):
    path = tmp_path / "users.json"
    Users.read(path, missing_ok=True).with_user("ann", ("a",), PASSWORD).write()
    live = LiveUsers(path)
    assert live.current().reader_named("bob") is None
    time.sleep(0.01)
    Users.read(path).with_user("bob", ("b",), PASSWORD).write()
    assert live.current().reader_named("bob") == Reader("bob", ("b",))


def test_qa_users_reads_the_password_from_stdin(tmp_path, cli, monkeypatch):
    import io

    path = tmp_path / "users.json"
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code, _, err = cli("users", "add", "ann", "--groups", "finance,staff", "--users", path)
    assert code == 0 and "ann (finance, staff) saved" in err
    assert Users.read(path).reader("ann", PASSWORD) is not None
    code, out, _ = cli("users", "list", "--users", path)
    assert code == 0 and out == "ann\tfinance,staff\n"
    code, _, err = cli("users", "remove", "zed", "--users", path)
    assert code == 2 and err.count("\n") == 1 and "no user 'zed'" in err
    assert json.loads(path.read_text())["users"].keys() == {"ann"}


def test_a_flood_of_wrong_passwords_queues_behind_itself_not_the_right_one():
    async def scenario():
        throttle, right = Throttle(delay=0.2), "right"

        async def check(password: str) -> bool:
            await asyncio.sleep(0.01)
            return password == right

        flood = [asyncio.create_task(throttle.attempt("attacker", "ann", lambda: check("wrong"))) for _ in range(25)]
        await asyncio.sleep(0.05)
        start = time.perf_counter()
        assert await throttle.attempt("browser", "ann", lambda: check(right))
        waited = time.perf_counter() - start
        done = sum(t.done() for t in flood)
        for task in flood:
            task.cancel()
        return waited, done

    waited, done = asyncio.run(scenario())
    assert waited < 0.5, waited  # a user name under attack costs a new client one short wait, no more
    assert done <= 3, done  # the flood's attempts are taken one at a time, each wait longer
