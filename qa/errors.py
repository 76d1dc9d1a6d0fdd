"""The project's own error types: every user-facing failure is one of these, with a one-line message."""


class QAError(Exception):
    """Base class: its message is one line meant for the user."""


class InputError(QAError):
    """A bad argument from the user (empty question, bad path, bad option): names the value and the fix."""


class DocumentError(QAError):
    """A file could not be read as a document; names the file and the reason."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class FileUnreadable(DocumentError):
    """The file could not be read this time (an I/O error, not its content)."""


class ModelUnavailable(QAError):
    """The embedding model could not be loaded; callers fall back to BM25-only."""


class IndexError_(QAError):
    """The index is missing, locked, built differently, or damaged."""


class IndexMissing(IndexError_):
    """No index has been built in the folder yet."""


class IndexMismatch(IndexError_):
    """The index was built with another format, model or settings."""


class IndexCorrupt(IndexError_):
    """An index file fails its checksum or cannot be parsed."""


class IndexLocked(IndexError_):
    """Another process is writing the index."""


class IndexWriteError(IndexError_):
    """The index could not be written (disk full, read-only folder, I/O error); the previous one stands."""
