"""The report panel: the conversation as a cited report for this session, and an uploaded report checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.app.layout import build_app
from qa.app.reports import Reports
from qa.engine import Engine

pytestmark = pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword is deprecated)")


@pytest.fixture(scope="module")
def reports(seeds_index, tmp_path_factory) -> Reports:
    index_dir = tmp_path_factory.mktemp("reports") / "index"
    shutil.copytree(seeds_index, index_dir)
    return Reports(build_app(Engine(index_dir)).qa_handlers)


def test_the_conversation_becomes_a_report_only_its_session_may_download(reports):
    reply = reports.handlers.engine.ask("How many people went missing during the period of violence?")
    path = Path(reports.make([reply, None], "Markdown"))
    text = path.read_text(encoding="utf-8")
    assert path.parent == reports.handlers.export_dir and "22,295" in text and "[^1]: \u201c22,295" in text
    assert not reports.handlers.sessions.may_download("another-session-id", str(path))
    with pytest.raises(Exception, match="Ask a question first"):
        reports.make([], "Word")


def test_an_uploaded_report_is_checked_and_its_rows_open_the_document(reports, tmp_path):
    report = tmp_path / "notes.txt"
    report.write_text('"COOPI has been present in Peru since 2000." (004_b3fbc4fefc858b64.txt, line 4)\n', "utf-8")
    table, found, _ = reports.check(str(report))
    assert [c.status for c in found] == ["ok"] and "qa-check-ok" in table
    event = type("Event", (), {"_data": {"open": "v1"}})()
    viewer, _ = reports.open_check(found, event)
    assert '<mark class="qa-current">COOPI has been present in Peru since 2000.</mark>' in viewer
    note, none, _ = reports.check(str(tmp_path / "nothing.pdf"))
    assert none == [] and "not a report" in note
