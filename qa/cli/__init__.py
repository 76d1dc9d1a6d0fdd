"""The `qa` command: a thin shell over the library that formats results and translates errors."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from qa.records import QAError
from qa.search.options import DEFAULT_MODE, DEFAULT_TOP_K, MODES

DEFAULT_FOLDER = "seeds"
DEFAULT_INDEX = "index"


def _index_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--index",
        type=Path,
        default=Path(os.environ.get("QA_INDEX", DEFAULT_INDEX)),
        help="index folder (default: ./index or $QA_INDEX)",
    )


def _common(parser: argparse.ArgumentParser, index: bool = True) -> None:
    """--model, and --index for the commands that use the user's index (eval and bench build their own)."""
    if index:
        _index_option(parser)
    parser.add_argument(
        "--model",
        default=None,
        help="sentence-transformers model name or path (default: $QA_MODEL or the packaged all-MiniLM-L6-v2)",
    )


def _encoder_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--encoder",
        choices=("onnx-fp32", "onnx-int8", "torch-fp32"),  # qa.embed.encoders.ENCODERS: `qa --help` stays instant
        default=None,
        help="embedding encoder variant (default: the index's own, else $QA_ENCODER, else onnx-fp32 for the "
        "packaged model and torch-fp32 for another; the fp32 variants make the same vectors)",
    )


def _query_options(parser: argparse.ArgumentParser, index: bool = True) -> None:
    _common(parser, index)
    parser.add_argument("--mode", choices=MODES, default=DEFAULT_MODE, help=f"retrieval mode (default: {DEFAULT_MODE})")
    parser.add_argument(
        "--top-k", type=int, default=DEFAULT_TOP_K, help=f"passages to retrieve (default: {DEFAULT_TOP_K})"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def _source_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="GLOB",
        help="only documents whose source path matches (repeatable), e.g. --source '*.pdf'",
    )


def _backend_option(parser: argparse.ArgumentParser, what: str = "keep the index") -> None:
    parser.add_argument(
        "--backend",
        choices=("local", "milvus"),
        default=None,
        help=f"where to {what}: local files or Milvus (default: as before, else local)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa", description="Ask questions about a folder of documents; answers quote and cite them."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or sync the index of a folder")
    p.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=Path(os.environ.get("QA_FOLDER", DEFAULT_FOLDER)),
        help="folder of documents (default: ./seeds)",
    )
    _common(p)
    p.add_argument("--rebuild", action="store_true", help="start from scratch instead of syncing")
    p.add_argument("--watch", action="store_true", help="keep the index in sync as files change, until interrupted")
    p.add_argument("--access", type=Path, default=None, metavar="FILE",
                   help="access rules (TOML [[rule]] tables of `path` glob and `groups`), kept with the index: "
                   "with qa serve --users, each user reads only what their groups may")  # fmt: skip
    p.add_argument("--chunk-size", type=int, default=None, help="words per chunk (default 120)")
    p.add_argument("--chunk-overlap", type=int, default=None, help="sentences repeated between chunks (default 1)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    _backend_option(p)
    p.add_argument(
        "--uri", default=None, help="Milvus: a Milvus Lite file path or http://HOST:19530 (token: $QA_MILVUS_TOKEN)"
    )
    p.add_argument("--collection", default=None, help="Milvus collection (default: qa_chunks)")
    _encoder_option(p)
    p.add_argument(
        "--part",
        default=None,
        metavar="SUBFOLDER",
        help="Milvus: index only this subfolder of FOLDER into a collection shared with workers indexing other parts",
    )

    p = sub.add_parser("search", help="show the passages ranked for a query")
    p.add_argument("query", nargs="+")
    _query_options(p)
    _source_option(p)

    p = sub.add_parser("ask", help="answer a question with cited sentences ('-' reads questions from stdin)")
    p.add_argument("question", nargs="+")
    _query_options(p)
    _source_option(p)
    p.add_argument(
        "--report", type=Path, default=None, metavar="FILE",
        help="also write the questions and answers as a cited report: FILE.md, FILE.docx or FILE.html",
    )  # fmt: skip

    p = sub.add_parser("verify", help="check every citation of a report against the documents as they are now")
    p.add_argument("report", type=Path, help="a report (.md, .txt, .html or .docx) with quotes and their sources")
    _index_option(p)
    p.add_argument("--json", action="store_true", help="print one JSON object per citation")

    p = sub.add_parser("chat", help="a conversation in the terminal; follow-up questions use what came before")
    _query_options(p)
    _source_option(p)

    p = sub.add_parser("serve", help="open the browser chat")
    _common(p)
    p.add_argument(
        "--folder",
        type=Path,
        default=Path(os.environ.get("QA_FOLDER", DEFAULT_FOLDER)),
        help="folder to index first if there is no index (default: ./seeds)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument(
        "--auth",
        default=None,
        help="user:password; visible to other users in `ps`, so prefer $QA_AUTH or --auth-file",
    )
    p.add_argument(
        "--auth-file",
        type=Path,
        default=None,
        help="file whose first line is user:password (required for a non-loopback host, unless $QA_AUTH is set)",
    )
    p.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="another host name the server answers to (e.g. behind a proxy); repeatable",
    )
    p.add_argument("--users", type=Path, default=None, metavar="FILE",
                   help="accounts (qa users add): each user logs in with their own password and reads only what "
                   "their groups may (qa index --access)")  # fmt: skip
    p.add_argument("--audit", type=Path, default=None, metavar="FILE",
                   help="append one JSON line per question: time, user, question, cited sources")  # fmt: skip

    p = sub.add_parser("users", help="manage the accounts of a shared qa serve")
    action = p.add_subparsers(dest="action", required=True)
    add = action.add_parser("add", help="add a user, or change their groups and password (read from stdin)")
    add.add_argument("name")
    add.add_argument("--groups", default="", help="comma-separated groups (G1,G2); the first gets their uploads")
    remove = action.add_parser("remove", help="remove a user")
    remove.add_argument("name")
    listing = action.add_parser("list", help="the users and their groups")
    for sub_parser in (add, remove, listing):
        sub_parser.add_argument("--users", type=Path, required=True, metavar="FILE", help="the users file")

    p = sub.add_parser("eval", help="measure answer and retrieval quality")
    kind = p.add_subparsers(dest="kind", required=True)
    e = kind.add_parser("questions", help="a JSONL file of {question, answers, source} over a folder")
    e.add_argument("file", type=Path)
    e.add_argument("--corpus", type=Path, required=True, help="folder of documents the questions are about")
    _backend_option(e, "build the index")
    e = kind.add_parser("chat", help="a JSONL file of conversation turns over a folder, with and without history")
    e.add_argument("file", type=Path)
    e.add_argument("--corpus", type=Path, required=True, help="folder of documents the conversations are about")
    _backend_option(e, "build the index")
    e = kind.add_parser("tables", help="a JSONL file of table questions with gold values and rows, over a folder")
    e.add_argument("file", type=Path)
    e.add_argument("--corpus", type=Path, required=True, help="folder of the tables the questions are about")
    _backend_option(e, "build the index")
    e = kind.add_parser("beir", help="a BEIR directory (corpus.jsonl, queries.jsonl, qrels/test.tsv)")
    e.add_argument("dir", type=Path)
    _backend_option(e, "build the index")
    e = kind.add_parser("squad", help="a SQuAD v1.1 JSON file; every paragraph is a document")
    e.add_argument("file", type=Path)
    e.add_argument("--limit", type=int, default=None, help="evaluate only the first N questions")
    e.add_argument(
        "--articles", choices=("even", "odd", "all"), default="all",
        help="even-numbered articles (the learned scorers' training data), odd (held out) or all (default)",
    )  # fmt: skip
    for e in kind.choices.values():
        _query_options(e, index=False)
        e.add_argument(
            "--cache",
            type=Path,
            default=Path(os.environ.get("QA_CACHE", ".cache")),
            help="embedding cache folder (default ./.cache or $QA_CACHE)",
        )
        _encoder_option(e)

    p = sub.add_parser("bench", help="measure indexing and query speed and memory")
    p.add_argument(
        "target",
        nargs="?",
        type=Path,
        default=Path(DEFAULT_FOLDER),
        help="a folder of documents or a BEIR directory (default: ./seeds)",
    )
    p.add_argument("--chunks", type=int, default=None, help="instead, a synthetic corpus of N chunks")
    p.add_argument("--table-rows", type=int, default=None, metavar="N",
                   help="instead, time table questions (sums, averages, most, counts, per group) over one sheet of N "
                   "rows, warm")  # fmt: skip
    p.add_argument("--cache", type=Path, default=Path(os.environ.get("QA_CACHE", ".cache")),
                   help="where --table-rows keeps its sheet and index (default ./.cache or $QA_CACHE)")  # fmt: skip
    p.add_argument("--serve", action="store_true",
                   help="instead, time answering: one-shot qa ask, qa serve's readiness, POST /api/ask serially, "
                   "at saturation and at 5 questions/s (JSON with --json)")  # fmt: skip
    p.add_argument("--questions", type=Path, default=None, help="a question file (JSONL) to time as queries")
    p.add_argument("--queries", type=int, default=50, help="queries timed per mode")
    _backend_option(p, "build the index")
    _common(p, index=False)
    p.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from qa.cli import commands

    try:
        return getattr(commands, f"run_{args.command}")(args)
    except QAError as exc:
        print(f"qa: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qa: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
