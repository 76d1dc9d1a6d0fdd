"""The browser chat of `qa serve`: a Gradio app over the library whose only public API endpoint is `ask`."""

from qa.app.handlers import Handlers
from qa.app.layout import build_app
from qa.app.server import check_access, launch, serve

__all__ = ["Handlers", "build_app", "check_access", "launch", "serve"]
