"""Small ASGI helpers for the guard and the JSON route: headers, bodies, refusals, the security headers."""

from __future__ import annotations

import json

MAX_API_BODY = 64 * 1024
# sent with every answer: no framing by another page, no content sniffing, what the page may load and run (Gradio's
# page needs inline scripts and eval; nothing from elsewhere is loaded)
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; media-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
       "worker-src 'self' blob:; object-src 'none'; frame-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
       "form-action 'self'")  # fmt: skip
SECURITY_HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)


def headers_of(scope) -> dict[str, str]:
    """The request headers by lower-case name (the last of repeated ones)."""
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def secured(headers: list) -> list:
    """Response headers without CORS grants or security headers of their own, with ours."""
    ours = {name for name, _ in SECURITY_HEADERS}
    kept = [(k, v) for k, v in headers if not k.lower().startswith(b"access-control-") and k.lower() not in ours]
    return [*kept, *SECURITY_HEADERS]


async def respond(send, status: int, body: bytes, kind: bytes, headers: tuple = ()) -> None:
    """A whole response with the security headers."""
    head = secured([(b"content-type", kind), (b"cache-control", b"no-store"), *headers])
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


async def refuse(send, status: int, message: str, as_json: bool = False, headers: tuple = ()) -> None:
    """Answer with `status` and a one-line message, nothing else."""
    if as_json:
        await respond(send, status, json.dumps({"error": message}).encode(), b"application/json", headers)
    else:
        await respond(send, status, (message + "\n").encode(), b"text/plain; charset=utf-8", headers)


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
    return body, replaying(body, receive)


def replaying(body: bytes, receive):
    """A `receive` that gives `body` as the whole request, then defers to `receive`."""
    sent = False

    async def replay():
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
