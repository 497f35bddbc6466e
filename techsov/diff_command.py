"""``techsov diff V1 V2``: two versions of the whole graph compared.

Counts by kind of change and by relation type, the changed facts, and the policies whose
exposure list changed (see :mod:`store.graph_diff`), as tables or ``--json``.
"""

from __future__ import annotations

import io
import json
import sys
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ontology.errors import BadRequest
from ontology.schema import default_schema
from store.graph_diff import GraphDiff, diff_versions
from techsov.console import exits_on_error
from techsov.settings import Settings

HELP = (
    "Compare two versions of the graph: what changed, and whose exposure.\n\n"
    "Every load that changes the graph makes a numbered version (a load that changes "
    "nothing makes none). Neo4j keeps the versions and the facts they retired in the "
    "database, so successive `techsov load` runs build the history this command reads. "
    "The embedded store keeps its history in memory for the life of the process that "
    "loaded it: a fresh command starts it with version 1 only, so compare versions on "
    "Neo4j (TECHSOV_NEO4J_URI)."
)


def diff_json(found: GraphDiff) -> dict[str, Any]:
    return {
        "old": found.old,
        "new": found.new,
        "by_kind": [
            {"kind": k, "change": c, "count": n} for (k, c), n in sorted(found.by_kind.items())
        ],
        "by_relation_type": [
            {"type": t, "change": c, "count": n}
            for (t, c), n in sorted(found.by_relation_type.items())
        ],
        "changes": [asdict(c) for c in found.changes],
        "exposure": [asdict(s) for s in found.exposure],
        "skipped_policies": found.skipped,
    }


def _counts(title: str, head: str, counts: dict[tuple[str, str], int]) -> Table:
    changes = sorted({c for _, c in counts})
    table = Table(title=title)
    table.add_column(head)
    for change in changes:
        table.add_column(change, justify="right")
    for row in sorted({k for k, _ in counts}):
        table.add_row(row, *(str(counts.get((row, c), 0)) for c in changes))
    return table


def diff_tables(found: GraphDiff, limit: int) -> list[Table]:
    facts = Table(title=f"Changed facts, version {found.old} → {found.new}")
    for column in ("change", "kind", "id", "summary"):
        facts.add_column(column)
    for change in found.changes[:limit]:
        fact = change.after if change.after is not None else change.before
        summary = (
            f"{fact.get('source')} {fact.get('type')} {fact.get('target')}"
            if change.kind == "relation" and fact
            else str((fact or {}).get("name") or (fact or {}).get("title") or "")
        )
        facts.add_row(change.change, change.kind, change.id, summary)
    if len(found.changes) > limit:
        facts.caption = f"{len(found.changes) - limit} more (--limit, or --json for all)"
    exposure = Table(title="Exposure lists that changed")
    for column in ("policy", "became exposed", "stopped", "changed path"):
        exposure.add_column(column)
    for shift in found.exposure:
        exposure.add_row(
            shift.policy, *(", ".join(s) for s in (shift.became_exposed, shift.stopped,
                                                   shift.changed))
        )  # fmt: skip
    return [
        _counts("Changes by kind", "kind", dict(found.by_kind)),
        _counts("Relation changes by type", "relation type", dict(found.by_relation_type)),
        facts,
        exposure,
    ]


def render_diff(found: GraphDiff, as_json: bool, limit: int = 50, width: int = 160) -> str:
    if as_json:
        return json.dumps(diff_json(found), ensure_ascii=False, indent=1) + "\n"
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=False, color_system=None)
    for table in diff_tables(found, limit):
        console.print(table)
    for policy, reason in sorted(found.skipped.items()):
        console.print(f"exposure of {policy} not compared: {reason}")
    return buffer.getvalue()


@exits_on_error
def diff_command(
    old: Annotated[int, typer.Argument(help="The earlier version number.")],
    new: Annotated[int, typer.Argument(help="The later version number.")],
    as_json: Annotated[bool, typer.Option("--json", help="Everything as JSON.")] = False,
    policy: Annotated[
        list[str] | None,
        typer.Option("--policy", help="Compare exposure to this policy only (repeat)."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Exposure on this date (YYYY-MM-DD; today).")
    ] = None,
    max_depth: Annotated[int, typer.Option("--max-depth", help="Exposure depth.")] = 2,
    limit: Annotated[int, typer.Option("--limit", help="Facts listed in the table.")] = 50,
) -> None:
    try:
        day = None if not as_of else date.fromisoformat(as_of)
    except ValueError:
        raise BadRequest(f"--as-of: {as_of!r} is not a date (YYYY-MM-DD)") from None
    from techsov.wiring import serving_store  # reads the fact files: only when run

    schema = default_schema()
    with serving_store(Settings(), schema) as store:
        found = diff_versions(
            store, schema, old, new, policies=policy or (), as_of=day, max_depth=max_depth
        )
    sys.stdout.write(render_diff(found, as_json, limit))


def register(app: typer.Typer) -> None:
    app.command("diff", help=HELP)(diff_command)
