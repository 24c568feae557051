"""The API's documentation (`/docs`) works without internet: Swagger UI comes from the
package's static files (swagger-ui-dist, vendored with its licence), never from a CDN."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Route

from tests.fixtures.api import Api, served

ASSET = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with served(f"sqlite:///{tmp_path / 'docs.db'}") as found:
        yield found


def test_docs_page_references_no_external_host_and_its_assets_are_served(api: Api) -> None:
    with httpx.Client(base_url=api.url, timeout=30) as client:
        docs = client.get("/docs")
        assets = ASSET.findall(docs.text)
        served_assets = {path: client.get(path) for path in assets}
        licence = client.get("/static/swagger-ui.LICENSE.txt")
        redoc = client.get("/redoc")
    assert docs.status_code == 200
    assert "cdn." not in docs.text and "//" not in "".join(assets)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for path, answer in served_assets.items():
        assert answer.status_code == 200 and answer.content, path
    assert licence.status_code == 200 and "Apache License" in licence.text
    assert redoc.status_code == 404  # no second viewer that would load from a CDN


def test_docs_render_the_api_in_chromium_with_the_internet_cut_off(
    api: Api, browser: Browser
) -> None:
    own = urlsplit(api.url).netloc
    elsewhere: list[str] = []

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context = browser.new_context()
    try:
        page = context.new_page()
        page.route("**/*", offline)
        page.goto(api.url + "/docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
        title = page.inner_text(".swagger-ui .info .title")
        operations = page.locator(".opblock").count()
    finally:
        context.close()
    assert title.startswith("onething") and operations > 10
    assert elsewhere == []
