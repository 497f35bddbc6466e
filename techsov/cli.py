"""The ``techsov`` command: wires ingest -> store and starts the API.

This module is the composition root: it is the only place that reads settings and builds
stores, so every other layer stays testable with explicit arguments.
"""

from __future__ import annotations

import typer

from techsov.neo4j_cli import neo4j_app

app = typer.Typer(
    name="techsov",
    help="Knowledge graph of technological sovereignty: validate, load, export, serve.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(neo4j_app, name="neo4j")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
