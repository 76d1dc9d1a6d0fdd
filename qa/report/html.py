"""A report as one self-contained HTML file: no scripts, no outside requests, every document text escaped."""

from __future__ import annotations

import base64
import html

from qa.lang.crosslingual import message
from qa.report.build import Figure, Report
from qa.report.markdown import INTRO, footnote_tail
from qa.report.references import footnote_text

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"  # nothing runs, nothing is fetched
STYLE = """
body { font: 16px/1.55 Georgia, serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; }
h1 { font-size: 1.7rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; }
.intro, .searched { color: #555; font-style: italic; }
sup a { text-decoration: none; } ol.notes { font-size: .88rem; color: #333; padding-left: 2rem; }
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid #ccc; }
figcaption { font-size: .85rem; color: #555; }
table { border-collapse: collapse; font-size: .85rem; } td, th { border: 1px solid #ccc; padding: .3rem .5rem; }
code { font-size: .85em; word-break: break-all; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _figure(item: Figure) -> str:
    source = "data:image/png;base64," + base64.b64encode(item.png).decode("ascii")
    return (f'<figure><img src="{source}" alt="{_e(item.caption)}, the quote highlighted">'
            f"<figcaption>{_e(item.caption)}</figcaption></figure>")  # fmt: skip


def _sources(report: Report) -> str:
    rows = "".join(
        f"<tr><td>{_e(s.title)}</td><td><code>{_e(s.path)}</code></td><td><code>{_e(s.sha256 or '?')}</code></td>"
        f"<td>{_e(s.indexed or '?')} {_e(f'({s.index_version})' if s.index_version else '')}</td></tr>"
        for s in report.sources
    )
    header = "<tr><th>document</th><th>file</th><th>SHA-256</th><th>indexed</th></tr>"
    return f"<h2>Sources</h2><table>{header}{rows}</table>" if report.sources else ""


def report_html(report: Report, name: str = "REPORT.html") -> str:
    """The whole report as an HTML page."""
    parts = [f"<h1>{_e(report.title)}</h1>",
             f'<p class="intro">Written by qa on {_e(report.created)}. {_e(INTRO.format(name=name))}</p>']  # fmt: skip
    for number, entry in enumerate(report.entries, start=1):
        reply = entry.answer
        parts.append(f"<h2>{number}. {_e(reply.question)}</h2>")
        if reply.searched and reply.searched != reply.question:
            parts.append(f'<p class="searched">{_e(message("Searched for", reply.language))}: {_e(reply.searched)}</p>')
        body = "".join(f'<sup><a href="#fn{p}" id="ref{p}">{p}</a></sup>' if isinstance(p, int) else _e(p)
                       for p in entry.segments())  # fmt: skip
        parts.append(f"<p>{body}</p>")
        parts += [_figure(f) for f in entry.figures]
        if reply.citations:
            notes = "".join(f'<li id="fn{c.n}" value="{c.n}">{_e(footnote_text(c) + footnote_tail(c, reply.language))}'
                            f' <a href="#ref{c.n}">↩</a></li>' for c in reply.citations)  # fmt: skip
            parts.append(f'<ol class="notes">{notes}</ol>')
    parts.append(_sources(report))
    head = (f'<meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f"<title>{_e(report.title)}</title><style>{STYLE}</style>")  # fmt: skip
    return f"<!doctype html>\n<html><head>{head}</head><body>\n" + "\n".join(parts) + "\n</body></html>\n"
