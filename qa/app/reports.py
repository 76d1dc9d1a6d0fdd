"""The chat's report panel: the conversation as a cited report to download, and a report's citations checked."""

from __future__ import annotations

import secrets
from pathlib import Path

from qa.app import checks, render_checks, render_sources
from qa.app.handlers import Handlers, discard_upload, gr, refusing
from qa.app.sessions import session_of
from qa.app.viewer import Opened
from qa.records import InputError, QAError
from qa.report.build import build_report
from qa.report.read import READABLE, report_citations
from qa.report.verify import verify_citations
from qa.report.write import write_report

FORMATS = {"Markdown": ".md", "Word": ".docx", "HTML": ".html"}
MAX_CHECKED_BYTES = 20 * 2**20


class Reports:
    """Report handlers over the chat's Handlers (its engine, sessions and export folder)."""

    def __init__(self, handlers: Handlers):
        self.handlers = handlers

    @refusing
    def make(self, answers: list, kind: str, request: gr.Request = None) -> str:  # answers: this session's own
        """Write the conversation as a cited report in the chosen format; its path, for this session only."""
        answers, suffix = checks.answers(answers), FORMATS[checks.choice(kind, tuple(FORMATS))]
        if not any(a is not None for a in answers):
            raise gr.Error("Ask a question first: the report holds this conversation's answers.", print_exception=False)
        path = self.handlers.export_dir / f"qa-report-{secrets.token_hex(6)}{suffix}"
        try:
            write_report(build_report(answers, self.handlers.engine.index, figures=suffix != ".md"), path)
        except QAError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        self.handlers.sessions.add_export(session_of(request), str(path))
        return str(path)

    @refusing
    def check(self, file, request: gr.Request = None) -> tuple:
        """Check the uploaded report's citations against the documents as they are now; the table and the checks."""
        [path] = checks.file_list(file)[:1] or [None]
        if path is None:
            return render_checks.checks_note("Upload a report to check its citations."), [], gr.skip()
        if request is not None and not self.handlers.sessions.take_upload(session_of(request), path):
            return render_checks.checks_note("Refused: not uploaded through this page in this session."), [], gr.skip()
        try:
            found = self._checked(Path(path), self.handlers.engine.readable(self.handlers.reader(request)))
        except QAError as exc:
            return render_checks.checks_note(str(exc)), [], gr.skip()
        finally:
            if request is not None:
                discard_upload(path)
        return render_checks.checks_html(Path(path).name, found), found, gr.Tabs(selected="check")

    def _checked(self, path: Path, may_read=None) -> list:
        """The checks of the report at `path`; QAError with one line for anything that is not a checkable report."""
        name = path.name
        if path.suffix.lower() not in READABLE:
            raise InputError(f"{name}: not a report (reports are {', '.join(READABLE)})")
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_CHECKED_BYTES + 1)
        except OSError:
            raise InputError(f"{name}: the upload could not be read; try again") from None
        if len(data) > MAX_CHECKED_BYTES:
            raise InputError(f"{name}: over the {MAX_CHECKED_BYTES // 2**20} MB limit")
        citations = report_citations(data, name)
        if not citations:
            raise InputError(f"{name}: no citations found (a quotation followed by its source in brackets)")
        return verify_citations(citations, self.handlers.engine.index, may_read=may_read)

    def open_check(self, found: list, evt: gr.EventData, request: gr.Request = None) -> tuple:
        """Open the document of a checked citation: where its quote is now, else where it was cited."""
        target = checks.target(getattr(evt, "_data", None))
        check = next((c for c in found or [] if f"v{c.cited.n}" == target), None)
        if check is None or check.status == "unknown":
            return gr.skip(), gr.skip()
        documents = self.handlers.documents_for(request)
        place = _opened(check, documents)
        if place is None:
            raise gr.Error("That document is no longer in the index.", print_exception=False)
        text = render_sources.document_html(documents[place.source], place.spans, place.current, place.where)
        return text, gr.Tabs(selected="document")


def _opened(check, documents) -> Opened | None:
    """The indexed document and span a checked citation opens (for a renamed file, its indexed copy)."""
    cited = check.cited
    if check.now is not None and check.now.source in documents:
        at = check.now.place
        return Opened(check.now.source, (at.start, at.end), ((at.start, at.end),), check.status)
    source = next((d for d in documents if d == cited.source or d.rsplit("/", 1)[-1] == cited.source), None)
    if source is None:
        return None
    start = cited.place.start if cited.place.start is not None else 0
    end = cited.place.end if cited.place.end is not None else start
    return Opened(source, (start, end), ((start, end),), f"{check.status}: as cited")
