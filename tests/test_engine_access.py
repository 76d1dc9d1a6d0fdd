"""The engine answers a reader from the documents their groups may read; the others are as if not indexed."""

from __future__ import annotations

import shutil

import pytest

from qa.engine import Engine
from qa.records import InputError
from qa.store.access import Reader, Rule, save_rules

JICA = "Since what year has JICA been operating in Peru?"
FINANCE, RESEARCH = "000_*", "001_*"
ANN, BOB = Reader("ann", ("finance",)), Reader("bob", ("research",))


@pytest.fixture(scope="module")
def ruled(seeds_index, tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("ruled") / "index"
    shutil.copytree(seeds_index, index_dir)
    save_rules(index_dir, (Rule(FINANCE, ("finance",)), Rule(RESEARCH, ("research",))))
    return Engine(index_dir)


def test_each_reader_is_answered_from_their_documents_only(ruled):
    mine = ruled.ask(JICA, reader=ANN)
    assert mine.found and mine.citations[0].source.startswith("000_") and "1958" in mine.answer
    theirs = ruled.ask(JICA, reader=BOB)
    cited = {c.source for c in theirs.citations} | {p.chunk.doc_id for p in theirs.passages}
    assert not any(d.startswith("000_") for d in cited)
    assert ruled.ask(JICA).citations[0].source.startswith("000_")  # no reader: the owner, everything


def test_hidden_documents_are_as_if_they_were_not_indexed(ruled, seeds_copy, tmp_path):
    (seeds_copy / "000_6659238072dffd43.txt").unlink()
    without = Engine(tmp_path / "without")
    without.sync(seeds_copy)
    hidden, absent = ruled.ask(JICA, reader=BOB), without.ask(JICA)
    assert (hidden.found, hidden.answer) == (absent.found, absent.answer)
    with pytest.raises(InputError) as as_hidden:
        ruled.ask(JICA, sources=["000_*"], reader=BOB)
    with pytest.raises(InputError) as as_absent:
        without.ask(JICA, sources=["000_*"])
    assert str(as_hidden.value) == str(as_absent.value)


def test_document_lists_counts_and_uploads_follow_the_rules(ruled):
    assert not any(d.startswith("001_") for d in ruled.documents(ANN)) and len(ruled.documents(ANN)) == 4
    assert len(ruled.documents()) == 5 and ruled.readable(BOB)("000_x.txt") is False
    hits, _ = ruled.search("JICA volunteers", reader=BOB)
    assert hits and not any(h.chunk.doc_id.startswith("000_") for h in hits)


def test_an_upload_joins_its_uploaders_first_group(ruled, tmp_path):
    note = tmp_path / "memo.txt"
    note.write_text("The Quillabamba office ordered 340 water filters in May.", encoding="utf-8")
    [row] = ruled.upload([note], reader=Reader("cy", ("finance", "research")))
    doc_id = next(d for d in ruled.documents() if d.endswith("/memo.txt"))
    assert row.status == "added" and doc_id in ruled.documents(ANN) and doc_id not in ruled.documents(BOB)
    assert "340" in ruled.ask("How many water filters did the Quillabamba office order?", reader=ANN).answer


def test_a_report_citing_a_hidden_document_is_unknown_to_that_reader(ruled):
    from qa.report.read import report_citations
    from qa.report.references import footnote_text
    from qa.report.verify import verify_citations

    cited = ruled.ask(JICA).citations[0]
    report = f"[^1]: {footnote_text(cited)}".encode()
    checks = lambda reader: verify_citations(report_citations(report, "r.md"), ruled.index,  # noqa: E731
                                             may_read=ruled.readable(reader))  # fmt: skip
    assert checks(ANN)[0].status == "ok" and checks(BOB)[0].status == "unknown"
