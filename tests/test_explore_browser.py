"""The web explorer in a real browser: Debian's Chromium, driven by Playwright, on the app
served over loopback with the curated graph, on both stores.

Each test does what an analyst would — search, open an exposure, click an edge, move the
as-of slider — and checks the page against the GraphQL API's own answers, never against
numbers typed here. Screenshots are saved (their paths printed) and checked not blank.
Nothing leaves the machine: a request to any other origin fails the test.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from live_server import chromium_executable, serving
from PIL import Image, ImageStat

from api.app import create_app
from api.limits import ApiLimits
from ontology.schema import default_schema
from tests.api_fixtures import STORES, curated_store

playwright = pytest.importorskip("playwright.sync_api")

VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_S = 90.0
"""Longest wait for an answer or a redraw, on a shared, busy machine (most take well under 1 s)."""
RELATION = (
    "id type confidence validFrom validTo source { id name } target { id name } "
    "provenance { evidence source { id title publisher url published } }"
)


@pytest.fixture(scope="module", params=STORES)
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The app on 127.0.0.1 (a free port), over the curated graph in the store named."""
    app = create_app(curated_store(request), default_schema(), ApiLimits())
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_executable()
    # Chromium's sandbox refuses to start as root (CI runs as root); it is a test browser
    # on loopback pages only.
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=args)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def screenshot_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``TECHSOV_SCREENSHOT_DIR`` when set (to keep them), else a pytest temporary folder."""
    configured = os.environ.get("TECHSOV_SCREENSHOT_DIR")
    return Path(configured) if configured else tmp_path_factory.mktemp("explore-screenshots")


@pytest.fixture
def shots(screenshot_root: Path, request: pytest.FixtureRequest) -> Path:
    """One folder per store, so both stores' screenshots are kept side by side."""
    folder = screenshot_root / str(request.node.callspec.params["base_url"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Page:
    """A page of the explorer, with what the tests need to wait for and to look at."""

    def __init__(self, page: Any, base_url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.page = page
        self.capsys = capsys
        self.base_url = base_url
        self.foreign: list[str] = []
        self.errors: list[str] = []
        origin = urlsplit(base_url).netloc
        page.on("pageerror", lambda e: self.errors.append(str(e)))

        def guard(route: Any) -> None:
            if urlsplit(route.request.url).netloc == origin or route.request.url.startswith(
                "data:"
            ):
                route.continue_()
            else:
                self.foreign.append(route.request.url)
                route.abort()

        page.route("**/*", guard)

    def open(self, fragment: str = "") -> None:
        self.page.goto(f"{self.base_url}/explore{fragment}")
        self.settle()

    def until(self, expression: str, timeout_s: float = TIMEOUT_S) -> None:
        """Poll ``expression`` in the page (``wait_for_function`` would need the eval that
        the page's Content-Security-Policy forbids, and the tests keep that policy on)."""
        deadline = time.monotonic() + timeout_s
        while not self.page.evaluate(expression):
            assert time.monotonic() < deadline, f"the page never got to: {expression}"
            time.sleep(0.05)

    def settle(self) -> None:
        self.until(
            "() => document.body.dataset.ready === '1'"
            " && document.body.getAttribute('aria-busy') === 'false'"
        )

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def counts(self) -> str:
        return str(self.page.inner_text("#counts"))

    def details(self) -> str:
        """The panel's text as written (``inner_text`` would apply the CSS capitals)."""
        return str(self.page.text_content("#details"))

    def highlighted(self) -> list[str]:
        return list(self.js("() => explore.cy.edges('.hl').map((e) => e.id())"))

    def visible_edges(self) -> list[dict[str, str]]:
        return list(self.js("() => explore.cy.edges(':visible').map((e) => e.data())"))

    def click_element(self, element_id: str, double: bool = False) -> None:
        """A real mouse click on a node or an edge of the canvas (at its drawn position)."""
        points = self.js(
            """(id) => {
              const el = explore.cy.getElementById(id);
              const box = document.getElementById('graph').getBoundingClientRect();
              const at = (p) => [box.left + p.x, box.top + p.y];
              if (!el.isEdge()) return [at(el.renderedPosition())];
              // An edge's midpoint may lie under a node drawn over it, or under another
              // edge crossing it: the points along the edge that no node covers, midpoint
              // first, each tried in turn until the click selects this edge.
              const covered = (p) => explore.cy.nodes().some((n) => {
                const b = n.renderedBoundingBox();
                return p.x >= b.x1 && p.x <= b.x2 && p.y >= b.y1 && p.y <= b.y2;
              });
              const s = el.renderedSourceEndpoint(), t = el.renderedTargetEndpoint();
              const along = [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8].map((f) => (f === 0.5
                ? el.renderedMidpoint() : {x: s.x + f * (t.x - s.x), y: s.y + f * (t.y - s.y)}));
              const free = along.filter((p) => !covered(p));
              return (free.length ? free : along.slice(0, 1)).map(at);
            }""",
            element_id,
        )
        for x, y in points:
            if double:
                self.page.mouse.dblclick(x, y)
            else:
                self.page.mouse.click(x, y)
            self.settle()
            if len(points) == 1 or self.js(
                "(id) => explore.cy.getElementById(id).selected()", element_id
            ):
                return

    def screenshot(self, folder: Path, name: str) -> Path:
        path = folder / f"{name}.png"
        self.page.screenshot(path=str(path))
        graph = self.page.locator("#graph").bounding_box()
        assert graph is not None
        _assert_not_blank(path, graph)
        with self.capsys.disabled():
            print(f"\nscreenshot: {path}")
        return path


def _assert_not_blank(path: Path, graph: dict[str, float]) -> None:
    """The page has many colours, and the graph area is drawn (not one flat colour)."""
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        assert rgb.size == (VIEWPORT["width"], VIEWPORT["height"])
        colours = rgb.getcolors(maxcolors=1 << 20) or []
        assert len(colours) > 200, f"{path} has only {len(colours)} colours"
        box = (graph["x"], graph["y"], graph["x"] + graph["width"], graph["y"] + graph["height"])
        canvas = rgb.crop(tuple(int(v) for v in box))
        spread = ImageStat.Stat(canvas).stddev
        assert max(spread) > 8, f"{path}: the graph area is blank ({spread})"


@pytest.fixture
def page(browser: Any, base_url: str, capsys: pytest.CaptureFixture[str]) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_S * 1000)
    try:
        explorer = Page(context.new_page(), base_url, capsys)
        yield explorer
        assert explorer.foreign == [], "the page fetched from another origin"
        assert explorer.errors == [], "the page raised errors"
    finally:
        context.close()


def api(base_url: str, query: str, **variables: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{base_url}/graphql", json={"query": query, "variables": variables}, timeout=TIMEOUT_S
    )
    body: dict[str, Any] = response.json()
    assert response.status_code == 200 and not body.get("errors"), body
    data: dict[str, Any] = body["data"]
    return data


# --------------------------------------------------------------------------- the tests


def test_search_in_chinese_opens_xiaomi_with_its_names_and_listings(
    page: Page, base_url: str, shots: Path
) -> None:
    expected = api(
        base_url,
        '{ search(query: "小米", first: 30) { entity { id kind } } '
        'entity(id: "xiaomi") { name names { lang value } '
        'listings: relations(direction: IN, types: ["names"]) '
        "{ edges { node { validFrom validTo source { name } } } } } }",
    )
    page.open()
    page.page.keyboard.press("/")  # the search box, from the keyboard
    page.page.keyboard.type("小米")
    page.page.keyboard.press("Enter")
    page.page.wait_for_selector("#results button.result")
    shown = page.js(
        "() => [...document.querySelectorAll('#results button.result')].map((b) => b.dataset.id)"
    )
    assert sorted(shown) == sorted(h["entity"]["id"] for h in expected["search"])
    for hit in expected["search"]:  # grouped by kind
        kind, eid = hit["entity"]["kind"], hit["entity"]["id"]
        assert page.page.locator(f"#results [data-kind='{kind}'] [data-id='{eid}']").count() == 1
    page.page.keyboard.press("ArrowDown")
    assert page.js("() => document.activeElement.dataset.id") == shown[0] == "xiaomi"
    page.page.keyboard.press("Enter")
    page.settle()
    assert "id=xiaomi" in page.page.url and "v=entity" in page.page.url
    details = page.details()
    xiaomi = expected["entity"]
    for name in xiaomi["names"]:
        assert name["value"] in details
    listings = [e["node"]["source"]["name"] for e in xiaomi["listings"]["edges"]]
    assert listings, "the curated graph names Xiaomi in a listing"
    for listing in listings:
        assert listing in details
    for edge in xiaomi["listings"]["edges"]:  # a listing that ended shows its end
        if edge["node"]["validTo"]:
            assert f"{edge['node']['validTo']} (ended)" in details
    assert page.js("() => explore.cy.getElementById('xiaomi').hasClass('focus')")
    page.screenshot(shots, "xiaomi-neighbourhood")


def test_exposure_ranks_organizations_draws_the_path_and_cites_its_sources(
    page: Page, base_url: str, shots: Path
) -> None:
    # The page reads the API's exposure answer (rule version, beneficiaries), as analysts do.
    query = (
        'query X($asOf: Date) { exposure(policy: "made-in-china-2025", asOf: $asOf, first: 200) '
        f"{{ exposures {{ kind depth score supplier {{ id name }} path {{ {RELATION} }} }} }} }}"
    )
    now = api(base_url, query)["exposure"]["exposures"]
    assert now, "Made in China 2025 exposes organizations in the curated graph"
    page.open()
    page.page.fill("#search-input", "Made in China 2025")
    page.page.keyboard.press("Enter")
    page.page.click("button[data-exposure='made-in-china-2025']")
    page.settle()
    rows = page.page.locator("#exposure-table tbody tr")
    assert rows.count() == len(now)
    first = now[0]
    cells = rows.nth(0).inner_text()
    for text in (
        first["supplier"]["name"],
        first["kind"],
        str(first["depth"]),
        f"{first['score']:.3f}",
    ):
        assert text in cells

    rows.nth(0).locator("button").click()
    page.settle()
    assert sorted(page.highlighted()) == sorted(r["id"] for r in first["path"])
    assert f"Path of facts ({len(first['path'])})" in page.details()
    page.screenshot(shots, "mic2025-exposure")

    # Click the best-sourced edge of the path on the canvas: the provenance panel shows it.
    edge = max(first["path"], key=lambda r: len(r["provenance"]))
    details = _shows_provenance_of(page, edge)
    page.screenshot(shots, "mic2025-provenance")

    # Beneficiaries are listed apart from the exposed, each with the path that explains it.
    if _lists_beneficiaries_apart(page, base_url, shots):
        rows.nth(0).locator("button").click()
        page.settle()
        page.click_element(edge["id"])

    # The address carries the view: a new tab on it shows the same exposure and selection.
    shared = page.page.url
    other = Page(page.page.context.new_page(), base_url, page.capsys)
    other.page.goto(shared)
    other.settle()
    assert other.details() == details
    assert other.page.locator("#exposure-table tbody tr").count() == len(now)
    other.page.close()


def _shows_provenance_of(page: Page, edge: dict[str, Any]) -> str:
    """Clicks ``edge`` on the canvas; the panel shows its endpoints, confidence and every
    citation. Returns the panel's text."""
    assert edge["provenance"], "every fact of the curated graph cites a source"
    page.click_element(edge["id"])
    details = page.details()
    assert details.startswith("← back to the exposure") and "Relation" in details
    assert f"{edge['source']['name']}" in details and edge["target"]["name"] in details
    assert f"{edge['confidence']:.2f}" in details
    assert f"Sources ({len(edge['provenance'])})" in details
    for cite in edge["provenance"]:
        for field in ("title", "publisher", "published"):
            if cite["source"][field]:
                assert cite["source"][field] in details
        if cite["evidence"]:
            assert cite["evidence"] in details
    return details


def _lists_beneficiaries_apart(page: Page, base_url: str, shots: Path) -> bool:
    """The beneficiary list is the API's, none of them exposed; the first one's path is
    drawn when clicked. Whether there was a beneficiary to click."""
    answer = api(
        base_url,
        '{ exposure(policy: "made-in-china-2025") '
        "{ exposures { supplier { id } } beneficiaries { entity { id } path { id } } } }",
    )["exposure"]
    exposed = {e["supplier"]["id"] for e in answer["exposures"]}
    listed = page.js(
        "() => [...document.querySelectorAll('#beneficiary-list button')].map((b) => b.dataset.org)"
    )
    assert sorted(listed) == sorted(b["entity"]["id"] for b in answer["beneficiaries"])
    assert not exposed & set(listed)
    if not answer["beneficiaries"]:
        return False
    beneficiary = answer["beneficiaries"][0]
    page.page.click(f"#beneficiary-list button[data-org='{beneficiary['entity']['id']}']")
    page.settle()
    assert sorted(page.highlighted()) == sorted(r["id"] for r in beneficiary["path"])
    assert "not exposed" in page.details()
    page.screenshot(shots, "mic2025-beneficiary")
    return True


def test_the_as_of_slider_asks_again_for_that_date_and_redraws(
    page: Page, base_url: str, shots: Path
) -> None:
    query = (
        'query X($asOf: Date) { exposure(policy: "made-in-china-2025", asOf: $asOf, first: 200) '
        "{ exposures { supplier { id } path { id } } beneficiaries { path { id } } } }"
    )
    page.open("#v=exposure&policy=made-in-china-2025")
    before = page.counts()
    rows_before = page.page.locator("#exposure-table tbody tr").count()
    slider = page.page.locator("#asof")
    slider.focus()
    page.page.keyboard.press("Home")  # the slider's first month
    page.until("() => location.hash.includes('asof=')")
    page.settle()
    as_of = page.page.inner_text("#asof-label")
    assert as_of in page.page.url
    answer_then = api(base_url, query, asOf=as_of)["exposure"]
    then = answer_then["exposures"]
    now = api(base_url, query)["exposure"]["exposures"]
    assert len(now) == rows_before
    assert {x["supplier"]["id"] for x in then} != {x["supplier"]["id"] for x in now}
    assert page.page.locator("#exposure-table tbody tr").count() == len(then)
    assert page.counts() != before
    drawn = {e["id"] for e in page.visible_edges()}
    paths = [*then, *answer_then["beneficiaries"]]
    assert drawn == {r["id"] for x in paths for r in x["path"]}
    page.screenshot(shots, f"mic2025-as-of-{as_of}")
    page.page.keyboard.press("End")  # back to "any time"
    page.until("() => !location.hash.includes('asof=')")
    page.settle()
    assert page.counts() == before


def test_the_neighbourhood_expands_node_by_node_and_filters_by_relation_type(
    page: Page, base_url: str, shots: Path
) -> None:
    page.open("#v=entity&id=xiaomi")
    start = {e["id"] for e in page.visible_edges()}
    neighbour = api(
        base_url,
        '{ entity(id: "xiaomi") { relations(types: ["competesWith"]) '
        "{ edges { node { source { id } target { id } } } } } }",
    )["entity"]["relations"]["edges"][0]["node"]
    other = (
        neighbour["target"]["id"]
        if neighbour["source"]["id"] == "xiaomi"
        else neighbour["source"]["id"]
    )
    page.click_element(other, double=True)
    assert f"x={other}" in page.page.url
    page.settle()  # the expansion is drawn once the page is no longer busy
    grown = {e["id"] for e in page.visible_edges()}
    assert start < grown, "expanding a node adds its relations"
    kept = api(
        base_url,
        "query N($id: ID!) { entity(id: $id) { relations(first: 150) { edges { node { id } } } } }",
        id=other,
    )["entity"]["relations"]["edges"]
    assert {e["node"]["id"] for e in kept} <= grown
    page.screenshot(shots, f"xiaomi-expanded-{other}")

    page.page.uncheck("#type-list input[value='develops']")
    assert "hide=develops" in page.page.url
    page.settle()
    remaining = page.visible_edges()
    assert remaining and all(e["type"] != "develops" for e in remaining)
    assert len(remaining) < len(grown)


def test_the_path_view_draws_the_chain_between_two_entities(
    page: Page, base_url: str, shots: Path
) -> None:
    path = api(base_url, '{ path(from: "xiaomi", to: "made-in-china-2025") { id } }')["path"]
    assert path
    page.open("#v=path&from=xiaomi&to=made-in-china-2025")
    listed = page.js(
        "() => [...document.querySelectorAll('#path-list button')].map((b) => b.dataset.relation)"
    )
    assert listed == [r["id"] for r in path]
    assert sorted(page.highlighted()) == sorted(listed)
    page.page.click(f"#path-list button[data-relation='{listed[-1]}']")
    page.settle()
    assert "Sources (" in page.details()
    page.screenshot(shots, "xiaomi-to-made-in-china-2025")
