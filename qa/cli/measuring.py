"""`qa eval` and `qa bench`: quality and speed figures, printed as text or JSON."""

from __future__ import annotations

import json

from qa.cli import text
from qa.records import InputError


def run_eval(args) -> int:
    from qa.measure.corpora import Setup, folder_engine

    setup = Setup(args.cache, args.model, args.encoder)
    backend = getattr(args, "backend", None) or "local"
    if args.kind == "questions":
        from qa.measure.evaluate import eval_questions, read_cases

        cases = read_cases(args.file)  # a bad file is reported before anything is indexed
        result = eval_questions(cases, folder_engine(args.corpus, setup, backend), args.mode, args.top_k)
    elif args.kind == "chat":
        from qa.measure.chat import eval_chat, read_conversations

        conversations = read_conversations(args.file)
        result = eval_chat(conversations, folder_engine(args.corpus, setup, backend), args.mode, args.top_k)
    elif args.kind == "tables":
        from qa.measure.tables import eval_tables, read_table_cases

        cases = read_table_cases(args.file)
        result = eval_tables(cases, folder_engine(args.corpus, setup, backend), args.mode, args.top_k)
    elif args.kind == "beir":
        from qa.measure.evaluate import eval_beir

        result = eval_beir(args.dir, setup, backend)
    else:
        from qa.measure.squad import eval_squad

        result = eval_squad(args.file, setup, articles=args.articles, limit=args.limit)
    print(json.dumps(result, ensure_ascii=False) if args.json else "\n".join(text.evaluation(result)))
    return 0


def run_bench(args) -> int:
    if args.serve:
        from qa.measure.serving import bench_serving

        if args.chunks is not None or args.backend == "milvus":
            raise InputError("qa bench --serve measures a folder of documents served locally; drop --chunks/--backend")
        result = bench_serving(args.target, args.questions, args.model)
    elif args.table_rows is not None:
        from qa.measure.table_bench import bench_tables

        result = bench_tables(args.table_rows, args.cache)
        print(json.dumps(result, ensure_ascii=False) if args.json else "\n".join(text.evaluation(result)))
        return 0
    elif args.chunks is not None:
        from qa.measure.synthetic import bench_synthetic

        result = bench_synthetic(args.chunks, args.queries, backend=args.backend or "local")
    else:
        from qa.measure.bench import bench_corpus

        if args.backend == "milvus":
            raise InputError("qa bench --backend milvus measures a synthetic corpus: give --chunks N")

        result = bench_corpus(args.target, args.model, args.queries, args.questions)
    shown = text.serving(result) if args.serve else text.bench(result)
    print(json.dumps(result, ensure_ascii=False) if args.json else "\n".join(shown))
    return 0
