"""Printing for the commands: one JSON object a line."""

from __future__ import annotations

import json


def emit(obj) -> None:
    """Print one JSON object on one line."""
    print(json.dumps(obj, ensure_ascii=False))
