"""The conversation shells: Chat and Chats over a real engine, `qa chat --json`, the terminal chat, `qa eval chat`."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from conftest import SEEDS

from qa.cli.chat import Chat, Chats
from qa.records import InputError

COOPI = "Since when has COOPI been present in Peru?"


def test_a_chat_answers_a_follow_up_and_starts_over(seeds_engine):
    chat = Chat(seeds_engine)
    assert "since 2000." in chat.ask(COOPI).answer
    follow = chat.ask("In which northern regions does it work?")
    assert "Piura and Tumbes" in follow.answer and "COOPI" in follow.searched
    chat.new()
    assert chat.ask("In which northern regions does it work?").searched is None


def test_a_chat_scope_is_checked_when_set(seeds_engine):
    chat = Chat(seeds_engine)
    with pytest.raises(InputError, match="'nothing\\*'"):
        chat.scope(["nothing*"])
    chat.scope(["001*"])
    assert all(c.source.startswith("001") for c in chat.ask("Since when has the ICRC been in Peru?").citations)


def test_chats_keep_conversations_apart(seeds_engine):
    chats = Chats(seeds_engine)
    chats.ask("a", COOPI)
    chats.ask("b", "What is Buenas Noticias?")
    assert "COOPI" in chats.ask("a", "What does it do there?").searched
    assert "Buenas Noticias" in chats.ask("b", "Who is it for?").searched


def test_qa_chat_json_answers_each_line_with_its_conversation(cli, seeds_index, monkeypatch):
    lines = [
        {"conversation": "x", "question": COOPI},
        {"conversation": "y", "question": "What is Buenas Noticias?"},
        {"conversation": "x", "question": "In which northern regions does it work?"},
    ]
    stdin = "\n".join(json.dumps(line) for line in lines) + "\nnot json\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code, out, _ = cli("chat", "--json", "--index", seeds_index, "--mode", "bm25")  # the plumbing: words suffice
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r.get("conversation") for r in rows[:3]] == ["x", "y", "x"]
    assert rows[2]["searched"] != rows[2]["question"] and "COOPI" in rows[2]["searched"]
    assert rows[0]["searched"] == rows[0]["question"] and {"citations", "passages", "found"} <= rows[0].keys()
    assert rows[3]["error"].startswith("stdin:4:")


def test_terminal_chat_follows_up_scopes_and_leaves_on_eof(cli, seeds_index, monkeypatch):
    typed = [COOPI, "What does it do there?", "/source nope*", "/new", "/source 004*", "Who funds it?"]
    answers = iter(typed)

    def fake_input(prompt):
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)
    code, out, _ = cli("chat", "--index", seeds_index, "--mode", "bm25")  # the plumbing: words suffice
    assert code == 0 and "since 2000" in out
    assert "(searched for: What does it do there? COOPI Peru)" in out
    assert "no indexed document matches the source pattern 'nope*'" in out
    assert "(new conversation)" in out and "(searching only 004*)" in out


def test_eval_chat_reports_history_against_standalone(cli, tmp_path):
    turns = [
        {"conversation": "c", "question": COOPI, "answers": ["2000"], "source": "004_b3fbc4fefc858b64.txt"},
        {"conversation": "c", "question": "In which northern regions does it work?", "answers": ["Piura and Tumbes"],
         "source": "004_b3fbc4fefc858b64.txt", "kind": "pronoun"},
    ]  # fmt: skip
    path, corpus = tmp_path / "chat.jsonl", tmp_path / "docs"
    path.write_text("".join(json.dumps(t) + "\n" for t in turns), encoding="utf-8")
    corpus.mkdir()
    shutil.copy(SEEDS / "004_b3fbc4fefc858b64.txt", corpus)  # the conversation's document: a quick index
    code, out, err = cli("eval", "chat", path, "--corpus", corpus, "--cache", tmp_path / "cache", "--json")
    result = json.loads(out)
    assert code == 0, err
    assert result["turns"] == 2 and result["follow_up_turns"] == 1
    assert result["with_history"]["follow_ups_correct"] == 1.0
    assert set(result["standalone"]) == set(result["with_history"])
