"""Serving the chat: the guard in front of every request, the JSON route beside Gradio's (access: qa.app.access)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from qa.app import api, render
from qa.app.access import Listen, check_access, password_check, started_engine
from qa.app.audit import AuditLog
from qa.app.gate import Gate
from qa.app.guard import Guard, HostRule
from qa.app.handlers import gr
from qa.app.inputs import PUBLIC_API, event_checks
from qa.app.layout import build_app


def launch(demo: gr.Blocks, listen: Listen = Listen(), block: bool = True, quiet: bool = False,
           started: Callable[[], object] = lambda: None):  # fmt: skip
    """Start the server (outside calls off, the Guard in front), then call `started`; blocks unless block=False."""
    hosts, events = HostRule(listen.host, listen.port, listen.allow_hosts), event_checks(demo)
    check = password_check(listen)
    gate = Gate(check, listen.login_delay) if check is not None else None
    audit = AuditLog(listen.audit) if listen.audit is not None else None
    handlers = demo.qa_handlers
    handlers.serve_for(listen.users, audit)
    routes = {api.ROUTE: api.JsonAsk(handlers.engine, gate, listen.users, audit)}
    guard = {"hosts": hosts, "sessions": handlers.sessions, "api": PUBLIC_API, "events": events, "routes": routes,
             "gate": gate}  # fmt: skip

    @contextlib.asynccontextmanager
    async def guarded(app):
        # Gradio adds its CORS middleware outside any given in app_kwargs; the guard must come before it
        app.middleware_stack = Guard(app.middleware_stack or app.build_middleware_stack(), **guard)
        if gate is not None:
            gate.bind(app)
        yield

    result = demo.launch(
        server_name=listen.host,
        server_port=listen.port,
        auth=check,
        prevent_thread_lock=True,
        share=False,
        quiet=quiet,
        show_error=False,
        footer_links=["api"],
        enable_monitoring=False,
        run_history=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        max_file_size=demo.qa_handlers.max_upload_bytes,
        theme=render.theme(),
        css=render.static("app.css"),
        head=render.static("head.html"),
        app_kwargs={"lifespan": guarded},
    )
    if not isinstance(getattr(demo.server_app, "middleware_stack", None), Guard):
        demo.close()
        raise RuntimeError("the request guard is not in place; refusing to serve")
    started()
    if block:
        demo.block_thread()
    return result


def serve(index_dir: Path, folder: Path, listen: Listen = Listen(), auth: str | None = None, model: str | None = None,
          on_build=lambda message: None) -> None:  # fmt: skip
    """`qa serve`: build the index from `folder` if there is none, then run the chat until interrupted; `auth` is
    the user:password to ask for (required off loopback)."""
    credentials = check_access(listen.host, auth)
    engine = started_engine(index_dir, folder, model, on_build)
    engine.load_in_background()  # keyword search answers until the model is in
    launch(build_app(engine), replace(listen, auth=credentials))
