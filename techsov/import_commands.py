"""CLI commands for public data sets: ``techsov import <source> PATH --out DIR`` and
``techsov resolve``. The import commands, their help and options come from the importer
registry (:mod:`ingest.importers.registry`): nothing here names a data set.

An import reads one data set, checks its records with the curated rules, keeps the version
among the folder's staged versions, and re-resolves the whole graph (curated facts, every
staged data set, the decisions file) into ``DIR`` as fact files that ``techsov load DIR``
and ``TECHSOV_DATA_PATHS=DIR techsov serve`` read. ``resolve --report`` shows the merges
made and the candidate matches left for an analyst; see ``ingest/IMPORT.md``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, get_type_hints

import typer
from rich.console import Console

from ingest.importers.pipeline import import_source, resolve_folder, write_resolution
from ingest.importers.registry import Importer, importers
from ingest.resolution.evaluation import evaluate, load_labels
from ingest.resolve import Resolution, final_by_ref
from ontology.errors import ValidationFailed
from techsov.console import err_console, exits_on_error, working

import_app = typer.Typer(help="Import a public data set into a resolved fact folder.")

PathArgument = Annotated[Path, typer.Argument(help="Folder holding the data set's files.")]
OutOption = Annotated[
    Path, typer.Option("--out", "-o", help="Output folder: the resolved graph (created).")
]
VersionOption = Annotated[
    str | None,
    typer.Option("--version", help="Version of the data set (a commit); default: a file hash."),
]
ReleasedOption = Annotated[
    str | None, typer.Option("--released", help="Release date of that version, YYYY-MM-DD.")
]
CuratedOption = Annotated[
    list[Path] | None,
    typer.Option("--curated", help="Curated fact files or folders (default: the shipped set)."),
]
DecisionsOption = Annotated[
    Path | None,
    typer.Option("--decisions", help="Resolution decisions file (default: the shipped one)."),
]


def _print_problems(exc: ValidationFailed) -> None:
    err_console.print(f"[bold red]{len(exc.problems)} problem(s) found[/]")
    for problem in exc.problems:
        err_console.print(str(problem), markup=False, highlight=False, soft_wrap=True)


def _run(
    source: str,
    path: Path,
    out: Path,
    version: str | None,
    released: str | None,
    curated: list[Path] | None,
    decisions: Path | None,
    options: dict[str, str] | None = None,
) -> None:
    when = date.fromisoformat(released) if released else None
    try:
        with working(f"mapping {source} from {path} onto the ontology"):
            imported, new = import_source(
                source, path, out, version=version, released=when, options=options
            )
        counts = imported.counts()
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(imported.skipped.items()))
        err_console.print(
            f"{source} {imported.version} ({imported.released}): {counts['entities']} "
            f"entities, {counts['relations']} relations, {counts['sources']} sources"
            + (f"; skipped {skipped}" if skipped else "")
            + ("" if new else " (already staged: unchanged)")
        )
        with working("resolving entities across the data sets and the curated facts"):
            resolution = resolve_folder(out, curated=curated, decisions=decisions)
        with working(f"writing the resolved facts to {out}"):
            write_resolution(resolution, out)
    except ValidationFailed as exc:
        _print_problems(exc)
        raise typer.Exit(exc.exit_code) from None
    _summary(resolution, out)


def _summary(resolution: Resolution, out: Path) -> None:
    counts = resolution.graph.counts()
    err_console.print(
        f"resolved graph in {out}: {counts['entities']} entities, {counts['relations']} "
        f"relations, {counts['sources']} sources; {len(resolution.merged)} merged entities, "
        f"{len(resolution.review)} candidate matches to review"
    )


def _command(spec: Importer, about: str) -> Callable[..., None]:
    """The ``techsov import <name>`` command of one importer: the options every import has,
    then the importer's own (:attr:`Importer.options`)."""

    @exits_on_error
    def command(
        path: PathArgument,
        out: OutOption,
        version: VersionOption = None,
        released: ReleasedOption = None,
        curated: CuratedOption = None,
        decisions: DecisionsOption = None,
        **options: str | None,
    ) -> None:
        given = {k: v for k, v in options.items() if v is not None}
        _run(spec.name, path, out, version, released, curated, decisions, given)

    hints = get_type_hints(command, include_extras=True)
    base = [
        p.replace(annotation=hints[p.name])
        for p in inspect.signature(command).parameters.values()
        if p.kind != p.VAR_KEYWORD
    ]
    own = [
        inspect.Parameter(
            option.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=option.default,
            annotation=Annotated[str | None, typer.Option(option.flag, help=option.help)],
        )
        for option in spec.options
    ]
    command.__signature__ = inspect.Signature([*base, *own])  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in (*base, *own)}
    command.__doc__ = f"Import {about}"
    return command


def _register_importers() -> None:
    """One ``techsov import`` command per registered importer, and one per other name."""
    for spec in importers().values():
        import_app.command(spec.name)(_command(spec, spec.help))
        for other, about in spec.other_names:
            import_app.command(other)(_command(spec, about))


_register_importers()


@exits_on_error
def resolve_command(
    out: Annotated[Path, typer.Argument(help="The output folder of earlier imports.")],
    report: Annotated[
        bool, typer.Option("--report", help="List merges and candidate matches.")
    ] = False,
    write: Annotated[
        bool, typer.Option("--write/--no-write", help="Rewrite the resolved fact files.")
    ] = True,
    curated: CuratedOption = None,
    decisions: DecisionsOption = None,
) -> None:
    """Re-resolve the staged data sets with the curated facts and the decisions file."""
    try:
        with working("resolving entities across the data sets and the curated facts"):
            resolution = resolve_folder(out, curated=curated, decisions=decisions)
        if write:
            with working(f"writing the resolved facts to {out}"):
                write_resolution(resolution, out)
    except ValidationFailed as exc:
        _print_problems(exc)
        raise typer.Exit(exc.exit_code) from None
    if report:
        print_report(resolution, Console(soft_wrap=True))
    _summary(resolution, out)


def print_report(resolution: Resolution, console: Console) -> None:
    """Merges with the evidence behind them (each feature with its contribution to the
    score), then candidates with their scores, then precision and recall on the labelled
    pairs (``ingest/resolution/labelled_pairs.yaml``)."""
    console.print(f"[bold]Merged entities ({len(resolution.merged)})[/]")
    for merged in resolution.merged:
        names = "; ".join(f"{m.ref} ({m.name})" for m in merged.members)
        console.print(f"{merged.id}: {names}", markup=False, highlight=False)
        for ev in merged.evidence:
            console.print(f"    {ev.score:.2f} {', '.join(ev.reasons)}", markup=False)
    console.print(f"[bold]Candidate matches to review ({len(resolution.review)})[/]")
    members = resolution.members
    for cand in resolution.review:
        a, b = members[cand.a], members[cand.b]
        console.print(
            f"{cand.score:.2f} {a.ref} ({a.name}) <> {b.ref} ({b.name}): {', '.join(cand.reasons)}",
            markup=False,
            highlight=False,
        )
    for a_ref, b_ref, why in resolution.refused:
        console.print(f"decision not applied: {a_ref} = {b_ref}: {why}", markup=False)
    for ref in resolution.unknown_refs:
        console.print(f"decision names no record: {ref}", markup=False)
    evaluation = evaluate(final_by_ref(resolution), load_labels())
    console.print(f"[bold]Labelled pairs[/]: {evaluation.summary()}")
    for pair in (*evaluation.wrong_merges, *evaluation.missed):
        what = "merged, but different" if pair in evaluation.wrong_merges else "not merged"
        console.print(f"    {what}: {pair.a} <> {pair.b}", markup=False)


def register(app: typer.Typer) -> None:
    """Add ``import`` (one subcommand per data set) and ``resolve`` to ``techsov``."""
    app.add_typer(import_app, name="import")
    app.command("resolve")(resolve_command)
