"""CLI commands over fact files: ``techsov validate``, and the validated read that
``techsov export`` shares with it.

Both read facts through the same validation as ``techsov load``, so a file that validates
here loads there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ontology.errors import ValidationFailed
from ontology.model import Graph
from ontology.schema import Schema, default_schema
from techsov.console import err_console, exits_on_error, working
from techsov.settings import Settings
from techsov.wiring import data_paths, read_graph_cached

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


def register(app: typer.Typer) -> None:
    """Add ``validate`` to the ``techsov`` command (``export``, which reads facts through
    :func:`validated_graph` too, is built from the export registry in
    :mod:`techsov.exports_commands`)."""
    app.command("validate")(validate)
