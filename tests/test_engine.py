"""The Engine: search and ask in each mode, the served mode on fallback, reloads after writes, add/remove/sync."""

from __future__ import annotations

import threading

import pytest
from conftest import make_document

from qa.engine import Engine
from qa.records import IndexMismatch, IndexMissing, InputError, ModelUnavailable
from qa.search.retrieval import ANSWER_POOL
from qa.store.build import Build
from qa.sync.update import update_index

DOCS = {
    "wells.txt": "The committee dug forty wells in Ayacucho during 2020. Volunteers from Huanta helped them.",
    "bridge.txt": "The Chacas bridge in Lima opened in March 2019. It spans the Rimac river.",
    "clinics.txt": "Three clinics were built in Cusco. They serve ten villages in the valley.",
}


@pytest.fixture()
def engine(tmp_path, fake_model) -> Engine:
    documents = [make_document(name, text) for name, text in DOCS.items()]
    update_index(Build(tmp_path / "index", embedder_for=lambda _: fake_model), documents, lambda _: False)
    return Engine(tmp_path / "index", embedder=fake_model)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_search_serves_each_mode(engine, mode):
    hits, served = engine.search("Chacas bridge in Lima, and wells", mode=mode, top_k=2)
    assert served == mode and len(hits) == 2 and hits[0].chunk.doc_id == "bridge.txt"
    assert hits[0].score >= hits[1].score


def test_ask_answers_with_a_citation_and_trims_the_passages_to_top_k(engine, monkeypatch):
    import qa.engine

    read = []
    real_answer = qa.engine.answer

    def counting_answer(question, passages, *args, **kwargs):
        read.append(len(passages.hits))
        return real_answer(question, passages, *args, **kwargs)

    monkeypatch.setattr(qa.engine, "answer", counting_answer)
    reply = engine.ask("How many wells did the committee dig in Ayacucho?", top_k=1)
    assert reply.found and reply.mode == "hybrid" and "forty" in reply.answer
    assert reply.citations[0].source == "wells.txt" and len(reply.passages) == 1
    assert read == [min(ANSWER_POOL, len(DOCS))], "the answerer reads the whole pool, not only top_k"


def test_ask_declines_a_question_about_something_else(engine):
    reply = engine.ask("Who won the 2018 FIFA World Cup?")
    assert not reply.found and reply.citations == () and reply.passages


def test_user_mistakes_are_input_errors(engine):
    with pytest.raises(InputError, match="the question is empty"):
        engine.ask(" \x00 ")
    with pytest.raises(InputError, match="unknown retrieval mode"):
        engine.search("wells", mode="fuzzy")
    with pytest.raises(InputError, match="top_k must be"):
        engine.ask("wells?", top_k=0)


def test_a_missing_index_is_named(tmp_path):
    with pytest.raises(IndexMissing, match="no index here yet"):
        Engine(tmp_path / "none").ask("wells?")


def test_another_model_than_the_index_was_built_with_is_refused(engine):
    other = Engine(engine.index_dir, model="some/other-model")
    with pytest.raises(IndexMismatch, match="built with model"):
        other.ask("wells?")
    assert other.search("wells", mode="bm25")[1] == "bm25", "BM25 needs no model"


def test_a_model_that_fails_at_query_time_falls_back_to_bm25_and_says_so(engine, fake_model, monkeypatch):
    def broken(texts, progress=False):
        raise ModelUnavailable("cannot load embedding model: gone")

    monkeypatch.setattr(fake_model, "encode", broken)
    hits, served = engine.search("Chacas bridge", mode="dense")
    assert served == "bm25" and hits[0].chunk.doc_id == "bridge.txt"
    assert engine.dense_warning == "cannot load embedding model: gone; answering in BM25-only mode"
    reply = engine.ask("When did the Chacas bridge open?")
    assert reply.mode == "bm25" and reply.found


def test_background_loading_answers_from_bm25_until_the_model_is_in(engine, fake_model, monkeypatch):
    gate, encode = threading.Event(), fake_model.encode
    monkeypatch.setattr(fake_model, "encode", lambda texts, progress=False: (gate.wait(60), encode(texts))[1])
    thread = engine.load_in_background()
    assert engine.meaning_loading
    reply = engine.ask("When did the Chacas bridge open?")
    assert (reply.mode, reply.found) == ("bm25", True) and "March 2019" in reply.answer
    gate.set()
    thread.join(60)
    assert not engine.meaning_loading and engine.search("Chacas bridge")[1] == "hybrid"


def test_an_engine_told_to_wait_answers_with_meaning_search(engine):
    engine.load_in_background(wait=True)
    assert engine.ask("When did the Chacas bridge open?").mode == "hybrid" and not engine.meaning_loading


def test_a_bm25_only_index_is_served_in_bm25_mode(tmp_path):
    def unavailable(name):
        raise ModelUnavailable("no model")

    documents = [make_document(name, text) for name, text in DOCS.items()]
    update_index(Build(tmp_path / "index", embedder_for=unavailable), documents, lambda _: False)
    engine = Engine(tmp_path / "index")
    assert engine.search("Chacas bridge")[1] == "bm25" and engine.ask("When did the Chacas bridge open?").mode == "bm25"
    assert engine.embedder(engine.index) is None


def test_the_index_is_reloaded_only_when_a_writer_replaced_it(engine, fake_model):
    first = engine.index
    assert engine.index is first
    roads = make_document("roads.txt", "A road to Puno was paved.")
    update_index(Build(engine.index_dir, embedder_for=lambda _: fake_model), [roads], lambda _: True)
    assert engine.index is not first and "roads.txt" in engine.index.documents
    assert engine.search("road Puno", mode="bm25")[0][0].chunk.doc_id == "roads.txt"


def test_add_and_remove_use_the_engines_model_and_keep_the_rest(engine, fake_model):
    fake_model.calls.clear()
    report = engine.add([make_document("uploads/roads.txt", "A road to Puno was paved in 2018.")])
    assert report.added == ["uploads/roads.txt"] and report.removed == []
    assert fake_model.embedded == report.embedded == 1
    assert sorted(engine.index.documents) == sorted([*DOCS, "uploads/roads.txt"])
    report = engine.remove({"bridge.txt", "uploads/roads.txt"})
    assert report.removed == ["bridge.txt", "uploads/roads.txt"] and report.embedded == 0
    assert sorted(engine.index.documents) == ["clinics.txt", "wells.txt"]


def test_sync_keeps_uploads_and_follows_the_folder(engine, tmp_path):
    engine.add([make_document("uploads/roads.txt", "A road to Puno was paved in 2018.")])
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "wells.txt").write_text(DOCS["wells.txt"], encoding="utf-8")
    report = engine.sync(folder)
    assert report.removed == ["bridge.txt", "clinics.txt"] and report.unchanged == 1
    assert sorted(engine.index.documents) == ["uploads/roads.txt", "wells.txt"]


ODD = {
    "long": ("How many wells were dug? " * 400)[:10_000],
    "control": "How\x00 many\x07 wells\x1b[31m were\x7f dug\u200b in Ayacucho?",
    "chinese": "暴力期间有多少人失踪？",
    "arabic": "كم عدد الأشخاص الذين فقدوا خلال فترة العنف؟",
    "emoji": "💧💧💧 ???",
    "punctuation": "?!?!.,;:",
}


@pytest.mark.parametrize("kind", sorted(ODD))
def test_odd_questions_get_an_answer_not_a_crash(engine, kind):
    reply = engine.ask(ODD[kind])
    assert reply.answer and len(reply.question) <= 2_000 and "\x00" not in reply.question
    assert reply.found == bool(reply.citations)
