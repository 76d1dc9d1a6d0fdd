"""The shape of every event call (`queue/join` by fn_index) and public API call, checked before Gradio sees it."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from qa.app.checks import MAX_API_TURNS, MAX_PATTERN_CHARS, MAX_SOURCES
from qa.app.handlers import gr
from qa.search.options import MAX_QUESTION_CHARS

Check = Callable[[object], "str | None"]
MAX_TEXT = 100_000  # characters in a text box without its own limit
MAX_EVENT_BODY = 16 * 1024 * 1024  # the chat history travels with each question
API_CALL = re.compile(r"/gradio_api/(?:call/(?P<v2>v2/)?|run/|api/)(?P<name>[A-Za-z0-9_-]+)/?")


def _scalar(value) -> str | None:
    """Any single value: the handler checks it and answers with a message of its own."""
    return None if value is None or isinstance(value, str | int | float | bool) else "unexpected value"


def _strings(limit: int, chars: int) -> Check:
    """A list of at most `limit` texts of at most `chars` characters each (None for none)."""

    def check(value):
        if value is None:
            return None
        if not isinstance(value, list) or len(value) > limit:
            return f"expected a list of at most {limit} texts"
        if not all(isinstance(item, str) and len(item) <= chars for item in value):
            return f"expected texts of at most {chars:,} characters"
        return None

    return check


@dataclass(frozen=True)
class Endpoint:
    """A public API endpoint: its parameters in order with the check of each; the first `required` are needed."""

    checks: dict[str, Check]
    required: int = 1

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(self.checks)


PUBLIC_API = {  # the public endpoints; `ask` takes the question, then optional history and sources
    "ask": Endpoint(
        {
            "question": _scalar,
            "history": _strings(MAX_API_TURNS, MAX_QUESTION_CHARS),
            "sources": _strings(MAX_SOURCES, MAX_PATTERN_CHARS),
        }
    )
}


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
    if isinstance(block, gr.Dropdown):  # the document filter: the handler checks the ids are indexed
        return _strings(MAX_SOURCES, MAX_PATTERN_CHARS)
    if isinstance(block, gr.Radio):
        return _choice(block)
    if isinstance(block, gr.Slider):
        return _number(block)
    if isinstance(block, gr.Textbox):
        return _text(block)
    if getattr(block, "data_model", None) is not None:
        return _model(block)
    return _scalar


def event_checks(demo: gr.Blocks, api: dict[str, Endpoint] = PUBLIC_API) -> dict[int, tuple[Check, ...]]:
    """Per event (fn_index), one check per input component; a public endpoint's by its parameters."""
    return {
        fn_id: tuple(api[fn.api_name].checks.values())
        if fn.api_name in api and len(fn.inputs) == len(api[fn.api_name].checks)
        else tuple(check_for(block) for block in fn.inputs)
        for fn_id, fn in demo.fns.items()
    }


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


def _api_call(path: str, body: bytes, api: dict[str, Endpoint]):
    """(endpoint name, its Endpoint, is v2, the decoded body) of a call to a public endpoint; None for others."""
    match = API_CALL.fullmatch(path)
    if match is None or match["name"] not in api:
        return None
    try:
        data = json.loads(body or b"null")
    except ValueError:
        data = None
    return match["name"], api[match["name"]], bool(match["v2"]), data


def named_problem(name: str, endpoint: Endpoint, data) -> str | None:
    """Why parameters given by name (a JSON object) do not fit the endpoint: unknown or missing keys, bad values."""
    if not isinstance(data, dict):
        return "the body must be a JSON object"
    unknown = sorted(str(key)[:40] for key in data if key not in endpoint.params)
    if unknown:
        return f"unknown parameter(s) {', '.join(unknown)}; /{name} takes: {', '.join(endpoint.params)}"
    missing = [key for key in endpoint.params[: endpoint.required] if key not in data]
    if missing:
        return f"missing parameter(s) {', '.join(missing)}; /{name} takes: {', '.join(endpoint.params)}"
    return _values_problem(endpoint, [(key, data[key]) for key in endpoint.params if key in data])


def _values_problem(endpoint: Endpoint, given: list) -> str | None:
    for key, value in given:
        problem = endpoint.checks[key](value)
        if problem:
            return f"{key}: {problem}"
    return None


def api_problem(path: str, body: bytes, api: dict[str, Endpoint]) -> str | None:
    """Why a call to a public endpoint is malformed (unknown or missing keys, bad values), or None."""
    call = _api_call(path, body, api)
    if call is None:
        return None
    name, endpoint, v2, data = call
    if v2:
        return named_problem(name, endpoint, data)
    if not isinstance(data, dict):
        return "the body must be a JSON object"
    if set(data) - {"data"}:
        extra = ", ".join(sorted(str(k)[:40] for k in data if k != "data"))
        return f'unknown key(s) {extra}: send {{"data": [{", ".join(endpoint.params)}]}}'
    values, low, high = data.get("data"), endpoint.required, len(endpoint.params)
    if not isinstance(values, list) or not low <= len(values) <= high:
        count = f"{high}" if low == high else f"{low} to {high}"
        return f'"data" must be a list of {count} value(s): {", ".join(endpoint.params)}'
    return _values_problem(endpoint, list(zip(endpoint.params, values)))


def api_body(path: str, body: bytes, api: dict[str, Endpoint]) -> bytes:
    """A well-formed `data` call with its optional values left out, given them as null (Gradio needs all)."""
    call = _api_call(path, body, api)
    if call is None or call[2] or len(call[3]["data"]) == len(call[1].params):
        return body
    data = call[3]
    padding = [None] * (len(call[1].params) - len(data["data"]))
    return json.dumps({**data, "data": [*data["data"], *padding]}).encode()
