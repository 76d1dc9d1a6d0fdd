"""HTML of a checked report: a row per citation with its status; document text escaped as everywhere."""

from __future__ import annotations

from qa.app.render import esc

STATUS_NOTE = {
    "ok": "the same quote at the same place",
    "moved": "the same quote, elsewhere",
    "changed": "the document changed and the quote is gone",
    "missing": "the document is gone from the folder",
    "unknown": "no document the index has",
}


def _where(source: str, place) -> str:
    bits = [f"p. {place.page}"] if place.page is not None else []
    if place.line_start is not None:
        one = place.line_start == place.line_end
        bits.append(f"line {place.line_start}" if one else f"lines {place.line_start}\u2013{place.line_end}")
    return ", ".join([source, *bits])


def check_row(check) -> str:
    """One citation's row: number, status, where it was cited and where it is now, the closest sentence."""
    cited, status = check.cited, check.status
    detail = f"now at {esc(_where(check.now.source, check.now.place))}" if status == "moved" and check.now else ""
    if status == "changed":
        detail = f'closest: \u201c{esc(check.closest or "")}\u201d<div class="qa-diff">{esc(check.diff or "")}</div>'
    if check.note and status in ("missing", "unknown"):
        detail = esc(check.note)
    button = (f'<button class="qa-open" type="button" data-open="v{cited.n}">Open in document \u2192</button>'
              if status != "unknown" else "")  # fmt: skip
    return (
        f'<tr class="qa-check qa-check-{status}"><td>{cited.n}</td><td><b>{status}</b>'
        f'<div class="qa-meta">{STATUS_NOTE[status]}</div></td>'
        f"<td><div>{esc(_where(cited.source, cited.place))}</div>"
        f'<blockquote class="qa-passage">\u201c{esc(" ".join(cited.quote.split()))}\u201d</blockquote>{detail}</td>'
        f"<td>{button}</td></tr>"
    )


def checks_html(name: str, checks) -> str:
    """The table of a checked report, with the count of each status."""
    counts = ", ".join(f"{n} {s}" for s in STATUS_NOTE if (n := sum(c.status == s for c in checks)))
    rows = "".join(check_row(c) for c in checks)
    return (f'<div class="qa-checks"><div class="qa-title">{esc(name)}</div>'
            f'<div class="qa-meta">{len(checks)} citations: {esc(counts)}</div>'
            f'<table class="qa-check-table">{rows}</table></div>')  # fmt: skip


def checks_note(message: str) -> str:
    """A one-line note in the report check panel."""
    return f'<div class="qa-checks qa-placeholder">{esc(message)}</div>'
