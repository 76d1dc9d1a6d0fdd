"""Reading benchmark data from small inline files: BEIR corpus, queries and qrels, and SQuAD v1.1."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from qa.measure.datasets import beir_document, beir_documents, beir_queries, file_key, read_qrels, read_squad
from qa.records import InputError

SQUAD = {
    "data": [
        {
            "title": "Andean_Seed_Bank",
            "paragraphs": [
                {
                    "context": "Maria Lopez founded the seed bank in 1998.",
                    "qas": [{"question": "Who founded it?", "answers": [{"text": "Maria Lopez"}, {"text": "Lopez"}]}],
                },
                {"context": "It stores potatoes.", "qas": []},
            ],
        },
        {
            "title": "Lima",
            "paragraphs": [{"context": "Lima is the capital.", "qas": [{"question": "Capital?", "answers": []}]}],
        },
    ]
}


def _jsonl(path, rows) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_qrels_keep_positive_grades_and_skip_the_header_and_blank_lines(tmp_path):
    path = tmp_path / "test.tsv"
    path.write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\n\nq2\td3\t0\nq3\td1\t1\n", encoding="utf-8")
    assert read_qrels(path) == {"q1": {"d1": 1, "d2": 2}, "q3": {"d1": 1}}


def test_qrels_name_a_bad_grade_and_a_missing_file(tmp_path):
    path = tmp_path / "test.tsv"
    path.write_text("q1\td1\t1\nq1\td2\thigh\n", encoding="utf-8")
    with pytest.raises(InputError, match=f"{path}:2: relevance score 'high' is not a whole number"):
        read_qrels(path)
    with pytest.raises(InputError, match="missing BEIR qrels file"):
        read_qrels(tmp_path / "nope.tsv")


def test_a_beir_row_becomes_a_document_titled_by_its_title_or_id():
    document = beir_document({"_id": 7, "title": " Wells ", "text": "Dug in 2020."})
    assert (document.doc_id, document.title, document.text) == ("7", "Wells", "Dug in 2020.")
    assert document.content_hash == hashlib.sha256(b" Wells \0Dug in 2020.").hexdigest()
    assert beir_document({"_id": "d2", "title": "", "text": "x"}).title == "d2"
    assert beir_document({"_id": "d3", "text": "x"}).title == "d3"


def test_beir_documents_skip_empty_texts_and_take_the_first_limit(tmp_path):
    rows = [{"_id": "d1", "text": "One."}, {"_id": "d2", "text": "  "}, {"_id": "d3", "text": "Three."}]
    _jsonl(tmp_path / "corpus.jsonl", rows)
    assert [d.doc_id for d in beir_documents(tmp_path / "corpus.jsonl")] == ["d1", "d3"]
    assert [d.doc_id for d in beir_documents(tmp_path / "corpus.jsonl", limit=1)] == ["d1"]


def test_beir_queries_are_only_the_judged_ones(tmp_path):
    _jsonl(tmp_path / "queries.jsonl", [{"_id": "q1", "text": "wells?"}, {"_id": "q2", "text": "roads?"}])
    assert beir_queries(tmp_path, {"q1": {"d1": 1}}) == {"q1": "wells?"}


def test_squad_paragraphs_become_documents_and_questions_point_at_them(tmp_path):
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(SQUAD), encoding="utf-8")
    documents, questions = read_squad(path)
    assert [(d.doc_id, d.title) for d in documents] == [
        ("000-000", "Andean Seed Bank"),
        ("000-001", "Andean Seed Bank"),
        ("001-000", "Lima"),
    ]
    assert documents[0].content_hash == hashlib.sha256(b"Maria Lopez founded the seed bank in 1998.").hexdigest()
    assert questions == [("Who founded it?", ["Maria Lopez", "Lopez"], "000-000"), ("Capital?", [], "001-000")]


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"version": "1.1"}',
        pytest.param("[]", id="a JSON array"),
        pytest.param('{"data": [{"title": "T"}]}', id="an article without paragraphs"),
    ],
)
def test_a_file_that_is_not_squad_is_an_input_error(tmp_path, content):
    path = tmp_path / "dev.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=f"{path}: not a SQuAD v1.1 JSON file"):
        read_squad(path)


def test_file_key_changes_when_the_file_does(tmp_path):
    path = tmp_path / "corpus.jsonl"
    path.write_text("one", encoding="utf-8")
    key = file_key(path)
    assert key == file_key(path) and str(path.resolve()) in key
    path.write_text("one two", encoding="utf-8")
    assert file_key(path) != key
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert file_key(path) != key
