"""The shape of every event call (`queue/join` by fn_index), checked before Gradio sees it."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

from qa.app.handlers import gr

Check = Callable[[object], "str | None"]
MAX_TEXT = 100_000  # characters in a text box without its own limit
MAX_EVENT_BODY = 16 * 1024 * 1024  # the chat history travels with each question


def _text(block) -> Check:
    """Text up to the box's max_length (or MAX_TEXT)."""
    limit = block.max_length or MAX_TEXT

    def check(value):
        if value is not None and not isinstance(value, str):
            return f"expected text, got {type(value).__name__}"
        if value and len(value) > limit:
            return f"text of {len(value):,} characters; the limit is {limit:,}"
        return None

    return check


def _choice(block) -> Check:
    """One of the radio's choices."""
    allowed = [c[1] if isinstance(c, tuple | list) else c for c in block.choices]
    return lambda value: None if value in allowed and isinstance(value, str) else f"expected one of {allowed}"


def _number(block) -> Check:
    """A finite number within the slider's range."""
    low, high = block.minimum, block.maximum

    def check(value):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"expected a number from {low:g} to {high:g}"
        return None if low <= value <= high else f"expected a number from {low:g} to {high:g}"

    return check


def _model(block) -> Check:
    """A value the component's own data model accepts (chat messages, file lists)."""

    def check(value):
        if value is None:
            return None
        try:
            block.data_model.model_validate(value, context={"validate_meta": True})
        except Exception as exc:  # noqa: BLE001 - pydantic and gradio raise several kinds
            return f"not a valid {type(block).__name__.lower()} value ({type(exc).__name__})"
        return None

    return check


def check_for(block) -> Check:
    """The check of one input component's value; server-side state needs none (the client cannot set it)."""
    if isinstance(block, gr.State):
        return lambda value: None
    if isinstance(block, gr.Radio):
        return _choice(block)
    if isinstance(block, gr.Slider):
        return _number(block)
    if isinstance(block, gr.Textbox):
        return _text(block)
    if getattr(block, "data_model", None) is not None:
        return _model(block)
    return lambda value: None if value is None or isinstance(value, str | int | float | bool) else "unexpected value"


def event_checks(demo: gr.Blocks) -> dict[int, tuple[Check, ...]]:
    """Per event (fn_index), one check per input component."""
    return {fn_id: tuple(check_for(block) for block in fn.inputs) for fn_id, fn in demo.fns.items()}


def event_problem(body: bytes, events: dict[int, tuple[Check, ...]]) -> str | None:
    """Why a queue/join call is malformed (unknown event, wrong count or shape of values), or None."""
    try:
        call = json.loads(body)
    except ValueError:
        return "the body must be a JSON object"
    if not isinstance(call, dict):
        return "the body must be a JSON object"
    fn_index, data = call.get("fn_index"), call.get("data")
    if isinstance(fn_index, bool) or fn_index not in events:
        return f"no such event: {str(fn_index)[:20]}"
    checks = events[fn_index]
    if not isinstance(data, list) or len(data) != len(checks):
        return f'"data" must be a list of {len(checks)} value(s)'
    if call.get("event_data") is not None and not isinstance(call["event_data"], dict):
        return '"event_data" must be an object'
    for position, (check, value) in enumerate(zip(checks, data, strict=True)):
        problem = check(value)
        if problem:
            return f"input {position}: {problem}"
    return None
