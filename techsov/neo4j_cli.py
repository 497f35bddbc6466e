"""``techsov neo4j start|stop|status``: the test server as a shell-friendly command.

``start`` prints nothing but ``export TECHSOV_NEO4J_*=...`` lines on stdout (all progress
goes to stderr), so that ``eval "$(techsov neo4j start)"`` points every later command at
the server; the Makefile and CI rely on exactly that.
"""

from __future__ import annotations

import sys

import typer

from techsov.neo4j_server import Neo4jLauncher, Neo4jLaunchError
from techsov.settings import Settings

neo4j_app = typer.Typer(
    help="A throw-away Neo4j Community server for tests and local development.",
    no_args_is_help=True,
)


def _launcher() -> Neo4jLauncher:
    return Neo4jLauncher.from_settings(Settings())


def _err(message: str) -> None:
    typer.echo(message, err=True)


@neo4j_app.command()
def start(
    timeout: float = typer.Option(
        180.0, help="Seconds to wait for Bolt to answer before giving up."
    ),
) -> None:
    """Start the server (or reuse the running one) and print its settings as shell exports."""
    launcher = _launcher()
    launcher.startup_timeout_s = timeout
    try:
        instance, started = launcher.start()
    except Neo4jLaunchError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(1) from exc
    if not started:
        _err(f"Neo4j {instance.version} is already running on {instance.uri}.")
    for line in instance.credentials.env_lines():
        typer.echo(line)
    sys.stdout.flush()


@neo4j_app.command()
def stop() -> None:
    """Stop the server and delete its data; succeeds when nothing was running."""
    try:
        stopped = _launcher().stop()
    except Neo4jLaunchError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(1) from exc
    _err("Neo4j stopped." if stopped else "Neo4j was not running.")


@neo4j_app.command()
def status() -> None:
    """Say whether the server runs (exit 0) or not (exit 1), with its version and port."""
    instance = _launcher().current()
    if instance is None:
        typer.echo("not running")
        raise typer.Exit(1)
    typer.echo(f"running version={instance.version} port={instance.port} uri={instance.uri}")


if __name__ == "__main__":
    # Runnable on its own (``python -m techsov.neo4j_cli start``) so the test server does
    # not depend on the rest of the CLI importing cleanly.
    neo4j_app()
