"""A report as a Word document, with real footnotes (python-docx writes the body; the footnotes part is added
here, since python-docx has no footnote API)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from qa.lang.crosslingual import message
from qa.report.build import Report
from qa.report.markdown import INTRO, footnote_tail
from qa.report.references import footnote_text

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SEPARATORS = (
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
)
SUPERSCRIPT = '<w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'


def _footnote(n: int, text: str) -> str:
    """One footnote: its number, then the text (escaped), small."""
    return (f'<w:footnote w:id="{n}"><w:p><w:pPr><w:spacing w:after="0"/></w:pPr>'
            f"<w:r>{SUPERSCRIPT}<w:footnoteRef/></w:r>"
            f'<w:r><w:rPr><w:sz w:val="18"/></w:rPr><w:t xml:space="preserve"> {escape(text)}</w:t></w:r></w:p>'
            "</w:footnote>")  # fmt: skip


def _add_footnotes(document, notes: dict[int, str]) -> None:
    """Attach the footnotes part (word/footnotes.xml) to the document."""
    from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes xmlns:w="{W}">{SEPARATORS}'
    xml += "".join(_footnote(n, text) for n, text in notes.items()) + "</w:footnotes>"
    part = Part(PackURI("/word/footnotes.xml"), CONTENT_TYPE.WML_FOOTNOTES, xml.encode("utf-8"), document.part.package)
    document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)


def _reference_run(paragraph, n: int) -> None:
    """A footnote reference mark in the paragraph."""
    from docx.oxml import parse_xml

    paragraph._p.append(parse_xml(f'<w:r xmlns:w="{W}">{SUPERSCRIPT}<w:footnoteReference w:id="{n}"/></w:r>'))


def _sources(document, report: Report) -> None:
    document.add_heading("Sources", level=2)
    table = document.add_table(rows=1, cols=4)
    for cell, label in zip(table.rows[0].cells, ("document", "file", "SHA-256", "indexed")):
        cell.text = label
    for s in report.sources:
        cells = table.add_row().cells
        indexed = " ".join(filter(None, [s.indexed, f"({s.index_version})" if s.index_version else None]))
        for cell, value in zip(cells, (s.title, s.path, s.sha256 or "?", indexed or "?")):
            cell.text = value


def report_docx(report: Report, name: str = "REPORT.docx") -> bytes:
    """The whole report as .docx bytes."""
    import docx
    from docx.shared import Inches

    document = docx.Document()
    document.add_heading(report.title, level=1)
    intro = document.add_paragraph().add_run(f"Written by qa on {report.created}. {INTRO.format(name=name)}")
    intro.italic = True
    notes: dict[int, str] = {}
    for number, entry in enumerate(report.entries, start=1):
        reply = entry.answer
        document.add_heading(f"{number}. {' '.join(reply.question.split())}", level=2)
        if reply.searched and reply.searched != reply.question:
            document.add_paragraph(f"{message('Searched for', reply.language)}: {reply.searched}")
        paragraph = document.add_paragraph()
        for piece in entry.segments():
            _reference_run(paragraph, piece) if isinstance(piece, int) else paragraph.add_run(
                " ".join(piece.split(" "))
            )
        for item in entry.figures:
            document.add_picture(io.BytesIO(item.png), width=Inches(6))
            document.add_paragraph(item.caption, style="Caption")
        notes.update({c.n: footnote_text(c) + footnote_tail(c, reply.language) for c in reply.citations})
    if report.sources:
        _sources(document, report)
    _add_footnotes(document, notes)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
