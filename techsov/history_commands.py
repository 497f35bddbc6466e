"""Commands about the graph's known-time history.

``techsov changes --since V|TIMESTAMP``: what changed after a version (or after the version
known at a timestamp), with, for each ``--policy``, who became exposed and who no longer
is, and the facts that caused it. As a table on the terminal, JSON for programs, or
Markdown for a mail digest. It reads the store the server reads (Neo4j when configured;
the embedded store holds only the version it was just loaded as).
"""

from __future__ import annotations

import enum
import io
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ontology.errors import BadRequest
from ontology.schema import Schema, default_schema
from store.change_feed import HistoryStore, digest, resolve_since
from techsov.change_digest import (
    Labels,
    digest_json,
    digest_markdown,
    digest_tables,
    mentioned,
    names_from,
)
from techsov.console import err_console, exits_on_error
from techsov.settings import Settings


class ChangesFormat(enum.StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


def render_changes(
    store: HistoryStore,
    schema: Schema,
    since: str,
    output_format: ChangesFormat = ChangesFormat.table,
    *,
    policies: Sequence[str] = (),
    as_of: date | None = None,
    max_depth: int = 2,
    width: int = 160,
) -> str:
    """The change digest since ``since`` (a version number or an ISO timestamp), rendered."""
    found = digest(
        store, schema, resolve_since(store, since), policies=policies, as_of=as_of,
        max_depth=max_depth,
    )  # fmt: skip
    if output_format is ChangesFormat.json:
        return json.dumps(digest_json(found), ensure_ascii=False, indent=1) + "\n"
    entity_ids, source_ids = mentioned(found)
    names = names_from(found.changes)
    names.update({i: e.name for i, e in store.entities(entity_ids).items()})
    labels = Labels(names=names, sources=store.sources(source_ids))
    if output_format is ChangesFormat.markdown:
        return digest_markdown(found, labels)
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None)
    for table in digest_tables(found, labels):
        console.print(table)
    return buffer.getvalue()


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"--as-of: {text!r} is not a date (YYYY-MM-DD)") from None


@exits_on_error
def changes_command(
    since: Annotated[
        str,
        typer.Option(
            "--since",
            help="A version number, or an ISO date or timestamp (the version known then).",
        ),
    ],
    output_format: Annotated[
        ChangesFormat, typer.Option("--format", help="table, json, or markdown (for a mail).")
    ] = ChangesFormat.table,
    policy: Annotated[
        list[str] | None,
        typer.Option("--policy", help="Policy id whose exposure changes to report (repeat)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Evaluate exposure on this date (YYYY-MM-DD; today)."),
    ] = None,
    max_depth: Annotated[int, typer.Option("--max-depth", help="Exposure depth.")] = 2,
    out: Annotated[Path | None, typer.Option("--out", help="Write here (default stdout).")] = None,
) -> None:
    """What changed since a version or time: facts, and who became or stopped being exposed."""
    when = _date(as_of)
    from techsov.wiring import serving_store  # reads the fact files: only when run

    settings = Settings()
    schema = default_schema()
    with serving_store(settings, schema) as store:
        text = render_changes(
            store,
            schema,
            since,
            output_format,
            policies=policy or (),
            as_of=when,
            max_depth=max_depth,
        )
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        err_console.print(f"wrote {out}")


def register(app: typer.Typer) -> None:
    app.command("changes")(changes_command)
