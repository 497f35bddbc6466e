"""CLI commands for the downstream outputs: Bloom/Browser styling and the report.

Each command reads from the store ``serve`` would answer from (Neo4j when configured, else
the embedded store loaded with the curated graph), so what is exported is what is served.
The work itself lives in :mod:`exports`; these functions only wire settings to it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from exports.bloom import build_grass, build_perspective
from exports.report import DEFAULT_MAX_DEPTH, write_report
from ontology.schema import default_schema
from techsov.console import exits_on_error, note, progress_bar
from techsov.settings import Settings
from techsov.wiring import serving_store

PERSPECTIVE_FILE = "perspective.json"
STYLE_FILE = "style.grass"
GRAPHML_FILE = "graph.graphml"


OutDir = Annotated[Path, typer.Option("--out", help="Folder to write into (created if missing).")]


@exits_on_error
def bloom(
    out: OutDir,
    all_classes: Annotated[
        bool,
        typer.Option(
            "--all-classes",
            help="A category for every ontology class, not only those with nodes.",
        ),
    ] = False,
) -> None:
    """Write a Bloom perspective (perspective.json) and a Browser style (style.grass)."""
    schema = default_schema()
    with serving_store(Settings(), schema, log=note) as store:
        graph = None if all_classes else store.snapshot()
    out.mkdir(parents=True, exist_ok=True)
    perspective = build_perspective(schema, graph=graph)
    (out / PERSPECTIVE_FILE).write_text(
        json.dumps(perspective, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    (out / STYLE_FILE).write_text(build_grass(schema, graph=graph), encoding="utf-8")
    typer.echo(out / PERSPECTIVE_FILE)
    typer.echo(out / STYLE_FILE)


@exits_on_error
def report(
    out: OutDir,
    policy: Annotated[
        list[str] | None,
        typer.Option(
            "--policy", help="Policy id (repeatable; default: every policy reaching anything)."
        ),
    ] = None,
    max_depth: Annotated[
        int, typer.Option("--max-depth", min=0, help="Supplier tiers to follow.")
    ] = DEFAULT_MAX_DEPTH,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Only facts valid on this date (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Write the HTML report (report.html) and its PNG figures."""
    schema = default_schema()
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise typer.BadParameter(f"not a date: {as_of!r}", param_hint="--as-of") from None
    with serving_store(Settings(), schema, log=note) as store, progress_bar() as bar:
        path = write_report(
            store, schema, policy or None, out, max_depth=max_depth, as_of=day, progress=bar
        )
    typer.echo(path)


def register(app: typer.Typer) -> None:
    """Add ``bloom`` and ``report`` to the ``techsov`` command."""
    app.command("bloom")(bloom)
    app.command("report")(report)
