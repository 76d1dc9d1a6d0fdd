"""The chat page: Gradio components wired to Handlers; only `ask` is public in the API."""

from __future__ import annotations

from qa.app import render, render_checks, render_sources
from qa.app.api import WORKERS
from qa.app.handlers import EXAMPLES, PRIVATE, TITLE, Handlers, gr
from qa.app.reports import FORMATS, Reports
from qa.engine import Engine
from qa.ingest.documents import SUPPORTED
from qa.report.read import READABLE
from qa.search.options import MAX_QUESTION_CHARS, MODES
from qa.sync.uploads import MAX_UPLOAD_BYTES


def build_app(engine: Engine, max_upload_bytes: int = MAX_UPLOAD_BYTES) -> gr.Blocks:
    """The chat, documents, settings, status and export panels, wired to Handlers; not launched."""
    h = Handlers(engine, max_upload_bytes)
    r = Reports(h)
    with gr.Blocks(title=TITLE, analytics_enabled=False, fill_width=True, delete_cache=(3600, 86400)) as demo:
        answers, shown, pending, page_request = gr.State([]), gr.State(-1), gr.State(""), gr.State(None)
        found = gr.State([])  # the checks of the last report checked
        with gr.Sidebar(open=True, width=320, elem_id="qa-sidebar"):
            gr.HTML('<div class="qa-section">Index</div>')
            status = gr.HTML(render.loading_html(), elem_id="qa-status")
            gr.HTML('<div class="qa-section">Documents</div>')
            files = gr.File(
                label="Add documents",
                show_label=False,
                file_count="multiple",
                file_types=list(SUPPORTED),
                height=120,
                elem_id="qa-upload",
            )
            gr.HTML(render.upload_hint(SUPPORTED, max_upload_bytes))
            uploads = gr.HTML(elem_id="qa-upload-log")
            chosen = gr.Dropdown(
                choices=[],
                value=[],
                multiselect=True,
                label="Search only in",
                info="Pick documents to limit questions to them; none picked searches all.",
                elem_id="qa-filter",
            )
            gr.HTML('<div class="qa-section">Report</div>')
            report_kind = gr.Radio(list(FORMATS), value="Word", label="Report format", elem_id="qa-report-kind")
            make_report = gr.Button("Make a report of this chat", size="sm", elem_id="qa-make-report")
            report_file = gr.File(label="Report", interactive=False, elem_id="qa-report-file")
            checked_file = gr.File(
                label="Check a report",
                file_count="single",
                file_types=list(READABLE),
                height=100,
                elem_id="qa-check-report",
            )
            gr.HTML('<div class="qa-section">Settings</div>')
            mode = gr.Radio(list(MODES), value="hybrid", label="Retrieval mode", elem_id="qa-mode")
            top_k = gr.Slider(1, 10, value=5, step=1, label="Passages to retrieve", elem_id="qa-topk")
        with gr.Column(elem_id="qa-page"):
            gr.HTML(render.header_html())
        with gr.Row(equal_height=False, elem_id="qa-main"):
            with gr.Column(scale=6, min_width=340):
                chat = gr.Chatbot(
                    elem_id="qa-chat",
                    height="62vh",
                    show_label=False,
                    render_markdown=False,
                    sanitize_html=True,
                    allow_tags=False,
                    latex_delimiters=[],
                    buttons=[],
                    feedback_options=None,
                    layout="bubble",
                    placeholder=render.chat_placeholder(),
                    examples=[{"text": q} for q in EXAMPLES],
                )
                question = gr.Textbox(
                    placeholder="Ask a question about your documents\u2026",
                    show_label=False,
                    submit_btn="Ask",
                    max_length=MAX_QUESTION_CHARS,
                    elem_id="qa-question",
                )
                with gr.Row(elem_id="qa-actions"):
                    copy = gr.Button("Copy answer as Markdown", size="sm", elem_id="qa-copy")
                    download = gr.DownloadButton("Download chat (.md)", size="sm", interactive=False)
                    clear = gr.Button("New chat", size="sm")
                with gr.Accordion("Last answer as Markdown", open=False):
                    markdown = gr.Textbox(show_label=False, lines=6, max_lines=14, interactive=False, buttons=["copy"])
            with gr.Column(scale=5, min_width=300), gr.Tabs(selected="sources") as tabs:
                with gr.Tab("Sources", id="sources"):
                    sources = gr.HTML(
                        render_sources.sources_placeholder(), elem_id="qa-sources", js_on_load=render.static("open.js")
                    )
                with gr.Tab("Check", id="check"):
                    checked = gr.HTML(
                        render_checks.checks_note("Upload a report under Check a report to check its citations."),
                        elem_id="qa-checks",
                        js_on_load=render.static("open.js"),
                    )
                with gr.Tab("Document", id="document"):
                    page = gr.HTML("", elem_id="qa-page-view")
                    viewer = gr.HTML(
                        render_sources.document_placeholder(),
                        elem_id="qa-viewer",
                        js_on_load=render.static("scroll.js"),
                    )

        answer_outputs = [chat, answers, shown, sources, markdown, download, status, tabs]
        asked = question.submit(h.add_question, [question, chat], [chat, question, pending], **PRIVATE)
        asked.success(h.respond, [pending, chat, answers, mode, top_k, chosen], answer_outputs, **PRIVATE)
        picked = chat.example_select(h.use_example, None, question, **PRIVATE)
        picked = picked.then(h.add_question, [question, chat], [chat, question, pending], **PRIVATE)
        picked.success(h.respond, [pending, chat, answers, mode, top_k, chosen], answer_outputs, **PRIVATE)
        chat.select(h.select_message, answers, [sources, shown, tabs], **PRIVATE)
        sources.click(h.open_source, [answers, shown], [viewer, tabs], **PRIVATE)
        paged = sources.click(h.open_page, [answers, shown], [page, page_request], show_progress="hidden", **PRIVATE)
        paged.then(h.show_page, page_request, page, show_progress="minimal", **PRIVATE)
        files.upload(h.upload, [files, mode], [uploads, status, files, chosen], concurrency_limit=1, **PRIVATE)
        mode.change(h.status, mode, status, show_progress="hidden", **PRIVATE)
        make_report.click(r.make, [answers, report_kind], report_file, **PRIVATE)
        checked_file.upload(r.check, checked_file, [checked, found, tabs], concurrency_limit=1, **PRIVATE)
        checked.click(r.open_check, found, [viewer, tabs], **PRIVATE)
        copy.click(None, markdown, None, js=render.static("copy.js"))
        cleared = [chat, answers, shown, sources, viewer, markdown, download, tabs, page]
        clear.click(h.clear, None, cleared, **PRIVATE)
        chat.clear(h.clear, None, cleared, **PRIVATE)
        ticker = gr.Timer(2.0, active=False)  # polls the status while the model loads in the background
        ticker.tick(h.refresh_status, mode, [status, ticker], show_progress="hidden", **PRIVATE)
        demo.load(h.warm, mode, [status, chosen, ticker], show_progress="hidden", **PRIVATE)
        gr.api(h.ask, api_name="ask", concurrency_limit=WORKERS)  # the engine is thread-safe; one question a core
    demo.qa_handlers = h
    return demo
