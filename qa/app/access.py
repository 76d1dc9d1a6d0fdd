"""Who may reach `qa serve`: loopback by default, a password elsewhere (read without putting it in the process
list), failed logins slowed down. Free of gradio, so the model can start loading before gradio is imported."""

from __future__ import annotations

import hmac
import ipaddress
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa.app.throttle import LOGIN_DELAY
from qa.app.users import LiveUsers
from qa.records import InputError

MIN_PASSWORD_CHARS = 10


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


def check_access(host: str, auth: str | None, accounts: bool = False) -> tuple[str, str] | None:
    """The (user, password) to require; a non-loopback host without a password or accounts, a short password, or
    both a password and accounts, is refused."""
    if auth and accounts:
        raise InputError("give either one password (--auth-file or $QA_AUTH) or accounts (--users), not both")
    if accounts:
        return None
    if auth:
        user, sep, password = auth.partition(":")
        if not (sep and user.strip() and password):
            raise InputError("the auth value must look like user:password")
        if len(password) < MIN_PASSWORD_CHARS:
            raise InputError(f"the password must be at least {MIN_PASSWORD_CHARS} characters long")
        return user.strip(), password
    if not is_loopback(host):
        raise InputError(
            f"refusing to serve on {host} without a password: set QA_AUTH=user:password, pass --auth-file or "
            "--users, or bind 127.0.0.1"
        )
    return None


def password_check(listen: Listen):
    """The login check (user, password) -> bool of a server: its accounts, else its one password, else None (no
    login). Constant time for the one password; scrypt, off the event loop, for accounts. No waiting here: the
    gate in front of the login form slows guessing (qa.app.throttle)."""
    if listen.users is not None:
        users = listen.users

        async def check_account(user: str, password: str) -> bool:
            import anyio

            return await anyio.to_thread.run_sync(lambda: users.current().reader(user, password) is not None)

        return check_account
    if listen.auth is not None:
        expected = "\0".join(listen.auth).encode()

        async def check_password(user: str, password: str) -> bool:
            return hmac.compare_digest(f"{user}\0{password}".encode(), expected)

        return check_password
    return None


@dataclass(frozen=True)
class Listen:
    """Where the server answers and to whom: its address and port, other host names it answers to (behind a
    proxy), the login it asks for (one user:password, or accounts; None: none), failed logins slowed from
    `login_delay` seconds (qa.app.throttle), and the audit log to write (None: none)."""

    host: str = "127.0.0.1"
    port: int = 7860
    auth: tuple[str, str] | None = None
    allow_hosts: tuple[str, ...] = ()
    login_delay: float = LOGIN_DELAY
    users: LiveUsers | None = None
    audit: Path | None = None


def started_engine(index_dir: Path, folder: Path, model: str | None = None, on_build=lambda message: None):
    """The Engine `qa serve` answers with: the index built from `folder` if there is none and loaded, and the
    language model loading in the background while gradio is imported (mostly in C, on the other core; the
    embedding model loads once gradio is in: `Engine.load_in_background`, as both at once slowed gradio's import
    by 0.5 s here, and keyword search answers meanwhile)."""
    import threading

    from qa.embed.onnx import one_question_a_core
    from qa.engine import Engine
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
