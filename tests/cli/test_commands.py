"""End to end through the CLI on seeds/ with the real packaged model."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

from qa.cli import main
from qa.measure.metrics import contains_answer

CASES = [json.loads(line) for line in (Path(__file__).parents[1] / "data" / "seeds_qa.jsonl").read_text().splitlines()]
CONTRACT = {"question": str, "answer": str, "found": bool, "mode": str, "citations": list, "passages": list}
CITATION = {
    "n": int,
    "source": str,
    "title": str,
    "quote": str,
    "start": int,
    "end": int,
    "line_start": int,
    "line_end": int,
    "score": float,
}


def _file_text(source: str) -> str:
    with open(SEEDS / source, encoding="utf-8") as handle:  # universal newlines, as the contract says
        return handle.read()


def check_contract(reply: dict) -> None:
    """The `qa ask --json` contract, and every citation checkable against its file."""
    for key, kind in CONTRACT.items():
        assert isinstance(reply[key], kind), key
    for n, citation in enumerate(reply["citations"], start=1):
        for key, kind in CITATION.items():
            assert isinstance(citation[key], kind), key
        assert citation["n"] == n and f"[{n}]" in reply["answer"]
        assert citation["page"] is None
        text = _file_text(citation["source"])
        assert text[citation["start"] : citation["end"]] == citation["quote"]
        assert text.count("\n", 0, citation["start"]) + 1 == citation["line_start"]
        assert text.count("\n", 0, citation["end"] - 1) + 1 == citation["line_end"]
    for passage in reply["passages"]:
        assert {"source", "text", "start", "end", "score"} <= passage.keys()
        assert _file_text(passage["source"])[passage["start"] : passage["end"]] == passage["text"]


def _ask_in_process(args: list[str], stdin: str) -> tuple[int, str]:
    """`qa ARGS` run in-process with `stdin`; returns (exit code, stdout)."""
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out):
        patch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(args)
    return code, out.getvalue()


@pytest.fixture(scope="module")
def seed_replies(seeds_index) -> dict[str, dict]:
    """Every seed question through one `qa ask - --json` (one engine, one model load), by question."""
    questions = "".join(case["question"] + "\n" for case in CASES)
    code, out = _ask_in_process(["ask", "-", "--json", "--index", str(seeds_index)], questions)
    assert code == 0
    replies = [json.loads(line) for line in out.splitlines()]
    assert [r["question"] for r in replies] == [c["question"] for c in CASES]
    return {r["question"]: r for r in replies}


@pytest.mark.slow  # every seed question through `qa ask - --json`
@pytest.mark.parametrize("case", CASES, ids=[c["question"][:50] for c in CASES])
def test_every_answer_keeps_the_contract_and_its_citations_check_out(seed_replies, case):
    reply = seed_replies[case["question"]]
    check_contract(reply)
    assert reply["passages"], "closest passages are always listed"
    assert reply["found"] == bool(reply["citations"])


def test_one_question_gives_one_json_reply_that_keeps_the_contract(cli, seeds_index):
    code, out, _ = cli("ask", CASES[0]["question"], "--index", seeds_index, "--json")
    assert code == 0 and len(out.splitlines()) == 1
    reply = json.loads(out)
    check_contract(reply)
    assert reply["question"] == CASES[0]["question"] and reply["found"] == bool(reply["citations"])


@pytest.mark.slow  # the same run of every seed question
def test_seed_questions_are_answered_from_the_right_source(seed_replies):
    """The seed cases' answers, sources and declines, scored as `qa eval questions` scores them."""
    answerable = [c for c in CASES if c.get("source") is not None]
    unanswerable = [c for c in CASES if c.get("source") is None]
    misses = []
    answer_ok = citation_ok = 0
    for case in answerable:
        reply = seed_replies[case["question"]]
        ok = reply["found"] and contains_answer(reply["answer"], case["answers"])
        answer_ok += ok
        citation_ok += any(c["source"] == case["source"] for c in reply["citations"])
        misses += [] if ok else [case["question"]]
    declined_ok = sum(not seed_replies[c["question"]]["found"] for c in unanswerable)
    wrongly_declined = sum(not seed_replies[c["question"]]["found"] for c in answerable)
    assert len(CASES) >= 15 and unanswerable
    assert answer_ok / len(answerable) >= 0.85, misses
    assert citation_ok / len(answerable) >= 0.9, misses
    assert declined_ok / len(unanswerable) >= 0.66, misses
    assert wrongly_declined <= 1, misses


def test_eval_questions_prints_its_figures_as_json(cli, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "When was the well in Huanta finished?", "answers": ["2019"], '
                         '"source": "a.txt"}\n', encoding="utf-8")  # fmt: skip
    code, out, _ = cli("eval", "questions", questions, "--corpus", _tiny_corpus(tmp_path), "--cache", tmp_path / "c",
                       "--json")  # fmt: skip
    result = json.loads(out)
    assert code == 0 and result["questions"] == 1 and result["answer_accuracy"] == 1.0


def test_search_prints_the_ranked_passages_as_json(cli, seeds_index):
    code, out, _ = cli("search", "Donation Agreement 527-0427", "--index", seeds_index, "--mode", "bm25", "--top-k",
                       "3", "--json")  # fmt: skip
    reply = json.loads(out)
    assert code == 0 and reply["mode"] == "bm25" and len(reply["passages"]) == 3
    assert reply["passages"][0]["source"] == "002_f806f91d97a55b2f.txt"
    scores = [p["score"] for p in reply["passages"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    "args, message",
    [
        (["index", "no/such/folder"], "no such folder"),
        (["ask", "what?", "--index", "no/such/index"], "no index here yet"),
        (["ask", "   ", "--index", "{index}"], "question is empty"),
        (["search", "x", "--top-k", "0", "--index", "{index}"], "top_k must be a whole number greater than 0; got"),
        (["ask", "x", "--top-k", "-2", "--index", "{index}"], "top_k must be a whole number greater than 0; got"),
        (["ask", "x", "--model", "other/model", "--index", "{index}"], "built with model"),
    ],
)
def test_user_mistakes_get_one_line_and_nonzero_exit(cli, seeds_index, tmp_path, args, message):
    _tiny_corpus(tmp_path)
    code, out, err = cli(*[a.replace("{index}", str(seeds_index)).replace("{tmp}", str(tmp_path)) for a in args])
    assert code == 2 and message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_index_summary_reports_skips(cli, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("The well in Huanta was finished in 2019.", encoding="utf-8")
    (folder / "b.txt").write_bytes(b"")
    code, out, _ = cli("index", folder, "--index", tmp_path / "idx")
    assert code == 0
    assert "1 documents" in out and "skipped b.txt: empty file" in out and "hybrid mode" in out


def test_ask_prints_the_answer_and_its_numbered_source(cli, seeds_index):
    code, out, _ = cli("ask", "How many people went missing during the period of violence?", "--index", seeds_index)
    assert code == 0 and "22,295" in out and "[1] 001_b09e6e96470ac102.txt" in out


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_the_installed_command_answers(seeds_index):
    """The README's CLI as a user runs it: the `qa` script installed in .venv."""
    qa = ROOT / ".venv" / "bin" / "qa"
    assert qa.exists(), "run `make test` so the CLI is installed in .venv"
    question = "How many people went missing during the period of violence?"
    result = subprocess.run([qa, "ask", question, "--index", seeds_index], check=True, capture_output=True, text=True,
                            timeout=110)  # fmt: skip
    assert "22,295" in result.stdout and "[1] 001_b09e6e96470ac102.txt" in result.stdout


def test_unloadable_model_falls_back_to_bm25_and_says_so_once(cli, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Donation Agreement 527-0427 added $92.5 million.\n", encoding="utf-8")
    code, out, _ = cli("index", folder, "--index", tmp_path / "idx", "--model", tmp_path / "no-model")
    assert code == 0 and "(bm25 mode)" in out and out.count("cannot load embedding model") == 1
    code, out, _ = cli("ask", "Which donation agreement added money?", "--index", tmp_path / "idx", "--json")
    reply = json.loads(out)
    assert reply["mode"] == "bm25" and reply["found"] and "527-0427" in reply["answer"]


def test_a_bad_line_in_a_batch_is_reported_and_the_rest_answered_in_process(cli, seeds_index, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("\x01\x02\nSince when has COOPI been present in Peru?\n"))
    code, out, _ = cli("ask", "-", "--json", "--index", seeds_index)
    first, second = (json.loads(line) for line in out.splitlines())
    assert code == 0 and "question is empty" in first["error"] and second["found"]


def _tiny_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("The well in Huanta was finished in 2019.", encoding="utf-8")
    return folder


def test_a_missing_question_file_is_reported_before_any_indexing(cli, tmp_path):
    code, _, err = cli("eval", "questions", tmp_path / "nope.jsonl", "--corpus", _tiny_corpus(tmp_path),
                       "--cache", tmp_path / "cache")  # fmt: skip
    assert code == 2 and "no such file" in err
    assert not (tmp_path / "cache").exists(), "nothing is built for a run that cannot start"


def test_verify_says_no_citations_in_one_line_and_exits_by_what_it_found(cli, tmp_path):
    folder = _tiny_corpus(tmp_path)
    assert cli("index", folder, "--index", tmp_path / "idx", "--json")[0] == 0
    empty, good = tmp_path / "empty.md", tmp_path / "good.md"
    empty.write_text("No quotations here.\n", encoding="utf-8")
    good.write_text('"The well in Huanta was finished in 2019." (a.txt, line 1)\n', encoding="utf-8")
    code, out, err = cli("verify", empty, "--index", tmp_path / "idx")
    assert code == 1 and out == "" and err.count("\n") == 1 and "no citations found" in err
    code, out, _ = cli("verify", good, "--index", tmp_path / "idx")
    assert code == 0 and "1 citations: 1 ok" in out
    (folder / "a.txt").write_text("The well in Huanta was finished in 2020.", encoding="utf-8")
    code, out, _ = cli("verify", good, "--index", tmp_path / "idx", "--json")
    assert code == 1 and json.loads(out)["status"] == "changed"
    code, _, err = cli("verify", tmp_path / "none.md", "--index", tmp_path / "idx")
    assert code == 2 and err == f"qa: error: {tmp_path / 'none.md'}: no such file\n"


def test_index_keeps_access_rules_and_says_what_no_rule_covers(cli, tmp_path):
    from qa.store.access import Rule, load_rules

    folder = tmp_path / "docs"
    (folder / "finance").mkdir(parents=True)
    (folder / "finance" / "a.txt").write_text("The well in Huanta was finished in 2019.", encoding="utf-8")
    (folder / "b.txt").write_text("The bridge in Lima opened in 2020.", encoding="utf-8")
    rules = tmp_path / "access.toml"
    rules.write_text('[[rule]]\npath = "finance/*"\ngroups = ["finance"]\n', encoding="utf-8")
    code, _, err = cli("index", folder, "--index", tmp_path / "idx", "--access", rules)
    assert code == 0 and "1 rules; 1 documents match none" in err
    assert load_rules(tmp_path / "idx") == (Rule("finance/*", ("finance",)),)
    code, _, _ = cli("index", folder, "--index", tmp_path / "idx")  # a later sync keeps them
    assert code == 0 and load_rules(tmp_path / "idx") == (Rule("finance/*", ("finance",)),)
    rules.write_text("[[rule]]\npath = 'x'\n", encoding="utf-8")
    code, out, err = cli("index", folder, "--index", tmp_path / "idx", "--access", rules)
    assert code == 2 and err.count("\n") == 1 and str(rules) in err and out == ""
