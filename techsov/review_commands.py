"""``techsov review``: the data-quality report of a fact set, as a table or as JSON.

The computation lives in :mod:`ingest.review`; this module only chooses the paths, prints,
and turns a threshold breach into exit code 1 when ``--check`` asks for it.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ingest.review import CHECKS, DEFAULT_MAX_AGE_DAYS, THRESHOLDS, Figures, Review, review_paths
from ontology.schema import default_schema
from techsov.console import err_console, exits_on_error
from techsov.settings import Settings
from techsov.wiring import data_paths


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


# Short column headers, so the table fits a terminal; the legend under it spells them out.
SHORT = {
    "certain-without-evidence": "1.0 no ev.",
    "due-for-review": "due",
    "policy-past-horizon": "horizon",
    "kind-of-across-kinds": "kind x",
    "kind-of-also-other": "kind +",
    "competitors-without-market": "no market",
}


def _row(name: str, fig: Figures) -> list[str]:
    return [
        name,
        str(fig.relations),
        _pct(fig.evidence_share),
        str(fig.inferred),
        str(fig.sources),
        _pct(fig.source_share),
        *(str(fig.findings[c]) for c in CHECKS if c in SHORT),
    ]


def review_table(review: Review) -> Table:
    table = Table(
        title=f"Data-quality review as of {review.as_of.isoformat()} "
        f"(sources older than {review.max_age_days} days are due for review)"
    )
    table.add_column("file", no_wrap=True)
    table.add_column("rels", justify="right")
    table.add_column("evid.", justify="right")
    table.add_column("inferred", justify="right")
    table.add_column("srcs", justify="right")
    table.add_column("title+date", justify="right")
    for check in CHECKS:
        if check in SHORT:
            table.add_column(SHORT[check], justify="right")
    for name, fig in sorted(review.files.items()):
        table.add_row(*_row(Path(name).name, fig))
    table.add_row(*(f"[bold]{cell}[/]" for cell in _row("overall", review.overall)))
    return table


def findings_table(review: Review, limit: int) -> Table:
    table = Table(title=f"Findings (first {limit} of {len(review.findings)})")
    for col in ("check", "where", "subject", "what"):
        table.add_column(col)
    for f in review.findings[:limit]:
        table.add_row(f.check, f"{f.file}:{f.line}", f.subject, f.message)
    return table


def print_review(result: Review, findings: int) -> None:
    """The table, the first ``findings`` findings and a legend of the columns."""
    console = Console()
    console.print(review_table(result))
    if findings:
        console.print(findings_table(result, findings))
    console.print(
        "evid. = relations with an evidence excerpt; inferred = relations marked as the "
        "curators' inference; title+date = sources with both; "
        + "; ".join(f"{SHORT[k]} = {v}" for k, v in CHECKS.items() if k in SHORT),
        highlight=False,
    )


@exits_on_error
def review(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Fact files or folders (default: TECHSOV_DATA_PATHS, else the curated set); "
            "an import output folder reviews curated and imported facts together.",
            show_default=False,
        ),
    ] = None,
    as_of: Annotated[
        datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="Review as of this day (YYYY-MM-DD; default: today).",
        ),
    ] = None,
    max_age_days: Annotated[
        int,
        typer.Option(
            "--max-age-days",
            min=1,
            help="An open-ended fact whose newest source is older than this is due for review.",
        ),
    ] = DEFAULT_MAX_AGE_DAYS,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    findings: Annotated[
        int, typer.Option("--findings", min=0, help="List this many findings under the table.")
    ] = 0,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit with code 1 when the set falls below the thresholds ("
            + ", ".join(f"{k.replace('_', ' ')} >= {v:.0%}" for k, v in THRESHOLDS.items())
            + ").",
        ),
    ] = False,
) -> None:
    """Data-quality report: evidence, source metadata, facts due for review, policies past
    their horizon and relation types used against their meaning, by file and overall."""
    day = as_of.date() if as_of else date.today()
    result = review_paths(
        data_paths(Settings(), paths or ()),
        default_schema(),
        as_of=day,
        max_age_days=max_age_days,
    )
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        print_review(result, findings)
    breaches = result.below_thresholds()
    for line in breaches:
        err_console.print(f"[bold red]below threshold:[/] {line}", highlight=False)
    if check and breaches:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command(name="review")(review)
