"""Files of the new formats made at test time: scanned pages (text drawn by Pillow), sheets, slides."""

from __future__ import annotations

import io
import os
import textwrap

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # has accents; Pillow's own font has none

SCAN_TEXT = [
    (
        "Water Access Report\n\n"
        "In 2022 the program installed 48 new wells in the district of Iquitos. Each well serves about "
        "120 families and was tested for arsenic before it opened. The regional office trained 15 local "
        "technicians to repair the hand pumps."
    ),
    (
        "Results and Costs\n\n"
        "The average cost of a well was 3,400 dollars, including the pump and the concrete apron. "
        "Diarrhea cases among children under five fell by 31 percent within a year. Maintenance "
        "committees collect a monthly fee of two soles from each household."
    ),
]


def text_image(text: str, dpi: int = 300, width_in: float = 8.5, height_in: float = 11.0):
    """A white page with `text` drawn in black, as a scanner at `dpi` would give it."""
    from PIL import Image, ImageDraw, ImageFont

    size = max(8, round(dpi * 12 / 72))  # 12 pt type
    font = ImageFont.truetype(DEJAVU, size) if os.path.exists(DEJAVU) else ImageFont.load_default(size=size)
    image = Image.new("L", (round(width_in * dpi), round(height_in * dpi)), 255)
    draw = ImageDraw.Draw(image)
    y = dpi  # a one-inch margin
    for paragraph in text.split("\n\n"):
        for line in textwrap.wrap(paragraph, 70):
            draw.text((dpi, y), line, fill=0, font=font)
            y += round(size * 1.5)
        y += size
    return image


def scanned_pdf(texts: list[str], dpi: int = 300) -> bytes:
    """A PDF of page images without a text layer, one page per text."""
    images = [text_image(t, dpi) for t in texts]
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return out.getvalue()


def png(text: str, dpi: int = 300) -> bytes:
    out = io.BytesIO()
    text_image(text, dpi).save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


def merge_pdfs(*pdfs: bytes) -> bytes:
    """The pages of several PDFs in one (for a PDF mixing text and scanned pages)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in pdfs:
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


BENEFICIARIES = [
    ("Loreto", 2021, 980),
    ("Loreto", 2022, 1250),
    ("Ucayali", 2021, 610),
    ("Ucayali", 2022, 830),
    ("Cusco", 2022, 2140),
]


def make_xlsx() -> bytes:
    """A workbook: a titled 'Beneficiaries' sheet (row 4 is Loreto 2022), a 'Budget' sheet with a merged cell."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Beneficiaries"
    sheet.append(["Beneficiaries of the water program by region"])
    sheet.append([])
    sheet.append(["Region", "Year", "Beneficiaries"])
    for row in BENEFICIARIES:
        sheet.append(list(row))
        sheet.cell(sheet.max_row, 3).number_format = "#,##0"
    budget = book.create_sheet("Budget")
    budget.append(["Item", "Phase", "Cost in soles"])
    budget.append(["Hand pumps", "First", 86000])
    budget.append([None, "Second", 54000])
    budget.merge_cells("A2:A3")
    budget.append(["Water testing kits", "First", 12500])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


WELLS_CSV = (
    "Well,Village,Depth (m),Status\n"
    "W-01,Nauta,35,working\n"
    "W-02,Indiana,28,working\n"
    "W-03,Mazan,41,under repair\n"
    "W-04,Tamshiyacu,22,working\n"
)

SLIDES = [
    ("Water Program 2023", ["A review of the first phase in Loreto."], ""),
    (
        "Results",
        ["Forty-eight wells were built in the first phase", "Arsenic tests passed in every well"],
        "Results were presented by Ana Torres, the regional coordinator.",
    ),
    ("Next Steps", ["The second phase starts in March 2024", "It adds 30 wells in Ucayali"], ""),
]


def make_pptx(slides=SLIDES) -> bytes:
    """A deck of title-and-content slides with speaker notes."""
    from pptx import Presentation

    deck = Presentation()
    for title, bullets, notes in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = bullets[0]
        for bullet in bullets[1:]:
            body.add_paragraph().text = bullet
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def write_corpus(folder) -> None:
    """The question set's files: a PDF mixing a text page and scanned pages, a workbook, a CSV and a deck."""
    from conftest import make_pdf

    folder.mkdir(parents=True, exist_ok=True)
    cover = make_pdf(["Annual report of the rural water program, prepared by the regional office."])
    (folder / "report.pdf").write_bytes(merge_pdfs(cover, scanned_pdf(SCAN_TEXT)))
    (folder / "beneficiaries.xlsx").write_bytes(make_xlsx())
    (folder / "wells.csv").write_text(WELLS_CSV, encoding="utf-8")
    (folder / "review.pptx").write_bytes(make_pptx())


SCAN_TEXT_ES = (
    "Informe de agua potable\n\n"
    "En 2023 el programa construyó 30 pozos nuevos en Ucayali. Cada pozo atiende a unas ochenta familias "
    "y la población participó en la elección del lugar. La inversión total fue de 102.000 soles."
)


def scanner_noise(image, seed: int = 0):
    """The page as a cheap scanner gives it: tilted 0.6 degrees, blurred, grainy and saved as a JPEG."""
    import numpy as np
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(seed)
    image = image.rotate(0.6, fillcolor=255, resample=Image.BICUBIC).filter(ImageFilter.GaussianBlur(0.8))
    grain = np.asarray(image).astype(float) + rng.normal(0, 18, image.size[::-1])
    out = io.BytesIO()
    Image.fromarray(np.clip(grain, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=70)
    return Image.open(out).convert("L")
