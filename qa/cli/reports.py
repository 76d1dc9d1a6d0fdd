"""`qa ask --report FILE` and `qa verify REPORT`: cited reports written, and their citations checked later."""

from __future__ import annotations

import sys

from qa.cli import text
from qa.cli.output import emit


def write_answers_report(answers: list, engine, path) -> None:
    from qa.report.build import build_report
    from qa.report.write import write_report

    figures = path.suffix.lower() in (".html", ".docx")  # Markdown shows no images
    written = write_report(build_report(answers, engine.index, figures=figures), path)
    cited = sum(len(a.citations) for a in answers)
    counted = f"{len(answers)} question{'s' * (len(answers) != 1)}, {cited} citation{'s' * (cited != 1)}"
    print(f"qa: wrote {written}: {counted}", file=sys.stderr)


def run_verify(args) -> int:
    """`qa verify REPORT`: exit 0 when every citation is ok or moved, 1 otherwise (none found included)."""
    from qa.report.read import read_report, report_citations
    from qa.report.verify import verify_citations
    from qa.store.load import load_index

    citations = report_citations(read_report(args.report), args.report.name)
    if not citations:
        print(f"qa: {args.report}: no citations found (a quotation followed by its source, e.g. \"...\" "
              "(report.pdf, p. 4))", file=sys.stderr)  # fmt: skip
        return 1
    checks = verify_citations(citations, load_index(args.index))
    if args.json:
        for check in checks:
            emit(check.to_dict())
    else:
        print("\n".join(text.verification(checks)))
    return 0 if all(c.status in ("ok", "moved") for c in checks) else 1
