"""The original file of an indexed document, read from the folder the index was built from (for page images)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from qa.records import QAError

MAX_ORIGINAL_BYTES = 20 * 2**20  # a larger original is not read back (its text is what the index holds)


class OriginalUnavailable(QAError):
    """The original file cannot be read back; the message says why in one line."""


def read_original(folder: str | None, doc_id: str) -> bytes:
    """The bytes of `doc_id` in the indexed `folder`; OriginalUnavailable for paths that leave it, or missing or large
    files."""
    if not folder:
        raise OriginalUnavailable("the index does not record the folder it was read from")
    relative = PurePosixPath(doc_id)
    if not doc_id or relative.is_absolute() or ".." in relative.parts or "\\" in doc_id or "\0" in doc_id:
        raise OriginalUnavailable("refused: not a path inside the indexed folder")
    root = Path(folder).resolve()
    try:
        path = (root / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        raise OriginalUnavailable("the file is no longer in the indexed folder") from None
    if not path.is_relative_to(root) or path == root:
        raise OriginalUnavailable("refused: the file lies outside the indexed folder")
    try:
        if not path.is_file():
            raise OriginalUnavailable("the file is no longer in the indexed folder")
        if path.stat().st_size > MAX_ORIGINAL_BYTES:
            raise OriginalUnavailable(f"the file is over {MAX_ORIGINAL_BYTES // 2**20} MB, so only the text is shown")
        with path.open("rb") as handle:
            data = handle.read(MAX_ORIGINAL_BYTES + 1)
    except OSError as exc:
        raise OriginalUnavailable(f"the file cannot be read ({type(exc).__name__})") from None
    if len(data) > MAX_ORIGINAL_BYTES:
        raise OriginalUnavailable(f"the file is over {MAX_ORIGINAL_BYTES // 2**20} MB, so only the text is shown")
    return data
