"""The guard in front of Gradio: Host and Origin checks, no CORS, the session cookie, files and API shape."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable

from qa.app.inputs import API_CALL, MAX_EVENT_BODY, Endpoint, api_body, api_problem, event_problem
from qa.app.sessions import Sessions, cookie_header, new_session_id, session_from_headers

API = "/gradio_api"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})
MAX_API_BODY = 64 * 1024
_HOST = re.compile(r"(?P<name>[a-z0-9._-]{1,253}|\[[0-9a-f:.]{2,45}\])(?::(?P<port>[0-9]{1,5}))?")


def _is_ip(name: str) -> bool:
    """True for an IPv4 or IPv6 literal."""
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


class HostRule:
    """Which Host headers the server answers: its own address and port, loopback names, and added names."""

    def __init__(self, bind: str, port: int, extra: Iterable[str] = ()):
        self.bind, self.port = bind.strip().strip("[]").lower(), port
        self.extra = frozenset(e.strip().strip("[]").lower() for e in extra if e.strip())
        self.names = LOOPBACK_NAMES | {self.bind} - WILDCARDS

    def allows(self, host: str) -> bool:
        """True if `host` (a Host header) names this server; a rebound DNS name never does."""
        match = _HOST.fullmatch(host.strip().lower())
        if match is None:
            return False
        name, port = match["name"].strip("[]"), match["port"]
        if name in self.extra:
            return True  # added by the user, e.g. behind a proxy: any port
        known = name in self.names or (self.bind in WILDCARDS and _is_ip(name))
        return known and (int(port) if port else 80) == self.port


def _headers(scope) -> dict[str, str]:
    """The request headers by lower-case name (the last of repeated ones)."""
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def origin_problem(method: str, headers: dict[str, str]) -> str | None:
    """Why a request must be refused as cross-origin, or None: unsafe methods only from this very origin."""
    origin, host = headers.get("origin"), headers.get("host", "").lower()
    foreign = origin is not None and origin.lower().partition("://")[2] != host
    if method == "OPTIONS" and foreign:
        return "cross-origin requests are not allowed"
    if method in SAFE_METHODS:
        return None
    if foreign:
        return f"requests from {origin[:80]} are not allowed; use the page at http://{host[:80]}/"
    if headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        return "requests from another site are not allowed"
    return None


async def refuse(send, status: int, message: str, as_json: bool = False) -> None:
    """Answer with `status` and a one-line message, nothing else."""
    body = json.dumps({"error": message}).encode() if as_json else (message + "\n").encode()
    kind = b"application/json" if as_json else b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", kind)]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware run before any of Gradio's: refuses foreign hosts and origins, and guards files."""

    def __init__(self, app, hosts: HostRule, sessions: Sessions, api: dict[str, Endpoint], events: dict,
                 routes: dict | None = None):  # fmt: skip
        self.app, self.hosts, self.sessions, self.api, self.events = app, hosts, sessions, api, events
        self.routes = routes or {}  # path: an ASGI app of our own, called with the headers (qa.app.api)

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = _headers(scope)
        if not self.hosts.allows(headers.get("host", "")):
            return await self._refuse(scope, send, 421, "this server does not answer to that host name")
        problem = origin_problem(scope.get("method", "WEBSOCKET"), headers)  # a websocket is never safe
        if problem:
            return await self._refuse(scope, send, 403, problem)
        if scope["type"] == "websocket":
            return await self.app(scope, receive, send)
        route = self.routes.get(scope.get("path", "").rstrip("/"))
        if route is not None:
            return await route(scope, receive, send, headers)
        session, path = session_from_headers(scope["headers"]), scope.get("path", "")
        if _file_route(path) and not self._may_serve(path, session):
            return await refuse(send, 403, "Forbidden")
        if path.rstrip("/") == f"{API}/upload":
            if session is None or "origin" not in headers:  # the page always sends both
                return await refuse(send, 403, "uploads are accepted only from the app's page")
            send = self._recording(send, session)
        elif scope["method"] == "POST" and (API_CALL.fullmatch(path) or path.rstrip("/") == f"{API}/queue/join"):
            checked = await self._checked(scope, receive, send)
            if checked is None:
                return
            receive = checked
        await self.app(scope, receive, self._cleaned(send, session))

    async def _checked(self, scope, receive, send):
        """A `receive` replaying the body of a well-formed API or event call; None once a bad one is refused."""
        is_event = not API_CALL.fullmatch(scope["path"])
        body, receive = await read_body(receive, MAX_EVENT_BODY if is_event else MAX_API_BODY)
        if body is None:
            await refuse(send, 413, "the request body is too large", as_json=True)
            return None
        if is_event:
            problem, status = event_problem(body, self.events), 422
        else:
            problem, status = api_problem(scope["path"], body, self.api), 400
        if problem:
            await refuse(send, status, problem, as_json=True)
            return None
        return receive if is_event else _replaying(api_body(scope["path"], body, self.api), receive)

    async def _refuse(self, scope, send, status: int, message: str) -> None:
        """Refuse an HTTP request with a message, or close a websocket before it opens."""
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            await refuse(send, status, message)

    def _may_serve(self, path: str, session: str | None) -> bool:
        """Only `/file=` URLs of conversation exports this session produced, matched by full path."""
        target = path.partition("/file=")[2]
        return bool(target) and "/file=" in path and self.sessions.may_download(session, target)

    def _cleaned(self, send, session: str | None):
        """`send` without CORS grants, and with a session cookie for a browser that has none."""

        async def wrapped(message):
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if not k.lower().startswith(b"access-control-")]
                if session is None:
                    kept.append((b"set-cookie", cookie_header(new_session_id())))
                message = {**message, "headers": kept}
            await send(message)

        return wrapped

    def _recording(self, send, session: str):
        """`send` that notes the paths the upload route hands out, before the browser sees them."""
        state = {"status": 0, "body": b""}

        async def wrapped(message):
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
            elif message["type"] == "http.response.body" and state["status"] == 200:
                state["body"] += message.get("body", b"")
                if not message.get("more_body"):
                    for path in _paths(state["body"]):
                        self.sessions.add_upload(session, path)
            await send(message)

        return wrapped


def _file_route(path: str) -> bool:
    """Routes that serve or fetch files: /file=, the old /file/ and /proxy=."""
    return "/file=" in path or "/file/" in path or "/proxy=" in path


def _paths(body: bytes) -> list[str]:
    """The file paths in the upload route's JSON answer."""
    try:
        data = json.loads(body)
    except ValueError:
        return []
    return [p for p in data if isinstance(p, str)] if isinstance(data, list) else []


async def read_body(receive, limit: int) -> tuple[bytes | None, object]:
    """The whole request body (None if over `limit` bytes) and a `receive` that replays it."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return b"", receive
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
        if size > limit:
            return None, receive
    body = b"".join(chunks)
    return body, _replaying(body, receive)


def _replaying(body: bytes, receive):
    """A `receive` that gives `body` as the whole request, then defers to `receive`."""
    sent = False

    async def replay():
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
