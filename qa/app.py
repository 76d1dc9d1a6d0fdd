"""The browser chat of `qa serve`: a Gradio app over the index whose only public API endpoint is `ask`."""

from __future__ import annotations

import atexit
import ipaddress
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

from qa import app_render as render
from qa.documents import SUPPORTED, parse_document
from qa.engine import Engine
from qa.errors import DocumentError, InputError, QAError
from qa.index import current_version
from qa.records import Document
from qa.report import answer_markdown, answer_to_dict, chunk_location, location
from qa.sync import UPLOADS, sync_folder, update_index

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # read when gradio is imported: no version checks, no telemetry
import gradio as gr  # noqa: E402

TITLE = "qa \u2014 ask your documents"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MODES = ("hybrid", "dense", "bm25")
EXAMPLES = (
    "How many people went missing during the period of violence in Peru?",
    "Since when has COOPI been present in Peru?",
    "How much did the United States agree to add to its support for 2023-2024?",
)
PRIVATE = {"api_visibility": "private"}  # UI events stay out of the API; only `ask` is public


def safe_name(name: str) -> str:
    """A file name reduced to letters, digits, '.', '-' and '_', keeping its suffix."""
    base = Path(name.replace("\\", "/").rsplit("/", 1)[-1])
    suffix = base.suffix.lower() if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", base.suffix) else ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", base.name[: len(base.name) - len(suffix)]).strip("_")
    return (stem[:100] or "document") + suffix


class _EngineEmbedder:
    """The engine's loaded model, in the shape update_index expects, so an upload loads no second model."""

    def __init__(self, name: str, dimension: int, encode):
        self.name, self.dimension, self._encode = name, dimension, encode

    def encode(self, texts: list[str], progress: bool = False):
        return self._encode(texts)


class Handlers:
    """The app's event handlers over one engine and index folder; plain methods, callable from tests."""

    def __init__(self, engine: Engine, index_dir: Path, max_upload_bytes: int = MAX_UPLOAD_BYTES):
        self.engine, self.index_dir, self.max_upload_bytes = engine, Path(index_dir), max_upload_bytes
        self.export_dir = Path(tempfile.mkdtemp(prefix="qa-export-"))
        atexit.register(shutil.rmtree, self.export_dir, True)
        self.exports: set[str] = set()  # names of the files the server may send back: conversation exports

    def ask(self, question: str) -> dict:
        """Answer a question from the indexed documents: the JSON object of `qa ask --json`."""
        try:
            return answer_to_dict(self.engine.ask(question))
        except QAError as exc:
            raise gr.Error(str(exc)) from None

    def status(self, mode: str = "hybrid") -> str:
        """The status area: documents, chunks, model, retrieval mode and any BM25-only fallback."""
        index = self.engine.index
        fallback = self.engine.dense_warning
        if index.mode == "bm25":
            fallback = "The index was built without the embedding model; answers come from keyword search."
        model = index.manifest.get("model") or None
        return render.status_html(len(index.documents), len(index.chunks), model, mode, fallback)

    def warm(self, mode: str) -> str:
        """Load the index and the model on a cold start (the page shows "Loading the model…" meanwhile)."""
        try:
            self.engine.search("warm up", "hybrid", 1)
            return self.status(mode)
        except QAError as exc:
            return render.loading_html(f"The index cannot be used: {exc}")

    def use_example(self, evt: gr.SelectData) -> str:
        """An example question clicked on the empty chat goes into the question box."""
        return str((evt.value or {}).get("text", "")) if isinstance(evt.value, dict) else str(evt.value or "")

    def add_question(self, question: str, history: list) -> tuple[list, str, str]:
        """Show the question in the chat at once and clear the box; the answer follows."""
        text = " ".join((question or "").split())
        if not text:
            raise gr.Error("Type a question first.")
        return [*(history or []), {"role": "user", "content": render.question_html(text)}], "", text

    def respond(self, question: str, history: list, answers: list, mode: str, top_k: float) -> tuple:
        """Answer the pending question: chat, answers, shown answer, sources, Markdown, download, status."""
        answers, history = list(answers or []), list(history or [])
        try:
            answer = self.engine.ask(question, mode, max(1, min(10, int(top_k))))
        except QAError as exc:
            answers.append(None)
            history.append({"role": "assistant", "content": render.error_html(str(exc))})
            return history, answers, *[gr.skip()] * 6
        answers.append(answer)
        history.append({"role": "assistant", "content": render.answer_html(answer)})
        sources = render.sources_html(answer, self.engine.index.documents)
        download = gr.DownloadButton(value=self.export(answers), interactive=True)
        markdown, status, tab = answer_markdown(answer), self.status(mode), gr.Tabs(selected="sources")
        return history, answers, len(answers) - 1, sources, markdown, download, status, tab

    def clear(self) -> tuple:
        """A new conversation: empty chat, no sources, nothing to copy or download."""
        empty = gr.DownloadButton(value=None, interactive=False)
        sources, document = render.sources_placeholder(), render.document_placeholder()
        return [], [], -1, sources, document, "", empty, gr.Tabs(selected="sources")

    def export(self, answers: list) -> str:
        """Write the conversation as Markdown to a fresh temporary file and return its path."""
        for old in self.export_dir.glob("qa-conversation-*.md"):
            if old.stat().st_mtime < time.time() - 3600:
                old.unlink(missing_ok=True)
        path = self.export_dir / f"qa-conversation-{secrets.token_hex(6)}.md"
        path.write_text(render.conversation_markdown(answers), encoding="utf-8")
        self.exports.add(path.name)
        return str(path)

    def select_message(self, answers: list, evt: gr.SelectData) -> tuple:
        """Clicking a message in the chat shows the sources of that exchange."""
        index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        turn = int(index) // 2 if isinstance(index, int) else -1
        if not 0 <= turn < len(answers or []) or answers[turn] is None:
            return gr.skip(), gr.skip(), gr.skip()
        return render.sources_html(answers[turn], self.engine.index.documents), turn, gr.Tabs(selected="sources")

    def open_source(self, answers: list, shown: int, evt: gr.EventData) -> tuple:
        """Open the document of a source card in the viewer, scrolled to the cited place."""
        target = str(getattr(evt, "_data", None) and evt._data.get("open") or "")
        answer = answers[shown] if answers and isinstance(shown, int) and 0 <= shown < len(answers) else None
        documents = self.engine.index.documents
        try:
            if answer is None:
                raise LookupError(target)
            if target.startswith("c"):
                cite = next(c for c in answer.citations if c.n == int(target[1:]))
                source, current, where = cite.source, (cite.start, cite.end), location(cite)
                spans = [(c.start, c.end) for c in answer.citations if c.source == source]
            else:
                n = int(target[1:])
                if n < 1:
                    raise ValueError(target)
                chunk = answer.passages[n - 1].chunk
                source, current, where = chunk.doc_id, (chunk.start, chunk.end), chunk_location(chunk)
                spans = [current]
        except (LookupError, ValueError, StopIteration):
            return gr.skip(), gr.skip()
        document = documents.get(source)
        if document is None:
            raise gr.Error("That document is no longer in the index.")
        return render.document_html(document, spans, current, where), gr.Tabs(selected="document")

    def upload(self, files: list | None, mode: str, progress=gr.Progress()) -> tuple:
        """Parse uploaded files on the server and add them to the index; one report line per file."""
        paths = [str(f) for f in files or []]
        known = {d.content_hash: d.doc_id for d in self.engine.index.documents.values()}
        rows: list[tuple[str, str, str]] = []
        fresh: list[tuple[int, Document]] = []
        for i, path in enumerate(paths):
            name = _unique(safe_name(Path(path).name), {row[0] for row in rows})
            progress(0.5 * i / len(paths), desc=f"Reading {name}")
            try:
                document = self._parse(path, UPLOADS + name)
            except DocumentError as exc:
                rows.append((name, "rejected", exc.reason))
                continue
            finally:
                _discard(path)
            if document.content_hash in known:
                rows.append((name, "duplicate", f"already indexed ({known[document.content_hash]})"))
                continue
            known[document.content_hash] = document.doc_id
            rows.append((name, "pending", ""))
            fresh.append((len(rows) - 1, document))
        if fresh:
            progress(0.6, desc=f"Indexing {len(fresh)} document{'s' if len(fresh) > 1 else ''}\u2026")
            self._index([d for _, d in fresh], rows, fresh)
        return render.upload_html(rows), self.status(mode), None

    def _parse(self, path: str, source: str) -> Document:
        limit = self.max_upload_bytes
        try:
            size = os.path.getsize(path)
            if size > limit:
                raise DocumentError(source, f"file is {size / 2**20:.1f} MB, over the {limit / 2**20:.0f} MB limit")
            with open(path, "rb") as handle:
                data = handle.read(limit + 1)
        except OSError:
            raise DocumentError(source, "the upload could not be read; try again") from None
        if len(data) > limit:
            raise DocumentError(source, f"file is over the {limit / 2**20:.0f} MB limit")
        try:
            return parse_document(data, source)
        except DocumentError:
            raise
        except Exception as exc:  # a damaged file of a supported type must not break the app
            raise DocumentError(source, f"cannot read the file ({type(exc).__name__})") from None

    def _index(self, documents: list[Document], rows: list, fresh: list) -> None:
        try:
            report = update_index(self.index_dir, documents, keep=lambda doc_id: True, **self._embedder())
        except QAError as exc:
            for row, _ in fresh:
                rows[row] = (rows[row][0], "rejected", str(exc))
            return
        counts: dict[str, int] = {}
        for chunk in self.engine.index.chunks:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        for row, document in fresh:
            kind = "updated" if document.doc_id in report.updated else "added"
            note = f"{counts.get(document.doc_id, 0)} passages; ask about it now"
            rows[row] = (rows[row][0], kind, ("replaced the earlier upload; " if kind == "updated" else "") + note)

    def _embedder(self) -> dict:
        """update_index's embedder argument: the engine's loaded model, so an upload loads no second copy."""
        index = self.engine.index
        embedder = self.engine.embedder(index)
        if embedder is None or not index.manifest.get("model"):
            return {}
        return {"embedder": _EngineEmbedder(index.manifest["model"], index.dense.d, embedder.encode)}


def _unique(name: str, taken: set[str]) -> str:
    """`name`, or `name` with a number added when another file of the same upload already has it."""
    stem, suffix = os.path.splitext(name)
    number = 2
    while name in taken:
        name, number = f"{stem}-{number}{suffix}", number + 1
    return name


def _discard(path: str) -> None:
    """Delete an upload from Gradio's upload folder once parsed, so it is never served back."""
    from gradio.utils import get_upload_folder

    target = Path(path).resolve()
    if target.is_relative_to(Path(get_upload_folder()).resolve()):
        target.unlink(missing_ok=True)


def build_app(engine: Engine, index_dir: Path, max_upload_bytes: int = MAX_UPLOAD_BYTES) -> gr.Blocks:
    """The chat, documents, settings, status and export panels, wired to Handlers; not launched."""
    h = Handlers(engine, index_dir, max_upload_bytes)
    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=True, delete_cache=(3600, 86400)) as demo:
        answers, shown, pending = gr.State([]), gr.State(-1), gr.State("")
        with gr.Sidebar(open=True, width=320, elem_id="qa-sidebar"):
            gr.HTML('<div class="qa-section">Index</div>')
            status = gr.HTML(render.loading_html(), elem_id="qa-status")
            gr.HTML('<div class="qa-section">Documents</div>')
            files = gr.File(
                label="Add documents",
                show_label=False,
                file_count="multiple",
                file_types=list(SUPPORTED),
                height=120,
                elem_id="qa-upload",
            )
            gr.HTML(render.upload_hint(SUPPORTED, max_upload_bytes))
            uploads = gr.HTML(elem_id="qa-upload-log")
            gr.HTML('<div class="qa-section">Settings</div>')
            mode = gr.Radio(list(MODES), value="hybrid", label="Retrieval mode", elem_id="qa-mode")
            top_k = gr.Slider(1, 10, value=5, step=1, label="Passages to retrieve", elem_id="qa-topk")
        with gr.Column(elem_id="qa-page"):
            gr.HTML(render.header_html())
        with gr.Row(equal_height=False, elem_id="qa-main"):
            with gr.Column(scale=6, min_width=340):
                chat = gr.Chatbot(
                    elem_id="qa-chat",
                    height="62vh",
                    show_label=False,
                    render_markdown=False,
                    sanitize_html=True,
                    allow_tags=False,
                    latex_delimiters=[],
                    buttons=[],
                    feedback_options=None,
                    layout="bubble",
                    placeholder=render.chat_placeholder(),
                    examples=[{"text": q} for q in EXAMPLES],
                )
                question = gr.Textbox(
                    placeholder="Ask a question about your documents\u2026",
                    show_label=False,
                    submit_btn="Ask",
                    max_length=2000,
                    elem_id="qa-question",
                )
                with gr.Row(elem_id="qa-actions"):
                    copy = gr.Button("Copy answer as Markdown", size="sm", elem_id="qa-copy")
                    download = gr.DownloadButton("Download chat (.md)", size="sm", interactive=False)
                    clear = gr.Button("New chat", size="sm")
                with gr.Accordion("Last answer as Markdown", open=False):
                    markdown = gr.Textbox(show_label=False, lines=6, max_lines=14, interactive=False, buttons=["copy"])
            with gr.Column(scale=5, min_width=300), gr.Tabs(selected="sources") as tabs:
                with gr.Tab("Sources", id="sources"):
                    sources = gr.HTML(render.sources_placeholder(), elem_id="qa-sources", js_on_load=render.OPEN_JS)
                with gr.Tab("Document", id="document"):
                    viewer = gr.HTML(render.document_placeholder(), elem_id="qa-viewer", js_on_load=render.SCROLL_JS)

        answer_outputs = [chat, answers, shown, sources, markdown, download, status, tabs]
        asked = question.submit(h.add_question, [question, chat], [chat, question, pending], **PRIVATE)
        asked.success(h.respond, [pending, chat, answers, mode, top_k], answer_outputs, **PRIVATE)
        picked = chat.example_select(h.use_example, None, question, **PRIVATE)
        picked = picked.then(h.add_question, [question, chat], [chat, question, pending], **PRIVATE)
        picked.success(h.respond, [pending, chat, answers, mode, top_k], answer_outputs, **PRIVATE)
        chat.select(h.select_message, answers, [sources, shown, tabs], **PRIVATE)
        sources.click(h.open_source, [answers, shown], [viewer, tabs], **PRIVATE)
        files.upload(h.upload, [files, mode], [uploads, status, files], concurrency_limit=1, **PRIVATE)
        mode.change(h.status, mode, status, show_progress="hidden", **PRIVATE)
        copy.click(None, markdown, None, js=render.COPY_JS)
        cleared = [chat, answers, shown, sources, viewer, markdown, download, tabs]
        clear.click(h.clear, None, cleared, **PRIVATE)
        chat.clear(h.clear, None, cleared, **PRIVATE)
        demo.load(h.warm, mode, status, show_progress="hidden", **PRIVATE)
        gr.api(h.ask, api_name="ask", concurrency_limit=4)  # the engine is thread-safe; queries overlap
    demo.qa_handlers = h
    return demo


class FileGuard:
    """ASGI middleware: no file is served back except conversation exports, and no remote URL is fetched."""

    def __init__(self, app, allowed: set[str]):
        self.app, self.allowed = app, allowed

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "") if scope["type"] == "http" else ""
        refused = "/proxy=" in path or "/file/" in path
        refused = refused or ("/file=" in path and path.rsplit("/", 1)[-1] not in self.allowed)
        if refused:
            await send({"type": "http.response.start", "status": 403, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"Forbidden"})
            return
        await self.app(scope, receive, send)


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def check_access(host: str, auth: str | None) -> tuple[str, str] | None:
    """The (user, password) to require; a non-loopback host without one is refused."""
    if auth:
        user, sep, password = auth.partition(":")
        if not (sep and user and password):
            raise InputError("--auth must look like user:password")
        return user, password
    if not is_loopback(host):
        raise InputError(
            f"refusing to serve on {host} without a password: pass --auth user:password (or set QA_AUTH), "
            "or bind 127.0.0.1"
        )
    return None


def launch(demo: gr.Blocks, host: str = "127.0.0.1", port: int = 7860, auth=None, block: bool = True, quiet=False):
    """Start the server with every outside call off; blocks unless block=False."""
    from starlette.middleware import Middleware

    return demo.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        prevent_thread_lock=not block,
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
        css=render.CSS,
        head=render.HEAD,
        app_kwargs={"middleware": [Middleware(FileGuard, allowed=demo.qa_handlers.exports)]},
    )


def serve(args) -> int:
    """`qa serve`: build the index from --folder if there is none, then run the chat until interrupted."""
    host = args.host or "127.0.0.1"
    auth = check_access(host, args.auth or os.environ.get("QA_AUTH"))
    index_dir, folder = Path(args.index), Path(args.folder)
    if current_version(index_dir) is None:
        if not folder.is_dir():
            raise InputError(f"{index_dir}: no index yet, and {folder} is not a folder to build one from")
        print(f"qa: no index in {index_dir} yet; indexing {folder} first", file=sys.stderr)
        sync_folder(folder, index_dir, args.model, progress=True)
    launch(build_app(Engine(index_dir, args.model), index_dir), host, args.port, auth)
    return 0
