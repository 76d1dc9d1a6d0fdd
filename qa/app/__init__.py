"""The browser chat of `qa serve`: a Gradio app over the library whose public API is `ask` (Gradio's, and
`POST /api/ask`). Names load on first use, so `qa.app.access` can start the model before gradio is imported."""

from __future__ import annotations

import importlib

_WHERE = {"Handlers": "handlers", "build_app": "layout", "check_access": "access", "launch": "server",
          "serve": "server"}  # fmt: skip
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'qa.app' has no attribute {name!r}")
    return getattr(importlib.import_module(f"qa.app.{_WHERE[name]}"), name)
