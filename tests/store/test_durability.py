"""An index that never loses data: incremental sync, crashes, full disks, corruption and concurrent readers."""

from __future__ import annotations

import errno
import itertools
import os
import pickle
import random
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT

from qa.embed.embedder import Embedder
from qa.engine import Engine
from qa.ingest.documents import read_folder
from qa.records import Document, IndexCorrupt, IndexWriteError
from qa.store.build import Build
from qa.store.files import IndexLock, current_version
from qa.store.load import load_index
from qa.sync.folder import sync_folder
from qa.sync.update import update_index

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]  # subprocesses, killed and waited for

TOPICS = ["wells", "bridges", "clinics", "schools", "canals", "seed banks", "roads", "reservoirs", "markets"]
PLACES = ["Ayacucho", "Lima", "Cusco", "Puno", "Junin", "Tacna", "Ica", "Piura", "Tumbes", "Loreto"]
QUESTION = "How many wells were dug in Ayacucho?"


def _prose(seed: int, paragraphs: int = 3) -> str:
    """A few paragraphs of distinct, checkable sentences (about 2 chunks)."""
    rng = random.Random(seed)
    out = []
    for p in range(paragraphs):
        sentences = [
            f"In {rng.randint(1990, 2024)} the committee of {rng.choice(PLACES)} built {rng.randint(2, 900)} "
            f"{rng.choice(TOPICS)} with help from {rng.randint(3, 80)} volunteers (note {seed}-{p}-{i})."
            for i in range(rng.randint(4, 7))
        ]
        out.append(" ".join(sentences))
    return "\n\n".join(out) + "\n"


def _write_corpus(folder: Path, count: int, first_seed: int = 0) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"doc{first_seed + i:02d}.txt").write_text(_prose(first_seed + i), encoding="utf-8")


def check_consistent(index) -> None:
    """Chunk store, vectors and lexical index agree, and every chunk is its document's text slice."""
    assert index.dense.count == len(index.chunks) == index.lexical.weights.shape[0]
    assert index.manifest.documents == {d: doc.content_hash for d, doc in index.documents.items()}
    assert [c.chunk_id for c in index.chunks] == list(range(len(index.chunks)))
    for chunk in index.chunks:
        assert chunk.text == index.documents[chunk.doc_id].text[chunk.start : chunk.end]


def check_answer(answer, index) -> None:
    """Every citation quotes its document at its offsets, in the index that answered."""
    for citation in answer.citations:
        assert index.documents[citation.source].text[citation.start : citation.end] == citation.quote


def state_of(index) -> dict[str, str]:
    return {doc_id: doc.content_hash for doc_id, doc in index.documents.items()}


def folder_state(folder: Path) -> dict[str, str]:
    documents, _ = read_folder(folder)
    return {d.doc_id: d.content_hash for d in documents}


def chunks_of(index, doc_id: str) -> list:
    return [c for c in index.chunks if c.doc_id == doc_id]


@pytest.fixture()
def note(request, capsys):
    """Print a figure when pytest runs with -s (the cli fixture captures output otherwise)."""

    def emit(line: str) -> None:
        if request.config.getoption("capture") == "no":
            with capsys.disabled():
                print(line)

    return emit


# 1. Incremental sync ------------------------------------------------------------------------------


def test_sync_adds_updates_removes_and_reuses_embeddings(tmp_path, seeds_copy, cli, note, monkeypatch):
    folder, index_dir = seeds_copy, tmp_path / "index"
    _write_corpus(folder, 15)
    code, out, err = cli("index", folder, "--index", index_dir)
    assert code == 0, err
    first = load_index(index_dir)
    total = len(first.chunks)
    assert f"added 20, updated 0, removed 0, unchanged 0, skipped 0; embedded {total} chunks, reused 0" in out

    # One file rewritten among twenty: only its chunks are embedded again.
    (folder / "doc07.txt").write_text(_prose(107), encoding="utf-8")
    report = sync_folder(Build(index_dir, folder=folder))
    changed = len(chunks_of(load_index(index_dir), "doc07.txt"))
    assert report.updated == ["doc07.txt"] and report.unchanged == 19 and not report.added + report.removed
    assert report.embedded == changed and report.reused == report.chunks - changed
    note(f"\none file rewritten: embedded {report.embedded} of {report.chunks} chunks (that file has {changed})")

    # A sentence appended to a long file: only the chunks whose text changed are embedded.
    seed_doc = sorted(p.name for p in folder.glob("0*_*.txt"))[1]
    before = chunks_of(load_index(index_dir), seed_doc)
    with (folder / seed_doc).open("a", encoding="utf-8") as handle:
        handle.write("\nA closing sentence was added about the new wells in Ayacucho.\n")
    report = sync_folder(Build(index_dir, folder=folder))
    after = chunks_of(load_index(index_dir), seed_doc)
    fresh = {c.embed_text() for c in after} - {c.embed_text() for c in before}
    assert report.updated == [seed_doc] and report.embedded == len(fresh) < len(after)
    note(f"one sentence appended: embedded {report.embedded} of {len(after)} chunks of {seed_doc}")

    # Add, delete, rename and touch at once.
    (folder / "new.txt").write_text(_prose(500), encoding="utf-8")
    (folder / "doc03.txt").unlink()
    (folder / "doc04.txt").rename(folder / "renamed.txt")
    os.utime(folder / "doc05.txt")  # a newer mtime, the same content: unchanged
    code, out, err = cli("index", folder, "--index", index_dir)
    assert code == 0, err
    index = load_index(index_dir)
    new_chunks = len(chunks_of(index, "new.txt"))
    assert f"added 2, updated 0, removed 2, unchanged 18, skipped 0; embedded {new_chunks} chunks" in out
    assert "renamed.txt" in index.documents and not {"doc03.txt", "doc04.txt"} & index.documents.keys()
    check_consistent(index)

    note(f"add + delete + rename + touch: embedded {new_chunks} (the new file's chunks) of {len(index.chunks)}")

    # Nothing changed: nothing embedded, and the model is not even loaded.
    idle = Embedder()
    report = sync_folder(Build(index_dir, folder=folder))
    assert report.embedded == 0 and report.unchanged == 20 and not report.added + report.updated + report.removed
    assert idle._loaded is None

    # --rebuild starts from scratch.
    version = current_version(index_dir)
    code, out, err = cli("index", folder, "--index", index_dir, "--rebuild")
    assert code == 0, err
    rebuilt = load_index(index_dir)
    assert current_version(index_dir) != version
    summary = f"added 20, updated 0, removed 0, unchanged 0, skipped 0; embedded {len(rebuilt.chunks)} chunks, reused 0"
    assert summary in out
    assert state_of(rebuilt) == folder_state(folder)
    check_consistent(rebuilt)


def test_watch_keeps_the_index_in_sync(tmp_path, cli, monkeypatch):
    import qa.sync.watch

    folder, index_dir = tmp_path / "docs", tmp_path / "index"
    _write_corpus(folder, 3)
    snapshots = threading.Semaphore(0)
    real_snapshot, real_watch = qa.sync.watch._snapshot, qa.sync.watch.watch_folder

    def counted_snapshot(path):
        state = real_snapshot(path)
        snapshots.release()
        return state

    def one_round(build, interval=1.0):  # fast, stops after one sync
        return itertools.islice(real_watch(build, 0.05, 0.1), 1)

    monkeypatch.setattr(qa.sync.watch, "_snapshot", counted_snapshot)
    monkeypatch.setattr("qa.engine.watch_folder", one_round)

    watching = []

    def edit_when_watching():
        watching.append(snapshots.acquire(timeout=60))  # the watcher has seen the folder as it was
        (folder / "doc01.txt").write_text("The watched file now says the canal in Ica is 12 km long.\n", "utf-8")

    editor = threading.Thread(target=edit_when_watching, daemon=True)
    editor.start()
    start = time.perf_counter()
    code, out, err = cli("index", folder, "--index", index_dir, "--watch")
    editor.join(timeout=5)
    assert code == 0 and watching == [True], err
    assert time.perf_counter() - start < 60
    assert "added 3, updated 0" in out and "added 0, updated 1, removed 0, unchanged 2" in out
    assert "12 km" in load_index(index_dir).documents["doc01.txt"].text


# 2. Crash safety --------------------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import sys, time
    import qa.store.save

    def announce(step):  # each write step is printed, then a short pause widens the window to kill in
        print(step, flush=True)
        time.sleep(0.03)

    qa.store.save._fault = announce
    from qa.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)
STEPS = ["documents", "chunks", "lexical", "vectors", "manifest", "rename", "switch"]


def _mutate(folder: Path, rng: random.Random, round_: int, embed: bool) -> str:
    """Change the folder; with `embed` the change needs new embeddings (the writer loads the model)."""
    files = sorted(folder.glob("*.txt"))
    if embed:
        kind = rng.choice(["edit", "add"])
        target = rng.choice(files) if kind == "edit" else folder / f"new{round_:02d}.txt"
        target.write_text(_prose(1000 + round_), encoding="utf-8")
        return f"{kind} {target.name}"
    if len(files) > 4 and rng.random() < 0.4:
        victim = rng.choice(files)
        victim.unlink()
        return f"delete {victim.name}"
    victim = rng.choice(files)
    victim.rename(folder / f"r{round_:02d}-{victim.name}")
    return f"rename {victim.name}"


def _kill_after_delay(args: list[str], rng: random.Random) -> str:
    """`python -m qa index ...`, SIGKILLed after a random delay: 0-3 s (start-up, reading, model load)
    or 3-7 s (model load, embedding, writing; or it finished first)."""
    delay = rng.uniform(0, 3) if rng.random() < 0.5 else rng.uniform(3, 7)
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", *args], cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        assert proc.wait(timeout=delay) == 0, "a writer that was not killed must succeed"
        return f"finished before the kill at {delay:.2f}s"
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)
        return f"killed at {delay:.2f}s"


def _kill_at_step(args: list[str], rng: random.Random, target: str) -> str:
    """The same command with each write step announced; SIGKILLed just after `target`, or after the switch."""
    proc = subprocess.Popen([sys.executable, "-c", WRITER, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if line.strip() == (target if target != "cleanup" else "switch"):
                time.sleep(rng.uniform(0, 0.05) if target != "cleanup" else rng.uniform(0.05, 0.3))
                proc.kill()
                break
        proc.wait(timeout=60)
    finally:
        proc.stdout.close()
    assert proc.returncode in (-9, 0), "a writer that was not killed must succeed"
    return f"killed at step {target}" if proc.returncode == -9 else f"finished before the kill at step {target}"


def test_sigkill_at_random_points_leaves_the_old_or_the_new_index(tmp_path, note):
    folder, index_dir = tmp_path / "docs", tmp_path / "index"
    _write_corpus(folder, 6)
    sync_folder(Build(index_dir, folder=folder))
    engine = Engine(index_dir)
    rng = random.Random(int(os.environ.get("QA_CRASH_SEED", "20240")))
    # (kill mode, change needs embedding): delayed kills land in start-up, reading, model load and
    # embedding; step kills land in the write itself, most on quick runs that reuse every vector.
    plan = [("time", True)] * 4 + [("time", False)] * 2 + [("step", False)] * 8 + [("step", True)] * 2
    rng.shuffle(plan)
    targets = itertools.cycle(rng.sample([*STEPS, "cleanup"], 8))  # every write step is hit
    outcomes, log, kills, start = {"old": 0, "new": 0}, [], 0, time.perf_counter()
    for round_ in range(24):  # the whole plan once, then on until at least 13 kills
        if round_ >= len(plan) and kills >= 13:
            break
        mode, embed = plan[round_ % len(plan)]
        old = state_of(load_index(index_dir))
        change = _mutate(folder, rng, round_, embed)
        new = folder_state(folder)
        assert new != old
        rebuild = embed and round_ % 4 == 0
        args = ["index", str(folder), "--index", str(index_dir), "--json"] + (["--rebuild"] if rebuild else [])
        what = _kill_after_delay(args, rng) if mode == "time" else _kill_at_step(args, rng, next(targets))
        kills += what.startswith("killed")
        index = load_index(index_dir)  # loadable, whatever the moment of the kill
        check_consistent(index)
        outcome = "old" if state_of(index) == old else "new" if state_of(index) == new else "mixed"
        assert outcome != "mixed", (change, what)
        outcomes[outcome] += 1
        log.append(f"{change}{' (rebuild)' if rebuild else ''}: {what} -> {outcome}")
        answer = engine.ask(QUESTION)  # and it answers, from the version CURRENT names
        assert engine.index.version == current_version(index_dir)
        check_answer(answer, engine.index)
    note(f"\n{kills} SIGKILLs in {len(log)} runs ({time.perf_counter() - start:.0f}s): {outcomes}")
    for line in log:
        note("  " + line)
    assert kills >= 12, log
    sync_folder(Build(index_dir, folder=folder))  # a clean run afterwards tidies what the kills left behind
    assert state_of(load_index(index_dir)) == folder_state(folder)
    leftovers = sorted(p.name for p in index_dir.iterdir() if p.name not in ("CURRENT", ".lock"))
    assert len(leftovers) <= 2 and all(name.startswith("v") for name in leftovers), leftovers


def test_a_second_writer_gets_a_clear_message(tmp_path, cli):
    folder, index_dir = tmp_path / "docs", tmp_path / "index"
    _write_corpus(folder, 1)
    with IndexLock(index_dir):  # a second holder is refused, in this process as in another (test_files)
        code, out, err = cli("index", folder, "--index", index_dir)
    assert code == 2
    message = f"qa: error: {index_dir}: another qa process is updating this index; wait for it to finish"
    assert err.strip() == message


# 3. Disk full and I/O errors ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory, embedder) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("docs")
    _write_corpus(folder, 3)
    index_dir = tmp_path_factory.mktemp("built") / "index"
    documents, _ = read_folder(folder)
    update_index(Build(index_dir, embedder_for=lambda _: embedder), documents, lambda _: False)
    return folder, index_dir


def _copy(built, tmp_path: Path) -> tuple[Path, Path]:
    folder, index_dir = tmp_path / "docs", tmp_path / "index"
    shutil.copytree(built[0], folder)
    shutil.copytree(built[1], index_dir)
    return folder, index_dir


def _disk_full(at: str):
    def fault(step: str) -> None:
        if step == at:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    return fault


def _no_debris(index_dir: Path, version: str) -> None:
    names = sorted(p.name for p in index_dir.iterdir())
    assert names == sorted([".lock", "CURRENT", version]), names


def _inject(monkeypatch, step: str) -> None:
    """Disk full at a write step (the seam), in the real switch call, or in real writes to /dev/full."""
    import faiss

    import qa.store.save

    if step in STEPS:
        monkeypatch.setattr("qa.store.save._fault", _disk_full(step))
    elif step == "os.replace":  # fails after the new version was renamed into place
        real_replace = os.replace

        def failing_replace(src, dst, *args, **kwargs):
            if str(dst).endswith("CURRENT"):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_replace(src, dst, *args, **kwargs)

        monkeypatch.setattr(os, "replace", failing_replace)
    elif step == "/dev/full chunks":
        real_write = qa.store.save.write_jsonl

        def write_to_full_disk(path, rows):
            return real_write(Path("/dev/full") if path.name == "chunks.jsonl" else path, rows)

        monkeypatch.setattr(qa.store.save, "write_jsonl", write_to_full_disk)
    else:
        real_write_index = faiss.write_index
        monkeypatch.setattr(faiss, "write_index", lambda index, path: real_write_index(index, "/dev/full"))


@pytest.mark.parametrize("step", ["os.replace", "/dev/full chunks", "/dev/full vectors"])  # the seam: test_save
def test_disk_full_at_any_step_keeps_the_old_index(built, tmp_path, monkeypatch, embedder, step):
    if step.startswith("/dev/full") and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    folder, index_dir = _copy(built, tmp_path)
    version, old = current_version(index_dir), load_index(index_dir)
    documents, _ = read_folder(folder)
    extra = Document("extra.txt", "extra.txt", "A new file about canals in Ica.", "hash-extra")
    _inject(monkeypatch, step)
    message = f"cannot write the index in {index_dir}: No space left on device; the previous index is unchanged"
    with pytest.raises(IndexWriteError) as caught:
        update_index(Build(index_dir, embedder_for=lambda _: embedder), documents + [extra], lambda _: False)
    assert str(caught.value) == message
    monkeypatch.undo()
    assert current_version(index_dir) == version
    _no_debris(index_dir, version)
    index = load_index(index_dir)
    assert state_of(index) == state_of(old)
    check_consistent(index)
    # and the next write, with space again, works
    update_index(Build(index_dir, embedder_for=lambda _: embedder), documents + [extra], lambda _: False)
    assert "extra.txt" in load_index(index_dir).documents


def test_the_cli_reports_a_failed_write_in_one_line(built, tmp_path, monkeypatch, cli):
    folder, index_dir = _copy(built, tmp_path)
    version = current_version(index_dir)
    (folder / "extra.txt").write_text("A new file about canals in Ica.", encoding="utf-8")
    monkeypatch.setattr("qa.store.save._fault", _disk_full("vectors"))
    code, out, err = cli("index", folder, "--index", index_dir, "--json")  # --json: no progress bar on stderr
    assert code == 2 and out == ""
    message = f"cannot write the index in {index_dir}: No space left on device; the previous index is unchanged"
    assert err == f"qa: error: {message}\n"
    assert current_version(index_dir) == version
    _no_debris(index_dir, version)

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    code, out, err = cli("index", folder, "--index", blocker / "index")
    assert code == 2 and err.startswith(f"qa: error: cannot write the index in {blocker / 'index'}: ")
    assert err.count("\n") == 1


# 4. Corruption --------------------------------------------------------------------------------------


def test_current_pointing_to_garbage_is_named_and_rebuild_recovers(built, tmp_path, cli):
    folder, index_dir = _copy(built, tmp_path)
    (index_dir / "CURRENT").write_bytes(b"\xff\xfe\x00\x81garbage\n\x00")  # the other pointers: test_files
    reason = "not a version name (binary data)"
    code, out, err = cli("ask", QUESTION, "--index", index_dir)
    assert code == 2 and err.count("\n") == 1 and "qa index --rebuild" in err
    code, out, err = cli("index", folder, "--index", index_dir)
    assert code == 2 and reason in err
    code, out, err = cli("index", folder, "--index", index_dir, "--rebuild")
    assert code == 0, err
    check_consistent(load_index(index_dir))


class _Trap:
    """Unpickling this creates a marker file: proof that a pickle was loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_pickle_in_the_index_folder_is_refused_never_loaded(built, tmp_path, cli):
    _, index_dir = _copy(built, tmp_path)
    marker = tmp_path / "unpickled"
    for place in (index_dir, index_dir / current_version(index_dir)):
        trap = place / "index.pkl"
        trap.write_bytes(pickle.dumps(_Trap(marker)))
        with pytest.raises(IndexCorrupt, match="index.pkl: unexpected file in the index"):
            load_index(index_dir)
        code, _, err = cli("ask", QUESTION, "--index", index_dir)
        assert code == 2 and "index.pkl: unexpected file" in err
        trap.unlink()
    assert not marker.exists()
    load_index(index_dir)


# 5. Concurrent use ------------------------------------------------------------------------------


def test_a_version_removed_while_it_is_read_is_retried(built, tmp_path, monkeypatch, embedder):
    import qa.store.load

    folder, index_dir = _copy(built, tmp_path)
    documents, _ = read_folder(folder)
    real_check, writes = qa.store.load.file_matches, []

    def two_writes_mid_read(path, meta):
        """While the reader checks its first file, two syncs land: its version is deleted under it."""
        if not writes:
            for n in range(2):
                writes.append(n)
                extra = Document(f"x{n}.txt", f"x{n}.txt", f"Extra file {n} about roads.", f"hash-x{n}")
                update_index(Build(index_dir, embedder_for=lambda _: embedder), [*documents, extra], lambda _: False)
        return real_check(path, meta)

    monkeypatch.setattr(qa.store.load, "file_matches", two_writes_mid_read)
    index = load_index(index_dir)
    assert writes == [0, 1] and index.version == current_version(index_dir)
    assert "x1.txt" in index.documents
    check_consistent(index)


def test_queries_keep_working_while_a_sync_runs(tmp_path, monkeypatch, embedder, note):
    import qa.engine

    index_dir = tmp_path / "index"
    texts = [_prose(2000 + i, paragraphs=2) for i in range(8)]
    documents = [Document(f"d{i}.txt", f"d{i}.txt", t, f"hash-{i}") for i, t in enumerate(texts)]
    update_index(Build(index_dir, embedder_for=lambda _: embedder), documents[:2], lambda _: False)
    engine = Engine(index_dir)
    real_answer, seen, errors = qa.engine.answer, set(), []
    lock = threading.Lock()

    def checked_answer(question, passages, *args, **kwargs):
        """Every hit must be the chunk the index the answer is built from holds (read from its version)."""
        index = passages.index
        for hit in passages.hits:
            assert index.chunks[hit.chunk.chunk_id] == hit.chunk
        with lock:
            if index.version not in seen:
                check_consistent(index)
                seen.add(index.version)
        answer = real_answer(question, passages, *args, **kwargs)
        check_answer(answer, index)
        return answer

    monkeypatch.setattr(qa.engine, "answer", checked_answer)
    done = threading.Event()
    counts = [0, 0, 0]

    def reader(slot: int) -> None:
        questions = itertools.cycle([QUESTION, "Which committee built the canals?", "volunteers in Lima"])
        while not done.is_set():
            try:
                if slot < 2:
                    engine.ask(next(questions), mode=("hybrid", "bm25")[slot])
                else:
                    check_consistent(load_index(index_dir))
            except Exception as exc:  # any failure at all is recorded and fails the test
                errors.append(repr(exc))
                return
            counts[slot] += 1

    threads = [threading.Thread(target=reader, args=(slot,), daemon=True) for slot in range(3)]
    for thread in threads:
        thread.start()
    try:
        for n in range(3, len(documents) + 1):  # each sync adds a document and changes d0.txt
            d0 = Document("d0.txt", "d0.txt", texts[0] + f"\nUpdate number {n} was made.", f"h0-{n}")
            update_index(Build(index_dir, embedder_for=lambda _: embedder), [d0, *documents[1:n]], lambda _: False)
            time.sleep(0.1)
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, errors[:3]
    note(f"\n{counts[0]} hybrid + {counts[1]} bm25 queries and {counts[2]} loads during 6 syncs; versions seen {seen}")
    assert counts[0] > 0 and counts[1] > 0 and len(seen) >= 2
