"""The browser app's handlers, its one public API endpoint over a real server, uploads, and escaping."""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest
from conftest import free_port

from qa.app import Handlers, build_app, checks, launch, render
from qa.app.access import Listen
from qa.engine import Engine
from qa.lang import translation

pytestmark = [
    pytest.mark.timeout(180),  # a live server
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword is deprecated)"),  # pandas, via gradio
]

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
QUESTION = "How many people went missing during the period of violence in Peru?"
COOPI = "Since when has COOPI been present in Peru?"
NORTH = "In which northern regions does it work?"
SPANISH = "¿En qué porcentaje aumentaron los ingresos de las familias rurales?"
needs_apertium = pytest.mark.skipif(not translation.available(), reason=translation.reason() or "no apertium")


@pytest.fixture(scope="module")
def index_dir(seeds_index, tmp_path_factory) -> Path:
    """A private copy of the seeds index: these tests add uploads to it."""
    folder = tmp_path_factory.mktemp("app") / "index"
    shutil.copytree(seeds_index, folder)
    return folder


@pytest.fixture(scope="module")
def engine(index_dir) -> Engine:
    return Engine(index_dir)


@pytest.fixture(scope="module")
def server(engine, index_dir):
    """The app launched on a free loopback port; yields (handlers, base url)."""
    demo = build_app(engine)
    port = free_port()
    launch(demo, Listen(port=port), block=False, quiet=True)
    yield demo.qa_handlers, f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture(scope="module")
def client(server):
    from gradio_client import Client

    return Client(server[1], verbose=False)


def test_chat_handler_answers_a_seed_question_with_citations(engine, index_dir):
    handlers = Handlers(engine)
    history, box, pending = handlers.add_question(f"  {QUESTION}\n", [])
    assert box == "" and pending == QUESTION and history[-1]["role"] == "user"
    chat, answers, shown, sources, markdown, download, status, _tab = handlers.respond(
        pending, history, [], "hybrid", 5
    )
    answer = answers[-1]
    assert answer.found and answer.citations and shown == 0
    assert "22,295" in chat[-1]["content"] and "[1]" in chat[-1]["content"]
    first = answer.citations[0]
    assert first.source in sources and "<mark>" in sources and f"score {first.score:.3f}" in sources
    assert markdown.startswith(f"**Q:** {QUESTION}") and "References:" in markdown and first.source in markdown
    exported = Path(download.value["path"])
    assert exported.is_relative_to(handlers.export_dir) and "22,295" in exported.read_text(encoding="utf-8")
    assert "<div><b>5</b><span>documents" in status and "hybrid" in status
    # a follow-up in the same conversation is answered on its own; history just grows
    history, _, pending = handlers.add_question("Since when has COOPI been present in Peru?", chat)
    chat, answers, shown, *_ = handlers.respond(pending, history, answers, "bm25", 3)
    assert len(chat) == 4 and shown == 1 and answers[1].mode == "bm25" and "since 2000." in answers[1].answer
    document, _ = handlers.open_source(answers, 0, _event({"open": "c1"}))
    assert 'class="qa-current"' in document and render.esc(first.quote) in document
    assert handlers.open_page(answers, 0, _event({"open": "c1"})) == ("", None)  # a text file has no page image


def _event(data: dict):
    import gradio as gr

    return gr.EventData(None, data)


def test_not_found_shows_closest_matches(engine, index_dir):
    handlers = Handlers(engine)
    history, _, pending = handlers.add_question("What colour is the Zanzibar moon-lizard?", [])
    chat, answers, _, sources, *_ = handlers.respond(pending, history, [], "hybrid", 5)
    assert not answers[-1].found and answers[-1].passages
    assert render.NOT_FOUND_LABEL in sources and "<mark>" not in sources and "do not contain" in chat[-1]["content"]
    assert "Searched for" not in chat[-1]["content"]  # a question that stands alone is searched as asked


def ask_in_chat(handlers, question, chat=(), answers=(), chosen=None, mode="hybrid"):
    """One exchange through the chat's handlers: (chat, answers, sources HTML, Markdown)."""
    history, _, pending = handlers.add_question(question, list(chat))
    chat, answers, _, sources, markdown, *_ = handlers.respond(pending, history, list(answers), mode, 5, chosen)
    return chat, answers, sources, markdown


def test_follow_up_is_answered_from_the_conversation_and_new_chat_forgets_it(engine):
    handlers = Handlers(engine)
    chat, answers, _, _ = ask_in_chat(handlers, COOPI)
    assert "since <strong>2000</strong>." in chat[-1]["content"] and "Searched for" not in chat[-1]["content"]
    chat, answers, sources, markdown = ask_in_chat(handlers, NORTH, chat, answers)
    reply = re.sub(r"</?strong>", "", chat[-1]["content"])  # the exact phrase may be bolded inside the quote
    assert "Piura and Tumbes" in reply and answers[-1].searched and "COOPI" in answers[-1].searched
    assert f"Searched for:</span> {render.esc(answers[-1].searched)}" in reply
    assert "Searched for: " in markdown and "Piura and Tumbes" in sources
    chat, answers, *_ = handlers.clear()
    assert chat == [] and answers == []  # a new chat: the next question has no earlier turns
    chat, answers, _, _ = ask_in_chat(handlers, NORTH, chat, answers)
    assert answers[-1].searched is None and "Searched for" not in chat[-1]["content"]


def test_errored_turns_are_not_history(engine):
    handlers = Handlers(engine)
    chat, answers, _, _ = ask_in_chat(handlers, COOPI)
    chat, answers, _, _ = ask_in_chat(handlers, COOPI, chat, answers, chosen=["no-such-document.txt"])
    assert answers[-1] is None and "no longer indexed" in chat[-1]["content"]
    chat, answers, _, _ = ask_in_chat(handlers, NORTH, chat, answers)
    assert "Piura and Tumbes" in re.sub(r"</?strong>", "", chat[-1]["content"]) and "COOPI" in answers[-1].searched


def test_document_filter_lists_documents_and_limits_citations(engine):
    handlers = Handlers(engine)
    choices = handlers.documents().choices
    assert sorted(value for _, value in choices) == sorted(engine.index.documents)
    chat, answers, _, _ = ask_in_chat(handlers, QUESTION)
    cited = answers[-1].citations[0].source
    other = next(value for _, value in choices if value != cited)
    chat, answers, sources, _ = ask_in_chat(handlers, QUESTION, chosen=[other])
    answer = answers[-1]
    assert answer.passages and {h.chunk.doc_id for h in answer.passages} == {other}
    assert all(c.source == other for c in answer.citations) and cited not in sources
    _, answers, _, _ = ask_in_chat(handlers, QUESTION, chosen=[cited, other])
    assert "22,295" in answers[-1].answer


def test_a_large_index_lists_file_names_without_reading_every_document(engine, monkeypatch):
    from qa.app import choices

    monkeypatch.setattr(choices, "TITLED_UP_TO", 1)
    monkeypatch.setattr(type(engine.index.documents), "values", lambda self: pytest.fail("read every document"))
    listed = Handlers(engine).documents().choices
    assert listed == [(doc_id, doc_id) for doc_id in sorted(engine.index.documents)]


def test_exact_globs_match_only_their_document():
    from fnmatch import fnmatchcase

    for name in ("report [draft]*?.md", "a[b].txt", "plain.txt", "x]y[.md"):
        assert fnmatchcase(name, checks.exact(name))
    assert not fnmatchcase("report d*?.md", checks.exact("report [d]*?.md"))
    assert not fnmatchcase("aXb.txt", checks.exact("a?b.txt")) and not fnmatchcase("ab.txt", checks.exact("a*b.txt"))


@needs_apertium
def test_spanish_question_shows_english_quote_with_a_labelled_translation(engine):
    handlers = Handlers(engine)
    chat, answers, sources, markdown = ask_in_chat(handlers, SPANISH)
    answer = answers[-1]
    assert answer.found and answer.language == "es" and answer.citations[0].translation
    quote, translated = answer.citations[0].quote, answer.citations[0].translation
    assert "97.5%" in quote and f"<mark>{render.esc(quote)}</mark>" in sources  # the quote itself, in English
    label = 'class="qa-mt-label">Traducción automática'
    assert f"{label}:</span> {render.esc(translated)}" in sources
    assert f"{label} [1]:</span> {render.esc(translated)}" in chat[-1]["content"]
    assert "traducción automática" in markdown and "Referencias:" in markdown


@needs_apertium
def test_spanish_question_without_an_answer_is_declined_in_spanish(engine):
    handlers = Handlers(engine)
    chat, answers, sources, _ = ask_in_chat(handlers, "¿De qué color es el lagarto lunar de Zanzíbar?")
    assert not answers[-1].found and answers[-1].language == "es"
    assert "Los documentos no contienen una respuesta" in chat[-1]["content"]
    assert "Coincidencias más cercanas (no son una respuesta)" in chat[-1]["content"]
    assert "Coincidencias más cercanas (no son una respuesta)" in sources


def test_status_says_whether_translation_is_available(engine, monkeypatch):
    handlers = Handlers(engine)
    monkeypatch.setattr(translation, "available", lambda source="es", target="en": True)
    assert "Translation English ⇄ Spanish: available" in handlers.status("hybrid")
    monkeypatch.setattr(translation, "available", lambda source="es", target="en": False)
    monkeypatch.setattr(translation, "reason", lambda: "apertium is not installed")
    status = handlers.status("hybrid")
    assert "No machine translation" in status and "apt-get install apertium apertium-en-es" in status


def test_status_says_when_meaning_search_is_still_loading(engine, monkeypatch):
    gate, load = threading.Event(), Engine._load_model
    monkeypatch.setattr(Engine, "_load_model", lambda self: (gate.wait(60), load(self)))
    fresh = Engine(engine.index_dir)
    thread = fresh.load_in_background()
    handlers = Handlers(fresh)
    status, timer = handlers.refresh_status("hybrid")
    assert "Keyword search ready; meaning search joins" in status and timer.active
    gate.set()
    thread.join(60)
    status, timer = handlers.refresh_status("hybrid")
    assert "Ready: meaning + keyword search" in status and not timer.active


@pytest.mark.slow  # a live server
def test_api_ask_returns_the_json_contract(client):
    result = client.predict(QUESTION, api_name="/ask")
    contract = {"question", "answer", "found", "mode", "citations", "passages"}
    assert contract <= set(result)  # the core of `qa ask --json`; other fields may be added
    assert result["question"] == QUESTION and isinstance(result["answer"], str) and result["found"] is True
    assert result["mode"] == "hybrid" and result["citations"] and result["passages"]
    for citation in result["citations"]:
        assert {
            "n", "source", "title", "quote", "start", "end", "line_start", "line_end", "page", "score"
        } <= set(citation)  # fmt: skip
        assert isinstance(citation["n"], int) and isinstance(citation["score"], float)
        with open(SEEDS / citation["source"], encoding="utf-8") as handle:
            assert handle.read()[citation["start"] : citation["end"]] == citation["quote"]
        assert f"[{citation['n']}]" in result["answer"]
    for passage in result["passages"]:
        assert {"source", "text", "start", "end", "score"} <= set(passage)


@pytest.mark.slow  # a live server
def test_only_ask_is_public(client):
    info = client.view_api(return_format="dict", print_info=False)
    assert list(info["named_endpoints"]) == ["/ask"] and not info["unnamed_endpoints"]


@pytest.mark.slow  # a live server
def test_upload_then_ask_about_it(server, client, tmp_path):
    handlers, _ = server
    path = tmp_path / "Zorblat facts!.txt"
    path.write_text("Notes on rivers.\n\nThe Zorblat river is 321 kilometres long.\n", encoding="utf-8")
    log, status, cleared, picker = handlers.upload([str(path)], "hybrid")
    assert "Zorblat_facts.txt" in log and "qa-up-added" in log and cleared is None
    assert "<div><b>6</b><span>documents" in status
    assert ("uploads/Zorblat_facts.txt", "uploads/Zorblat_facts.txt") in picker.choices  # the filter lists it
    result = client.predict("How long is the Zorblat river?", api_name="/ask")
    assert result["found"] and "321 kilometres" in result["answer"]
    citation = result["citations"][0]
    assert citation["source"] == "uploads/Zorblat_facts.txt"
    assert path.read_text(encoding="utf-8")[citation["start"] : citation["end"]] == citation["quote"]
    again = tmp_path / "copy.txt"
    again.write_bytes(path.read_bytes())
    log, *_ = handlers.upload([str(again)], "hybrid")
    assert "already indexed" in log and "qa-up-duplicate" in log
    assert len(handlers.engine.index.documents) == 6  # nothing added twice, the seeds kept
    path.write_text("The Zorblat river is 654 kilometres long.\n", encoding="utf-8")
    log, *_ = handlers.upload([str(path)], "hybrid")
    assert "replaced the earlier upload" in log and len(handlers.engine.index.documents) == 6
    assert "654 kilometres" in client.predict("How long is the Zorblat river?", api_name="/ask")["answer"]


@pytest.mark.slow  # a live server
def test_api_ask_takes_history_and_sources(client, engine):
    result = client.predict(NORTH, history=[COOPI], api_name="/ask")
    assert result["question"] == NORTH and "Piura and Tumbes" in result["answer"]
    assert result["searched"] != NORTH and "COOPI" in result["searched"]
    alone = client.predict(NORTH, api_name="/ask")
    assert alone["searched"] == NORTH  # asked alone, the question is searched as it is
    cited = client.predict(QUESTION, api_name="/ask")["citations"][0]["source"]
    other = next(d for d in sorted(engine.index.documents) if d != cited and not d.startswith("uploads/"))
    limited = client.predict(QUESTION, sources=[other], api_name="/ask")
    assert {p["source"] for p in limited["passages"]} == {other}
    assert all(c["source"] == other for c in limited["citations"])
    with pytest.raises(Exception, match="no indexed document matches"):
        client.predict(QUESTION, sources=["no-such-*.pdf"], api_name="/ask")
    with pytest.raises(Exception, match="failed validation"):  # refused by the guard (422) before Gradio
        client.predict(NORTH, history=[COOPI] * 11, api_name="/ask")


def test_upload_rejects_with_reasons(engine, tmp_path):
    handlers = Handlers(engine)
    (tmp_path / "tool.exe").write_bytes(b"MZ\x90\x00binary")
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * (handlers.max_upload_bytes // 5 + 10))
    log, *_ = handlers.upload([str(tmp_path / n) for n in ("tool.exe", "empty.md", "big.txt")], "hybrid")
    assert log.count("qa-up-rejected") == 3
    assert "unsupported file type" in log and "empty file" in log and "over the 10 MB limit" in log
