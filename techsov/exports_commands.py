"""CLI commands for the downstream outputs, built from the export registry
(:mod:`exports.registry`): ``techsov export --format F`` for the formats that write a
graph, and one command per format that asks the store questions (``bloom``, ``report``).

``export`` reads fact files through the same validation as ``techsov load`` (or, with
``--from-store``, what the configured store holds); the store commands read from the
store ``serve`` would answer from (Neo4j when configured, else the embedded store loaded
with the curated graph), so what is exported is what is served. Each format's options
come from its own declaration; these functions only wire settings to the writers.
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from exports.registry import Exporter, ExportOption, ExportSource, exporter, reading
from ontology.errors import BadRequest
from ontology.schema import default_schema
from techsov.console import err_console, exits_on_error, note, progress_bar, working
from techsov.ingest_commands import PathsArgument, validated_graph
from techsov.settings import Settings
from techsov.wiring import serving_store

DEFAULT_FORMAT = "turtle"


def _option_parameter(option: ExportOption) -> inspect.Parameter:
    extra: dict[str, Any] = {} if option.min is None else {"min": option.min}
    typed = option.type if option.default is not None or option.type is bool else option.type | None
    return inspect.Parameter(
        option.name,
        inspect.Parameter.KEYWORD_ONLY,
        default=option.default,
        annotation=Annotated[typed, typer.Option(option.flag, help=option.help, **extra)],
    )


def _parsed(options: tuple[ExportOption, ...], given: dict[str, Any]) -> dict[str, Any]:
    """Option values as the writer takes them; a value ``parse`` refuses is a usage error."""
    out = dict(given)
    for option in options:
        value = given.get(option.name)
        if option.parse is not None and value is not None:
            try:
                out[option.name] = option.parse(value)
            except ValueError:
                raise typer.BadParameter(f"not valid: {value!r}", param_hint=option.flag) from None
    return out


def _command(
    run: Callable[..., None], fixed: list[inspect.Parameter], options: tuple[ExportOption, ...]
) -> Callable[..., None]:
    """``run`` with a signature typer reads: the ``fixed`` parameters, then ``options``."""
    parameters = [*fixed, *(_option_parameter(o) for o in options)]

    def command(**kwargs: Any) -> None:
        run(**kwargs)

    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.__doc__ = run.__doc__
    return exits_on_error(command)


def _store_command(spec: Exporter) -> Callable[..., None]:
    def run(out: Path, **given: Any) -> None:
        schema = default_schema()
        options = _parsed(spec.options, given)
        with serving_store(Settings(), schema, log=note) as store, progress_bar() as bar:
            source = ExportSource(schema, store.snapshot, store=store, progress=bar)
            written = spec.write(source, out, options)
        for path in written:
            typer.echo(path)

    run.__doc__ = spec.help
    out = inspect.Parameter(
        "out",
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[
            Path, typer.Option("--out", help="Folder to write into (created if missing).")
        ],
    )
    return _command(run, [out], spec.options)


def _export_parameters(choice: type[enum.StrEnum], described: str) -> list[inspect.Parameter]:
    """The options every format of ``export`` shares: paths, --format, --out, --from-store."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    return [
        inspect.Parameter("paths", keyword, default=None, annotation=PathsArgument),
        inspect.Parameter(
            "fmt",
            keyword,
            default=choice(DEFAULT_FORMAT),
            annotation=Annotated[choice, typer.Option("--format", "-f", help=described)],
        ),
        inspect.Parameter(
            "out",
            keyword,
            default=None,
            annotation=Annotated[
                Path | None,
                typer.Option(
                    "--out",
                    "-o",
                    help="Single-file formats: the file (default: stdout). Others: a folder.",
                ),
            ],
        ),
        inspect.Parameter(
            "from_store",
            keyword,
            default=False,
            annotation=Annotated[
                bool,
                typer.Option(
                    "--from-store",
                    help="Export what the configured store holds (Neo4j when "
                    "TECHSOV_NEO4J_URI is set) instead of reading fact files.",
                ),
            ],
        ),
    ]


def _export_command() -> Callable[..., None]:
    formats = reading("graph")
    choice = enum.StrEnum("ExportFormat", {e.name: e.name for e in formats})  # type: ignore[misc]
    described = "; ".join(f"{e.name}: {e.help}" for e in formats)

    def run(
        paths: list[Path] | None,
        fmt: enum.StrEnum,
        out: Path | None,
        from_store: bool,
        **given: Any,
    ) -> None:
        """Export the graph in one of the registered formats (see --format)."""
        spec = exporter(fmt.value)
        options = _parsed(spec.options, given)
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
        source = ExportSource(schema, lambda: graph)
        if out is None:
            spec.write(source, None, options)
            return
        with working(f"writing {spec.name} to {out}"):
            spec.write(source, out, options)
        counts = graph.counts()
        err_console.print(
            f"wrote {counts['entities']} entities, {counts['relations']} relations and "
            f"{counts['sources']} sources to {out} ({spec.name})",
            soft_wrap=True,
        )

    fixed = _export_parameters(choice, described)
    options = tuple(o for e in formats for o in e.options)
    return _command(run, fixed, options)


def register(app: typer.Typer) -> None:
    """Add ``export`` and a command per store-reading format to the ``techsov`` command."""
    app.command("export")(_export_command())
    for spec in reading("store"):
        app.command(spec.name)(_store_command(spec))
