"""What each `qa` command does: call the library with plain values, print its records as text or JSON."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

from qa.cli import text
from qa.cli.accounts import run_users  # noqa: F401 - dispatched by name
from qa.cli.measuring import run_bench, run_eval  # noqa: F401 - dispatched by name
from qa.cli.output import emit
from qa.cli.reports import run_verify, write_answers_report  # noqa: F401 - dispatched by name
from qa.records import InputError


def _params(args):
    from qa.ingest.chunking import ChunkParams

    if args.chunk_size is None and args.chunk_overlap is None:
        return None
    defaults = ChunkParams()
    return ChunkParams(
        defaults.size if args.chunk_size is None else args.chunk_size,
        defaults.overlap if args.chunk_overlap is None else args.chunk_overlap,
    )


def _report_dict(report) -> dict:
    data = asdict(report)
    data["skipped"] = [{"source": s.source, "reason": s.reason} for s in report.skipped]
    return data


def _engine(args):
    from qa.engine import Engine

    return Engine(args.index, args.model, encoder=getattr(args, "encoder", None))


def _asking_engine(args):
    """An engine whose model starts loading at once, beside the index, unless only BM25 is asked for."""
    engine = _engine(args)
    if getattr(args, "mode", None) != "bm25":
        engine.load_in_background(wait=True)
    return engine


def _warn_once(engine, shown: set[str]) -> None:
    """Say on stderr, once each, why translation or meaning search could not serve."""
    for warning in (engine.translation_warning, engine.dense_warning):
        if warning and warning not in shown:
            shown.add(warning)
            print(f"qa: warning: {warning}", file=sys.stderr)


def _backend(args):
    """The storage backend `qa index` was asked for, or None to keep the index's own."""
    if args.backend != "milvus" and (args.uri or args.collection or args.part):
        raise InputError("--uri, --collection and --part go with --backend milvus")
    if args.backend is None:
        return None
    from qa.store import milvus
    from qa.store.backend import Backend
    from qa.store.milvus.write import check_part

    if args.backend == "local":
        return Backend()
    milvus.pymilvus()  # without it, say how to install it before reading any document
    part = check_part(args.folder, args.part) if args.part is not None else None
    return Backend("milvus", milvus.check_uri(args.uri), args.collection or milvus.DEFAULT_COLLECTION, part)


def run_index(args) -> int:
    if not args.folder.is_dir():
        raise InputError(f"{args.folder}: no such folder (give the folder of documents to index)")
    backend, engine = _backend(args), _engine(args)
    access = _access(args.access)  # a bad rules file is reported before anything is read
    show = (
        (lambda r: emit(_report_dict(r))) if args.json else (lambda r: print("\n".join(text.summary(r, args.folder))))
    )
    show(engine.sync(args.folder, _params(args), args.rebuild, progress=not args.json, backend=backend, access=access))
    if access is not None:
        _say_open(engine, access)
    if args.watch:
        print(f"Watching {args.folder} for changes (Ctrl-C to stop)...", file=sys.stderr)
        for report in engine.watch(args.folder):
            show(report)
    return 0


def _access(path):
    from qa.store.access import read_rules

    return read_rules(path) if path is not None else None


def _say_open(engine, access) -> None:
    """How many documents no rule matches: every signed-in user may read them."""
    from qa.store.access import unruled

    count = unruled(engine.index.doc_ids(), access)
    print(f"access: {len(access)} rules; {count} documents match none, so every signed-in user may read them",
          file=sys.stderr)  # fmt: skip


def run_search(args) -> int:
    query = " ".join(args.query)
    hits, mode = _asking_engine(args).search(query, args.mode, args.top_k, args.source)
    if args.json:
        emit({"query": query, "mode": mode, "passages": [h.to_dict() for h in hits]})
    else:
        print("\n".join(text.hits(hits)))
    return 0


def run_ask(args) -> int:
    if args.report is not None:
        from qa.report.write import check_report_path

        check_report_path(args.report)  # a bad report name is said before any question is asked
    engine = _asking_engine(args)
    questions = [" ".join(args.question)]
    if questions == ["-"]:
        questions = [line.strip() for line in sys.stdin if line.strip()]
    shown: set[str] = set()
    answers = []
    for question in questions:
        try:
            answer = engine.ask(question, args.mode, args.top_k, sources=args.source)
            _warn_once(engine, shown)
        except InputError as exc:
            if len(questions) == 1:
                raise
            emit({"question": question, "error": str(exc)}) if args.json else print(f"qa: error: {exc}\n")
            continue
        answers.append(answer)
        if args.json:
            emit(answer.to_dict())
        else:
            print("\n".join(text.answer_text(answer)) + ("\n" if len(questions) > 1 else ""))
    if args.report is not None:
        write_answers_report(answers, engine, args.report)
    return 0


def _chat_lines(args) -> int:
    """`qa chat --json`: one {"conversation", "question", "sources"?} object a line in, one answer a line out."""
    from qa.cli.chat import Chats

    chats = Chats(_engine(args))
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            turn = json.loads(line)
            if not isinstance(turn, dict) or not isinstance(turn.get("question"), str):
                raise InputError("expected an object with a 'question' string")
            conversation = str(turn.get("conversation", ""))
            sources = turn.get("sources") or list(args.source)
            answer = chats.ask(conversation, turn["question"], sources, mode=args.mode, top_k=args.top_k)
        except (ValueError, InputError) as exc:
            emit({"line": number, "error": f"stdin:{number}: {exc}"})
            continue
        emit({"conversation": conversation, **answer.to_dict()})
    return 0


def run_chat(args) -> int:
    """`qa chat`: ask, follow up, `/new` to start over, `/source GLOB` to scope, Ctrl-D to leave."""
    if args.json:
        return _chat_lines(args)
    import readline  # noqa: F401 - line editing and history for input()

    from qa.cli.chat import Chat

    chat, shown = Chat(_asking_engine(args)), set()
    chat.scope(args.source)
    print(text.CHAT_HELP)
    while True:
        try:
            line = input("? ").strip()
        except EOFError:
            print()
            return 0
        try:
            print("\n".join(text.chat_turn(chat, line, args.mode, args.top_k)) + "\n")
            _warn_once(chat.engine, shown)
        except InputError as exc:
            print(f"qa: {exc}\n")


def run_serve(args) -> int:
    from dataclasses import replace

    from qa.app.access import Listen, auth_from, check_access, started_engine
    from qa.app.users import LiveUsers

    say = lambda message: print(f"qa: {message}", file=sys.stderr)  # noqa: E731
    auth = auth_from(args.auth, args.auth_file, warn=lambda message: say(f"warning: {message}"))
    credentials = check_access(args.host or "127.0.0.1", auth, args.users is not None)  # before anything is read
    users = LiveUsers(args.users) if args.users is not None else None
    listen = Listen(args.host or "127.0.0.1", args.port, allow_hosts=tuple(args.allow_host), users=users,
                    audit=args.audit)  # fmt: skip
    engine = started_engine(args.index, args.folder, args.model, on_build=say)
    from qa.app.layout import build_app  # gradio: seconds to import, beside the language model loading
    from qa.app.server import launch

    engine.load_in_background()  # keyword search answers until the embedding model is in
    launch(build_app(engine), replace(listen, auth=credentials))
    return 0
