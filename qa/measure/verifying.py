"""Timing `qa verify`: a report of N citations of sentences drawn from the index, checked against the documents."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import numpy as np

from qa.records import Citation
from qa.report.read import report_citations
from qa.report.references import footnote_text
from qa.report.verify import verify_citations
from qa.store.index import Index

CITATIONS = 200


def sampled_citations(index: Index, count: int = CITATIONS, seed: int = 0) -> list[Citation]:
    """`count` citations of a sentence of a chunk drawn at random (a chunk may be drawn twice)."""
    rng, found = np.random.default_rng(seed), []
    while len(found) < count:
        chunk = index.chunk(int(rng.integers(len(index.chunks))))
        span = next((s for s in chunk.sentences if not s.is_heading), None)
        if span is None:
            continue
        document = index.document(chunk.doc_id)
        found.append(Citation(len(found) + 1, document.doc_id, document.title, document.text[span.start : span.end],
                              span.start, span.end, document.line_at(span.start), document.line_at(span.end - 1),
                              document.page_at(span.start), 0.0, doc_sha256=document.content_hash))  # fmt: skip
    return found


def write_cited(index: Index, citations: list[Citation], folder: Path) -> None:
    """The cited documents as files, their text as the index holds it (for an index built from no folder)."""
    for doc_id in {c.source for c in citations}:
        path = folder / doc_id
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(index.document(doc_id).text, encoding="utf-8")


def time_verification(index: Index, folder: Path | None, count: int = CITATIONS) -> dict:
    """Seconds to read and check a Markdown report of `count` citations against `folder` (every one unchanged)."""
    citations = sampled_citations(index, count)
    report = "\n".join(f"[^{c.n}]: {footnote_text(c)}" for c in citations).encode("utf-8")
    start = time.perf_counter()
    checks = verify_citations(report_citations(report, "bench.md"), index, folder)
    seconds = time.perf_counter() - start
    return {"citations": len(checks), "documents": len({c.source for c in citations}), "seconds": round(seconds, 3),
            "statuses": dict(Counter(c.status for c in checks))}  # fmt: skip
