"""The login gate in front of Gradio, when the server has a password or accounts.

Nothing but the login page itself is answered before a login: not the config, the API description, event
shapes, cancel or reset. The login form is throttled (qa.app.throttle); logging out takes a POST from the app's
own page (the Guard's origin check), so another page cannot log a user out with a link.
"""

from __future__ import annotations

import http.cookies
from collections.abc import Awaitable, Callable

from qa.app.asgi import replaying
from qa.app.throttle import Throttle

# what the login page itself loads (GET/HEAD only)
BEFORE_LOGIN = frozenset({"/", "/theme.css", "/favicon.ico", "/robots.txt", "/manifest.json", "/gradio_api/login_check",
                          "/login_check", "/gradio_api/info", "/gradio_api/startup-events"})  # fmt: skip
BEFORE_LOGIN_PREFIXES = ("/assets/", "/static/", "/svelte/", "/gradio_api/static/")
Check = Callable[[str, str], Awaitable[bool]]


def cookies(headers: dict[str, str]) -> dict[str, str]:
    jar = http.cookies.SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except http.cookies.CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def open_before_login(method: str, path: str) -> bool:
    """Whether a request is part of the login page itself."""
    return method in ("GET", "HEAD") and (path in BEFORE_LOGIN or path.startswith(BEFORE_LOGIN_PREFIXES))


class Gate:
    """Who is signed in (Gradio's session token, looked up in the app's tokens) and the throttled login."""

    def __init__(self, check: Check, delay: float):
        self.check, self.throttle = check, Throttle(delay)
        self.tokens: Callable[[dict[str, str]], str | None] = lambda jar: None  # set once the app exists

    def bind(self, app) -> None:
        """Read sign-ins from this Gradio app: its token cookies name a user in `app.tokens`."""
        names = (f"access-token-{app.cookie_id}", f"access-token-unsecure-{app.cookie_id}")
        self.tokens = lambda jar: next((app.tokens.get(jar[n]) for n in names if jar.get(n) in app.tokens), None)

    def user(self, headers: dict[str, str]) -> str | None:
        """The signed-in user of a request, or None."""
        return self.tokens(cookies(headers))

    async def attempt(self, client: str, user: str, password: str) -> bool:
        """One throttled check of a user's password."""
        return await self.throttle.attempt(client, user, lambda: self.check(user, password))


async def login_form(scope, body: bytes) -> tuple[str, str]:
    """(user, password) of the login form, urlencoded or multipart (as Gradio's page posts it)."""
    from starlette.requests import Request

    try:
        form = await Request(scope, replaying(body, _nothing_more)).form()
    except Exception:  # noqa: BLE001 - a malformed form is a wrong login, nothing more
        return "", ""
    user, password = form.get("username"), form.get("password")
    return (user.strip() if isinstance(user, str) else ""), (password if isinstance(password, str) else "")


async def _nothing_more():
    return {"type": "http.disconnect"}
