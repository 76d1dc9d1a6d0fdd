"""The Milvus backend against real Milvus Lite (a file under tmp_path): index, search, ask, sync, failures, chat."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import replace

import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from qa.cli.chat import Chat  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.records import IndexMismatch, InputError  # noqa: E402
from qa.store import milvus  # noqa: E402
from qa.store.backend import Backend  # noqa: E402
from qa.store.milvus.index import MilvusIndex  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]  # a live server: each test starts Milvus Lite

DOCS = {
    "wells.txt": "Water\n\nThe village dug 22,295 wells in 2020. Each well serves about forty families.\n",
    "bridge.txt": "Bridges\n\nThe river bridge opened in March 2019. It carries 3,000 cars a day.\n",
    "school.txt": "Schools\n\nThe new school teaches 450 pupils. Classes start at eight in the morning.\n",
}


def _folder(tmp_path, docs=DOCS):
    folder = tmp_path / "docs"
    folder.mkdir(exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _backend(tmp_path, collection="qa_test") -> Backend:
    return Backend("milvus", str(tmp_path / "milvus.db"), collection)


def _count(index: MilvusIndex) -> int:
    return len(index.client.query(index.collection, filter="pk >= 0", output_fields=["pk"]))


def _check_citations(index, answer) -> None:
    assert answer.citations
    for c in answer.citations:
        assert c.quote == index.document(c.source).text[c.start : c.end]


def test_index_search_ask_exact_offsets(tmp_path, fake_model):
    engine = Engine(tmp_path / "index", embedder=fake_model)
    report = engine.sync(_folder(tmp_path), backend=_backend(tmp_path))
    assert (report.documents, report.mode, report.embedded) == (3, "hybrid", report.chunks)
    index = engine.index
    assert isinstance(index, MilvusIndex) and index.manifest.backend == "milvus"
    assert not (tmp_path / "index" / index.version / "vectors.faiss").exists()  # the vectors live in Milvus
    assert _count(index) == len(index.chunks)
    for mode in ("bm25", "dense", "hybrid"):
        hits, served = engine.search("how many wells were dug", mode=mode)
        assert served == mode and hits[0].chunk.doc_id == "wells.txt"
    hits, _ = engine.search("22,295", mode="bm25")  # a figure stays one term, as in the local index
    assert [h.chunk.doc_id for h in hits] == ["wells.txt"]
    answer = engine.ask("How many wells did the village dig?")
    assert answer.found and "22,295" in answer.answer
    _check_citations(index, answer)
    hits, _ = engine.search("bridge", sources=["school*"])  # a scope is a filter in Milvus
    assert {h.chunk.doc_id for h in hits} <= {"school.txt"}


def test_sync_add_change_delete_rename(tmp_path, fake_model):
    folder, engine = _folder(tmp_path), Engine(tmp_path / "index", embedder=fake_model)
    engine.sync(folder, backend=_backend(tmp_path))
    (folder / "roads.txt").write_text("Roads\n\nThe highway to the coast was paved in 2021.\n")
    (folder / "school.txt").write_text("Schools\n\nThe new school teaches 610 pupils since the extension.\n")
    (folder / "bridge.txt").unlink()
    (folder / "wells.txt").rename(folder / "water.txt")
    fake_model.calls.clear()
    report = engine.sync(folder)  # no backend given: the manifest's is kept
    assert (report.added, report.updated, report.removed) == (
        ["roads.txt", "water.txt"],
        ["school.txt"],
        ["bridge.txt", "wells.txt"],
    )
    embedded = [t for call in fake_model.calls for t in call]
    assert not any("22,295" in t for t in embedded)  # the renamed file's chunks reused their vectors
    assert report.embedded == len(embedded) and report.reused >= 1
    index = engine.index
    assert isinstance(index, MilvusIndex) and _count(index) == len(index.chunks)
    hits, _ = engine.search("highway coast paved", mode="bm25")
    assert hits[0].chunk.doc_id == "roads.txt"
    hits, _ = engine.search("river bridge cars", mode="hybrid")
    assert "bridge.txt" not in {h.chunk.doc_id for h in hits}
    answer = engine.ask("How many pupils does the school teach?")
    assert "610" in answer.answer
    _check_citations(index, answer)
    hits, _ = engine.search("22,295 wells", mode="bm25")
    assert hits[0].chunk.doc_id == "water.txt"
    fake_model.calls.clear()
    report = engine.sync(folder)
    assert (report.unchanged, report.embedded, fake_model.embedded) == (3, 0, 0)


def test_switch_from_local_reuses_vectors(tmp_path, fake_model):
    folder, engine = _folder(tmp_path), Engine(tmp_path / "index", embedder=fake_model)
    engine.sync(folder)
    assert engine.index.manifest.backend == "local"
    fake_model.calls.clear()
    report = engine.sync(folder, backend=_backend(tmp_path))
    assert (report.embedded, fake_model.embedded, report.reused) == (0, 0, report.chunks)
    assert engine.index.manifest.backend == "milvus"
    report = engine.sync(folder, backend=Backend())  # and back again, reading the vectors from Milvus
    assert (engine.index.manifest.backend, report.embedded, fake_model.embedded) == ("local", 0, 0)


def test_unreachable_server_is_one_line(tmp_path, fake_model):
    backend = Backend("milvus", "http://admin:s3cret@127.0.0.1:9/", "qa")
    start = time.perf_counter()
    with pytest.raises(milvus.BackendUnavailable) as caught:
        Engine(tmp_path / "index", embedder=fake_model).sync(_folder(tmp_path), backend=backend)
    message = str(caught.value)
    assert "http://127.0.0.1:9/" in message and "s3cret" not in message and "\n" not in message
    assert time.perf_counter() - start < 30


def test_wrong_collection_and_rebuild(tmp_path, fake_model):
    client = milvus.connect(str(tmp_path / "milvus.db"))
    client.create_collection("other", dimension=8)
    client.insert("other", [{"id": 1, "vector": [0.1] * 8}])
    folder, engine = _folder(tmp_path), Engine(tmp_path / "index", embedder=fake_model)
    with pytest.raises(IndexMismatch, match="'other' .* is not a qa collection"):
        engine.sync(folder, backend=_backend(tmp_path, "other"))
    engine.sync(folder, backend=_backend(tmp_path, "other"), rebuild=True)
    assert engine.index.collection == "other"
    client.drop_collection("other")
    with pytest.raises(IndexMismatch, match="no collection 'other'"):
        Engine(tmp_path / "index", embedder=fake_model).index  # noqa: B018


PARTS = {
    "north/wells.txt": DOCS["wells.txt"],
    "south/bridge.txt": DOCS["bridge.txt"],
    "south/school.txt": DOCS["school.txt"],
    "north_east/roads.txt": "Roads\n\nThe coast road opened in 2021.\n",
}


def _tree(tmp_path, docs=PARTS):
    root = tmp_path / "root"
    for name, text in docs.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def _worker(tmp_path, part: str, embedder):
    return replace(_backend(tmp_path), part=part), Engine(tmp_path / f"index-{part.strip('/')}", embedder=embedder)


def test_workers_over_parts_share_one_collection(tmp_path, fake_model):
    root = _tree(tmp_path)
    for part in ("north/", "south/", "north_east/"):
        backend, worker = _worker(tmp_path, part, fake_model)
        report = worker.sync(root, backend=backend)
        assert {d for d in worker.index.documents} == {d for d in PARTS if d.startswith(part)}
        assert report.embedded == report.chunks  # nothing of its part was there yet
    (root / "north" / "wells.txt").unlink()  # a worker's sync deletes only its own part's rows
    north = Engine(tmp_path / "index-north", embedder=fake_model)
    assert north.sync(root).removed == ["north/wells.txt"]
    fake_model.calls.clear()
    serving = Engine(tmp_path / "index", embedder=fake_model)  # the index of the whole folder adopts the workers' rows
    report = serving.sync(root, backend=_backend(tmp_path))
    assert (report.documents, report.embedded, fake_model.embedded) == (3, 0, 0)
    assert _count(serving.index) == len(serving.index.chunks)
    answer = serving.ask("How many pupils does the school teach?")
    assert "450" in answer.answer and answer.citations[0].source == "south/school.txt"
    _check_citations(serving.index, answer)
    hits, _ = serving.search("coast road", mode="bm25")
    assert hits[0].chunk.doc_id == "north_east/roads.txt"


def test_adopting_refuses_foreign_rows_and_part_rebuild_keeps_others(tmp_path, fake_model):
    root = _tree(tmp_path)
    for part in ("north/", "south/"):
        backend, worker = _worker(tmp_path, part, fake_model)
        worker.sync(root, backend=backend)
    other = _tree(tmp_path / "other", {"south/school.txt": DOCS["school.txt"]})
    with pytest.raises(IndexMismatch, match="2 documents that this folder does not have"):
        Engine(tmp_path / "index", embedder=fake_model).sync(other, backend=_backend(tmp_path))
    backend, worker = _worker(tmp_path, "south/", fake_model)
    (root / "south" / "bridge.txt").write_text("Bridges\n\nThe old bridge closed in 1990.\n", encoding="utf-8")
    report = Engine(tmp_path / "fresh-south", embedder=fake_model).sync(root, backend=backend, rebuild=True)
    assert report.embedded == report.chunks
    rows = worker.index.client.query("qa_test", filter="pk >= 0", output_fields=["source"])
    assert {r["source"] for r in rows} == {"north/wells.txt", "south/bridge.txt", "south/school.txt"}


def test_interrupted_build_is_adopted_not_embedded_again(tmp_path, fake_model):
    folder = _folder(tmp_path)
    Engine(tmp_path / "lost", embedder=fake_model).sync(
        folder, backend=_backend(tmp_path)
    )  # as if the index folder were lost
    fake_model.calls.clear()
    report = Engine(tmp_path / "index", embedder=fake_model).sync(folder, backend=_backend(tmp_path))
    assert (report.embedded, fake_model.embedded, report.reused) == (0, 0, report.chunks)


def test_cli_part_checks(tmp_path, cli):
    root = _tree(tmp_path)
    code, _, err = cli("index", root, "--index", tmp_path / "i", "--part", "north")
    assert code == 2 and "--part go with --backend milvus" in err
    for bad in ("../x", "nowhere", "."):
        code, _, err = cli("index", root, "--index", tmp_path / "i", "--backend", "milvus", "--uri", "x.db",
                           "--part", bad)  # fmt: skip
        assert code == 2 and f"--part {bad}:" in err and "Traceback" not in err


def test_chat_over_milvus(tmp_path, fake_model):
    engine = Engine(tmp_path / "index", embedder=fake_model)
    engine.sync(_folder(tmp_path), backend=_backend(tmp_path))
    chat = Chat(engine)
    first = chat.ask("When did the river bridge open?")
    assert first.found and "2019" in first.answer
    follow = chat.ask("How many cars does it carry?")
    assert "3,000" in follow.answer
    _check_citations(engine.index, follow)


def test_cli_index_then_search_without_flags(tmp_path, cli, monkeypatch):
    monkeypatch.setenv(milvus.TOKEN_ENV, "root:Milvus-secret")  # Lite ignores it; it must never reach the disk
    folder, index_dir = _folder(tmp_path), tmp_path / "index"
    code, _, err = cli("index", folder, "--index", index_dir, "--backend", "milvus", "--uri", tmp_path / "m.db")
    assert code == 0, err
    version = (index_dir / "CURRENT").read_text().strip()
    manifest = json.loads((index_dir / version / "manifest.json").read_text())
    assert (manifest["backend"], manifest["collection"]) == ("milvus", milvus.DEFAULT_COLLECTION)
    assert not any("secret" in p.read_text(errors="ignore") for p in (index_dir / version).iterdir())
    code, out, _ = cli("search", "wells", "dug", "--index", index_dir, "--json")
    assert code == 0 and json.loads(out)["passages"][0]["source"] == "wells.txt"
    code, _, err = cli("index", folder, "--index", index_dir, "--backend", "milvus")
    assert code == 2 and "needs --uri" in err


def test_uri_checks_and_secrets():
    assert (
        milvus.public_uri("https://user:pw@milvus.example.com:19530/db?token=x")
        == "https://milvus.example.com:19530/db"
    )
    with pytest.raises(InputError, match="ending in .db"):
        milvus.check_uri("/tmp/some/folder")


def test_second_process_on_lite_file_is_named(tmp_path):
    path = tmp_path / "busy.db"
    script = f"from pymilvus import MilvusClient; MilvusClient({str(path)!r}); print('open'); input()"
    holder = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(milvus.BackendUnavailable, match="open in another process"):
            milvus._connect(str(path), milvus.public_uri(str(path)))
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_without_pymilvus_says_how_to_install(tmp_path, cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "pymilvus", None)  # as if it were not installed
    code, _, err = cli("index", _folder(tmp_path), "--index", tmp_path / "i", "--backend", "milvus", "--uri", "x.db")
    assert code == 2 and "pip install -e '.[milvus]'" in err


@pytest.mark.slow
def test_seeds_with_the_real_model_rank_and_answer_as_the_local_index(tmp_path, seeds_index):
    """The packaged model over seeds/: every seeds question ranks its top 10 and answers exactly as locally."""
    from conftest import ROOT, SEEDS

    local, remote = Engine(seeds_index), Engine(tmp_path / "index")
    report = remote.sync(SEEDS, backend=_backend(tmp_path))
    assert report.mode == "hybrid" and report.documents == 5
    lines = (ROOT / "tests" / "data" / "seeds_qa.jsonl").read_text(encoding="utf-8").splitlines()
    for question in [json.loads(line)["question"] for line in lines if line.strip()]:
        for mode in ("dense", "bm25", "hybrid"):
            ours, theirs = (engine.search(question, mode=mode, top_k=10)[0] for engine in (local, remote))
            assert [(h.chunk.doc_id, h.chunk.start) for h in ours] == [(h.chunk.doc_id, h.chunk.start) for h in theirs]
        mine, milvus_answer = local.ask(question), remote.ask(question)
        assert (milvus_answer.found, milvus_answer.answer) == (mine.found, mine.answer), question
        assert milvus_answer.citations == mine.citations
        if milvus_answer.found:
            _check_citations(remote.index, milvus_answer)


def test_access_rules_filter_inside_milvus(tmp_path, fake_model):
    from qa.store.access import Reader, Rule

    engine = Engine(tmp_path / "index", embedder=fake_model)
    engine.sync(_folder(tmp_path), backend=_backend(tmp_path), access=(Rule("wells.txt", ("water",)),))
    outsider, member = Reader("bob", ("roads",)), Reader("ann", ("water",))
    for mode in ("bm25", "dense", "hybrid"):
        hits, _ = engine.search("how many wells were dug", mode=mode, reader=outsider)
        assert "wells.txt" not in {h.chunk.doc_id for h in hits}, mode
    hidden = engine.ask("How many wells did the village dig?", reader=outsider)
    assert "wells.txt" not in {c.source for c in hidden.citations} | {p.chunk.doc_id for p in hidden.passages}
    assert "22,295" in engine.ask("How many wells did the village dig?", reader=member).answer


def test_eval_questions_through_milvus_lite(tmp_path, fake_model):
    from qa.measure.corpora import Setup, folder_engine
    from qa.measure.evaluate import eval_questions

    engine = folder_engine(_folder(tmp_path), Setup(tmp_path / "cache", embedder=fake_model), "milvus")
    assert isinstance(engine.index, MilvusIndex)
    cases = [{"question": "How many wells did the village dig?", "answers": ["22,295"], "source": "wells.txt"}]
    result = eval_questions(cases, engine, mode="bm25")
    assert result["answer_accuracy"] == 1.0 and result["citation_precision"] == 1.0


def _old_collection(client, name: str, dimension: int) -> None:
    """A collection as qa made it before BM25 moved out of Milvus: a terms field feeding a BM25 function."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("pk", DataType.INT64, is_primary=True)
    for field, size in (("source", 4096), ("key", 64), ("text", 65535)):
        schema.add_field(field, DataType.VARCHAR, max_length=size)
    schema.add_field("terms", DataType.VARCHAR, max_length=65535, enable_analyzer=True,
                     analyzer_params={"tokenizer": "standard"})  # fmt: skip
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
    for field in ("start", "end", "line_start", "line_end", "page"):
        schema.add_field(field, DataType.INT64)
    for field in ("sentences", "heading_path"):
        schema.add_field(field, DataType.VARCHAR, max_length=65535)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["terms"],
                                 output_field_names=["sparse"]))  # fmt: skip
    params = client.prepare_index_params()
    params.add_index("dense", index_type="FLAT", metric_type="IP")
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection(name, schema=schema, index_params=params)


def test_a_collection_made_with_a_bm25_field_is_still_written_and_searched(tmp_path, fake_model):
    backend = _backend(tmp_path, "old_style")
    _old_collection(milvus.connect(backend.uri), backend.collection, fake_model.dimension)
    engine = Engine(tmp_path / "index", embedder=fake_model)
    report = engine.sync(_folder(tmp_path), backend=backend)
    assert report.documents == 3 and _count(engine.index) == len(engine.index.chunks)
    assert milvus.has_old_bm25(engine.index.client, backend.collection)
    for mode in ("bm25", "dense", "hybrid"):
        hits, _ = engine.search("how many wells were dug", mode=mode)
        assert hits[0].chunk.doc_id == "wells.txt", mode
