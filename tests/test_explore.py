"""The web explorer's server side: the page and its assets, served offline, and a palette
that is the Bloom perspective's, derived from the ontology."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

from api.explore.routes import STATIC_DIR, palette
from exports import bloom
from ontology.palette import family_colors
from ontology.schema import default_schema
from tests.api_fixtures import curated_embedded, make_client

SCHEMA = default_schema()
WEB = Path(__file__).resolve().parent.parent / "api" / "explore" / "web"


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href"} and value is not None and tag in {"script", "link", "img"}:
                self.urls.append(value)


def test_the_page_and_its_assets_are_served_from_the_app_itself() -> None:
    client = make_client(curated_embedded())
    page = client.request("GET", "/explore")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    parser = _Assets()
    parser.feed(page.text)
    assert "/explore/static/explore.js" in parser.urls
    for url in parser.urls:
        assert url.startswith("/") or url.startswith("data:"), f"{url} is fetched from elsewhere"
        if url.startswith("/"):
            asset = client.request("GET", url)
            assert asset.status_code == 200 and len(asset.content) > 1000, url
    assert client.request("GET", "/explore/").headers.get("location") == "/explore"


def test_the_built_script_fetches_nothing_but_the_app_s_own_routes() -> None:
    bundle = (STATIC_DIR / "explore.js").read_text(encoding="utf-8")
    fetched = set(re.findall(r"fetch\(\s*[\"'`]([^\"'`]+)", bundle))
    assert fetched == {"/graphql", "/explore/palette.json"}


def test_the_committed_bundle_holds_the_page_and_the_locked_graph_library() -> None:
    """A page edited but not rebuilt (``make explore``), or a lock file moved to another
    Cytoscape.js than the one bundled, fails here."""
    bundle = (STATIC_DIR / "explore.js").read_text(encoding="utf-8")
    lock = json.loads((WEB / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/cytoscape"]["version"] in bundle
    for source in sorted((WEB / "src").glob("*.js")):
        # Minification renames identifiers but keeps the text the page shows.
        shown = re.findall(r'"([A-Z][a-z]+(?: [a-z]+){2,}[.:]?)"', source.read_text("utf-8"))
        for text in shown:
            assert text in bundle, f"{source.name}: {text!r} is not in the built bundle"


def test_the_palette_is_the_bloom_perspective_s_by_class_family() -> None:
    served = make_client(curated_embedded()).request("GET", "/explore/palette.json").json()
    assert served == palette(SCHEMA)
    colours = family_colors(SCHEMA)
    assert {f: s["color"] for f, s in served["families"].items()} == colours
    assert len({s["shape"] for s in served["families"].values()}) == len(colours)
    assert set(served["kinds"]) == set(SCHEMA.entity_kinds)
    assert set(served["relations"]) == set(SCHEMA.relation_types)
    # The Bloom perspective colours its categories with this very function.
    assert bloom.family_colors is family_colors
    for kind, info in served["kinds"].items():
        assert info["family"] == SCHEMA.classes[kind].family
        assert served["families"][info["family"]]["color"] == colours[info["family"]], kind
