"""The audit log of a shared server (`qa serve --audit FILE`): one JSON line per question answered.

Each line: {"time": ISO 8601 UTC, "user": name or null, "question": text, "sources": [cited doc ids]}. Never a
password, a token or a cookie. The file is appended to, created readable by its owner only.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from qa.records import Answer, InputError
from qa.store.access import Reader


class AuditLog:
    """Appends one line per question; safe to share between threads."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as exc:
            raise InputError(f"{path}: cannot write the audit log ({exc.strerror or exc})") from None
        os.close(descriptor)

    def asked(self, reader: Reader | None, answer: Answer) -> None:
        """Note who asked what, and which documents the answer cited."""
        sources = list(dict.fromkeys(c.source for c in answer.citations))
        line = {"time": datetime.now(UTC).isoformat(timespec="seconds"), "user": reader.name if reader else None,
                "question": answer.question, "sources": sources}  # fmt: skip
        with self._lock, open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
