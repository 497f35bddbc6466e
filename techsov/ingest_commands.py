"""CLI commands over fact files: ``techsov validate`` and ``techsov export``.

Both read facts through the same validation as ``techsov load``, so a file that validates
here loads there. ``export --from-store`` reads what the configured store holds instead;
every writer takes a :class:`Graph`, so both sources share them.
"""

from __future__ import annotations

import enum
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.table import Table

from exports.graphml import write_graphml
from exports.tabular import write_neo4j_admin_csv, write_parquet
from ingest.rdf import RDF_FORMATS, RdfFormat, export_rdf
from ontology.errors import BadRequest, ValidationFailed
from ontology.model import Graph
from ontology.schema import Schema, default_schema
from techsov.console import err_console, exits_on_error, note, working
from techsov.settings import Settings
from techsov.wiring import data_paths, read_graph_cached, serving_store


class ExportFormat(enum.StrEnum):
    turtle = "turtle"
    jsonld = "jsonld"
    ntriples = "ntriples"
    csv = "csv"
    parquet = "parquet"
    graphml = "graphml"

    @property
    def is_rdf(self) -> bool:
        return self.value in RDF_FORMATS


GRAPHML_FILE = "graph.graphml"


PathsArgument = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Fact files or folders (default: TECHSOV_DATA_PATHS, else the curated set).",
        show_default=False,
    ),
]


def parse_source_texts(specs: Sequence[str]) -> dict[str, str]:
    """``ID=FILE`` options -> source id to the file's text (UTF-8)."""
    texts: dict[str, str] = {}
    for spec in specs:
        source_id, sep, file = spec.partition("=")
        if not sep or not source_id or not file:
            raise typer.BadParameter(f"expected ID=FILE, got {spec!r}", param_hint="--source-text")
        try:
            texts[source_id] = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise typer.BadParameter(
                f"cannot read {file}: {exc}", param_hint="--source-text"
            ) from exc
    return texts


def validated_graph(
    paths: Sequence[Path] | None, schema: Schema, source_texts: dict[str, str] | None = None
) -> Graph:
    """Read and validate facts; on problems print each on one line and exit with code 2.

    Problems are printed unwrapped (``file:line: field: message``), whatever the terminal
    width, so editors and ``grep`` can jump to them.
    """
    settings = Settings()
    where = ", ".join(str(p) for p in data_paths(settings, paths or ()))
    try:
        with working(f"validating the facts in {where}"):
            graph, _ = read_graph_cached(settings, schema, paths or (), source_texts=source_texts)
        return graph
    except ValidationFailed as exc:
        err_console.print(f"[bold red]{len(exc.problems)} problem(s) found[/]")
        for problem in exc.problems:
            err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None


def summary_tables(graph: Graph) -> list[Table]:
    """Counts of what validated: entities by kind, relations by type, sources."""
    kinds = Counter(e.kind for e in graph.entities.values())
    types = Counter(r.type for r in graph.relations.values())
    tables: list[Table] = []
    for title, counts in (("Entities by kind", kinds), ("Relations by type", types)):
        table = Table(title=title)
        table.add_column("name")
        table.add_column("count", justify="right")
        for name, n in sorted(counts.items()):
            table.add_row(name, str(n))
        table.add_row("[bold]total[/]", f"[bold]{sum(counts.values())}[/]")
        tables.append(table)
    return tables


def write_export(graph: Graph, schema: Schema, fmt: ExportFormat, out: Path | None) -> None:
    """Write ``graph`` in ``fmt``: RDF to the file ``out`` (standard output when ``None``);
    the analytics formats into the folder ``out``, which they require."""
    if not fmt.is_rdf:
        if out is None:
            raise BadRequest(f"--format {fmt.value} writes several files: give --out DIR")
        if fmt is ExportFormat.csv:
            write_neo4j_admin_csv(graph, schema, out)
        elif fmt is ExportFormat.parquet:
            write_parquet(graph, schema, out)
        else:
            write_graphml(graph, schema, out / GRAPHML_FILE)
        return
    rdf_format = cast(RdfFormat, fmt.value)
    if out is None:
        export_rdf(graph, schema, rdf_format, sys.stdout)
        sys.stdout.flush()
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        export_rdf(graph, schema, rdf_format, out)


@exits_on_error
def validate(
    paths: PathsArgument = None,
    source_text: Annotated[
        list[str] | None,
        typer.Option(
            "--source-text",
            metavar="ID=FILE",
            help="Full text of a source; evidence citing it must occur in it verbatim.",
        ),
    ] = None,
) -> None:
    """Check fact files against the ontology and shapes; list every problem found.

    Problems are printed as `file:line: field: message`; the exit code is 2 when there
    are any.
    """
    texts = parse_source_texts(source_text or [])
    graph = validated_graph(paths, default_schema(), texts)
    console = Console()
    for table in summary_tables(graph):
        console.print(table)
    counts = graph.counts()
    console.print(
        f"[bold green]valid:[/] {counts['entities']} entities, {counts['relations']} "
        f"relations, {counts['sources']} sources"
        + (f"; evidence checked against {', '.join(sorted(texts))}" if texts else "")
    )


@exits_on_error
def export(
    paths: PathsArgument = None,
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            help="RDF (turtle, jsonld, ntriples) or analytics (csv for neo4j-admin, "
            "parquet, graphml).",
        ),
    ] = ExportFormat.turtle,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="RDF: file (default: stdout). Analytics formats: folder."),
    ] = None,
    from_store: Annotated[
        bool,
        typer.Option(
            "--from-store",
            help="Export what the configured store holds (Neo4j when TECHSOV_NEO4J_URI is "
            "set) instead of reading fact files.",
        ),
    ] = False,
) -> None:
    """Export the graph: RDF with the ontology's IRIs, neo4j-admin CSV, Parquet or GraphML."""
    schema = default_schema()
    if from_store:
        if paths:
            raise BadRequest("give fact paths or --from-store, not both")
        with (
            serving_store(Settings(), schema, log=note) as store,
            working("reading the graph from the store"),
        ):
            graph = store.snapshot()
    else:
        graph = validated_graph(paths, schema)
    if out is None:
        write_export(graph, schema, fmt, out)
    else:
        with working(f"writing {fmt.value} to {out}"):
            write_export(graph, schema, fmt, out)
    if out is not None:
        counts = graph.counts()
        err_console.print(
            f"wrote {counts['entities']} entities, {counts['relations']} relations and "
            f"{counts['sources']} sources to {out} ({fmt.value})",
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    """Add ``validate`` and ``export`` to the ``techsov`` command."""
    app.command("validate")(validate)
    app.command("export")(export)
