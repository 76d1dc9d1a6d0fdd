"""The document filter's choices: titled while the index is small enough to read every title."""

from __future__ import annotations

from collections.abc import Mapping

TITLED_UP_TO = 5_000  # documents; above, the filter lists file names (titles would mean reading every text)


def document_choices(documents: Mapping) -> list[tuple[str, str]]:
    """(label, doc_id) for each document (those one reader may read), sorted by title (by file name when there are
    too many to read every title)."""
    ids = list(documents)
    if len(ids) > TITLED_UP_TO:
        return [(doc_id, doc_id) for doc_id in sorted(ids)]
    titled = sorted((documents[d] for d in ids), key=lambda d: (d.title.casefold(), d.doc_id))
    return [(label(d.doc_id, d.title), d.doc_id) for d in titled]


def label(doc_id: str, title: str) -> str:
    """A document as the filter lists it (plain text; the dropdown shows it as characters)."""
    title = " ".join(title.split())[:120]
    return doc_id if title in ("", doc_id, doc_id.rsplit("/", 1)[-1]) else f"{title} — {doc_id}"
