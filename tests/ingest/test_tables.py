"""CSV, TSV and XLSX: one sentence a row pairing values with headers, rows cited by sheet and row number."""

from __future__ import annotations

import io
import logging

import pytest
from format_samples import WELLS_CSV, make_xlsx

from qa.ingest import tables as formats_tables
from qa.ingest.chunking import ChunkParams, chunk_document
from qa.ingest.documents import parse_document
from qa.ingest.xlsx import cell_text
from qa.records import Citation, DocumentError
from qa.store.files import document_from_row, document_row


def _row(document, needle: str) -> tuple[str | None, int]:
    at = document.text.index(needle)
    sheet = document.sheet_at(at)
    return (sheet[0] if sheet else None), document.line_at(at)


def test_a_csv_row_is_one_sentence_and_line_n_is_row_n():
    document = parse_document(WELLS_CSV.encode(), "wells.csv")
    lines = document.text.split("\n")
    assert lines[0] == "Columns: Well; Village; Depth (m); Status."
    assert lines[3] == "Well: W-03; Village: Mazan; Depth (m): 41; Status: under repair."
    assert document.kind == "table" and _row(document, "Mazan") == (None, 4)


def test_semicolon_csv_quoted_newlines_empty_rows_and_cells_keep_row_numbers():
    data = b'Region;Year;Note\nLoreto;2022;"two\nlines"\n\nUcayali;;dry\n'
    document = parse_document(data, "r.csv")
    assert document.text.split("\n") == [
        "Columns: Region; Year; Note.",
        "Region: Loreto; Year: 2022; Note: two lines.",
        "",
        "Region: Ucayali; Note: dry.",
    ]
    assert _row(document, "Ucayali") == (None, 4)


def test_a_tsv_is_read_with_tabs_and_no_quoting():
    document = parse_document(b'Name\tQuote\nAna\t"hello\n', "q.tsv")
    assert document.text == 'Columns: Name; Quote.\nName: Ana; Quote: "hello.'


def test_every_sheet_is_read_with_its_name_as_heading_and_rows_numbered_per_sheet():
    document = parse_document(make_xlsx(), "b.xlsx")
    assert [name for name, _ in document.sheets] == ["Beneficiaries", "Budget"]
    assert _row(document, "Region: Loreto; Year: 2022") == ("Beneficiaries", 5)
    assert "Beneficiaries: 1,250." in document.text  # the cell's thousands format
    assert _row(document, "Item: Water testing kits") == ("Budget", 4)
    chunks = chunk_document(document, ChunkParams(size=30, overlap=0))
    budget = [c for c in chunks if "Water testing kits" in c.text][0]
    assert budget.heading_path[-1] == "Budget"


def test_merged_cells_fill_every_row_they_span_and_titles_above_the_header_stay():
    document = parse_document(make_xlsx(), "b.xlsx")
    assert "Item: Hand pumps; Phase: Second; Cost in soles: 54000." in document.text
    assert "Beneficiaries of the water program by region." in document.text
    assert _row(document, "Beneficiaries of the water") == ("Beneficiaries", 1)


def test_formulas_give_their_computed_values():
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out)
    sheet = book.add_worksheet("Totals")
    sheet.write_row(0, 0, ["Region", "Wells", "Pumps", "Total"])
    sheet.write_row(1, 0, ["Loreto", 48, 12])
    sheet.write_formula(1, 3, "=B2+C2", None, 60)
    book.close()
    document = parse_document(out.getvalue(), "f.xlsx")
    assert "Region: Loreto; Wells: 48; Pumps: 12; Total: 60." in document.text


@pytest.mark.parametrize(
    ("value", "fmt", "shown"),
    [(1250, "#,##0", "1,250"), (0.125, "0.0%", "12.5%"), (830.0, "General", "830"), (3.5, "0.00", "3.50"),
     (None, None, ""), (True, None, "TRUE"), ("  a \n b ", None, "a b")],
)  # fmt: skip
def test_cells_are_shown_as_formatted(value, fmt, shown):
    assert cell_text(value, fmt) == shown


def test_huge_sheets_are_capped_with_a_note(monkeypatch, caplog):
    monkeypatch.setattr(formats_tables, "MAX_ROWS", 100)
    data = "id,value\n" + "".join(f"{i},{i * 2}\n" for i in range(1000))
    with caplog.at_level(logging.WARNING, logger="qa.ingest.documents"):
        document = parse_document(data.encode(), "big.csv")
    assert document.text.count("\n") == 99
    assert caplog.messages == ["big.csv: the file: only the first 100 rows were read (the cap)"]


def test_damaged_workbooks_are_one_line():
    with pytest.raises(DocumentError, match=r"^bad.xlsx: malformed XLSX \(not a valid zip archive\)$"):
        parse_document(b"not a zip at all", "bad.xlsx")
    docx_bytes = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(docx_bytes, "w") as archive:
        archive.writestr("hello.txt", "no workbook here")
    with pytest.raises(DocumentError, match=r"^bad.xlsx: malformed XLSX \("):
        parse_document(docx_bytes.getvalue(), "bad.xlsx")


def test_row_citations_say_sheet_and_row():
    cited = Citation(1, "b.xlsx", "B", "q", 0, 1, 5, 5, None, 0.5, kind="table", sheet="Beneficiaries")
    assert cited.location() == "Beneficiaries, row 5" and cited.to_dict()["sheet"] == "Beneficiaries"
    assert Citation(1, "w.csv", "W", "q", 0, 1, 4, 5, None, 0.5, kind="table").location() == "rows 4-5"


def test_table_fields_survive_the_store():
    document = parse_document(make_xlsx(), "b.xlsx")
    assert document_from_row(document_row(document)) == document
