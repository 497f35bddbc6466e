"""GraphiQL works with the network off: every asset comes from this server.

The browser test runs Debian's Chromium (through Playwright) with every origin other than
the loopback server cut off: a proxy that does not exist for everything else, and a route
guard that fails the test on any request to another origin. The page must render, run its
example query, show the answer, and the screenshot must show a drawn page, not a blank one.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from live_server import chromium_executable, serving
from PIL import Image, ImageStat

from api.app import create_app
from api.graphiql import ASSETS_PATH, PAGE_FILE, STATIC_DIR, graphiql_html
from api.limits import ApiLimits
from ontology.schema import default_schema
from tests.api_fixtures import curated_client, curated_embedded

_ASSET = re.compile(r'(?:src|href)="([^"]+)"(?:\s+integrity="([^"]+)")?')


def test_every_asset_of_the_page_is_served_from_the_project_with_its_pinned_hash() -> None:
    html = PAGE_FILE.read_text(encoding="utf-8")
    assets = _ASSET.findall(html)
    assert len(assets) >= 6
    for url, integrity in assets:
        if url.startswith("data:"):
            continue
        assert url.startswith("{{ASSETS}}/"), f"{url} is not one of the project's assets"
        file = STATIC_DIR / url.removeprefix("{{ASSETS}}/")
        digest = base64.b64encode(hashlib.sha384(file.read_bytes()).digest()).decode()
        assert integrity == f"sha384-{digest}", f"{file.name} differs from the pinned build"
    assert "https://" not in html and "http://" not in html


def test_graphql_answers_a_browser_with_the_local_page_and_serves_its_assets() -> None:
    client = curated_client(curated_embedded())
    page = client.request("GET", "/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.text == graphiql_html()
    for name in ("graphiql.min.js", "react.production.min.js", "graphiql.min.css"):
        asset = client.request("GET", f"{ASSETS_PATH}/{name}")
        assert asset.status_code == 200
        assert asset.content == (STATIC_DIR / name).read_bytes()
    assert client.request("GET", f"{ASSETS_PATH}/../page.html").status_code == 404


playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    app = create_app(curated_embedded(), default_schema(), ApiLimits())
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def offline_browser() -> Iterator[Any]:
    """Chromium whose only way out is a proxy that does not exist: offline, but loopback
    (which Chromium never proxies) still reaches the test server."""
    args = ["--proxy-server=http://127.0.0.1:9", "--disable-background-networking"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # the sandbox refuses root; loopback pages only
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_executable(), args=args)
        try:
            yield browser
        finally:
            browser.close()


def _screenshot_dir(tmp_path: Path) -> Path:
    configured = os.environ.get("TECHSOV_SCREENSHOT_DIR")
    folder = Path(configured) if configured else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _assert_drawn(path: Path) -> None:
    """Not blank: many colours overall, and the editor area is not one flat colour."""
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20) or []
        assert len(colours) > 50, f"{path}: only {len(colours)} colours: a blank page"
        spread = ImageStat.Stat(rgb).stddev
        assert max(spread) > 10, f"{path}: almost uniform ({spread})"


def test_graphiql_renders_and_runs_a_query_with_the_network_off(
    offline_browser: Any,
    base_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    context = offline_browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    origin = urlsplit(base_url).netloc
    foreign: list[str] = []
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    def guard(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).netloc == origin or url.startswith("data:"):
            route.continue_()
        else:
            foreign.append(url)
            route.abort()

    page.route("**/*", guard)
    try:
        page.goto(f"{base_url}/graphql")
        page.wait_for_selector(".graphiql-execute-button", timeout=30_000)
        assert "Loading" not in page.inner_text("#graphiql")[:40]

        # GraphiQL also POSTs its schema introspection: wait for the example query's answer.
        def is_answer(response: Any) -> bool:
            request = response.request
            return request.method == "POST" and "suppliersExposedTo" in (request.post_data or "")

        with page.expect_response(is_answer, timeout=60_000) as answered:
            page.click(".graphiql-execute-button")
        answer = answered.value.json()
        assert "errors" not in answer, answer
        exposures = answer["data"]["suppliersExposedTo"]
        assert exposures, "the example query found no exposed supplier"
        first_id = exposures[0]["supplier"]["id"]
        page.wait_for_function(
            "(id) => document.querySelector('.result-window')?.innerText.includes(id)",
            arg=first_id,
            timeout=30_000,
        )
        shown = page.inner_text(".result-window")
        assert '"suppliersExposedTo"' in shown and json.dumps(first_id) in shown
        path = _screenshot_dir(tmp_path) / "graphiql-offline.png"
        page.screenshot(path=str(path))
        _assert_drawn(path)
        with capsys.disabled():
            print(f"\nscreenshot: {path}")
    finally:
        context.close()
    assert foreign == [], f"the page reached outside the server: {foreign}"
    assert errors == [], f"script errors: {errors}"
