"""What each `qa` command does: call the library, print its results as text or JSON."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from qa.cli import emit
from qa.errors import InputError
from qa.report import answer_to_dict, chunk_location, hit_to_dict, location


def _params(args):
    from qa.chunking import ChunkParams

    if args.chunk_size is None and args.chunk_overlap is None:
        return None
    try:
        return ChunkParams(args.chunk_size or ChunkParams.size, 1 if args.chunk_overlap is None else args.chunk_overlap)
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _summary(report, folder: Path) -> list[str]:
    lines = [
        f"Indexed {folder}: {report.documents} documents, {report.chunks} chunks ({report.mode} mode"
        + (f", model {report.model})" if report.model else ")"),
        f"  added {len(report.added)}, updated {len(report.updated)}, removed {len(report.removed)}, "
        f"unchanged {report.unchanged}, skipped {len(report.skipped)}; "
        f"embedded {report.embedded} chunks, reused {report.reused}",
    ]
    lines += [f"  skipped {s.source}: {s.reason}" for s in report.skipped]
    if report.warning:
        lines.append(f"  warning: {report.warning}")
    lines.append(f"  time {report.seconds.get('total', 0):.1f}s")
    return lines


def _report_dict(report) -> dict:
    from dataclasses import asdict

    data = asdict(report)
    data["skipped"] = [{"source": s.source, "reason": s.reason} for s in report.skipped]
    return data


def run_index(args) -> int:
    from qa.sync import sync_folder, watch_folder

    if not args.folder.is_dir():
        raise InputError(f"{args.folder}: no such folder (give the folder of documents to index)")
    params = _params(args)
    report = sync_folder(args.folder, args.index, args.model, params, args.rebuild, progress=not args.json)
    if args.json:
        emit(_report_dict(report))
    else:
        print("\n".join(_summary(report, args.folder)))
    if args.watch:
        print(f"Watching {args.folder} for changes (Ctrl-C to stop)...", file=sys.stderr)
        for report in watch_folder(args.folder, args.index, args.model):
            emit(_report_dict(report)) if args.json else print("\n".join(_summary(report, args.folder)))
    return 0


def _engine(args):
    from qa.engine import Engine

    return Engine(args.index, args.model)


def run_search(args) -> int:
    hits, mode = _engine(args).search(" ".join(args.query), args.mode, args.top_k)
    if args.json:
        emit({"query": " ".join(args.query), "mode": mode, "passages": [hit_to_dict(h) for h in hits]})
        return 0
    if not hits:
        print("No matching passages.")
    for rank, hit in enumerate(hits, start=1):
        chunk = hit.chunk
        print(f"{rank}. [{hit.score:.4f}] {chunk.doc_id}, {chunk_location(chunk)}")
        print(textwrap.indent(textwrap.fill(" ".join(chunk.text.split()), 100), "   "))
    return 0


def _print_answer(answer) -> None:
    print(textwrap.fill(answer.answer, 100))
    if answer.citations:
        print("\nReferences:")
        for c in answer.citations:
            print(f"[{c.n}] {c.source} ({c.title}), {location(c)}: \u201c{' '.join(c.quote.split())}\u201d")
    elif answer.passages:
        print("\nClosest passages (not an answer):")
        for hit in answer.passages[:3]:
            chunk = hit.chunk
            print(f"- {chunk.doc_id}, {chunk_location(chunk)}: {' '.join(chunk.text.split())[:160]}")


def run_ask(args) -> int:
    engine = _engine(args)
    questions = [" ".join(args.question)]
    if questions == ["-"]:
        questions = [line.strip() for line in sys.stdin if line.strip()]
    for question in questions:
        try:
            answer = engine.ask(question, args.mode, args.top_k)
        except InputError as exc:
            if len(questions) == 1:
                raise
            emit({"question": question, "error": str(exc)}) if args.json else print(f"qa: error: {exc}\n")
            continue
        if args.json:
            emit(answer_to_dict(answer))
        else:
            _print_answer(answer)
            if len(questions) > 1:
                print()
    return 0


def run_serve(args) -> int:
    from qa.app import serve

    return serve(args)


def run_eval(args) -> int:
    from qa.evaluate import run

    return run(args)


def run_bench(args) -> int:
    from qa.bench import run

    return run(args)
