"""The API's documentation pages work offline: Swagger UI and ReDoc load their assets from the
server (the `fastapi-offline` package ships them), never from a CDN. Headless Chromium with
every request off the server refused, as on a machine without a network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_web_page import ARTIFACTS, MISSING, serving
from test_web_page import browser as browser  # noqa: F401  (the shared fixture)

from api import create_app
from retriever import Retriever

pytestmark = pytest.mark.skipif(MISSING is not None, reason=str(MISSING))


@pytest.fixture(scope="module")
def docs_url(sample_index: Path) -> Iterator[str]:
    with Retriever.open(sample_index, create=False) as opened, serving(create_app(opened)) as url:
        yield url


@pytest.fixture
def offline_page(browser: Any, docs_url: str) -> Iterator[tuple[Any, list[str]]]:
    """A page whose requests to anywhere but the server fail; yields it and those requests
    (but images: ReDoc links its "powered by" logo from its site, which offline stays blank)."""
    context = browser.new_context()
    context.set_default_timeout(30_000)
    refused: list[str] = []

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(docs_url) or url.startswith("data:"):
            request_route.continue_()
        else:
            if request_route.request.resource_type != "image":  # ReDoc's logo: cosmetic
                refused.append(url)
            request_route.abort("internetdisconnected")

    context.route("**/*", route)
    yield context.new_page(), refused
    context.close()


@pytest.mark.parametrize(
    "path, rendered",
    [("/docs", ".swagger-ui .info .title"), ("/redoc", "h1")],
)
def test_documentation_renders_without_a_network(
    offline_page: tuple[Any, list[str]], docs_url: str, path: str, rendered: str
) -> None:
    from playwright.sync_api import expect

    page, refused = offline_page
    page.goto(f"{docs_url}{path}")
    expect(page.locator(rendered).first).to_contain_text("retriever")
    if path == "/docs":  # the operations are listed, from /openapi.json
        expect(page.locator(".opblock-summary-path", has_text="/v1/search").first).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"api{path.replace('/', '-')}.png")
    assert refused == []
