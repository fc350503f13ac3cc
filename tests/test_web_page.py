"""The web search page, end to end: headless Chromium against the real app over the sample index.

Needs Chromium at /usr/bin/chromium and the `playwright` package (never `playwright install`):
without them these tests skip, except under CI (the `CI` variable set), where they fail. Each run
leaves screenshots in tests/artifacts/.
"""

from __future__ import annotations

import importlib.util
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from api import create_app
from retriever import Retriever
from retriever.search.context import citation

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
QUERY = "where do we retry failed uploads?"
UPLOADER = "client/python/parcel_client/uploader.py"
API_KEY = "page-test-key"
TIMEOUT_MS = 30_000


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM}"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed"
    return None


MISSING = _missing()
# Skipped (before the sample index is built) where the browser is missing, except under CI, which
# installs it: there the browser fixture fails instead.
pytestmark = pytest.mark.skipif(bool(MISSING) and not os.environ.get("CI"), reason=str(MISSING))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if MISSING:
        pytest.fail(f"{MISSING} (CI must provide it)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def retriever(sample_index: Path) -> Iterator[Retriever]:
    with Retriever.open(sample_index, create=False) as opened:
        opened.warm()
        yield opened


@pytest.fixture(scope="module")
def base_url(retriever: Retriever) -> Iterator[str]:
    with serving(create_app(retriever)) as url:
        yield url


class Console:
    """Console errors and uncaught exceptions of one page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def script_errors(self) -> list[str]:
        """Errors other than the browser's own note on each HTTP error status it received."""
        return [e for e in self.errors if not e.startswith("Failed to load resource")]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page in its own browser context (so nothing in localStorage)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def console(page: Any) -> Console:
    return Console(page)


def test_search_shows_cited_highlighted_hits_and_their_documents(
    page: Any, console: Console, base_url: str, retriever: Retriever
) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/")
    expect(page.get_by_test_id("status")).to_contain_text("chunks")
    page.get_by_test_id("query").fill(QUERY)
    page.get_by_test_id("query").press("Enter")

    hits = page.get_by_test_id("hit")
    expect(hits.first).to_be_visible()
    locations = page.get_by_test_id("hit-location").all_inner_texts()
    cited = re.compile(rf"{re.escape(UPLOADER)}:(\d+)-(\d+)")
    assert any(cited.fullmatch(location) for location in locations[:3]), locations
    assert page.locator("[data-testid=snippet] mark").count() > 0
    assert re.fullmatch(r"\d\.\d{3}", page.get_by_test_id("hit-score").first.inner_text())
    expect(page.get_by_test_id("status")).to_contain_text(" ms")
    expect(page).to_have_url(re.compile(r"#q=where\+do\+we\+retry\+failed\+uploads"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "web-page.png")

    # The first hit's whole document, scrolled to the hit's chunk, without leaving the page.
    first = retriever.search(QUERY, k=10)[0]
    cited_as = citation(
        first.path, first.start_line, first.end_line, first.unit, first.start_unit, first.end_unit
    )
    assert locations[0] == cited_as  # lines, or the page, slide or cell of a document
    place = f"lines {first.start_line}-{first.end_line}" if first.unit is None else cited_as
    place = place.removeprefix(f"{first.path} ")
    hits.first.get_by_test_id("view-document").click()
    expect(page.get_by_test_id("document-view")).to_be_visible()
    expect(page.get_by_test_id("results-view")).to_be_hidden()
    expect(page.get_by_test_id("doc-path")).to_have_text(first.path)
    current = page.locator("[data-testid=chunk][aria-current=true]")
    expect(current).to_be_in_viewport()
    expect(current).to_contain_text(place)
    for line in [line for line in first.text.splitlines() if line.strip()][:3]:
        expect(current).to_contain_text(line.strip())
    assert page.get_by_test_id("chunk").count() > 1
    page.screenshot(path=ARTIFACTS / "web-page-document.png")

    # Back to the results, then a reload restores the search from the URL.
    page.get_by_test_id("back").click()
    expect(page.get_by_test_id("results-view")).to_be_visible()
    expect(hits).to_have_count(len(locations))
    page.reload()
    expect(page.get_by_test_id("query")).to_have_value(QUERY)
    expect(hits.first).to_be_visible()
    assert page.get_by_test_id("hit-location").all_inner_texts() == locations
    assert console.errors == []


def test_filters_narrow_the_search_and_indexed_markup_stays_text(
    page: Any, console: Console, base_url: str
) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/")
    page.get_by_test_id("path-glob").fill("web/*")
    page.get_by_test_id("language").fill("tsx")
    page.get_by_test_id("query").fill("upload progress bar")
    page.get_by_test_id("submit").click()

    expect(page.get_by_test_id("hit").first).to_be_visible()
    locations = page.get_by_test_id("hit-location").all_inner_texts()
    assert all(location.startswith("web/") for location in locations), locations
    assert set(page.get_by_test_id("badge-language").all_inner_texts()) == {"tsx"}
    expect(page).to_have_url(re.compile(r"&path=web%2F\*&lang=tsx"))
    # JSX tags in the indexed text are shown as text, never turned into elements.
    snippets = page.get_by_test_id("snippet")
    assert any("<div" in text for text in snippets.all_inner_texts())
    assert snippets.locator(":scope *:not(code, span, mark)").count() == 0
    assert console.errors == []


def test_errors_show_in_the_message_area(page: Any, console: Console, base_url: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/")
    error = page.get_by_test_id("error")
    expect(page.get_by_test_id("status")).to_contain_text("chunks")
    expect(error).to_be_hidden()
    page.get_by_test_id("submit").click()
    expect(error).to_be_visible()
    expect(error).to_contain_text("Type a question")

    # An error from the API itself: a query over the length limit.
    page.get_by_test_id("query").fill("retry " * 2000)
    page.get_by_test_id("query").press("Enter")
    expect(error).to_contain_text("8192")
    expect(page.get_by_test_id("hit")).to_have_count(0)
    assert console.script_errors() == []


def test_api_key_is_asked_for_sent_and_remembered(
    page: Any, console: Console, sample_index: Path
) -> None:
    from playwright.sync_api import expect

    keyed = Retriever.open(sample_index, create=False, api_read_keys=[API_KEY])
    with keyed, serving(create_app(keyed)) as url:
        page.goto(f"{url}/#q=retry")
        error = page.get_by_test_id("error")
        expect(error).to_contain_text("API key")
        expect(page.get_by_test_id("api-key")).to_be_visible()
        expect(page.get_by_test_id("hit")).to_have_count(0)

        page.get_by_test_id("api-key").fill(API_KEY)
        page.get_by_test_id("query").press("Enter")
        expect(page.get_by_test_id("hit").first).to_be_visible()
        expect(error).to_be_hidden()
        expect(page.get_by_test_id("status")).to_contain_text("chunks")

        page.reload()
        expect(page.get_by_test_id("api-key")).to_have_value(API_KEY)
        expect(page.get_by_test_id("hit").first).to_be_visible()
        expect(error).to_be_hidden()
    assert console.script_errors() == []


def test_mode_and_a_context_view_with_a_budget_and_copyable_citations(
    browser: Any, base_url: str, retriever: Retriever
) -> None:
    """The search mode is chosen on the page (and kept in the URL); the context view assembles
    cited passages within a token budget, as POST /v1/context does, and copies the whole
    context or one citation."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page = context.new_page()
    console = Console(page)
    page.goto(f"{base_url}/")
    page.get_by_test_id("mode").select_option("lexical")
    page.get_by_test_id("query").fill("retry_upload")
    page.get_by_test_id("query").press("Enter")
    expect(page.get_by_test_id("hit").first).to_be_visible()
    expect(page).to_have_url(re.compile(r"&mode=lexical"))
    lexical = retriever.search("retry_upload", k=10, mode="lexical")
    shown = page.get_by_test_id("hit-location").all_inner_texts()
    assert len(shown) == len(lexical)  # the lexical ranking (locations of pages, cells, lines)
    assert all(place.startswith(hit.path) for place, hit in zip(shown, lexical, strict=True))

    page.get_by_test_id("show-context").click()
    view = page.get_by_test_id("context-view")
    expect(view).to_be_visible()
    expect(page).to_have_url(re.compile(r"&view=context"))
    page.get_by_test_id("token-budget").fill("300")
    page.get_by_test_id("token-budget").press("Enter")
    expect(page.get_by_test_id("context-tokens")).to_contain_text("of 300 tokens")
    expected = retriever.context("retry_upload", token_budget=300, k=10, mode="lexical")
    citations = page.get_by_test_id("citation")
    expect(citations).to_have_count(len(expected.passages))
    assert citations.all_inner_texts() == [p.citation for p in expected.passages]
    assert page.get_by_test_id("context-text").inner_text().strip() == expected.context.strip()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "web-page-context.png")

    page.get_by_test_id("copy-citation").first.click()
    expect(page.get_by_test_id("copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == expected.passages[0].citation
    page.get_by_test_id("copy-context").click()
    assert page.evaluate("navigator.clipboard.readText()").strip() == expected.context.strip()

    page.reload()  # the view, mode and budget come back from the URL
    expect(page.get_by_test_id("context-tokens")).to_contain_text("of 300 tokens")
    expect(page.get_by_test_id("mode")).to_have_value("lexical")
    assert console.script_errors() == []
    context.close()
