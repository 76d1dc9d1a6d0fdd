"""Records as plain data: the JSON contract of `qa ask --json`, and Markdown for reports."""

from __future__ import annotations

from dataclasses import asdict

from qa.records import Answer, Chunk, Citation, Hit


def hit_to_dict(hit: Hit) -> dict:
    chunk = hit.chunk
    return {
        "source": chunk.doc_id,
        "text": chunk.text,
        "start": chunk.start,
        "end": chunk.end,
        "score": round(hit.score, 6),
        "line_start": chunk.line_start,
        "line_end": chunk.line_end,
        "page": chunk.page,
        "heading_path": list(chunk.heading_path),
    }


def citation_to_dict(citation: Citation) -> dict:
    return asdict(citation)


def answer_to_dict(answer: Answer) -> dict:
    """The JSON object of `qa ask --json` and of the app's `ask` API."""
    return {
        "question": answer.question,
        "answer": answer.answer,
        "found": answer.found,
        "mode": answer.mode,
        "citations": [citation_to_dict(c) for c in answer.citations],
        "passages": [hit_to_dict(h) for h in answer.passages],
    }


def chunk_location(chunk: Chunk) -> str:
    """'p. 3' for a passage of a paged document, else 'lines 12-14'."""
    return f"p. {chunk.page}" if chunk.page is not None else f"lines {chunk.line_start}-{chunk.line_end}"


def location(citation: Citation) -> str:
    """'p. 3' for paged documents, else 'line 12' or 'lines 12-14'."""
    if citation.page is not None:
        return f"p. {citation.page}"
    if citation.line_start == citation.line_end:
        return f"line {citation.line_start}"
    return f"lines {citation.line_start}-{citation.line_end}"


def reference(citation: Citation) -> str:
    """One reference-list line: [n] file, lines: "quote"."""
    quote = " ".join(citation.quote.split())
    return f"[{citation.n}] {citation.source}, {location(citation)}: \u201c{quote}\u201d"


def answer_markdown(answer: Answer) -> str:
    """The answer and its numbered references, as Markdown for pasting into a report."""
    lines = [f"**Q:** {answer.question}", "", answer.answer]
    if answer.citations:
        lines += ["", "References:", ""] + [f"{reference(c)}  " for c in answer.citations]
    return "\n".join(lines)
