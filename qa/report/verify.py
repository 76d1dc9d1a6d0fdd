"""Checking a report's citations against the documents as they are now, through the index.

A cited document whose file still hashes to what the index holds is checked at the citation's offsets from the
index's own text (no search, nothing parsed); a changed file is read again and the quote looked for in it; a
missing one may have been renamed (a file with the same SHA-256). Nothing is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa.ingest.documents import MAX_FILE_BYTES, UPLOADS, find_files, parse_document, read_bytes, source_name
from qa.records import Document, DocumentError
from qa.report.compare import closest_sentence, occurrences, place_of, same_place, word_diff
from qa.report.references import Place, Quoted
from qa.store.index import Index

STATUSES = ("ok", "moved", "changed", "missing", "unknown")


@dataclass(frozen=True)
class Now:
    """Where a cited quote is today: the document (its id now) and the place in it."""

    source: str
    place: Place

    def to_dict(self) -> dict:
        return {"source": self.source, **self.place.to_dict()}


@dataclass(frozen=True)
class Check:
    """One citation's status (see STATUSES), where its quote is now, and for a changed document the closest
    sentence and a word-level difference; `note` says in one line why a citation could not be checked."""

    cited: Quoted
    status: str
    now: Now | None = None
    closest: str | None = None
    diff: str | None = None
    note: str | None = None

    def to_dict(self) -> dict:
        """The JSON object of `qa verify --json`."""
        cited = self.cited
        return {"n": cited.n, "status": self.status, "source": cited.source, "quote": cited.quote,
                "was": cited.place.to_dict(), "now": self.now.to_dict() if self.now else None,
                "closest": self.closest, "diff": self.diff}  # fmt: skip


@dataclass(frozen=True)
class Current:
    """A cited document as it is now: its id, its text and places (the index's when unchanged), and its hash."""

    doc_id: str
    document: Document
    changed: bool  # the file's bytes differ from what the index holds (or from the report's SHA-256)


class Verifier:
    """Checks citations against the folder the index was built from, through the index; it reads and hashes each
    cited file once, and the whole folder only to look for a missing file under another name."""

    def __init__(self, index: Index, folder: Path | None = None, may_read: Callable[[str], bool] | None = None):
        self.index, self.may_read = index, may_read or (lambda doc_id: True)  # the others are as if not there
        self.folder = Path(folder or index.manifest.folder) if folder or index.manifest.folder else None
        self._current: dict[str, Current | str | None] = {}
        self._by_name: dict[str, list[str]] | None = None
        self._folder_hashes: dict[str, str] | None = None

    def resolve(self, source: str) -> str | None:
        """The indexed document a reference names: its path, or a file name only one indexed document has."""
        name = source.strip().replace("\\", "/").removeprefix("./")
        if name in self.index.documents and self.may_read(name):
            return name
        if self._by_name is None:
            self._by_name = {}
            for doc_id in filter(self.may_read, self.index.doc_ids()):
                self._by_name.setdefault(doc_id.rsplit("/", 1)[-1], []).append(doc_id)
        found = self._by_name.get(name.rsplit("/", 1)[-1], [])
        return found[0] if len(found) == 1 else None

    def current(self, doc_id: str) -> Current | str | None:
        """The document as it is now (the index's text when the file is unchanged), None when its file is gone,
        or one line saying why it cannot be read."""
        if doc_id not in self._current:
            self._current[doc_id] = self._read(doc_id)
        return self._current[doc_id]

    def _read(self, doc_id: str) -> Current | str | None:
        indexed = self.index.document(doc_id)
        if self.folder is None or doc_id.startswith(UPLOADS):  # no file to go back to: the indexed text stands
            return Current(doc_id, indexed, False)
        path = self.folder / doc_id
        if not path.exists():
            return None
        try:
            data = read_bytes(path, self.folder, doc_id, MAX_FILE_BYTES)
            if hashlib.sha256(data).hexdigest() == indexed.content_hash:
                return Current(doc_id, indexed, False)
            return Current(doc_id, parse_document(data, doc_id), True)
        except DocumentError as exc:
            return f"{doc_id}: {exc.reason}"

    def renamed(self, sha: str) -> str | None:
        """A file of the folder whose SHA-256 starts with `sha` (a cited document under a new name), if any."""
        if self.folder is None or not sha:
            return None
        if self._folder_hashes is None:
            self._folder_hashes = {}
            for path in find_files(self.folder):
                try:
                    data = read_bytes(path, self.folder, source_name(path, self.folder), MAX_FILE_BYTES)
                except DocumentError:
                    continue
                self._folder_hashes.setdefault(hashlib.sha256(data).hexdigest(), source_name(path, self.folder))
        found = (name for digest, name in self._folder_hashes.items() if digest.startswith(sha) and self.may_read(name))
        return next(found, None)

    def check(self, cited: Quoted) -> Check:
        """The status of one citation read from a report."""
        if cited.problem:
            return Check(cited, "unknown", note=f"{cited.source}: {cited.problem}")
        doc_id = self.resolve(cited.source)
        if doc_id is None:
            return Check(cited, "unknown", note=f"{cited.source}: no such document in the index")
        current = self.current(doc_id)
        if isinstance(current, str):
            return Check(cited, "unknown", note=current)
        if current is None:
            moved_to = self.renamed(cited.sha256 or self.index.document(doc_id).content_hash)
            if moved_to is None:
                return Check(cited, "missing", note=f"{doc_id} is no longer in {self.folder}")
            current = Current(moved_to, self.index.document(doc_id), False)  # the same bytes: the indexed text
        return _found(cited, current, renamed=current.doc_id != doc_id)


def _found(cited: Quoted, current: Current, renamed: bool) -> Check:
    """The citation checked against the document's text as it is now."""
    text, was = current.document.text, cited.place
    if (
        was.start is not None
        and was.end is not None
        and " ".join(text[was.start : was.end].split()) == " ".join(cited.quote.split())
    ):
        spans = [(was.start, was.end)]
    else:
        spans = occurrences(text, cited.quote)
    if not spans:
        closest = closest_sentence(current.document, cited.quote)
        return Check(cited, "changed", closest=closest, diff=word_diff(cited.quote, closest) if closest else None)
    places = [place_of(current.document, a, b) for a, b in spans]
    here = next((p for p in places if same_place(was, p)), None)
    now = Now(current.doc_id, here or places[0])
    return Check(cited, "ok" if here is not None and not renamed else "moved", now)


def verify_citations(citations: list[Quoted], index: Index, folder: Path | None = None,
                     may_read: Callable[[str], bool] | None = None) -> list[Check]:  # fmt: skip
    """Each citation's status against the documents as they are now in `folder` (default: the one the index was
    built from), among those `may_read` allows (None: all; the others are `unknown`); nothing is written."""
    verifier = Verifier(index, folder, may_read)
    return [verifier.check(c) for c in citations]
