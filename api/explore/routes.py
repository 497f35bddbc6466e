"""Routes of the web explorer: the page, its built assets, and the palette it colours by.

The page is the same for every store and every ontology: the classes, relation types and
attribute fields it shows are read from the GraphQL schema at run time, and the colours and
shapes from :func:`palette`, so a class added to the ontology appears without an edit here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from ontology.palette import families, family_colors
from ontology.schema import Schema

EXPLORE_PATH = "/explore"
STATIC_DIR = Path(__file__).resolve().parent / "static"

SHAPES = ("ellipse", "round-rectangle", "diamond", "hexagon", "triangle", "barrel", "star", "vee")
"""Node shapes (Cytoscape.js names), handed out to families in the palette's order, so that
families stay apart for readers who cannot tell the colours apart."""

# The page's own assets never change behind a name within a release, but a rebuilt bundle
# must reach a browser that has the old one: revalidate, don't cache blindly.
_NO_STALE = {"Cache-Control": "no-cache"}
# The page loads only its own script and style and talks only to its own origin.
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


def palette(schema: Schema) -> dict[str, Any]:
    """Colour and shape per class family, and each class's family, label and ancestors."""
    colors = family_colors(schema)
    return {
        "families": {
            f: {"color": colors[f], "shape": SHAPES[i % len(SHAPES)]}
            for i, f in enumerate(families(schema))
        },
        "kinds": {
            k: {
                "family": schema.classes[k].family,
                "label": schema.classes[k].label,
                "ancestors": list(schema.classes[k].ancestors),
            }
            for k in schema.entity_kinds
        },
        "relations": {n: {"label": schema.relations[n].label} for n in schema.relation_types},
    }


def mount_explore(app: FastAPI, schema: Schema) -> None:
    """Serve the explorer on ``/explore`` of ``app``."""
    colours = palette(schema)
    headers = {**_NO_STALE, "Content-Security-Policy": _CSP}

    @app.get(EXPLORE_PATH, include_in_schema=False)
    async def explore_page() -> FileResponse:
        """The explorer's single page; its state lives in the address's fragment."""
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers=headers)

    @app.get(EXPLORE_PATH + "/", include_in_schema=False)
    async def explore_slash() -> RedirectResponse:
        return RedirectResponse(EXPLORE_PATH)

    @app.get(EXPLORE_PATH + "/palette.json", include_in_schema=False)
    async def explore_palette() -> JSONResponse:
        """Colours and shapes by class family, from the ontology (as the Bloom perspective)."""
        return JSONResponse(colours, headers=_NO_STALE)

    app.mount(EXPLORE_PATH + "/static", StaticFiles(directory=STATIC_DIR), name="explore-static")
