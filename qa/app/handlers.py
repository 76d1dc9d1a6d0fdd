"""The chat's event handlers: plain methods over one Engine, callable from tests; they check and format."""

from __future__ import annotations

import atexit
import functools
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from qa.app import checks, render
from qa.app.sessions import Sessions, session_of
from qa.engine import Engine
from qa.errors import QAError
from qa.ingest import MAX_UPLOAD_BYTES, Upload, add_uploads, safe_name

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # read when gradio is imported: no version checks, no telemetry
import gradio as gr  # noqa: E402

TITLE = "qa \u2014 ask your documents"
EXAMPLES = (
    "How many people went missing during the period of violence in Peru?",
    "Since when has COOPI been present in Peru?",
    "How much did the United States agree to add to its support for 2023-2024?",
)
PRIVATE = {"api_visibility": "private"}  # UI events stay out of the API; only `ask` is public
NOT_UPLOADED = "not uploaded through this page in this session; refused"


def refusing(method):
    """Turn a bad value (checks.Refused) into an error the user reads, without a traceback in the log."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except checks.Refused as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    return wrapper


class Handlers:
    """The app's event handlers over one engine and index folder; plain methods, callable from tests."""

    def __init__(self, engine: Engine, max_upload_bytes: int = MAX_UPLOAD_BYTES):
        from gradio.utils import get_upload_folder

        self.engine, self.max_upload_bytes = engine, max_upload_bytes
        os.makedirs(get_upload_folder(), exist_ok=True)
        # inside Gradio's cache, so the download is served from this very path rather than from a copy
        self.export_dir = Path(tempfile.mkdtemp(prefix="qa-export-", dir=get_upload_folder())).resolve()
        atexit.register(shutil.rmtree, self.export_dir, True)
        self.sessions = Sessions()  # per browser session: the uploads it may index and the exports it may download

    @refusing
    def ask(self, question: str) -> dict:
        """Answer a question from the indexed documents: the JSON object of `qa ask --json`."""
        text = checks.question(question, "The question is empty; type a question in words.")
        try:
            return self.engine.ask(text).to_dict()
        except QAError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    @refusing
    def status(self, mode: str = "hybrid") -> str:
        """The status area: documents, chunks, model, retrieval mode and any BM25-only fallback."""
        mode = checks.mode(mode)
        index = self.engine.index
        fallback = self.engine.dense_warning
        if index.mode == "bm25":
            fallback = "The index was built without the embedding model; answers come from keyword search."
        model = index.manifest.model
        return render.status_html(len(index.documents), len(index.chunks), model, mode, fallback)

    @refusing
    def warm(self, mode: str) -> str:
        """Load the index and the model on a cold start (the page shows "Loading the model…" meanwhile)."""
        mode = checks.mode(mode)
        try:
            self.engine.search("warm up", "hybrid", 1)
            return self.status(mode)
        except QAError as exc:
            return render.loading_html(f"The index cannot be used: {exc}")

    @refusing
    def use_example(self, evt: gr.SelectData) -> str:
        """An example question clicked on the empty chat goes into the question box."""
        return checks.example(getattr(evt, "value", None))

    @refusing
    def add_question(self, question: str, history: list) -> tuple[list, str, str]:
        """Show the question in the chat at once and clear the box; the answer follows."""
        text, history = checks.question(question), checks.history(history)
        return [*history, {"role": "user", "content": render.question_html(text)}], "", text

    @refusing
    def respond(
        self, question: str, history: list, answers: list, mode: str, top_k: float, request: gr.Request = None
    ) -> tuple:
        """Answer the pending question: chat, answers, shown answer, sources, Markdown, download, status."""
        history, answers = checks.history(history), checks.answers(answers)
        mode, top_k = checks.mode(mode), checks.top_k(top_k)
        try:
            answer = self.engine.ask(checks.question(question), mode, top_k)
        except (QAError, checks.Refused) as exc:
            answers.append(None)
            history.append({"role": "assistant", "content": render.error_html(str(exc))})
            return history, answers, *[gr.skip()] * 6
        answers.append(answer)
        history.append({"role": "assistant", "content": render.answer_html(answer)})
        sources = render.sources_html(answer, self.engine.index.documents)
        download = gr.DownloadButton(value=self.export(answers, session_of(request)), interactive=True)
        markdown, status, tab = render.answer_markdown(answer), self.status(mode), gr.Tabs(selected="sources")
        return history, answers, len(answers) - 1, sources, markdown, download, status, tab

    def clear(self) -> tuple:
        """A new conversation: empty chat, no sources, nothing to copy or download."""
        empty = gr.DownloadButton(value=None, interactive=False)
        sources, document = render.sources_placeholder(), render.document_placeholder()
        return [], [], -1, sources, document, "", empty, gr.Tabs(selected="sources")

    def export(self, answers: list, session: str | None = None) -> str:
        """Write the conversation as Markdown to a fresh file that only `session` may download; its path."""
        for old in self.export_dir.glob("qa-conversation-*.md"):
            if old.stat().st_mtime < time.time() - 3600:
                old.unlink(missing_ok=True)
        path = self.export_dir / f"qa-conversation-{secrets.token_hex(6)}.md"
        path.write_text(render.conversation_markdown(answers), encoding="utf-8")
        self.sessions.add_export(session, str(path))
        return str(path)

    def select_message(self, answers: list, evt: gr.SelectData) -> tuple:
        """Clicking a message in the chat shows the sources of that exchange."""
        answers, turn = checks.answers(answers), checks.message_turn(getattr(evt, "index", None))
        if not 0 <= turn < len(answers) or answers[turn] is None:
            return gr.skip(), gr.skip(), gr.skip()
        return render.sources_html(answers[turn], self.engine.index.documents), turn, gr.Tabs(selected="sources")

    def open_source(self, answers: list, shown: int, evt: gr.EventData) -> tuple:
        """Open the document of a source card in the viewer, scrolled to the cited place."""
        answers, shown, target = (
            checks.answers(answers),
            checks.shown(shown),
            checks.target(getattr(evt, "_data", None)),
        )
        answer = answers[shown] if 0 <= shown < len(answers) else None
        if answer is None or not target or int(target[1:]) < 1:
            return gr.skip(), gr.skip()
        n = int(target[1:])
        if target.startswith("c"):
            cite = next((c for c in answer.citations if c.n == n), None)
            if cite is None:
                return gr.skip(), gr.skip()
            source, current, where = cite.source, (cite.start, cite.end), cite.location()
            spans = [(c.start, c.end) for c in answer.citations if c.source == source]
        else:
            if n > len(answer.passages):
                return gr.skip(), gr.skip()
            chunk = answer.passages[n - 1].chunk
            source, current, where = chunk.doc_id, (chunk.start, chunk.end), chunk.location()
            spans = [current]
        document = self.engine.index.documents.get(source)
        if document is None:
            raise gr.Error("That document is no longer in the index.", print_exception=False)
        return render.document_html(document, spans, current, where), gr.Tabs(selected="document")

    @refusing
    def upload(self, files: list | None, mode: str, request: gr.Request = None, progress=gr.Progress()) -> tuple:
        """Index the files this browser session uploaded through the app (any path for a direct Python call)."""
        paths, mode = checks.file_list(files), checks.mode(mode)
        # from a browser, only paths the upload route handed to this session; each is good for one use
        owned = paths if request is None else [p for p in paths if self.sessions.take_upload(session_of(request), p)]
        try:
            on_read = lambda i, name: progress(0.8 * i / len(owned), desc=f"Reading {name}")  # noqa: E731
            rows = iter(add_uploads(self.engine, [Path(p) for p in owned], self.max_upload_bytes, on_read))
        finally:
            if request is not None:
                for path in owned:
                    _discard(path)
        taken = set(owned)
        report = [next(rows) if p in taken else Upload(safe_name(p), "rejected", NOT_UPLOADED) for p in paths]
        return render.upload_html([(r.name, r.status, r.note) for r in report]), self.status(mode), None


def _discard(path: str) -> None:
    """Delete an upload from Gradio's upload folder once parsed, so it is never served back."""
    from gradio.utils import get_upload_folder

    target = Path(path).resolve()
    if target.is_relative_to(Path(get_upload_folder()).resolve()):
        target.unlink(missing_ok=True)
