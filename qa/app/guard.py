"""The guard in front of Gradio: Host and Origin checks, the login gate, no CORS, security headers, the session
cookie, files, and only the page's own events and the public API, each call's shape checked."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable

from qa.app.asgi import MAX_API_BODY, headers_of, read_body, refuse, replaying, secured
from qa.app.gate import Gate, login_form, open_before_login
from qa.app.inputs import API_CALL, MAX_EVENT_BODY, Endpoint, api_body, api_problem, event_problem
from qa.app.sessions import Sessions, cookie_header, new_session_id, session_from_headers

API = "/gradio_api"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})
MAX_LOGIN_BODY = 16 * 1024
# Gradio routes qa never uses, closed: shared deep links (the chat written to a file anyone may fetch), run
# history, the MCP server, monitoring, live reload, code editing, media streams, recordings
CLOSED = ("/gradio_api/deep_link", "/gradio_api/runs", "/gradio_api/run-history", "/gradio_api/mcp", "/monitoring",
          "/gradio_api/monitoring", "/gradio_api/dev/", "/dev/", "/gradio_api/vibe", "/vibe", "/gradio_api/stream/",
          "/gradio_api/process_recording", "/gradio_api/undo-vibe-edit")  # fmt: skip
_HOST = re.compile(r"(?P<name>[a-z0-9._-]{1,253}|\[[0-9a-f:.]{2,45}\])(?::(?P<port>[0-9]{1,5}))?")
_RESULTS = re.compile(r"/gradio_api/call/(?:v2/)?(?P<name>[^/]+)/[^/]+/?")


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


def closed(path: str, query: bytes) -> bool:
    """Whether the request is for a Gradio feature qa keeps off (see CLOSED), or loads a deep link."""
    return path.startswith(CLOSED) or b"deep_link=" in query


def private_api(path: str, api: dict[str, Endpoint]) -> bool:
    """Whether the path calls, or reads the results of, an API name that is not public (a UI event by name)."""
    match = API_CALL.fullmatch(path) or _RESULTS.fullmatch(path)
    return match is not None and match["name"] not in api


class Guard:
    """ASGI middleware run before any of Gradio's; see the module's docstring. `gate`: the login (None: none);
    `routes`: path -> an ASGI app of our own, called with the headers (qa.app.api)."""

    def __init__(self, app, hosts: HostRule, sessions: Sessions, api: dict[str, Endpoint], events: dict,
                 routes: dict | None = None, gate: Gate | None = None):  # fmt: skip
        self.app, self.hosts, self.sessions, self.api, self.events = app, hosts, sessions, api, events
        self.routes, self.gate = routes or {}, gate

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers, method, path = headers_of(scope), scope.get("method", "WEBSOCKET"), scope.get("path", "")
        problem = self._outside(headers, method, path, scope.get("query_string", b""))
        if problem:
            return await self._refuse(scope, send, *problem)
        route = self.routes.get(path.rstrip("/"))
        if route is not None:
            return await route(scope, receive, send, headers)  # its own login (HTTP Basic)
        if self.gate is not None and path.rstrip("/") == "/login" and method == "POST":
            return await self._login(scope, receive, send, headers)
        if self.gate is not None and self.gate.user(headers) is None and not open_before_login(method, path):
            return await self._refuse(scope, send, 401, "log in first")
        if path.rstrip("/") == "/logout":
            if method != "POST":
                return await refuse(send, 405, "log out with POST from the app's page", headers=((b"allow", b"POST"),))
            scope = {**scope, "method": "GET"}  # Gradio's own logout, now that the origin is checked
        if scope["type"] == "websocket":
            return await self.app(scope, receive, send)
        await self._http(scope, receive, send, headers)

    def _outside(self, headers: dict[str, str], method: str, path: str, query: bytes) -> tuple[int, str] | None:
        """(status, message) for a request refused whoever asks: other hosts, other origins, closed features."""
        if not self.hosts.allows(headers.get("host", "")):
            return 421, "this server does not answer to that host name"
        problem = origin_problem(method, headers)  # a websocket is never safe
        if problem:
            return 403, problem
        if closed(path, query) or private_api(path, self.api):
            return 404, "not found"
        return None

    async def _http(self, scope, receive, send, headers: dict[str, str]) -> None:
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

    async def _login(self, scope, receive, send, headers: dict[str, str]) -> None:
        """The login form, throttled per client and user; a right password goes on to Gradio's own login."""
        body, receive = await read_body(receive, MAX_LOGIN_BODY)
        if body is None:
            return await refuse(send, 413, "the request body is too large", as_json=True)
        user, password = await login_form(scope, body)
        client = session_from_headers(scope["headers"]) or str((scope.get("client") or ("?",))[0])
        if not await self.gate.attempt(client, user, password):
            return await refuse(send, 400, "Incorrect credentials.", as_json=True)
        await self.app(scope, receive, self._cleaned(send, session_from_headers(scope["headers"])))

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
        return receive if is_event else replaying(api_body(scope["path"], body, self.api), receive)

    async def _refuse(self, scope, send, status: int, message: str) -> None:
        """Refuse an HTTP request with a message (JSON on the API), or close a websocket before it opens."""
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            await refuse(send, status, message, as_json=scope.get("path", "").startswith(API))

    def _may_serve(self, path: str, session: str | None) -> bool:
        """Only `/file=` URLs of conversation exports this session produced, matched by full path."""
        target = path.partition("/file=")[2]
        return bool(target) and "/file=" in path and self.sessions.may_download(session, target)

    def _cleaned(self, send, session: str | None):
        """`send` with the security headers, without CORS grants, and with a session cookie for a new browser."""

        async def wrapped(message):
            if message["type"] == "http.response.start":
                kept = secured(message.get("headers", []))
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
