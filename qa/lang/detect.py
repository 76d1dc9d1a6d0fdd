"""Which language a question or a document is in, offline, with py3langid's bundled model.

py3langid (BSD-3-Clause) ships its naive-Bayes model inside the wheel. Restricted to the
languages qa handles, it labelled every one of 70 English and Spanish questions right, and
29 of 30 two-to-four-word queries; over all of its 97 languages short queries often come
out as Galician, Afrikaans or Latin, so the restricted set is the default.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

SUPPORTED = ("en", "es")
DEFAULT = "en"
SAMPLE_CHARS = 4_000  # long texts are judged on three windows of this size: start, middle, end
_LETTER = re.compile(r"[^\W\d_]")
_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _identifier(languages: tuple[str, ...] | None):
    """A py3langid identifier limited to `languages` (None: every language the model knows), holding only their
    columns of the model (restricting one afterwards keeps all 142: 28 MB more)."""
    import numpy as np
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
    from py3langid.modelio import load_model

    ptc, pc, classes, nextmove, row, output = load_model(MODEL_DIR / MODEL_FILE)
    kept = [i for i, c in enumerate(classes) if languages is None or c in languages]
    ptc, pc = np.ascontiguousarray(ptc[:, kept]), np.asarray(pc)[kept]
    return LanguageIdentifier(ptc, pc, [classes[i] for i in kept], nextmove, output, tk_row=row)


def load_identifier() -> None:
    """Load the language model now (~0.4 s), e.g. in a thread while other things load, and classify once (the
    first classification costs ~0.1 s more than the next)."""
    with _LOCK:
        identifier = _identifier(SUPPORTED)
    identifier.classify("warm up")


def _sample(text: str) -> str:
    """The text, or for a long one its start, middle and end, so detection stays bounded in time."""
    if len(text) <= 3 * SAMPLE_CHARS:
        return text
    middle = len(text) // 2 - SAMPLE_CHARS // 2
    return "\n".join((text[:SAMPLE_CHARS], text[middle : middle + SAMPLE_CHARS], text[-SAMPLE_CHARS:]))


def detect_language(text: str, languages: tuple[str, ...] | None = SUPPORTED) -> str:
    """ISO 639-1 code of the text's language among `languages` (None: any); DEFAULT for text without letters."""
    if not _LETTER.search(text or ""):
        return DEFAULT
    with _LOCK:  # the first call loads the model (~0.5 s); classify itself only reads it
        identifier = _identifier(tuple(languages) if languages is not None else None)
    return str(identifier.classify(_sample(text))[0])


def is_supported(language: str) -> bool:
    """Whether qa has stemming, stop words and sentence rules for the language."""
    return language in SUPPORTED
