"""The footnote line qa writes reads back as the citation it was; hand-written quotations with a (file, place)."""

from __future__ import annotations

from qa.records import Citation
from qa.report.references import Place, find_citations, footnote_text


def _citation(**changes) -> Citation:
    fields = dict(n=3, source="docs/001_peru.txt", title="Peru report", quote="22,295 people\n\nwent missing.",
                  start=1234, end=1301, line_start=19, line_end=21, page=None, score=1.0,
                  doc_sha256="3f2a9c81d0e4" + "0" * 52)  # fmt: skip
    return Citation(**{**fields, **changes})


def test_a_footnote_reads_back_as_its_citation():
    line = footnote_text(_citation())
    reference = "(docs/001_peru.txt, lines 19\u201321; sha256 3f2a9c81d0e4; chars 1234\u20131301)"
    assert line == f"\u201c22,295 people went missing.\u201d {reference} \u2014 Peru report"
    [read] = find_citations(f"[^3]: {line}")
    assert (read.quote, read.source) == ("22,295 people went missing.", "docs/001_peru.txt")
    assert read.sha256 == "3f2a9c81d0e4"
    assert read.place == Place(None, 19, 21, None, 1234, 1301) and read.problem is None


def test_a_quote_holding_quotation_marks_is_written_in_others_and_reads_back_whole():
    for quote in ("The programme is called \u201cJuntos\u201d here.", 'He said "yes" and \u201cno\u201d.'):
        [read] = find_citations(footnote_text(_citation(quote=quote)))
        assert read.quote == quote


def test_pages_slides_and_sheet_rows_read_back():
    page = find_citations(footnote_text(_citation(page=4, source="annual.pdf")))[0]
    slide = find_citations(footnote_text(_citation(page=3, kind="slides", source="deck.pptx")))[0]
    row = find_citations(footnote_text(_citation(kind="table", sheet="Budget", line_start=5, line_end=5,
                                                 source="b.xlsx")))[0]  # fmt: skip
    assert page.place.page == 4 and slide.place.page == 3
    assert (row.place.sheet, row.place.line_start, row.place.line_end) == ("Budget", 5, 5)


def test_hand_written_quotations_are_found_in_running_text():
    text = (
        'The report says "the canal is 40 km long" (annual_report.pdf, p. 4), and the notes add\n'
        '\u201cwells serve 300 families\u201d [notes.docx, line 12]. A remark "in brackets" (see above) is none;\n'
        '"a quote" (data.xlsx, Budget, row 7) is one.'
    )
    found = find_citations(text)
    assert [(c.n, c.quote, c.source) for c in found] == [
        (1, "the canal is 40 km long", "annual_report.pdf"),
        (2, "wells serve 300 families", "notes.docx"),
        (3, "a quote", "data.xlsx"),
    ]
    assert found[0].place.page == 4 and found[1].place.line_start == found[1].place.line_end == 12
    assert found[2].place.sheet == "Budget" and found[2].place.line_start == 7


def test_a_reference_whose_place_cannot_be_read_is_kept_with_the_reason():
    [broken] = find_citations('"the canal is long" (annual.pdf, chapter nine)')
    assert broken.source == "annual.pdf" and "chapter nine" in broken.problem
