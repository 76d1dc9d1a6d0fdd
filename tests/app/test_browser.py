"""The chat in a real headless Chromium: answers with highlighted sources, uploads, and inert hostile text."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import free_port

from qa.app import build_app, launch
from qa.app.access import Listen
from qa.engine import Engine
from qa.ingest.documents import parse_document
from qa.store.build import Build
from qa.sync.update import update_index

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(240),  # Chromium and a live server
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword is deprecated)"),
]  # pandas notes from gradio's queue

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SEED_QUESTION = "How many people went missing during the period of violence in Peru?"
SCRIPT = "<script>window.__pwned=1</script>"
HOSTILE_NAME = "harbour<img src=x onerror=window.__pwned=4>.md"
HOSTILE_TEXT = f"""# Harbour notes <img src=x onerror="window.__pwned=5">

Quarterly notes {SCRIPT} from the harbour office.

<img src=x onerror="window.__pwned=2"> See [click](javascript:window.__pwned=3) and ![x](http://example.com/x.png).

The Glimmerfen lighthouse {SCRIPT} was built in 1887 by the harbour guild.
"""


@pytest.fixture(scope="module")
def app_url(seeds_index, tmp_path_factory):
    """The app on a free loopback port over the seeds plus a hostile document."""
    index_dir = tmp_path_factory.mktemp("browser") / "index"
    shutil.copytree(seeds_index, index_dir)
    update_index(Build(index_dir), [parse_document(HOSTILE_TEXT.encode(), HOSTILE_NAME)], lambda doc_id: True)
    demo = build_app(Engine(index_dir))
    port = free_port()
    launch(demo, Listen(port=port), block=False, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: install it with `make browser` (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser, url: str):
    """A fresh browser page on `url` that records every URL it requests, once the model has loaded."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    page.goto(url)
    page.wait_for_selector("#qa-status .qa-stats", timeout=120_000)  # the model has loaded
    return context, page


@pytest.fixture()
def page(browser, app_url):
    """A fresh page on the app that records every URL it requests."""
    context, page = open_page(browser, app_url)
    yield page
    context.close()


def ask(page, question: str) -> None:
    box = page.locator("#qa-question textarea")
    box.fill(question)
    box.press("Enter")


def assert_in_view(page) -> None:
    """The cited place is inside the visible part of the document viewer."""
    body = page.locator("#qa-viewer .qa-doc-body").bounding_box()
    mark = page.locator("#qa-viewer mark.qa-current").bounding_box()
    assert body["y"] <= mark["y"] <= body["y"] + body["height"] - mark["height"] / 2, (body, mark)


def assert_only_loopback(page) -> None:
    hosts = {urlparse(url).hostname for url in page.requested if urlparse(url).scheme not in ("data", "blob")}
    assert hosts == {"127.0.0.1"}, hosts


def test_answers_with_highlighted_sources_and_hostile_text_stays_text(page, tmp_path):
    assert page.title() == "qa \u2014 ask your documents"
    page.get_by_text(SEED_QUESTION).first.click()  # an example question on the empty chat
    page.wait_for_selector("#qa-sources .qa-card mark", timeout=60_000)
    page.wait_for_selector("#qa-chat :text('22,295 people went missing')", timeout=10_000)
    page.wait_for_timeout(800)  # let the pending-update fade settle, for the picture only
    page.screenshot(path=str(tmp_path / "screenshot.png"))  # kept in pytest's temporary folder for a look
    page.locator("#qa-sources button.qa-open").first.click()  # the full text, scrolled to the quote
    page.wait_for_selector("#qa-viewer mark.qa-current:has-text('22,295')", timeout=30_000)
    page.wait_for_function("() => document.querySelector('#qa-viewer .qa-doc-body').scrollTop > 0", timeout=10_000)
    assert_in_view(page)

    ask(page, "When was the Glimmerfen lighthouse built?")
    card = page.locator("#qa-sources .qa-card", has_text="Glimmerfen")
    card.locator("mark").wait_for(timeout=60_000)
    assert SCRIPT in card.inner_text() and SCRIPT in page.locator("#qa-chat").inner_text()
    assert page.get_by_text("<script>", exact=False).first.is_visible()
    assert "![x](http://example.com/x.png)" in card.inner_text()

    card.locator("button.qa-open").click()
    current = page.locator("#qa-viewer mark.qa-current")
    current.wait_for(timeout=30_000)
    assert "Glimmerfen" in current.inner_text() and current.is_visible()
    assert_in_view(page)

    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert page.locator("img[src='x'], a[href^='javascript'], #qa-sources script, #qa-viewer script").count() == 0

    page.locator("#qa-chat .message", has_text="22,295").first.click()  # an earlier answer shows its sources again
    page.wait_for_selector("#qa-sources .qa-sources-q:has-text('went missing')", timeout=10_000)
    page.locator("#qa-copy").click()
    assert page.evaluate("() => navigator.clipboard.readText()").startswith("**Q:** When was the Glimmerfen")
    with page.expect_download() as download:
        page.get_by_text("Download chat (.md)").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert exported.startswith("# qa conversation") and "22,295" in exported and "References:" in exported

    ask(page, "What colour is the Zanzibar moon-lizard?")
    page.wait_for_selector("#qa-sources .qa-closest .qa-label:has-text('Closest matches (not an answer)')")
    page.get_by_role("button", name="New chat").click()  # a new chat forgets the conversation
    page.wait_for_function("() => !document.querySelector('#qa-chat .qa-answer')", timeout=10_000)
    assert_only_loopback(page)


def test_upload_then_ask_in_the_browser(page, tmp_path):
    upload = tmp_path / "Zorblat river.txt"
    upload.write_text("Notes on rivers.\n\nThe Zorblat river is 321 kilometres long.\n", encoding="utf-8")
    page.locator("#qa-upload input[type=file]").set_input_files(str(upload))
    page.wait_for_selector("#qa-upload-log .qa-up-added", timeout=120_000)
    assert "Zorblat_river.txt" in page.locator("#qa-upload-log").inner_text()
    page.wait_for_selector("#qa-status .qa-stats b:text-is('7')", timeout=10_000)

    ask(page, "How long is the Zorblat river?")
    card = page.locator("#qa-sources .qa-card", has_text="uploads/Zorblat_river.txt")
    card.locator("mark").wait_for(timeout=60_000)
    assert "321 kilometres" in card.locator("mark").inner_text()
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert_only_loopback(page)


def choose_document(page, doc_id: str) -> None:
    """Pick one document in the sidebar's filter, by typing part of its name and clicking it."""
    box = page.locator("#qa-filter input")
    box.click()
    box.press_sequentially(doc_id)
    options = page.locator("#qa-filter [role=option]")
    page.wait_for_function("() => document.querySelectorAll('#qa-filter [role=option]').length === 1", timeout=10_000)
    assert options.inner_text().strip() == doc_id
    box.press("Enter")
    page.locator("#qa-filter .token", has_text=doc_id).wait_for(timeout=10_000)


def test_document_filter_limits_the_sources(page):
    box = page.locator("#qa-filter input")
    box.click()
    options = page.locator("#qa-filter [role=option]")
    options.first.wait_for(timeout=10_000)
    assert options.count() >= 6 and options.filter(has_text=HOSTILE_NAME).count() == 1  # its name, as text
    page.keyboard.press("Escape")
    chosen = "002_f806f91d97a55b2f.txt"  # the 22,295 sentence is in another document
    choose_document(page, chosen)
    ask(page, SEED_QUESTION)
    page.wait_for_selector("#qa-sources .qa-card", timeout=60_000)
    titles = page.locator("#qa-sources .qa-card .qa-title").all_inner_texts()
    assert titles and set(titles) == {chosen}, titles
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    assert_only_loopback(page)


ATTACK_PAGE = """<!doctype html><title>another local app</title><script>
window.results = {};
async function attempt(name, path, init) {
  try { const r = await fetch(APP + path, {credentials: "include", ...init}); window.results[name] = r.status; }
  catch (e) { window.results[name] = "blocked"; }
}
const form = new FormData();
form.append("files", new Blob(["The Ostrander dam is 95 metres tall."]), "NAME");
Promise.all([
  attempt("upload", "gradio_api/upload", {method: "POST", body: form}),
  attempt("config", "config", {}),
  attempt("ask", "gradio_api/call/v2/ask", {method: "POST", body: '{"question": "hi"}'}),
]).then(() => { window.done = true; });
</script>"""


def test_a_page_on_another_local_port_cannot_upload_or_read(page, app_url):
    """The browser holds the app's cookie (same site: another port); the guard still refuses the page's calls."""
    import http.server
    import threading

    from gradio.utils import get_upload_folder

    name = f"ostrander-{free_port()}.txt"
    html = ATTACK_PAGE.replace("APP", repr(app_url)).replace("NAME", name).encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        page.wait_for_function("() => window.done === true", timeout=30_000)
        results = page.evaluate("() => window.results")
    finally:
        server.shutdown()
    assert results == {"upload": "blocked", "config": "blocked", "ask": "blocked"}, results  # no CORS grant
    assert not list(Path(get_upload_folder()).rglob(name))  # and the upload was refused, not just unreadable


def test_a_report_is_checked_in_the_side_panel(page, tmp_path):
    report = tmp_path / "notes.md"
    report.write_text(
        "\u201c22,295 people went missing during the period of violence (1980\u20132000).\u201d "
        "(001_b09e6e96470ac102.txt, lines 19\u201321)\n"
        '"COOPI has worked in Peru since 2000." (004_b3fbc4fefc858b64.txt, line 4)\n',
        encoding="utf-8",
    )
    page.locator("#qa-check-report input[type=file]").set_input_files(str(report))
    rows = page.locator("#qa-checks .qa-check")
    rows.first.wait_for(timeout=60_000)
    assert rows.count() == 2
    assert "qa-check-ok" in rows.nth(0).get_attribute("class") and "qa-check-changed" in rows.nth(1).get_attribute(
        "class"
    )
    assert "COOPI has been present in Peru since 2000." in rows.nth(1).inner_text()  # the closest sentence now
    rows.nth(0).locator("button.qa-open").click()  # a row opens its place in the document
    page.wait_for_selector("#qa-viewer mark.qa-current:has-text('22,295')", timeout=30_000)
    assert_only_loopback(page)


TEAM = {"ann": ("finance", "correct-horse-battery"), "bob": ("research", "another-long-password")}
JICA = "Since what year has JICA been operating in Peru?"


@pytest.fixture(scope="module")
def team_url(seeds_index, tmp_path_factory):
    """The seeds with JICA's page (000_) for finance only and ICRC's (001_) for research only; ann and bob."""
    from qa.app.users import LiveUsers, Users
    from qa.store.access import Rule, save_rules

    folder = tmp_path_factory.mktemp("team-browser")
    index_dir, users = folder / "index", folder / "users.json"
    shutil.copytree(seeds_index, index_dir)
    save_rules(index_dir, (Rule("000_*", ("finance",)), Rule("001_*", ("research",))))
    accounts = Users.read(users, missing_ok=True)
    for name, (group, password) in TEAM.items():
        accounts = accounts.with_user(name, (group,), password)
    accounts.write()
    demo = build_app(Engine(index_dir))
    port = free_port()
    launch(demo, Listen(port=port, users=LiveUsers(users)), block=False, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def logged_in(browser, url: str, name: str):
    """A fresh browser context logged in as `name` through the login page."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(url)
    page.locator("input[type=text]").first.fill(name)
    page.locator("input[type=password]").fill(TEAM[name][1])
    page.get_by_role("button", name="Login").click()
    page.wait_for_selector("#qa-status .qa-stats", timeout=120_000)
    return context, page


def test_two_users_each_see_only_their_groups_documents(browser, team_url):
    seen = {}
    for name in TEAM:
        context, page = logged_in(browser, team_url, name)
        page.locator("#qa-filter input").click()
        options = page.locator("#qa-filter [role=option]")
        options.first.wait_for(timeout=10_000)
        listed = " ".join(options.all_inner_texts())
        page.keyboard.press("Escape")
        stats = page.locator("#qa-status .qa-stats").inner_text()
        ask(page, JICA)
        page.wait_for_selector("#qa-chat .message-row >> nth=1", timeout=60_000)
        page.wait_for_timeout(500)
        sources = page.locator("#qa-sources").inner_text()
        seen[name] = (listed, stats, sources)
        context.close()
    ann, bob = seen["ann"], seen["bob"]
    assert "000_" in ann[0] and "001_" not in ann[0] and "001_" in bob[0] and "000_" not in bob[0]
    assert ann[1].split()[0] == bob[1].split()[0] == "4", (ann[1], bob[1])  # four documents each
    assert "000_" in ann[2] and "000_" not in bob[2]


@pytest.fixture(scope="module")
def tables_url(tmp_path_factory):
    """The app over a folder holding one sheet, one of whose cells is hostile markup."""
    folder = tmp_path_factory.mktemp("tables") / "docs"
    folder.mkdir()
    (folder / "wells.csv").write_text(
        'Region,Year,Wells\nLoreto,2022,3\nPuno,2023,4\n"<img src=x onerror=window.__pwned=6>Cusco",2023,5\n',
        encoding="utf-8",
    )
    engine = Engine(tmp_path_factory.mktemp("tables") / "index")
    engine.sync(folder)
    demo = build_app(engine)
    port = free_port()
    launch(demo, Listen(port=port), block=False, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def test_a_table_answer_shows_the_rows_used_under_it(browser, tables_url):
    context, page = open_page(browser, tables_url)
    try:
        ask(page, "How many wells were drilled in 2023 in total?")
        rows = page.locator("#qa-chat .qa-rows")
        rows.wait_for(timeout=60_000)
        assert page.locator("#qa-chat .qa-answer p").first.inner_text().startswith("9 \u2014 the sum of Wells")
        assert rows.locator("th").all_inner_texts() == ["Row", "Region", "Year", "Wells"]
        cells = [row.locator("td").all_inner_texts() for row in rows.locator("tbody tr").all()]
        assert cells == [["3", "Puno", "2023", "4"], ["4", "<img src=x onerror=window.__pwned=6>Cusco", "2023", "5"]]
        assert page.evaluate("() => typeof window.__pwned") == "undefined"
        assert_only_loopback(page)
    finally:
        context.close()
