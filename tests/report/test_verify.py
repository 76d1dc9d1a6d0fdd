"""`qa ask --report` then `qa verify`: each citation of a report is ok, moved, changed, missing or unknown after the
documents change; hand-written citations too; nothing is written while checking."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import SEEDS, make_pdf

from qa.cli import main
from qa.store.build import Build
from qa.sync.folder import sync_folder

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]  # the model answers the questions of three reports

QUESTIONS = {  # the document each question is answered from, and what happens to that document afterwards
    "000_6659238072dffd43.txt": "Since what year has JICA been operating in Peru?",  # untouched
    "001_b09e6e96470ac102.txt": "How many people went missing during Peru's period of violence between 1980 and 2000?",
    "004_b3fbc4fefc858b64.txt": "Since when has COOPI been present in Peru?",  # its sentence reworded
    "003_a59b5df70f3fbcd3.txt": "How much was the agreement USAID signed with Peru in September 2021?",  # renamed
    "002_f806f91d97a55b2f.txt": "What is the number of the donation agreement under which the US supports Peru?",
    "annual.pdf": "How long is the Zorblat canal?",  # untouched, and shown as a cropped page in .docx and .html
}
EXPECTED = {"000": {"ok"}, "001": {"moved"}, "004": {"changed"}, "003": {"moved"}, "002": {"missing"}, "ann": {"ok"}}
PAGES = [
    "The Quibble bridge opened in 1911 after ten years of work.",
    "The Zorblat canal is 40 km long and was dug in 1922.",
]


def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
    """`qa ARGS` in this process, with `stdin`; (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main([str(a) for a in args])
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


def _change(folder: Path) -> None:
    """Move the paragraph cited from 001 to the top, reword 004's sentence, rename 003, delete 002."""
    path = folder / "001_b09e6e96470ac102.txt"
    text = path.read_text(encoding="utf-8")
    start = text.index("22,295")
    end = text.index("\n", text.index("people went missing during the period of violence"))
    path.write_text(text[start:end] + "\n\n" + text[:start] + text[end + 1 :], encoding="utf-8")
    path = folder / "004_b3fbc4fefc858b64.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("has been present in Peru since 2000", "has worked in Peru since the year 2000"))
    (folder / "003_a59b5df70f3fbcd3.txt").rename(folder / "003_renamed.txt")
    (folder / "002_f806f91d97a55b2f.txt").unlink()


@pytest.fixture(scope="module")
def reports(tmp_path_factory, embedder):
    """Reports in the three formats over a copy of the seeds (and a PDF), then the copy changed."""
    root = tmp_path_factory.mktemp("reports")
    folder, index = root / "docs", root / "index"
    shutil.copytree(SEEDS, folder)
    (folder / "annual.pdf").write_bytes(make_pdf(PAGES))
    sync_folder(Build(index, folder=folder, embedder_for=lambda _: embedder))
    paths = [root / name for name in ("report.md", "report.docx", "report.html")]
    for path in paths:
        code, out, err = run("ask", "-", "--index", index, "--report", path, stdin="\n".join(QUESTIONS.values()))
        assert code == 0 and path.is_file(), err
    _change(folder)
    return {"index": index, "folder": folder, "paths": paths}


def test_reports_carry_footnotes_sources_and_the_cited_page(reports):
    markdown, docx, page = (p.read_bytes() for p in reports["paths"])
    text = markdown.decode()
    assert text.count("[^") >= 2 * len(QUESTIONS) and "## Sources" in text and "sha256 " in text
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        notes = archive.read("word/footnotes.xml").decode()
        assert notes.count("<w:footnote w:id=") == text.count("]: ") and "word/media/image1.png" in archive.namelist()
        assert "<w:footnoteReference" in archive.read("word/document.xml").decode()
    html = page.decode()
    assert html.count('<figure><img src="data:image/png;base64,') == 1 and "<script" not in html
    assert "default-src 'none'" in html and "http://" not in html.replace("http://schemas", "")


def _statuses(lines: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for line in lines.splitlines():
        check = json.loads(line)
        found.setdefault(check["source"][:3], set()).add(check["status"])
    return found


@pytest.mark.parametrize("kind", [".md", ".docx", ".html"])
def test_each_change_to_the_documents_gets_its_status(reports, kind):
    [path] = [p for p in reports["paths"] if p.suffix == kind]
    before = sorted((p.name, p.stat().st_mtime_ns) for p in reports["index"].rglob("*"))
    code, out, err = run("verify", path, "--index", reports["index"], "--json")
    assert code == 1, err  # changed and missing citations fail the check
    assert _statuses(out) == EXPECTED
    checks = [json.loads(line) for line in out.splitlines()]
    renamed = next(c for c in checks if c["source"].startswith("003"))
    assert renamed["now"]["source"] == "003_renamed.txt"
    reworded = next(c for c in checks if c["status"] == "changed")
    assert "worked" in reworded["closest"] and "[-been present-]" in reworded["diff"] and reworded["now"] is None
    moved = next(c for c in checks if c["source"].startswith("001"))
    assert moved["now"]["line_start"] == 1 and moved["was"]["line_start"] == 19
    missing = next(c for c in checks if c["status"] == "missing")
    assert set(missing) == {"n", "status", "source", "quote", "was", "now", "closest", "diff"}
    assert sorted((p.name, p.stat().st_mtime_ns) for p in reports["index"].rglob("*")) == before, "nothing written"


def test_a_hand_written_report_is_checked_too(reports, tmp_path):
    report = tmp_path / "notes.md"
    report.write_text(
        f"The canal: \u201c{PAGES[1]}\u201d (annual.pdf, p. 2), so it is long.\n"
        f'The bridge: "{PAGES[0]}" (annual.pdf, p. 2)\n'
        '"JICA started the program in Peru in 1980" [000_6659238072dffd43.txt, line 24]\n'
        '"A sentence nobody wrote about the canal." (annual.pdf, p. 1)\n'
        '"Anything at all." (nowhere.pdf, p. 3)\n',
        encoding="utf-8",
    )
    code, out, _ = run("verify", report, "--index", reports["index"], "--json")
    checks = [json.loads(line) for line in out.splitlines()]
    assert [c["status"] for c in checks] == ["ok", "moved", "ok", "changed", "unknown"] and code == 1
    assert checks[1]["now"]["page"] == 1 and checks[1]["was"]["page"] == 2
    code, out, _ = run("verify", report, "--index", reports["index"])
    assert "5 citations: 2 ok, 1 moved, 1 changed, 1 unknown" in out


def test_a_report_whose_citations_all_hold_exits_zero(reports, tmp_path):
    report = tmp_path / "good.txt"
    report.write_text(f"\u201c{PAGES[0]}\u201d (annual.pdf, p. 1)\n", encoding="utf-8")
    assert run("verify", report, "--index", reports["index"])[0] == 0
