"""Serving the chat: loopback by default, a password elsewhere, and the guard in front of every request."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from qa.app import render
from qa.app.guard import Guard, HostRule
from qa.app.handlers import gr
from qa.app.inputs import PUBLIC_API, event_checks
from qa.app.layout import build_app
from qa.engine import Engine
from qa.records import InputError
from qa.store.files import current_version

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


def launch(demo: gr.Blocks, listen: Listen = Listen(), block: bool = True, quiet: bool = False,
           started: Callable[[], object] = lambda: None):  # fmt: skip
    """Start the server (outside calls off, the Guard in front), then call `started`; blocks unless block=False."""
    hosts, events = HostRule(listen.host, listen.port, listen.allow_hosts), event_checks(demo)
    guard = {"hosts": hosts, "sessions": demo.qa_handlers.sessions, "api": PUBLIC_API, "events": events}

    @contextlib.asynccontextmanager
    async def guarded(app):
        # Gradio adds its CORS middleware outside any given in app_kwargs; the guard must come before it
        app.middleware_stack = Guard(app.middleware_stack or app.build_middleware_stack(), **guard)
        yield

    result = demo.launch(
        server_name=listen.host,
        server_port=listen.port,
        auth=slow_login(listen.auth, listen.login_delay) if listen.auth else None,
        prevent_thread_lock=True,
        share=False,
        quiet=quiet,
        show_error=False,
        footer_links=["api"],
        enable_monitoring=False,
        run_history=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        max_file_size=demo.qa_handlers.max_upload_bytes,
        theme=render.theme(),
        css=render.static("app.css"),
        head=render.static("head.html"),
        app_kwargs={"lifespan": guarded},
    )
    if not isinstance(getattr(demo.server_app, "middleware_stack", None), Guard):
        demo.close()
        raise RuntimeError("the request guard is not in place; refusing to serve")
    started()
    if block:
        demo.block_thread()
    return result


def serve(index_dir: Path, folder: Path, listen: Listen = Listen(), auth: str | None = None, model: str | None = None,
          on_build=lambda message: None) -> None:  # fmt: skip
    """`qa serve`: build the index from `folder` if there is none, then run the chat until interrupted; `auth` is
    the user:password to ask for (required off loopback)."""
    credentials = check_access(listen.host, auth)
    engine = Engine(index_dir, model)
    if current_version(index_dir) is None:
        if not folder.is_dir():
            raise InputError(f"{index_dir}: no index yet, and {folder} is not a folder to build one from")
        on_build(f"no index in {index_dir} yet; indexing {folder} first")
        engine.sync(folder, progress=True)
    # keyword search answers at once; the model loads once the server is up, and meaning search joins then
    launch(build_app(engine), replace(listen, auth=credentials), started=engine.load_in_background)
