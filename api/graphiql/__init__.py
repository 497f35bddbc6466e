"""GraphiQL served entirely by this server: the page and the npm builds it runs on.

Strawberry's own GraphiQL page loads React and GraphiQL from a public CDN, which leaves it
at "Loading…" on a machine without internet access (an air-gapped desk, a locked-down
corporate network). Here the same builds, pinned by the same integrity hashes, are package
data (see ``ASSETS.md``), served under ``/graphql/assets``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

ASSETS_PATH = "/graphql/assets"
STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGE_FILE = Path(__file__).resolve().parent / "page.html"


@cache
def graphiql_html() -> str:
    """The GraphiQL page, its asset URLs pointing at this server."""
    return PAGE_FILE.read_text(encoding="utf-8").replace("{{ASSETS}}", ASSETS_PATH)


def mount_graphiql_assets(app: FastAPI) -> None:
    """Serve the page's scripts and styles under :data:`ASSETS_PATH` of ``app``."""
    app.mount(ASSETS_PATH, StaticFiles(directory=STATIC_DIR), name="graphiql-assets")
