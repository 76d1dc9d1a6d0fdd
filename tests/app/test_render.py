"""The app's HTML: document text is always escaped, never rendered; the exact answer bold inside its quote."""

from __future__ import annotations

from qa.app import render, render_sources
from qa.records import Answer, Chunk, Citation, Document, Hit, Short

HOSTILE = '<script>window.__pwned=1</script> <img src=x onerror="window.__pwned=2"> [click](javascript:alert(3)) ![x](http://example.com/x.png)'


def _hostile_answer() -> tuple[Answer, dict[str, Document]]:
    text = f"Intro {HOSTILE}.\nThe lighthouse {HOSTILE} was built in 1887.\nEnd."
    quote_start = text.index("The lighthouse")
    quote_end = text.index("1887.") + len("1887.")
    source = 'evil<img src=x onerror="alert(1)">.md'
    document = Document(source, f"Title {HOSTILE}", text, "hash")
    chunk = Chunk(0, source, 0, len(text), text, ())
    quote = text[quote_start:quote_end]
    cite = Citation(1, source, document.title, quote, quote_start, quote_end, 2, 2, None, 1.0, translation=HOSTILE)
    answer = Answer(
        f"When {HOSTILE}?", f"{cite.quote} [1]", True, "hybrid", (cite,), (Hit(chunk, 0.9),), searched=HOSTILE
    )
    return answer, {source: document}


def _assert_inert(markup: str) -> None:
    lowered = markup.lower()
    for bad in ("<script", "<img", "href=", 'onerror="'):
        assert bad not in lowered, (bad, markup)


def test_hostile_document_text_is_escaped():
    answer, documents = _hostile_answer()
    cite = answer.citations[0]
    not_found = Answer(answer.question, "The documents do not contain an answer.", False, "bm25", (), answer.passages)
    pieces = [
        render.question_html(answer.question),
        render.answer_html(answer),
        render.answer_html(not_found),
        render_sources.sources_html(answer, documents),
        render_sources.sources_html(not_found, documents),
        render_sources.document_html(
            documents[cite.source], [(cite.start, cite.end)], (cite.start, cite.end), "line 2"
        ),
        render.upload_html([(HOSTILE, "rejected", HOSTILE)]),
        render.status_html(render.Status(1, 2, HOSTILE, "hybrid", HOSTILE)),
        render.error_html(HOSTILE),
    ]
    for markup in pieces:
        _assert_inert(markup)
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in pieces[3]
    assert "![x](http://example.com/x.png)" in pieces[3]  # shown as characters; the chat renders no Markdown
    assert f"<mark>{render.esc(cite.quote)}</mark>" in pieces[3]
    assert render.NOT_FOUND_LABEL in pieces[4] and "<mark>" not in pieces[4]
    escaped = render.esc(HOSTILE)
    assert f"Machine translation:</span> {escaped}" in pieces[3]  # beside the quote, never instead of it
    assert f"Machine translation [1]:</span> {escaped}" in pieces[1] and f"Searched for:</span> {escaped}" in pieces[1]


def test_the_exact_answer_is_bold_inside_the_first_quote_and_escaped():
    quote = "<b>22,295</b> people went missing."
    cite = Citation(1, "a.txt", "A", quote, 10, 10 + len(quote), 1, 1, None, 5.0)
    answer = Answer("How many?", f"{quote} [1]", True, "hybrid", (cite,), short=Short("22,295", 13, 19))
    html = render.answer_html(answer)
    assert "&lt;b&gt;<strong>22,295</strong>&lt;/b&gt; people went missing." in html
    assert "<b>22,295" not in html


def _table_answer(declined: str | None = None) -> Answer:
    from qa.records import TableResult

    hostile = '<img src=x onerror="window.__pwned=1">Loreto'
    table = TableResult("sum", "Wells", (), None, None if declined else 7.0, "" if declined else "7", (2, 3),
                        "wells.csv", None, ("Region", "Wells"), ((hostile, "3"), ("Puno", "4")), declined)  # fmt: skip
    words = "7 \u2014 the sum of Wells over 2 rows [1][2]"
    return Answer("How many wells?", words, not declined, "hybrid", table=table)


def test_a_table_answer_shows_its_rows_as_a_table_of_escaped_text():
    markup = render.answer_html(_table_answer())
    assert '<div class="qa-rows">' in markup and "<th>Row</th><th>Region</th><th>Wells</th>" in markup
    assert "<td>2</td><td>&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;Loreto</td><td>3</td>" in markup
    assert "<img" not in markup.replace("&lt;img", "")


def test_a_declined_table_answer_shows_the_closest_rows():
    markup = render.answer_html(_table_answer("no row meets the conditions"))
    assert "Closest rows (no value computed)" in markup and "<td>Puno</td>" in markup
