"""Tables read back from a document's text: headers wherever they are, one row a line at its exact offsets, in
every format that holds tables (CSV, TSV, XLSX sheets, DOCX, PPTX, HTML)."""

from __future__ import annotations

import io

from qa.ingest.documents import parse_document
from qa.ingest.table_text import read_tables, tables_of


def _checkable(document, table) -> None:
    for row in table.rows:
        line = document.text[row.start : row.end]
        assert all(f"{h}: {v}" in line for h, v in zip(table.columns, row.cells) if v), line


def test_a_header_under_a_title_and_blank_rows_is_found_and_rows_keep_their_places():
    data = b'Projects in Peru\n\n\nRegion,Year,Beneficiaries\nLoreto,2022,"1,250"\nCusco,2023,\n'
    document = parse_document(data, "p.csv")
    (table,) = read_tables(document)
    assert table.columns == ("Region", "Year", "Beneficiaries") and table.caption == "Projects in Peru"
    assert [r.cells for r in table.rows] == [("Loreto", "2022", "1,250"), ("Cusco", "2023", "")]
    assert [r.number for r in table.rows] == [5, 6]  # the rows of the file
    _checkable(document, table)


def test_a_totals_row_is_kept_and_marked():
    document = parse_document(b"Region,Wells\nLoreto,3\nPuno,4\nTotal,7\n", "w.csv")
    assert [r.total for r in read_tables(document)[0].rows] == [False, False, True]


def _two_row_header_workbook() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Donors"
    sheet.append(["Donor", "Funding (USD)", None])
    sheet.append([None, "2022", "2023"])
    sheet.merge_cells("B1:C1")
    sheet.merge_cells("A1:A2")
    sheet.append(["EU", "$286 million", 310_000_000])
    sheet.append(["KOICA", "$18 million", 21_500_000])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_two_row_header_with_a_merged_cell_names_each_column():
    document = parse_document(_two_row_header_workbook(), "d.xlsx")
    (table,) = read_tables(document)
    assert table.sheet == "Donors"
    assert table.columns == ("Donor", "Funding (USD) 2022", "Funding (USD) 2023")
    assert [r.number for r in table.rows] == [3, 4] and table.rows[0].cells[1] == "$286 million"
    _checkable(document, table)


def test_repeated_headers_are_numbered():
    (table,) = read_tables(parse_document(b"Year,Year,Wells\n2022,2023,4\n", "r.csv"))
    assert table.columns == ("Year", "Year (2)", "Wells")


def test_a_word_table_is_read_between_its_paragraphs():
    import docx

    document = docx.Document()
    document.add_paragraph("Contributions by partner.")
    grid = document.add_table(rows=3, cols=2)
    rows = [("Organisation", "Contribution (EUR)"), ("COOPI", "125.430,50"), ("Cáritas", "98.250,75")]
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            grid.cell(r, c).text = text
    document.add_paragraph("Figures are provisional.")
    out = io.BytesIO()
    document.save(out)
    parsed = parse_document(out.getvalue(), "r.docx")
    (table,) = read_tables(parsed)
    assert table.columns == ("Organisation", "Contribution (EUR)") and len(table.rows) == 2
    assert parsed.text.startswith("Contributions by partner.") and parsed.text.endswith("Figures are provisional.")
    _checkable(parsed, table)


def test_an_html_table_with_a_spanning_header_and_a_caption():
    page = (b"<p>Offices.</p><table><caption>Staff by office</caption><thead><tr><th>Office</th><th colspan=2>Staff"
            b"</th></tr><tr><th></th><th>2022</th><th>2023</th></tr></thead><tbody><tr><td>Lima</td><td>30</td>"
            b"<td>34</td></tr><tr><td>Iquitos</td><td>10</td><td>12</td></tr></tbody></table>"
            b"<p>After.</p>")  # fmt: skip
    document = parse_document(page, "s.html")
    (table,) = read_tables(document)
    assert table.columns == ("Office", "Staff 2022", "Staff 2023")
    assert [r.cells for r in table.rows] == [("Lima", "30", "34"), ("Iquitos", "10", "12")]
    assert "Staff by office" in document.text and document.text.endswith("After.")
    _checkable(document, table)


def test_a_layout_table_stays_text():
    page = b"<table><tr><td><p>First paragraph.</p></td><td><div>Second block.</div></td></tr></table>"
    document = parse_document(page, "l.html")
    assert read_tables(document) == () and document.text == "First paragraph.\n\nSecond block."


def test_a_slide_table_is_a_table():
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    grid = slide.shapes.add_table(3, 2, Inches(1), Inches(1), Inches(4), Inches(1)).table
    for (r, c), text in {(0, 0): "District", (0, 1): "Workshops", (1, 0): "Iquitos", (1, 1): "12",
                         (2, 0): "Belén", (2, 1): "8"}.items():  # fmt: skip
        grid.cell(r, c).text = text
    out = io.BytesIO()
    deck.save(out)
    (table,) = tables_of(parse_document(out.getvalue(), "t.pptx"))
    assert table.columns == ("District", "Workshops") and [r.cells[1] for r in table.rows] == ["12", "8"]


def test_html_cells_spanning_rows_fill_the_rows_they_span():
    page = (b"<table><tr><th rowspan=2>Donor</th><th colspan=2>Funding</th><th rowspan=2>Sector</th></tr>"
            b"<tr><th>2022</th><th>2023</th></tr><tr><td>EU</td><td>1</td><td>2</td><td>Governance</td></tr>"
            b"<tr><td rowspan=2>KOICA</td><td>3</td><td>4</td><td>Education</td></tr>"
            b"<tr><td>5</td><td>6</td><td>Water</td></tr></table>")  # fmt: skip
    (table,) = read_tables(parse_document(page, "d.html"))
    assert table.columns == ("Donor", "Funding 2022", "Funding 2023", "Sector")
    assert [r.cells for r in table.rows][1:] == [("KOICA", "3", "4", "Education"), ("KOICA", "5", "6", "Water")]
