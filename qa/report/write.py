"""Writing a report to a file, the format chosen by its suffix: .md (Markdown), .docx (Word) or .html."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from qa.records import InputError
from qa.report.build import Report
from qa.report.docx import report_docx
from qa.report.html import report_html
from qa.report.markdown import markdown

FORMATS = (".md", ".docx", ".html")


def check_report_path(path: Path) -> Path:
    """The report's path, if its suffix names a format and its folder exists; InputError naming the fix otherwise."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise InputError(f"{path}: a report is written as {', '.join(FORMATS)}; name the file with one of those")
    if not path.parent.is_dir():
        raise InputError(f"{path}: no folder {path.parent} to write the report in")
    return path


def report_bytes(report: Report, suffix: str, name: str) -> bytes:
    """The report in the format of `suffix`."""
    if suffix == ".docx":
        return report_docx(report, name)
    if suffix == ".html":
        return report_html(report, name).encode("utf-8")
    return markdown(report, name).encode("utf-8")


def write_report(report: Report, path: Path) -> Path:
    """Write the report whole (a temporary file renamed into place) in the format its suffix names."""
    path = check_report_path(path)
    data = report_bytes(report, path.suffix.lower(), path.name)
    staged = None
    try:
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as handle:
            staged = handle.name
            handle.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staged, 0o666 & ~umask)  # as a file the user wrote, not the temporary file's 0600
        os.replace(staged, path)
    except OSError as exc:
        if staged:
            Path(staged).unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write the report ({exc.strerror or type(exc).__name__})") from None
    return path
