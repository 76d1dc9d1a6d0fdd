"""Browser sessions: a private cookie names each one; what its uploads and exports are, by full path."""

from __future__ import annotations

import os
import secrets
import threading
from collections import OrderedDict
from http.cookies import SimpleCookie

COOKIE = "qa_session"
MAX_SESSIONS = 10_000  # the oldest sessions are forgotten first
MAX_FILES = 1_000  # per session and kind; the oldest paths are forgotten first


def new_session_id() -> str:
    """A fresh, unguessable session id for the cookie."""
    return secrets.token_urlsafe(24)


def cookie_header(session_id: str) -> bytes:
    """The Set-Cookie value: script cannot read it and no other site sends it."""
    return f"{COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Strict".encode("latin-1")


def session_from_headers(headers) -> str | None:
    """The session id from a raw ASGI header list or a mapping of headers; None if there is none."""
    items = headers.items() if hasattr(headers, "items") else headers
    for name, value in items:
        name = name.decode("latin-1") if isinstance(name, bytes) else name
        if name.lower() == "cookie":
            value = value.decode("latin-1") if isinstance(value, bytes) else value
            morsel = _parse_cookie(value).get(COOKIE)
            if morsel is not None and 16 <= len(morsel.value) <= 64:
                return morsel.value
    return None


def session_of(request) -> str | None:
    """The session id of a gr.Request (None for a direct Python call or a request without the cookie)."""
    if request is None:
        return None
    try:
        return session_from_headers(dict(request.headers))
    except (AttributeError, TypeError):
        return None


def _parse_cookie(value: str) -> SimpleCookie:
    """Cookies of one Cookie header; an unparsable header holds none."""
    jar = SimpleCookie()
    try:
        jar.load(value)
    except Exception:  # noqa: BLE001 - http.cookies raises several kinds on bad input
        return SimpleCookie()
    return jar


def _key(path: str) -> str:
    """A path compared by where it really is: absolute, normalised, symlinks resolved."""
    return os.path.realpath(path)


class Sessions:
    """What the server handed each browser session: uploaded files and conversation exports."""

    def __init__(self):
        self._lock = threading.Lock()
        self._files: OrderedDict[tuple[str, str], OrderedDict[str, None]] = OrderedDict()

    def _add(self, kind: str, session: str, path: str) -> None:
        """Remember `path` as handed to `session`."""
        with self._lock:
            paths = self._files.setdefault((kind, session), OrderedDict())
            self._files.move_to_end((kind, session))
            paths[_key(path)] = None
            while len(paths) > MAX_FILES:
                paths.popitem(last=False)
            while len(self._files) > MAX_SESSIONS:
                self._files.popitem(last=False)

    def _has(self, kind: str, session: str | None, path: str, take: bool = False) -> bool:
        """Whether `path` was handed to `session`; with take, forget it too."""
        if not session:
            return False
        with self._lock:
            paths = self._files.get((kind, session), {})
            if _key(path) not in paths:
                return False
            if take:
                del paths[_key(path)]
            return True

    def add_upload(self, session: str, path: str) -> None:
        """The upload route stored `path` for `session`."""
        self._add("upload", session, path)

    def take_upload(self, session: str | None, path: str) -> bool:
        """True once for a file this session uploaded through the app; False for anything else."""
        return self._has("upload", session, path, take=True)

    def add_export(self, session: str | None, path: str) -> None:
        """`path` is a conversation export made for `session`."""
        if session:
            self._add("export", session, path)

    def may_download(self, session: str | None, path: str) -> bool:
        """Whether `path` is an export this session produced."""
        return self._has("export", session, path)
