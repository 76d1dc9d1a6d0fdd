"""Who may reach `qa serve`: loopback by default, a password elsewhere (read without putting it in the process
list), failed logins slowed down. Free of gradio, so the model can start loading before gradio is imported."""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa.records import InputError

MIN_PASSWORD_CHARS = 10
LOGIN_DELAY = 1.0  # seconds added to a failed login; doubles with each failure in a row, up to MAX_LOGIN_DELAY
MAX_LOGIN_DELAY = 8.0


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def auth_from(cli: str | None, file: Path | None, warn: Callable[[str], None] = lambda message: None) -> str | None:
    """The user:password to require: from --auth (warned: `ps` shows it), --auth-file, or $QA_AUTH."""
    if cli:
        warn("--auth puts the password in the process list (ps); use $QA_AUTH or --auth-file instead")
        return cli
    if file is not None:
        try:
            lines = [line.strip() for line in Path(file).read_text(encoding="utf-8").splitlines() if line.strip()]
            mode = os.stat(file).st_mode
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{file}: cannot read the auth file ({exc.__class__.__name__})") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            warn(f"{file} can be read by other users; chmod 600 it")
        if not lines:
            raise InputError(f"{file}: the auth file is empty; write user:password on its first line")
        return lines[0]
    return os.environ.get("QA_AUTH") or None


def check_access(host: str, auth: str | None) -> tuple[str, str] | None:
    """The (user, password) to require; a non-loopback host without one, or a short password, is refused."""
    if auth:
        user, sep, password = auth.partition(":")
        if not (sep and user.strip() and password):
            raise InputError("the auth value must look like user:password")
        if len(password) < MIN_PASSWORD_CHARS:
            raise InputError(f"the password must be at least {MIN_PASSWORD_CHARS} characters long")
        return user.strip(), password
    if not is_loopback(host):
        raise InputError(
            f"refusing to serve on {host} without a password: set QA_AUTH=user:password or pass --auth-file, "
            "or bind 127.0.0.1"
        )
    return None


def slow_login(credentials: tuple[str, str], delay: float = LOGIN_DELAY):
    """Gradio's auth callable: a constant-time check, with failures delayed and taken one at a time."""
    state = {"failures": 0, "lock": None}

    async def check(user: str, password: str) -> bool:
        state["lock"] = state["lock"] or asyncio.Lock()
        async with state["lock"]:
            given = f"{user}\0{password}".encode()
            ok = hmac.compare_digest(given, "\0".join(credentials).encode())
            if ok:
                state["failures"] = 0
                return True
            state["failures"] += 1
            await asyncio.sleep(min(MAX_LOGIN_DELAY, delay * 2 ** (state["failures"] - 1)))
            return False

    return check


@dataclass(frozen=True)
class Listen:
    """Where the server answers and to whom: its address and port, other host names it answers to (behind a
    proxy), and the login it asks for (None: none), failed logins delayed from `login_delay` seconds."""

    host: str = "127.0.0.1"
    port: int = 7860
    auth: tuple[str, str] | None = None
    allow_hosts: tuple[str, ...] = ()
    login_delay: float = LOGIN_DELAY


def started_engine(index_dir: Path, folder: Path, model: str | None = None, on_build=lambda message: None):
    """The Engine `qa serve` answers with: the index built from `folder` if there is none and loaded, and the
    language model loading in the background while gradio is imported (mostly in C, on the other core; the
    embedding model loads once gradio is in: `Engine.load_in_background`, as both at once slowed gradio's import
    by 0.5 s here, and keyword search answers meanwhile)."""
    import threading

    from qa.engine import Engine, one_question_a_core
    from qa.lang.detect import load_identifier
    from qa.store.files import current_version

    one_question_a_core()
    engine = Engine(index_dir, model)
    if current_version(index_dir) is None:
        if not folder.is_dir():
            raise InputError(f"{index_dir}: no index yet, and {folder} is not a folder to build one from")
        on_build(f"no index in {index_dir} yet; indexing {folder} first")
        engine.sync(folder, progress=True)
    threading.Thread(target=load_identifier, name="qa-language", daemon=True).start()
    engine.index  # noqa: B018 - loaded now, beside the language model
    return engine
