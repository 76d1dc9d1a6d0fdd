"""Tokens: folded, stemmed words; the same from any number of threads at once."""

from __future__ import annotations

import threading

from qa.search import tokens
from qa.search.tokens import tokenize


def test_words_are_folded_stemmed_and_figures_kept_whole():
    assert tokenize("The Régions of PERÚ received 22,295 donations") == ["region", "peru", "receiv", "22295", "donat"]
    assert tokenize("Las regiones del Perú recibieron 22.295 donaciones", language="es") == [
        "region", "peru", "recib", "22295", "donacion"]  # fmt: skip


def test_threads_stemming_at_once_get_what_one_thread_gets():
    words = [f"{stem}{ending}" for stem in ("organiz", "cooperat", "nation", "hydrat") for ending in
             ("ation", "ational", "ization", "fulness", "ousness", "iveness", "ically")]  # fmt: skip
    expected = {w: tokens._stemmer().stemWord(w) for w in words}
    seen, failures = [], []

    def stem_all() -> None:
        try:
            for _ in range(200):
                seen.extend((w, tokens._stemmer().stemWord(w)) for w in words)
        except Exception as exc:  # noqa: BLE001 - a shared stemmer raises IndexError mid-word
            failures.append(exc)

    threads = [threading.Thread(target=stem_all) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and all(expected[w] == stem for w, stem in seen)
