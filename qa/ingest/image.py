"""Image files (.png, .jpg, .tif with one or more pages) read by OCR, refusing decompression bombs."""

from __future__ import annotations

import io
import math
import time
import warnings

from qa.ingest import ocr as formats_ocr
from qa.ingest.extracted import Extracted, join_pages
from qa.ingest.ocr import ocr_image
from qa.records import DocumentError


def open_image(data: bytes, source: str):
    """A PIL image of the file, refusing damaged files and decompression bombs with one line."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns about odd EXIF and the like: not the user's problem
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DocumentError(source, "image is too large to decode (decompression bomb?); refused") from None
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError... for damaged files
        raise DocumentError(source, f"malformed image ({type(exc).__name__})") from None
    limit = formats_ocr.MAX_IMAGE_PIXELS
    if width * height > limit:
        mp = width * height / 1e6
        raise DocumentError(
            source, f"image is {width}x{height} ({mp:.0f} megapixels), over the {limit // 10**6} MP limit"
        )
    return image


def image_frames(image, source: str) -> list:
    """The image's frames (a TIFF's pages), loaded and shrunk to the pixel cap, at most MAX_OCR_PAGES of them."""
    from PIL import ImageSequence

    frames = []
    try:
        for frame in ImageSequence.Iterator(image):
            if len(frames) == formats_ocr.MAX_OCR_PAGES:
                break
            if frame.size[0] * frame.size[1] > formats_ocr.MAX_IMAGE_PIXELS:
                raise DocumentError(source, "an image frame is over the pixel limit; refused")
            frame = frame.convert("L")
            if frame.size[0] * frame.size[1] > formats_ocr.MAX_PAGE_PIXELS:
                ratio = math.sqrt(formats_ocr.MAX_PAGE_PIXELS / (frame.size[0] * frame.size[1]))
                frame = frame.resize((int(frame.size[0] * ratio), int(frame.size[1] * ratio)))
            frames.append(frame)
    except DocumentError:
        raise
    except Exception as exc:  # truncated or damaged image data
        raise DocumentError(source, f"malformed image ({type(exc).__name__})") from None
    return frames


def read_image(data: bytes, source: str) -> Extracted:
    """An image file (a TIFF may hold several pages) read by OCR; each frame is a page."""
    status = formats_ocr.ocr_status()
    if not status.available:
        raise DocumentError(source, f"an image needs OCR; {status.reason}")
    image = open_image(data, source)
    total = getattr(image, "n_frames", 1)
    frames = image_frames(image, source)
    capped = total > len(frames)
    notes = (
        [f"OCR read the first {formats_ocr.MAX_OCR_PAGES} of {total} pages (the cap per document)"] if capped else []
    )
    texts, clock = [], time.perf_counter()
    for done, frame in enumerate(frames, start=1):
        try:
            texts.append(ocr_image(frame).text)
        except RuntimeError as exc:
            raise DocumentError(source, f"OCR failed ({str(exc)[:80]})") from None
        formats_ocr.progress(source, done, len(frames), time.perf_counter() - clock)
    text, starts = join_pages(texts)
    return Extracted(text, None, starts, ocr_pages=tuple(range(1, len(texts) + 1)), notes=tuple(notes))
