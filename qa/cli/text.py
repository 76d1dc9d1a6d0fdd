"""Plain-text renderings of the library's records for the terminal: answers, passages, index, eval and bench."""

from __future__ import annotations

import textwrap
from pathlib import Path

from qa.lang.crosslingual import message


def summary(report, folder: Path) -> list[str]:
    """What an index sync did, in a few lines."""
    lines = [
        f"Indexed {folder}: {report.documents} documents, {report.chunks} chunks ({report.mode} mode"
        + (f", model {report.model})" if report.model else ")"),
        f"  added {len(report.added)}, updated {len(report.updated)}, removed {len(report.removed)}, "
        f"unchanged {report.unchanged}, skipped {len(report.skipped)}; "
        f"embedded {report.embedded} chunks, reused {report.reused}",
    ]
    lines += [f"  skipped {s.source}: {s.reason}" for s in report.skipped]
    if getattr(report, "delta", None) is not None:
        lines.append(f"  written as a delta of {report.delta} chunks over the last whole version (nothing else copied)")
    if report.warning:
        lines.append(f"  warning: {report.warning}")
    lines.append(f"  time {report.seconds.get('total', 0):.1f}s")
    return lines


def hits(ranked) -> list[str]:
    """Ranked passages with score, file and place."""
    if not ranked:
        return ["No matching passages."]
    lines = []
    for rank, hit in enumerate(ranked, start=1):
        chunk = hit.chunk
        lines.append(f"{rank}. [{hit.score:.4f}] {chunk.doc_id}, {chunk.location()}")
        lines.append(textwrap.indent(textwrap.fill(" ".join(chunk.text.split()), 100), "   "))
    return lines


def answer_text(reply) -> list[str]:
    """The answer, then its references, or the closest passages when there is no answer."""
    short = getattr(reply, "short", None)
    lines = [textwrap.fill(f"{short.text} \u2014 {reply.answer}" if short else reply.answer, 100)]
    if reply.citations:
        lines += ["", message("References", reply.language) + ":"]
        for c in reply.citations:
            lines.append(f"[{c.n}] {c.source} ({c.title}), {c.location()}: \u201c{' '.join(c.quote.split())}\u201d")
            if getattr(c, "ocr", False):
                lines.append("    (read by OCR: check the page)")
            if c.translation:
                lines.append(
                    f"    ({message('machine translation', reply.language)}: {' '.join(c.translation.split())})"
                )
    elif reply.passages:
        lines += ["", message("Closest passages (not an answer)", reply.language) + ":"]
        for hit in reply.passages[:3]:
            chunk = hit.chunk
            lines.append(f"- {chunk.doc_id}, {chunk.location()}: {' '.join(chunk.text.split())[:160]}")
    return lines


CHAT_HELP = "Ask a question (follow-ups use what came before); /new starts over, /source GLOB scopes, Ctrl-D leaves."


def chat_turn(chat, line: str, mode: str, top_k: int) -> list[str]:
    """Run one line of the terminal chat (a question or a /command) and render what it gives."""
    if line in ("/new", "/reset"):
        chat.new()
        return ["(new conversation)"]
    if line.startswith("/source"):
        chat.scope(line.split()[1:])
        return [f"(searching only {', '.join(chat.sources)})" if chat.sources else "(searching every document)"]
    if not line:
        return []
    reply = chat.ask(line, mode, top_k)
    searched = [f"(searched for: {reply.searched})"] if reply.searched else []
    return searched + answer_text(reply)


def evaluation(result: dict) -> list[str]:
    """An eval result: one line a figure, one a mode, one a miss."""
    lines = []
    for key, value in result.items():
        if isinstance(value, dict):
            lines.append(f"{key:>8}: " + "  ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}"
                                                   for k, v in value.items()))  # fmt: skip
        elif key == "failures":
            lines += [f"  miss: {failure['question']} -> {failure['got'][:100]}" for failure in value]
        else:
            lines.append(f"{key}: {value}")
    return lines


def _header(result: dict) -> list[str]:
    corpus, cpu, startup = result["corpus"], result["machine"], result["startup"]
    lines = [f"qa bench {result['target']} ({result['kind']}): {corpus['documents']} documents, "
             f"{corpus['chunks']} chunks, {corpus['queries']} queries per mode"]  # fmt: skip
    lines += [f"  note: {n}" for n in result["notes"]]
    threads = "".join(f", {k.replace('_', ' ')} {v}" for k, v in cpu.items() if k.endswith("_threads"))
    lines.append(f"  machine: {cpu['cpus']} CPUs{threads}; load average {cpu['loadavg_1m']} (timings are wall-clock)")
    modules = [k for k in startup if k.startswith("import_") and k.endswith("_s") and k != "import_s"]
    imports = ", ".join(f"{k[7:-2]} {startup[k]:.2f}s" for k in modules)
    line = f"startup: import {startup['import_s']:.2f}s ({imports}; {startup['import_measured']})"
    load = startup.get("model_load_s")
    return lines + [line + (f", model load {load:.2f}s" if load is not None else "")]


def _build_table(build: dict) -> list[str]:
    total = build["seconds"]["total"]
    lines = [f"{'build stage':<38}{'seconds':>10}{'share':>7}{'us/chunk':>11}"]
    for stage, seconds in build["seconds"].items():
        share = f"{100 * seconds / total:.0f}%" if total else "-"
        lines.append(f"  {stage:<36}{seconds:>10.3f}{share:>7}{build['us_per_chunk'].get(stage, ''):>11}")
    lines += [f"  {name:<36}{s:>10.3f}" for name, s in build.get("details_s", {}).items()]
    lines.append(f"  throughput: {build['docs_per_s']} documents/s, {build['chunks_per_s']} chunks/s")
    if "encode_s" in build:
        lines.append(f"  raw model.encode of the same chunks: {build['encode_s']:.3f}s, {build['encode_chunks_per_s']} "
                     f"chunks/s; pipeline time / encode time = {build['pipeline_overhead_ratio']}")  # fmt: skip
        lines.append(f"  stages other than embed: {100 * build['outside_embed_share']:.1f}% of the build")
    return lines


def _query_table(query: dict) -> list[str]:
    lines = [f"{'query (warm)':<14}{'p50 ms':>10}{'p95 ms':>10}{'rank p50':>10}{'rank p95':>10}"]
    for mode, q in query.items():
        rank_cols = f"{q['rank_p50_ms']:>10.2f}{q['rank_p95_ms']:>10.2f}" if "rank_p50_ms" in q else ""
        lines.append(f"  {mode:<12}{q['p50_ms']:>10.2f}{q['p95_ms']:>10.2f}{rank_cols}")
    return lines


def _answer_line(answer: dict | None) -> list[str]:
    if not answer:
        return []
    first, again = answer["first"], answer["again"]
    return [f"  {'ask':<12}{again['p50_ms']:>10.2f}{again['p95_ms']:>10.2f}   (asked again; the first time: "
            f"p50 {first['p50_ms']:.2f}, p95 {first['p95_ms']:.2f})"]  # fmt: skip


def bench(result: dict) -> list[str]:
    """A bench result as a plain-text report."""
    stored, memory = result["index"], result["memory"]
    rss = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in memory["rss_mb"].items())
    files = ", ".join(f"{k} {v}" for k, v in sorted(stored["files_mb"].items(), key=lambda kv: -kv[1])[:4])
    peaks = ", ".join(f"after {k.replace('_', ' ')} {v}" for k, v in memory.get("peak_rss_mb_after", {}).items())
    return [
        *_header(result),
        "",
        *_build_table(result["build"]),
        f"index: load {stored['load_s']:.3f}s, {stored['disk_mb']} MB on disk ({files})",
        "",
        *_query_table(result["query"]),
        *_answer_line(result.get("answer")),
        *_verify_line(result.get("verify")),
        "",
        f"memory: peak RSS {memory['peak_rss_mb']} MB; RSS (MB) {rss}",
        *([f"        peak RSS so far (MB) {peaks}"] if peaks else []),
        *_contract(result),
    ]


def _contract(result: dict) -> list[str]:
    """The headline figures: build peak, serving RSS, hybrid latency and ANN recall (when the bench has them)."""
    memory, hybrid, ann = result["memory"], result["query"].get("hybrid", {}), result.get("ann") or {}
    if "build_peak_rss_mb" not in memory:
        return []
    kind = (ann.get("index") or {}).get("type", "-")
    return [
        f"summary: build peak RSS {memory['build_peak_rss_mb']} MB; serving RSS {memory.get('serve_rss_mb')} MB "
        f"(a fresh process that loads the index and answers the queries); hybrid p50 {hybrid.get('p50_ms')} ms, "
        f"p95 {hybrid.get('p95_ms')} ms; dense index {kind}, recall@10 vs exact {ann.get('recall@10')}"
    ] + _sync_line(result.get("sync_one_document"))


def _verify_line(verify: dict | None) -> list[str]:
    if not verify:
        return []
    statuses = ", ".join(f"{n} {s}" for s, n in verify["statuses"].items())
    return [f"verify: a report of {verify['citations']} citations ({verify['documents']} documents) checked in "
            f"{verify['seconds']} s ({statuses})"]  # fmt: skip


def _sync_line(sync: dict | None) -> list[str]:
    if not sync:
        return []
    return [
        f"sync of one changed document: {sync['seconds']} s (a fresh process: load, diff, delta written), "
        f"peak RSS {sync['peak_rss_mb']} MB, {sync['version_written_mb']} MB written of {sync['index_mb']} MB"
    ]


def _where(source: str, place) -> str:
    """'file, p. 4' or 'file, lines 3-5' (what of the place is known)."""
    bits = [f"p. {place.page}"] if place.page is not None else []
    if place.line_start is not None:
        lines = place.line_start if place.line_start == place.line_end else f"{place.line_start}-{place.line_end}"
        bits.append(
            f"{place.sheet + ', ' if place.sheet else ''}{'line' if lines == place.line_start else 'lines'} {lines}"
        )
    return ", ".join([source, *bits])


def verification(checks) -> list[str]:
    """A line (or three) per checked citation, then the count of each status."""
    lines = []
    for check in checks:
        cited = check.cited
        lines.append(f"[{cited.n}] {check.status:<8} {_where(cited.source, cited.place)}")
        if check.status == "moved" and check.now is not None:
            lines.append(f"    now at {_where(check.now.source, check.now.place)}")
        if check.status == "changed":
            lines.append(f"    quoted:  \u201c{' '.join(cited.quote.split())}\u201d")
            lines.append(f"    closest: \u201c{check.closest}\u201d" if check.closest else "    closest: none")
            if check.diff:
                lines.append(f"    diff:    {check.diff}")
        if check.note and check.status in ("missing", "unknown"):
            lines.append(f"    {check.note}")
    counts = {status: sum(c.status == status for c in checks) for status in ("ok", "moved", "changed", "missing",
                                                                              "unknown")}  # fmt: skip
    lines.append(f"{len(checks)} citations: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
    return lines


def serving(result: dict) -> list[str]:
    """`qa bench --serve` as a plain-text report."""
    shot, ready, serial = result["one_shot_ask"], result["ready"], result["api_serial"]
    lines = [
        f"one-shot qa ask: {shot.get('median_s')} s, peak {shot.get('peak_mb_median')} MB "
        f"(median of {shot.get('runs')})",
        f"qa serve: first answer {ready.get('first_answer_s')} s ({ready.get('first_mode')}), "
        f"hybrid {ready.get('hybrid_s')} s after launch",
        f"POST /api/ask one at a time: p50 {serial['api_p50_ms']} ms; the engine alone {serial['engine_p50_ms']} ms "
        f"(+{serial['overhead_p50_ms']} ms)",
    ]
    for key, name in (("api_saturation", "POST /api/ask"), ("gradio_saturation", "Gradio API"),
                      ("api_steady", "POST /api/ask")):  # fmt: skip
        load = result[key]
        how = f"at {load['rate_per_s']:g}/s" if "rate_per_s" in load else "all at once"
        lines.append(f"{name}, {load['questions']} questions {how}: {load['per_s']} /s, p50 {load['p50_ms']} ms, "
                     f"p95 {load['p95_ms']} ms, {load['errors']} errors, "
                     f"{'same' if load['same_as_serial'] else 'OTHER'} answers than asked one at a time")  # fmt: skip
    return lines
