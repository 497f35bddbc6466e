"""The ``techsov`` command: wires ingest -> store and starts the API.

This module is the composition root: it assembles the command from the command modules
(``techsov/*_commands.py``). Settings are read and stores built only in the ``techsov``
package (here, the command modules and :mod:`techsov.wiring`), never in ``ontology``,
``ingest``, ``store``, ``api`` or ``exports``, so those layers stay testable with explicit
arguments.
"""

from __future__ import annotations

import hashlib
import socket
import time
from collections.abc import Sequence
from pathlib import Path

import typer
from rich.table import Table

from ontology.errors import StoreUnavailable
from ontology.schema import default_schema
from store.base import GraphStore, LoadSummary
from techsov import http_socket, serve_workers
from techsov.console import err_console, exits_on_error, progress_bar, set_debug, step
from techsov.diff_command import register as register_diff_command
from techsov.exports_commands import register as register_exports_commands
from techsov.graph_cache import inputs_digest
from techsov.history_commands import register as register_history_commands
from techsov.import_commands import register as register_import_commands
from techsov.ingest_commands import parse_source_texts
from techsov.ingest_commands import register as register_ingest_commands
from techsov.neo4j_cli import neo4j_app
from techsov.review_commands import register as register_review_commands
from techsov.screen_commands import register as register_screen_commands
from techsov.settings import Settings
from techsov.synth_commands import register as register_synth_commands
from techsov.webhooks import after_load, watching
from techsov.wiring import api_limits, data_paths, neo4j_store, read_graph, serving_store

app = typer.Typer(
    name="techsov",
    help="Knowledge graph of technological sovereignty: validate, load, export, serve.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _options(
    debug: bool = typer.Option(
        False, "--debug", help="Show the traceback of unexpected errors (also TECHSOV_DEBUG=1)."
    ),
) -> None:
    """Knowledge graph of technological sovereignty: validate, load, export, serve."""
    set_debug(debug)


app.add_typer(neo4j_app, name="neo4j")
register_synth_commands(app)
register_ingest_commands(app)
register_import_commands(app)
register_exports_commands(app)
register_review_commands(app)
register_screen_commands(app)
register_history_commands(app)
register_diff_command(app)

PathsArg = typer.Argument(
    None, help="Fact files or folders (default: TECHSOV_DATA_PATHS, else the curated set)."
)


def summary_table(summary: LoadSummary) -> Table:
    title = "Load summary (dry run: nothing written)" if summary.dry_run else "Load summary"
    table = Table(title=title)
    for col in ("", "created", "updated", "removed", "unchanged"):
        table.add_column(col, justify="right")
    for name, c in (
        ("entities", summary.entities),
        ("relations", summary.relations),
        ("sources", summary.sources),
    ):
        table.add_row(name, str(c.created), str(c.updated), str(c.removed), str(c.unchanged))
    return table


def load_digest(paths: list[Path], source_texts: list[str]) -> str:
    """What a load's input is, as one digest: the fact files, the ontology and validation
    code (:func:`techsov.graph_cache.inputs_digest`), and the ``--source-text`` pairs."""
    files = [Path(pair.partition("=")[2]) for pair in source_texts]
    pairs = "\n".join(sorted(source_texts)).encode()
    return hashlib.sha256(inputs_digest(paths, files).encode() + b"\0" + pairs).hexdigest()


@app.command()
@exits_on_error
def load(
    paths: list[Path] | None = PathsArg,
    dry_run: bool = typer.Option(False, "--dry-run", help="Report changes, write nothing."),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
    source_text: list[str] | None = typer.Option(
        None,
        "--source-text",
        metavar="ID=FILE",
        help="Full text of a source; evidence citing it must occur in it verbatim.",
    ),
) -> None:
    """Validate facts and load them into Neo4j atomically (all or nothing).

    Loading the same files twice changes nothing; facts removed from the files are
    removed from the graph. On any error the graph stays exactly as it was.
    """
    settings = Settings()
    schema = default_schema()
    texts = parse_source_texts(source_text or [])
    digest = load_digest(data_paths(settings, paths or ()), source_text or [])
    started = time.perf_counter()
    with neo4j_store(settings, schema) as store:
        before = watching(settings, store, dry_run)
        if not dry_run and store.holds_input(digest):
            # The database holds the graph of these very inputs: nothing to read or write.
            summary = LoadSummary.unchanged(store.counts())
        else:
            graph = read_graph(settings, schema, paths or (), source_texts=texts)
            started = time.perf_counter()
            with progress_bar(progress) as bar:
                summary = store.load(graph, dry_run=dry_run, progress=bar, digest=digest)
        err_console.print(summary_table(summary))
        err_console.print(f"done in {time.perf_counter() - started:.2f} s")
        if before is not None:
            # After the commit, bounded in time; failures are reported, never raised.
            after_load(settings, schema, store, before, report=step)


def _serve_workers(
    sock: socket.socket, workers: int, paths: Sequence[Path], host: str, port: int
) -> None:
    """``workers`` API processes on the bound socket, each building its own store."""
    serve_workers.pass_paths_to_workers(paths)
    shown = f"[{host}]" if ":" in host else host
    step(f"starting {workers} API processes; each reads the store itself")
    err_console.print(
        f"[bold green]GraphQL on http://{shown}:{port}/graphql[/] once the workers "
        "say 'Application startup complete' (Ctrl-C stops)",
        highlight=False,
        soft_wrap=True,
    )
    serve_workers.run(sock, workers)


def _announce_store(store: GraphStore) -> None:
    """What the store holds; a store that does not answer yet is a warning, not an end."""
    try:
        counts = store.counts()
    except StoreUnavailable as exc:
        # Serve anyway: /readyz says 503 and queries get STORE_UNAVAILABLE until the
        # store answers again, which the driver notices by itself.
        err_console.print(
            f"[bold yellow]warning:[/] {exc.message}", highlight=False, soft_wrap=True
        )
    else:
        step(
            f"store: [bold]{store.engine}[/] — {counts['entities']} entities, "
            f"{counts['relations']} relations, {counts['sources']} sources"
        )


@app.command()
@exits_on_error
def serve(
    host: str | None = typer.Option(None, help="Interface to bind (default 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default 8000, or TECHSOV_PORT)."),
    paths: list[Path] | None = PathsArg,
    workers: int = typer.Option(
        1,
        min=1,
        help="API processes sharing the port (one per core is a good start); each builds "
        "its own store from the same settings.",
    ),
) -> None:
    """Serve the graph over GraphQL (GraphiQL at /graphql).

    Uses Neo4j when TECHSOV_NEO4J_URI is set, else the embedded store loaded from the
    curated files through the same validation as `techsov load`.
    """
    settings = Settings()
    bind_host = host or settings.host
    bind_port = port or settings.port
    # Bound first: a busy port is said at once, not after the graph is ready.
    sock = http_socket.bind(bind_host, bind_port)
    if workers > 1:
        _serve_workers(sock, workers, paths or (), bind_host, bind_port)
        return
    _serve_in_process(sock, settings, paths or (), bind_host, bind_port)


def _serve_in_process(
    sock: socket.socket, settings: Settings, paths: Sequence[Path], host: str, port: int
) -> None:
    """One API process on the bound socket, over the store the settings name."""
    started = time.perf_counter()
    step("reading the ontology")
    schema = default_schema()
    with serving_store(settings, schema, paths, log=step) as store:
        _announce_store(store)
        step("building the GraphQL schema from the ontology")
        import uvicorn

        from api.app import create_app

        application = create_app(store, schema, api_limits(settings))
        shown = f"[{host}]" if ":" in host else host
        err_console.print(
            f"[bold green]GraphQL on http://{shown}:{port}/graphql[/] "
            f"(ready in {time.perf_counter() - started:.1f} s; open it in a browser for "
            "GraphiQL; Ctrl-C stops)",
            highlight=False,
            soft_wrap=True,
        )
        config = uvicorn.Config(application, log_level="info")
        uvicorn.Server(config).run(sockets=[sock])


def main() -> None:
    app()


if __name__ == "__main__":
    main()
