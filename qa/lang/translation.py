"""Offline machine translation between English and Spanish through Debian's apertium.

apertium runs as a subprocess (argument list, no shell, text on stdin, a timeout); no text
leaves the machine. It keeps line structure and treats a blank line as a sentence break, so
several texts go through one process call joined by a separator paragraph. A missing, failing
or slow apertium never raises: the call returns None, and the reason is kept (and logged once).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import OrderedDict

INSTALL = "apt-get install apertium apertium-en-es"
PAIRS = {("es", "en"): "spa-eng", ("en", "es"): "eng-spa"}
MAX_CHARS = 4_000  # a longer text is cut at a space and translated up to there, marked with " …"
BATCH_CHARS = 40_000  # texts per process call, at most
SEPARATOR = "§§§"
RETRY_AFTER = 60.0  # seconds without calling apertium after it failed
# International bodies apertium's dictionaries lack or mistranslate ("Cruz Roja" -> "Cruz Red"): (es, en)
GLOSSARY = (
    ("Comité Internacional de la Cruz Roja", "International Committee of the Red Cross"),
    ("Cruz Roja", "Red Cross"),
    ("Media Luna Roja", "Red Crescent"),
    ("CICR", "ICRC"),
    ("OEA", "OAS"),
    ("ONU", "UN"),
    ("EE. UU.", "U.S."),
    ("EE.UU.", "U.S."),
)
_PLACEHOLDER = "Qqaq{}"  # a word apertium passes through untouched
_SPLIT = re.compile(rf"\s*{SEPARATOR}\s*")
_MARK = re.compile(r"(?<![\w#@])[#@](?=\w)")  # apertium's marks for words it could not generate
_SPACES = re.compile(r"[ \t]{2,}")
log = logging.getLogger(__name__)


class Translator:
    """apertium with an LRU cache of translations, bounded input and a per-call timeout."""

    def __init__(self, command: str = "apertium", timeout: float = 20.0, cache_size: int = 2048):
        self.command, self.timeout, self.cache_size = command, timeout, cache_size
        self._cache: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._lock = threading.Lock()
        self._pairs: set[str] | None = None
        self._reason: str | None = None
        self._failed_at = 0.0

    def _installed_pairs(self) -> set[str]:
        """apertium's installed directions ('spa-eng', ...); empty when it is missing or would not list them."""
        if self._pairs is None:
            if shutil.which(self.command) is None:
                self._note(f"{self.command} is not installed (install it with: {INSTALL})")
                return set()
            listing = self._run(["-l"], "")
            if listing is None:
                return set()
            self._pairs = set(listing.split())
        return self._pairs

    def available(self, source: str = "es", target: str = "en") -> bool:
        """Whether this direction can be translated now (installed, and no failure in the last RETRY_AFTER s)."""
        pair = PAIRS.get((source, target))
        if pair is None:
            self._note(f"no translation from {source!r} to {target!r}")
            return False
        pairs = self._installed_pairs()
        if pairs and pair not in pairs:
            self._note(f"apertium has no {pair} pair (install it with: {INSTALL})")
        recent_failure = self._failed_at and time.monotonic() - self._failed_at < RETRY_AFTER
        return pair in pairs and not recent_failure

    @property
    def reason(self) -> str | None:
        """Why translation was last unavailable or failed; None once apertium has answered again."""
        return self._reason

    def translate(self, text: str, source: str, target: str) -> str | None:
        """The text in the target language; the text itself when the languages match; None on failure."""
        return self.translate_many([text], source, target)[0]

    def translate_many(self, texts: list[str], source: str, target: str) -> list[str | None]:
        """Several texts translated with as few apertium calls as possible; None for each one that failed."""
        if source == target:
            return list(texts)
        results: list[str | None] = [self._cached(source, target, t) for t in texts]
        todo = list(dict.fromkeys(t for t, r in zip(texts, results) if r is None and t.strip()))
        if todo and self.available(source, target):
            done = self._translate_new(todo, PAIRS[(source, target)])
            with self._lock:
                for text, out in done.items():
                    self._store((source, target, text), out)
            results = [r if r is not None else done.get(t) for t, r in zip(texts, results)]
        return [r if r is not None or t.strip() else t for t, r in zip(texts, results)]

    def _translate_new(self, texts: list[str], pair: str) -> dict[str, str]:
        """Uncached texts in batches of at most BATCH_CHARS; a batch that fails gives no entries."""
        batches: list[list[str]] = [[]]
        for text in texts:
            if batches[-1] and sum(map(len, batches[-1])) + len(_bounded(text)) > BATCH_CHARS:
                batches.append([])
            batches[-1].append(text)
        done: dict[str, str] = {}
        for batch in batches:
            outputs = self._batch(batch, pair)
            if outputs is None:
                break
            done.update(zip(batch, outputs))
        return done

    def _batch(self, texts: list[str], pair: str) -> list[str] | None:
        """One apertium call over the texts joined by separator paragraphs."""
        protected = [_protect(_bounded(t).replace(SEPARATOR, " "), pair) for t in texts]
        output = self._run(["-u", pair], f"\n\n{SEPARATOR}\n\n".join(text for text, _ in protected))
        if output is None:
            return None
        pieces = _SPLIT.split(output.strip())
        if len(pieces) != len(texts):
            self._fail(f"apertium merged or split the separator ({len(pieces)} pieces for {len(texts)} texts)")
            return None
        return [_restore(_clean(piece, text), terms) for piece, text, (_, terms) in zip(pieces, texts, protected)]

    def _run(self, args: list[str], stdin: str) -> str | None:
        """apertium's standard output, or None (with the reason kept) on a missing binary, error or timeout."""
        try:
            process = subprocess.Popen(
                [self.command, *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                start_new_session=True,  # apertium is a pipeline of processes: a timeout ends them all
            )
        except OSError as exc:
            return self._fail(f"apertium could not run: {exc}")
        try:
            stdout, stderr = process.communicate(stdin, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            return self._fail(f"apertium took longer than {self.timeout:g} s")
        if process.returncode != 0:
            return self._fail(f"apertium failed (exit {process.returncode}): {stderr.strip()[:200]}")
        self._reason = None
        return stdout

    def _fail(self, reason: str) -> None:
        self._failed_at = time.monotonic()
        self._note(reason)
        return None

    def _note(self, reason: str) -> None:
        if reason != self._reason:
            log.warning("translation unavailable: %s", reason)
        self._reason = reason

    def _cached(self, source: str, target: str, text: str) -> str | None:
        with self._lock:
            key = (source, target, text)
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        return None

    def _store(self, key: tuple[str, str, str], value: str) -> None:
        self._cache[key] = value
        self._cache.move_to_end(key)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)


def _kill_group(process: subprocess.Popen) -> None:
    """End a timed-out apertium and the pipeline it started, and reap it."""
    with contextlib.suppress(OSError):
        os.killpg(process.pid, signal.SIGKILL)
    process.kill()
    process.communicate()


def _bounded(text: str) -> str:
    """The text cut to MAX_CHARS at a space, marked with ' …' when cut."""
    if len(text) <= MAX_CHARS:
        return text
    cut = text.rfind(" ", MAX_CHARS // 2, MAX_CHARS)
    return text[: cut if cut > 0 else MAX_CHARS].rstrip() + " …"


def _protect(text: str, pair: str) -> tuple[str, list[str]]:
    """The text with GLOSSARY names replaced by placeholders, and the target-language names they stand for."""
    terms: list[str] = []
    for es, en in GLOSSARY:
        source, target = (es, en) if pair.startswith("spa") else (en, es)
        flags = 0 if source.replace(".", "").replace(" ", "").isupper() else re.IGNORECASE  # acronyms: exact case
        pattern = re.compile(rf"(?<!\w){re.escape(source)}(?!\w)", flags)
        if pattern.search(text):
            text = pattern.sub(_PLACEHOLDER.format(len(terms)), text)
            terms.append(target)
    return text, terms


def _restore(output: str, terms: list[str]) -> str:
    """The translation with placeholders turned into the target-language names."""
    for i in reversed(range(len(terms))):  # Qqaq10 before Qqaq1
        output = output.replace(_PLACEHOLDER.format(i), terms[i])
    return output


def _clean(output: str, source_text: str) -> str:
    """apertium's output without generation marks the source did not have and without doubled spaces."""
    if "#" not in source_text and "@" not in source_text:
        output = _MARK.sub("", output)
    return _SPACES.sub(" ", output).strip()


_default = Translator()


def available(source: str = "es", target: str = "en") -> bool:
    """Whether the shared translator can translate this direction now."""
    return _default.available(source, target)


def reason() -> str | None:
    """Why the shared translator is unavailable or last failed, or None."""
    return _default.reason


def translate(text: str, source: str, target: str) -> str | None:
    """The text translated by the shared translator, or None when translation is unavailable."""
    return _default.translate(text, source, target)


def translate_many(texts: list[str], source: str, target: str) -> list[str | None]:
    """Several texts translated by the shared translator in one apertium call where possible."""
    return _default.translate_many(texts, source, target)
