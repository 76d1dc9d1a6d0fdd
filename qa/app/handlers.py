"""The chat's event handlers: plain methods over one Engine, callable from tests; they check and format."""

from __future__ import annotations

import atexit
import functools
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from qa.app import checks, render, render_sources, viewer
from qa.app.asking import ask_json
from qa.app.audit import AuditLog
from qa.app.choices import document_choices
from qa.app.sessions import Sessions, session_of
from qa.app.users import LiveUsers
from qa.engine import Engine
from qa.ingest.ocr import ocr_status
from qa.lang import translation
from qa.records import QAError, Turn
from qa.store.access import Reader
from qa.sync.uploads import MAX_UPLOAD_BYTES, Upload, safe_name

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
        self.pages = viewer.PageImages()  # cited pages rendered as images, the last few kept
        self.accounts: LiveUsers | None = None  # with accounts, each user reads only what their groups may
        self.audit: AuditLog | None = None

    def serve_for(self, accounts: LiveUsers | None, audit: AuditLog | None) -> None:
        """Answer each signed-in user from the documents they may read; log every question to `audit`."""
        self.accounts, self.audit = accounts, audit

    def reader(self, request) -> Reader | None:
        """Who asks: the signed-in user with their groups (None: no accounts, every document is readable)."""
        if self.accounts is None:
            return None
        name = getattr(request, "username", None) or ""
        return self.accounts.current().reader_named(name) or Reader(name)  # a removed user: no groups

    def documents_for(self, request) -> Mapping:
        """The documents the user of a request may read, by doc_id."""
        return self.engine.documents(self.reader(request))

    @refusing
    def ask(self, question: str, history: list[str] | None = None, sources: list[str] | None = None,
            request: gr.Request = None) -> dict:  # fmt: skip
        """`qa ask --json`'s answer, asked after the earlier questions in `history`, within `sources` globs."""
        try:
            return ask_json(self.engine, question, history, sources, self.reader(request), self.audit)
        except QAError as exc:
            raise gr.Error(str(exc), print_exception=False) from None

    def documents(self, request: gr.Request = None) -> gr.Dropdown:
        """The document filter's choices: each document the user may read, by title and file."""
        return gr.Dropdown(choices=document_choices(self.documents_for(request)))

    def translation_problem(self) -> str | None:
        """None when Spanish ⇄ English machine translation works; else why not and how to install it."""
        if translation.available("es", "en") and translation.available("en", "es"):
            return None
        problem = translation.reason() or self.engine.translation_warning or "apertium is not available"
        return problem if translation.INSTALL in problem else f"{problem} (install it with: {translation.INSTALL})"

    @refusing
    def status(self, mode: str = "hybrid", request: gr.Request = None) -> str:
        """The status area: documents and chunks (those the user may read), model, retrieval mode and any
        BM25-only fallback."""
        mode = checks.mode(mode)
        index = self.engine.index
        allowed = self.engine.visible(self.reader(request), index)
        fallback = self.engine.dense_warning
        if index.mode == "bm25":
            fallback = "The index was built without the embedding model; answers come from keyword search."
        model = index.manifest.model
        problem = self.translation_problem()
        counts = (len(index.documents), len(index.chunks)) if allowed is None else (
            len(allowed), len(index.rows_of(allowed)))  # fmt: skip
        loading = self.engine.meaning_loading
        status = render.Status(*counts, model, mode, fallback, problem, ocr_status(), loading and not fallback)
        return render.status_html(status)

    @refusing
    def refresh_status(self, mode: str, request: gr.Request = None) -> tuple:
        """The status while the model loads in the background; the timer stops once meaning search has joined."""
        return self.status(mode, request), gr.Timer(active=self.engine.meaning_loading)

    @refusing
    def warm(self, mode: str, request: gr.Request = None) -> tuple:
        """Load the index and the model on a cold start (the page shows "Loading the model…" meanwhile)."""
        mode = checks.mode(mode)
        try:
            self.engine.search("warm up", "hybrid", 1, reader=self.reader(request))
            status, timer = self.status(mode, request), gr.Timer(active=self.engine.meaning_loading)
            return status, self.documents(request), timer
        except QAError as exc:
            return render.loading_html(f"The index cannot be used: {exc}"), gr.skip(), gr.skip()

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
        self,
        question: str,
        history: list,
        answers: list,
        mode: str,
        top_k: float,
        chosen: list | None = None,
        request: gr.Request = None,
    ) -> tuple:
        """Answer the pending question after the chat's earlier turns, from the chosen documents (none: all)."""
        history, answers = checks.history(history), checks.answers(answers)
        mode, top_k = checks.mode(mode), checks.top_k(top_k)
        turns = [Turn(a.question, a) for a in answers if a is not None][-checks.MAX_API_TURNS :]
        try:
            reader, documents = self.reader(request), self.documents_for(request)
            patterns = [checks.exact(d) for d in checks.chosen_documents(chosen, documents)]
            answer = self.engine.ask(checks.question(question), mode, top_k, turns, patterns, reader)
        except (QAError, checks.Refused) as exc:
            answers.append(None)
            history.append({"role": "assistant", "content": render.error_html(str(exc))})
            return history, answers, *[gr.skip()] * 6
        if self.audit is not None:
            self.audit.asked(reader, answer)
        answers.append(answer)
        history.append({"role": "assistant", "content": render.answer_html(answer)})
        sources = render_sources.sources_html(answer, documents)
        download = gr.DownloadButton(value=self.export(answers, session_of(request)), interactive=True)
        markdown, status = render.answer_markdown(answer), self.status(mode, request)
        tab = gr.Tabs(selected="sources")
        return history, answers, len(answers) - 1, sources, markdown, download, status, tab

    def clear(self) -> tuple:
        """A new conversation: empty chat, no sources, nothing to copy or download."""
        empty = gr.DownloadButton(value=None, interactive=False)
        sources, document = render_sources.sources_placeholder(), render_sources.document_placeholder()
        return [], [], -1, sources, document, "", empty, gr.Tabs(selected="sources"), ""

    def export(self, answers: list, session: str | None = None) -> str:
        """Write the conversation as Markdown to a fresh file that only `session` may download; its path."""
        for old in self.export_dir.glob("qa-conversation-*.md"):
            if old.stat().st_mtime < time.time() - 3600:
                old.unlink(missing_ok=True)
        path = self.export_dir / f"qa-conversation-{secrets.token_hex(6)}.md"
        path.write_text(render.conversation_markdown(answers), encoding="utf-8")
        self.sessions.add_export(session, str(path))
        return str(path)

    def select_message(self, answers: list, evt: gr.SelectData, request: gr.Request = None) -> tuple:
        """Clicking a message in the chat shows the sources of that exchange."""
        answers, turn = checks.answers(answers), checks.message_turn(getattr(evt, "index", None))
        if not 0 <= turn < len(answers) or answers[turn] is None:
            return gr.skip(), gr.skip(), gr.skip()
        documents = self.documents_for(request)
        return render_sources.sources_html(answers[turn], documents), turn, gr.Tabs(selected="sources")

    def _opened(self, answers: list, shown: int, evt: gr.EventData, documents: Mapping):
        """The place a clicked source card opens, or None."""
        answers, shown = checks.answers(answers), checks.shown(shown)
        answer = answers[shown] if 0 <= shown < len(answers) else None
        return viewer.opened(answer, checks.target(getattr(evt, "_data", None)), documents)

    def open_source(self, answers: list, shown: int, evt: gr.EventData, request: gr.Request = None) -> tuple:
        """Open the document of a source card in the viewer, scrolled to the cited place."""
        documents = self.documents_for(request)
        place = self._opened(answers, shown, evt, documents)
        if place is None:
            return gr.skip(), gr.skip()
        document = documents.get(place.source)
        if document is None:
            raise gr.Error("That document is no longer in the index.", print_exception=False)
        text = render_sources.document_html(document, place.spans, place.current, place.where)
        return text, gr.Tabs(selected="document")

    def open_page(self, answers: list, shown: int, evt: gr.EventData, request: gr.Request = None) -> tuple:
        """The page panel at once (a note, or 'Rendering page N…') and the page to render next (None: none)."""
        documents = self.documents_for(request)
        place = self._opened(answers, shown, evt, documents)
        document = documents.get(place.source) if place else None
        if document is None:
            return gr.skip(), None
        request, panel = viewer.page_request(document, place, self.engine.index.manifest.folder)
        return panel, request

    def show_page(self, page, request: gr.Request = None) -> str:
        """The cited page of an indexed PDF or image, rendered with the quote highlighted (or a one-line note)."""
        if not isinstance(page, viewer.PageRequest):
            return gr.skip()
        return self.pages.html(page, self.documents_for(request), self.engine.index.manifest.folder)

    @refusing
    def upload(self, files: list | None, mode: str, request: gr.Request = None, progress=gr.Progress()) -> tuple:
        """Index the files this browser session uploaded through the app (any path for a direct Python call)."""
        paths, mode = checks.file_list(files), checks.mode(mode)
        # from a browser, only paths the upload route handed to this session; each is good for one use
        owned = paths if request is None else [p for p in paths if self.sessions.take_upload(session_of(request), p)]
        try:
            on_read = lambda i, name: progress(0.8 * i / len(owned), desc=f"Reading {name}")  # noqa: E731
            rows = iter(self.engine.upload([Path(p) for p in owned], self.max_upload_bytes, on_read,
                                           self.reader(request)))  # fmt: skip
        finally:
            if request is not None:
                for path in owned:
                    discard_upload(path)
        taken = set(owned)
        report = [next(rows) if p in taken else Upload(safe_name(p), "rejected", NOT_UPLOADED) for p in paths]
        log = render.upload_html([(r.name, r.status, r.note) for r in report])
        return log, self.status(mode, request), None, self.documents(request)


def discard_upload(path: str) -> None:
    """Delete an upload from Gradio's upload folder once parsed, so it is never served back."""
    from gradio.utils import get_upload_folder

    target = Path(path).resolve()
    if target.is_relative_to(Path(get_upload_folder()).resolve()):
        target.unlink(missing_ok=True)
