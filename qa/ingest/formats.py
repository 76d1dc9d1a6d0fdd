"""Text extraction, one reader per file type: `READERS` maps a suffix to reader(data, source) -> Extracted."""

from qa.ingest.extracted import MAX_UNZIPPED_BYTES, Extracted, decode_text
from qa.ingest.image import read_image
from qa.ingest.readers import read_docx, read_html, read_markdown, read_pdf, read_plain
from qa.ingest.slides import read_pptx
from qa.ingest.tables import read_csv, read_tsv, read_xlsx

READERS = {
    ".txt": read_plain,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".csv": read_csv,
    ".tsv": read_tsv,
    ".xlsx": read_xlsx,
    ".pptx": read_pptx,
}
READERS.update(dict.fromkeys((".png", ".jpg", ".jpeg", ".tif", ".tiff"), read_image))

__all__ = ["MAX_UNZIPPED_BYTES", "READERS", "Extracted", "decode_text"]
