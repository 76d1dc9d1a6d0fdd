"""`qa eval` on small inline data with a model-free embedder: question files, BEIR and SQuAD, and the tallies."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from qa.measure import evaluate
from qa.measure.corpora import Setup, folder_engine
from qa.measure.squad import eval_squad
from qa.records import Chunk, Citation, Hit, InputError, Short
from qa.store.files import current_version

DOCS = {
    "wells.txt": "The committee dug forty wells in Ayacucho during 2020. Volunteers from Huanta helped them.",
    "bridge.txt": "The Chacas bridge in Lima opened in March 2019. It spans the Rimac river.",
}
CASES = [
    {"question": "How many wells did the committee dig in Ayacucho?", "answers": ["forty"], "source": "wells.txt"},
    {"question": "When did the Chacas bridge in Lima open?", "answers": ["March 2019"], "source": "bridge.txt"},
    {"question": "Who won the 2018 FIFA World Cup?", "answers": [], "source": None},
]


def _jsonl(path, rows) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_read_cases_checks_each_case(tmp_path):
    path = tmp_path / "q.jsonl"
    _jsonl(path, [{"question": "ok?", "answers": ["x"], "source": "a.txt"}, {"question": "no answers key?"}])
    assert [c["question"] for c in evaluate.read_cases(path)] == ["ok?", "no answers key?"]
    _jsonl(path, [{"question": "ok?"}, {"question": 3}])
    with pytest.raises(InputError, match=f"{path}: case 2 needs a 'question' string and an 'answers' list"):
        evaluate.read_cases(path)
    _jsonl(path, [{"question": "ok?", "answers": "forty"}])
    with pytest.raises(InputError, match="case 1 needs"):
        evaluate.read_cases(path)


def _reply(found: bool, answer: str, sources=(), passages=(), short=None):
    quotes = answer.split(" [1] ") if sources else []
    citations = tuple(Citation(1, s, s, q, 0, 1, 1, 1, None, 1.0) for s, q in zip(sources, quotes))
    hits = tuple(Hit(Chunk(0, s, 0, 1, "x", ()), 1.0) for s in passages)
    return SimpleNamespace(found=found, answer=answer, citations=citations, passages=hits, short=short)


NAMES = ["answerable", "unanswerable", "answer_ok", "citation_ok", "hit", "declined_ok", "declined_wrong", "answered",
         "cited", "holding", "short_given", "short_ok"]  # fmt: skip


def test_tally_counts_cited_sentences_holding_the_answer_and_right_short_phrases():
    counts, failures = dict.fromkeys(NAMES, 0), []
    case = {"question": "How many wells?", "answers": ["forty"], "source": "a.txt"}
    two = _reply(
        True, "They dug forty wells. [1] Volunteers helped. [1]", ["a.txt", "a.txt"], short=Short("forty", 0, 5)
    )
    evaluate._tally(counts, failures, case, two)
    evaluate._tally(counts, failures, case, _reply(True, "It had forty wells. [1]", ["a.txt"], short=Short("It", 0, 2)))
    evaluate._tally(counts, failures, case, _reply(False, "not found"))
    assert (counts["answered"], counts["cited"], counts["holding"]) == (2, 3, 2)
    assert (counts["short_given"], counts["short_ok"]) == (2, 1)


def test_tally_counts_answers_citations_hits_and_declines():
    counts, failures = dict.fromkeys(NAMES, 0), []
    case = {"question": "q1", "answers": ["forty"], "source": "a.txt"}
    evaluate._tally(counts, failures, case, _reply(True, "They dug forty wells. [1]", ["a.txt"], ["a.txt"]))
    evaluate._tally(counts, failures, case, _reply(True, "They dug four wells. [1]", ["b.txt"], ["b.txt", "a.txt"]))
    evaluate._tally(counts, failures, case, _reply(False, "not found", [], ["a.txt"]))
    unanswerable = {"question": "q2", "answers": [], "source": None}
    evaluate._tally(counts, failures, unanswerable, _reply(False, "not found"))
    evaluate._tally(counts, failures, unanswerable, _reply(True, "A wrong guess. [1]", ["a.txt"]))
    assert {k: counts[k] for k in NAMES[:7]} == {
        "answerable": 3,
        "unanswerable": 2,
        "answer_ok": 1,
        "citation_ok": 1,
        "hit": 3,
        "declined_ok": 1,
        "declined_wrong": 1,
    }
    assert failures == [
        {"question": "q1", "expected": ["forty"], "got": "They dug four wells. [1]"},
        {"question": "q1", "expected": ["forty"], "got": "not found"},
        {"question": "q2", "got": "A wrong guess. [1]"},
    ]


def test_folder_engine_keeps_a_synced_index_in_the_cache(tmp_path, corpus, fake_model):
    engine = folder_engine(corpus, Setup(tmp_path / "cache", embedder=fake_model))
    assert engine.index_dir.parent == tmp_path / "cache" / "indexes"
    assert sorted(engine.index.documents) == sorted(DOCS)
    (corpus / "wells.txt").unlink()
    assert sorted(folder_engine(corpus, Setup(tmp_path / "cache", embedder=fake_model)).index.documents) == [
        "bridge.txt"
    ]


def test_eval_questions_over_a_folder(tmp_path, corpus, fake_model):
    path = tmp_path / "q.jsonl"
    _jsonl(path, CASES)
    engine = folder_engine(corpus, Setup(tmp_path / "cache", embedder=fake_model))
    result = evaluate.eval_questions(evaluate.read_cases(path), engine, mode="hybrid", top_k=2)
    assert result["questions"] == 3 and result["mode"] == "hybrid"
    assert result["answer_accuracy"] == 1.0 and result["citation_accuracy"] == 1.0 and result["hit@2"] == 1.0
    assert result["declined_correctly"] == "1/1" and result["declined_rate"] == 1.0
    assert result["wrongly_declined"] == 0 and result["failures"] == []
    assert result["citation_precision"] == 1.0 and result["sentences_per_answer"] == 1.0


def test_eval_questions_lists_each_failure(tmp_path, corpus, fake_model):
    path = tmp_path / "q.jsonl"
    _jsonl(path, [dict(CASES[0], answers=["fifty"])])
    engine = folder_engine(corpus, Setup(tmp_path / "cache", embedder=fake_model))
    result = evaluate.eval_questions(evaluate.read_cases(path), engine, mode="bm25")
    assert result["answer_accuracy"] == 0.0 and result["citation_accuracy"] == 1.0
    assert result["declined_correctly"] == "0/0" and result["declined_rate"] == 0.0
    [failure] = result["failures"]
    assert failure["question"] == CASES[0]["question"] and failure["expected"] == ["fifty"]
    assert "forty" in failure["got"]


def test_eval_questions_refuses_a_bad_mode_or_a_missing_file_before_asking(tmp_path, corpus, fake_model):
    engine = folder_engine(corpus, Setup(tmp_path / "cache", embedder=fake_model))
    asked = []
    engine.ask = lambda *args: asked.append(args)
    path = tmp_path / "q.jsonl"
    _jsonl(path, CASES)
    with pytest.raises(InputError, match="unknown retrieval mode"):
        evaluate.eval_questions(evaluate.read_cases(path), engine, mode="fuzzy")
    with pytest.raises(InputError, match="no such file"):
        evaluate.read_cases(tmp_path / "missing.jsonl")
    assert asked == []


def _beir(root) -> None:
    rows = [
        {"_id": "d1", "title": "Wells", "text": "Forty wells were dug in Ayacucho."},
        {"_id": "d2", "title": "Bridge", "text": "The Chacas bridge spans the Rimac."},
        {"_id": "d3", "title": "Clinics", "text": "Three clinics opened in Cusco."},
    ]
    _jsonl(root / "corpus.jsonl", rows)
    _jsonl(root / "queries.jsonl", [{"_id": "q1", "text": "wells Ayacucho"}, {"_id": "q2", "text": "Rimac bridge"}])
    (root / "qrels").mkdir()
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n", encoding="utf-8")


def test_eval_beir_scores_every_mode_and_reuses_its_index(tmp_path, fake_model):
    root, cache = tmp_path / "beir", tmp_path / "cache"
    root.mkdir()
    _beir(root)
    result = evaluate.eval_beir(root, Setup(cache, embedder=fake_model))
    assert (result["queries"], result["documents"], result["chunks"]) == (2, 3, 3)
    perfect = {"ndcg@10": 1.0, "recall@10": 1.0, "recall@100": 1.0, "mrr@10": 1.0}
    assert result["bm25"] == perfect
    for mode in ("hybrid", "dense"):
        assert result[mode].keys() == perfect.keys() and all(0 <= v <= 1 for v in result[mode].values())
    [index_dir] = (cache / "indexes").iterdir()
    version = current_version(index_dir)
    fake_model.calls.clear()
    assert evaluate.eval_beir(root, Setup(cache, embedder=fake_model)) == result
    assert current_version(index_dir) == version, "the corpus index is built once"
    assert all(len(call) <= 2 for call in fake_model.calls), "only the queries are embedded again"


def test_eval_beir_without_a_corpus_is_an_input_error(tmp_path, fake_model):
    root = tmp_path / "beir"
    root.mkdir()
    _beir(root)
    (root / "corpus.jsonl").unlink()
    with pytest.raises(InputError, match="corpus.jsonl: no such file"):
        evaluate.eval_beir(root, Setup(tmp_path / "cache", embedder=fake_model))


def test_eval_squad_reports_recall_and_answer_accuracy_per_mode(tmp_path, fake_model):
    squad = {
        "data": [
            {
                "title": "Peru",
                "paragraphs": [
                    {
                        "context": "The committee dug forty wells in Ayacucho during 2020.",
                        "qas": [{"question": "How many wells were dug in Ayacucho?", "answers": [{"text": "forty"}]}],
                    },
                    {
                        "context": "The Chacas bridge in Lima opened in March 2019.",
                        "qas": [{"question": "When did the Chacas bridge open?", "answers": [{"text": "March 2019"}]}],
                    },
                ],
            }
        ]
    }
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(squad), encoding="utf-8")
    result = eval_squad(path, Setup(tmp_path / "cache", embedder=fake_model))
    assert result["questions"] == 2 and result["paragraphs"] == 2
    assert result["bm25"] == {"recall@1": 1.0, "recall@5": 1.0, "answer_accuracy": 1.0, "citation_precision": 1.0,
                              "sentences_per_answer": 1.0}  # fmt: skip
    assert result["hybrid"]["recall@5"] == result["dense"]["recall@5"] == 1.0
    assert eval_squad(path, Setup(tmp_path / "cache", embedder=fake_model), limit=1)["questions"] == 1
