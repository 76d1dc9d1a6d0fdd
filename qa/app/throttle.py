"""Slowing down password guessing without making the right password wait.

Attempts are grouped by client (the browser's session cookie, else its address) and user name. One group's
attempts are taken one at a time, and each failure doubles the wait before that group's next attempt (1 s up to
8 s), so a flood of wrong passwords queues behind itself. Another browser, with its own cookie, is not in that
queue: when a user name has failed more than a few times lately, a new group waits a second before its first
attempt, no more, so the right password gets in within about a second while the flood is still queued.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

LOGIN_DELAY = 1.0  # seconds before a group's next attempt after its first failure; doubles up to MAX_LOGIN_DELAY
MAX_LOGIN_DELAY = 8.0
BUSY_FAILURES = 5  # failures of one user name within WINDOW that make every new group wait LOGIN_DELAY
WINDOW = 60.0


@dataclass
class _Group:
    lock: asyncio.Lock
    failures: int = 0
    last: float = 0.0


class Throttle:
    """Per (client, user) queues of login attempts with growing waits; see the module's docstring."""

    def __init__(self, delay: float = LOGIN_DELAY):
        self.delay = delay
        self._groups: dict[tuple[str, str], _Group] = {}
        self._recent: dict[str, list[float]] = {}  # user -> times of failures within WINDOW

    def _wait(self, group: _Group, user: str, now: float) -> float:
        if group.failures:
            return min(MAX_LOGIN_DELAY, self.delay * 2 ** (group.failures - 1))
        recent = [t for t in self._recent.get(user, []) if now - t < WINDOW]
        self._recent[user] = recent
        return self.delay if len(recent) >= BUSY_FAILURES else 0.0

    async def attempt(self, client: str, user: str, check: Callable[[], Awaitable[bool]]) -> bool:
        """Run `check` (does the password match?) in this group's turn, after its wait; note the outcome."""
        if len(self._groups) > 10_000:
            self._groups = {k: g for k, g in self._groups.items() if g.lock.locked() or g.failures}
        group = self._groups.setdefault((client, user), _Group(asyncio.Lock()))
        async with group.lock:
            await asyncio.sleep(self._wait(group, user, time.monotonic()))
            ok = await check()
            if ok:
                group.failures = 0
            else:
                group.failures += 1
                self._recent.setdefault(user, []).append(time.monotonic())
            return ok
