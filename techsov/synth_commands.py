"""CLI commands for graphs at scale: ``synth`` writes a synthetic graph, ``load-bulk`` loads
machine-written CSV facts into Neo4j.

``load-bulk`` is ``load`` with the bulk reader (:mod:`ingest.bulk`) in place of the curated
YAML validator: the same checks, the same :class:`~ontology.model.Graph`, and the same
atomic, idempotent :meth:`store.neo4j_store.Neo4jStore.load`, at a reading speed that a
million relations need. The work lives in :mod:`ingest`; these functions wire settings to it.
"""

from __future__ import annotations

import enum
import time
from pathlib import Path
from typing import Annotated

import typer

from ingest.bulk import build_bulk_graph
from ingest.synth import SIZES, generate
from ontology.schema import default_schema
from techsov.console import err_console, exits_on_error, progress_bar, step, working
from techsov.neo4j_import_switch import import_into_managed_server
from techsov.settings import Settings
from techsov.webhooks import after_load, watching
from techsov.wiring import neo4j_store


class SynthFormat(enum.StrEnum):
    csv = "csv"
    yaml = "yaml"


class Size(enum.StrEnum):
    S = "S"
    M = "M"
    L = "L"


@exits_on_error
def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write (created if missing).")],
    firms: Annotated[
        int | None, typer.Option("--firms", min=50, help="Number of firms (sets the size).")
    ] = None,
    size: Annotated[
        Size | None,
        typer.Option(
            "--size", help="A standard size instead of --firms: S ~10k, M ~100k, L ~1M relations."
        ),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same files.")] = 1,
    formats: Annotated[
        list[SynthFormat] | None,
        typer.Option(
            "--format",
            help="csv (for load-bulk) and/or yaml (for validate/load); repeat for both.",
        ),
    ] = None,
) -> None:
    """Write an ontology-valid synthetic graph: tiered supply chains with hub suppliers,
    ownership trees, a deep technology taxonomy, policies of every kind, listings."""
    if (firms is None) == (size is None):
        raise typer.BadParameter("give exactly one of --firms and --size")
    count = firms if firms is not None else SIZES[str(size)]
    started = time.perf_counter()
    with working(f"generating a synthetic graph of {count} firms into {out}"):
        stats = generate(out, count, seed, formats=[str(f) for f in formats or [SynthFormat.csv]])
    manifest = stats.manifest()
    err_console.print(
        f"{manifest['entities']} entities, {manifest['relations']} relations, "
        f"{manifest['sources']} sources written to {out} "
        f"in {time.perf_counter() - started:.1f} s"
    )


@exits_on_error
def load_bulk(
    paths: Annotated[list[Path], typer.Argument(help="Bulk CSV files or folders holding them.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report changes, write nothing.")] = (
        False
    ),
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
    use_import: Annotated[
        bool,
        typer.Option(
            "--import",
            help="Build a new database with neo4j-admin database import and switch the "
            "server `techsov neo4j start` manages to it (restarted once): for whole graphs.",
        ),
    ] = False,
) -> None:
    """Validate bulk CSV facts and load them into Neo4j atomically (all or nothing).

    Same guarantees as `load`: loading the same files twice changes nothing, facts missing
    from the files are removed, and on any error the graph stays exactly as it was.
    """
    from techsov.cli import summary_table  # the composition root imports this module

    settings = Settings()
    schema = default_schema()
    if use_import and dry_run:
        raise typer.BadParameter("--import writes a new database; it has no --dry-run")
    started = time.perf_counter()
    graph = build_bulk_graph(paths, schema)
    read = time.perf_counter()
    err_console.print(f"read and validated {graph.counts()} in {read - started:.1f} s")
    if use_import:
        with progress_bar(progress) as bar:
            report = import_into_managed_server(settings, schema, graph, progress=bar)
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in report.stages.items())
        err_console.print(f"imported as version {report.number} ({stages})")
        err_console.print(f"loaded in {time.perf_counter() - read:.1f} s")
        return
    with neo4j_store(settings, schema) as store:
        before = watching(settings, store, dry_run)
        with progress_bar(progress) as bar:
            summary = store.load(graph, dry_run=dry_run, progress=bar)
        err_console.print(summary_table(summary))
        err_console.print(f"loaded in {time.perf_counter() - read:.1f} s")
        if before is not None:  # after the commit; failures are reported, never raised
            after_load(settings, schema, store, before, report=step)


def register(app: typer.Typer) -> None:
    """Add ``synth`` and ``load-bulk`` to the ``techsov`` command."""
    app.command("synth")(synth)
    app.command("load-bulk")(load_bulk)
