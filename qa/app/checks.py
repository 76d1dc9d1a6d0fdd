"""Server-side checks of what an event receives: every value can come from a hand-made HTTP call."""

from __future__ import annotations

import math
import re

from qa.search.options import MAX_QUESTION_CHARS, MODES

MAX_HISTORY = 1_000  # chat messages a conversation may carry back to the server
MAX_TOP_K = 10
MAX_API_TURNS = 10  # earlier questions the `ask` API replays as the conversation (qa.cli.chat keeps as many)
MAX_SOURCES = 200  # documents or glob patterns one question may be limited to
MAX_PATTERN_CHARS = 1_000
_TARGET = re.compile(r"[cpv][0-9]{1,4}")


class Refused(Exception):
    """A call with a bad value; the handler turns it into an error the user reads (no traceback)."""


def question(value, empty: str = "Type a question first.") -> str:
    """The question with its whitespace folded; refused if not text, empty, or over MAX_QUESTION_CHARS."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Refused(f"The question must be text, not {type(value).__name__}.")
    if len(value) > MAX_QUESTION_CHARS:
        raise Refused(f"The question is {len(value):,} characters long; the limit is {MAX_QUESTION_CHARS:,}.")
    text = " ".join(value.split())
    if not text:
        raise Refused(empty)
    return text


def history(value) -> list:
    """The chat so far: a list of at most MAX_HISTORY messages (None is an empty chat)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Refused(f"The chat history must be a list, not {type(value).__name__}.")
    if len(value) > MAX_HISTORY:
        raise Refused(f"The chat holds over {MAX_HISTORY:,} messages; start a new chat.")
    return list(value)


def answers(value) -> list:
    """The session's answers (server-side state); anything but a list is an empty one."""
    return list(value) if isinstance(value, list) else []


def mode(value) -> str:
    """One of the retrieval modes."""
    if not isinstance(value, str) or value not in MODES:
        raise Refused(f"Unknown retrieval mode {str(value)[:40]!r}; choose one of {', '.join(MODES)}.")
    return value


def top_k(value) -> int:
    """A whole number of passages from 1 to MAX_TOP_K (the slider sends floats such as 5.0)."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value != int(value) or not 1 <= value <= MAX_TOP_K:
        raise Refused(f"Passages to retrieve must be a whole number from 1 to {MAX_TOP_K}; got {str(value)[:40]!r}.")
    return int(value)


def shown(value) -> int:
    """The index of the answer shown (server-side state); -1 for none."""
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def target(data) -> str:
    """The source a card asks to open: `c<n>` (citation), `p<n>` (passage) or `v<n>` (a checked report's citation);
    '' for anything else."""
    value = data.get("open") if isinstance(data, dict) else None
    return value if isinstance(value, str) and _TARGET.fullmatch(value) else ""


def message_turn(index) -> int:
    """The exchange a clicked chat message belongs to; -1 if the index is not a message number."""
    if isinstance(index, list | tuple):
        index = index[0] if index else None
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 2 * MAX_HISTORY:
        return -1
    return index // 2


def example(value) -> str:
    """An example question clicked in the empty chat, checked like a typed one."""
    text = value.get("text", "") if isinstance(value, dict) else value
    return question(text)


def file_list(value) -> list[str]:
    """Uploaded file paths: a list of text paths (None is no files)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if len(items) > 100 or not all(isinstance(item, str) for item in items):
        raise Refused("Uploads must be at most 100 files sent through the upload button.")
    return [str(item) for item in items]


def _strings(value, what: str, limit: int) -> list:
    """A list of at most `limit` items (None is an empty one)."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise Refused(f"{what} must be a list, not {type(value).__name__}.")
    if len(value) > limit:
        raise Refused(f"{what} may hold at most {limit} items; got {len(value):,}.")
    return list(value)


def earlier_questions(value) -> list[str]:
    """The API's `history`: at most MAX_API_TURNS earlier questions, oldest first, each checked like a question."""
    items = _strings(value, "history", MAX_API_TURNS)
    return [question(item, "An earlier question in history is empty.") for item in items]


def patterns(value) -> list[str]:
    """The API's `sources`: at most MAX_SOURCES non-empty glob patterns matched against document ids."""
    items = _strings(value, "sources", MAX_SOURCES)
    if not all(isinstance(item, str) and item.strip() and len(item) <= MAX_PATTERN_CHARS for item in items):
        raise Refused(f"sources must be non-empty glob patterns of at most {MAX_PATTERN_CHARS} characters.")
    return items


def chosen_documents(value, known) -> list[str]:
    """The documents picked in the filter: ids still in the index (none picked means every document)."""
    items = _strings(value, "The document filter", MAX_SOURCES)
    for item in items:
        if not isinstance(item, str) or item not in known:
            raise Refused(f"{str(item)[:80]!r} is no longer indexed; pick the documents again in the filter.")
    return items


def exact(doc_id: str) -> str:
    """A glob that matches exactly this document id: [, * and ? each escaped as a one-character class."""
    return "".join(f"[{ch}]" if ch in "[*?" else ch for ch in doc_id)


def choice(value, allowed: tuple[str, ...]) -> str:
    """One of the allowed choices."""
    if value not in allowed:
        raise Refused(f"Choose one of {', '.join(allowed)}.")
    return value
