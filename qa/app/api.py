"""`POST /api/ask`: the `ask` endpoint's JSON in, `qa ask --json`'s object out, in one plain HTTP exchange.

Gradio's own API (kept) answers through its queue and an event stream, three quarters of a round trip's time on a
fast question; this route runs the same call on a worker thread and writes the answer back at once. The Guard in
front has checked the Host and Origin by then; this route adds the method, the JSON content type (a form post
from another site cannot send it without a refused preflight), HTTP Basic login when the server has a password,
the body size and each parameter's check of the Gradio endpoint.
"""

from __future__ import annotations

import base64
import binascii
import json
import os

from qa.app import checks
from qa.app.asgi import MAX_API_BODY, read_body, respond
from qa.app.asking import ask_json
from qa.app.audit import AuditLog
from qa.app.gate import Gate
from qa.app.inputs import PUBLIC_API, Endpoint, named_problem
from qa.app.users import LiveUsers
from qa.engine import Engine
from qa.records import QAError
from qa.store.access import Reader

ROUTE = "/api/ask"
WORKERS = os.cpu_count() or 2  # questions answered at once, one a core (each model run on one core); more wait


async def _answer(send, status: int, data: dict, headers: tuple = ()) -> None:
    await respond(send, status, json.dumps(data, ensure_ascii=False).encode(), b"application/json", headers)


def _credentials(headers: dict[str, str]) -> tuple[str, str] | None:
    """(user, password) from an `Authorization: Basic …` header, or None."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(token.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


class JsonAsk:
    """The ASGI app of `POST /api/ask` over one engine: `gate` checks HTTP Basic logins (None: no login), `users`
    says what a user may read (None: everything), `audit` notes each question (None: nothing)."""

    def __init__(self, engine: Engine, gate: Gate | None = None, users: LiveUsers | None = None,
                 audit: AuditLog | None = None, endpoint: Endpoint = PUBLIC_API["ask"]):  # fmt: skip
        import anyio

        self.engine, self.gate, self.users, self.audit, self.endpoint = engine, gate, users, audit, endpoint
        self.limiter = anyio.CapacityLimiter(WORKERS)

    async def __call__(self, scope, receive, send, headers: dict[str, str]) -> None:
        reader, problem = await self._signed_in(scope, headers)
        problem = problem or self._refusal(scope, headers)
        if problem is not None:
            return await _answer(send, problem[0], {"error": problem[1]}, problem[2])
        body, _ = await read_body(receive, MAX_API_BODY)
        if body is None:
            return await _answer(send, 413, {"error": f"the request body is over {MAX_API_BODY:,} bytes"})
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        problem = named_problem("ask", self.endpoint, data)
        if problem is not None:
            return await _answer(send, 400, {"error": problem})
        status, result = await self._run(data, reader)
        await _answer(send, status, result)

    async def _signed_in(self, scope, headers: dict[str, str]) -> tuple[Reader | None, tuple | None]:
        """(who asks, None), or (None, the refusal) when a login is needed and not given: checked first of all."""
        if self.gate is None:
            return None, None
        given = _credentials(headers)
        client = str((scope.get("client") or ("?",))[0])
        if given is None or not await self.gate.attempt(client, *given):
            challenge = ((b"www-authenticate", b'Basic realm="qa"'),)
            return None, (401, "log in with HTTP Basic (curl -u user:password)", challenge)
        accounts = self.users.current() if self.users is not None else None
        return (accounts.reader_named(given[0]) if accounts is not None else None), None

    @staticmethod
    def _refusal(scope, headers: dict[str, str]) -> tuple[int, str, tuple] | None:
        """(status, message, headers) for a request refused before its body is read, or None."""
        if scope["method"] != "POST":
            return 405, f"{ROUTE} takes POST", ((b"allow", b"POST"),)
        if headers.get("content-type", "").partition(";")[0].strip().lower() != "application/json":
            return 415, "send the question as JSON (Content-Type: application/json)", ()
        return None

    async def _run(self, data: dict, reader: Reader | None) -> tuple[int, dict]:
        """(status, JSON) of the engine's answer, run on a worker thread."""
        import anyio

        values = [data.get(name) for name in self.endpoint.params]
        ask = lambda: ask_json(self.engine, *values, reader=reader, audit=self.audit)  # noqa: E731
        try:
            return 200, await anyio.to_thread.run_sync(ask, limiter=self.limiter)
        except (checks.Refused, QAError) as exc:
            return 400, {"error": str(exc)}
