"""The question engine on Neo4j, before and after, side by side in one run.

    python -m bench.engine --sizes S,M --neo4j-uri bolt://... --neo4j-password ...

For each size: the synthetic graph (generated once under ``--work`` and reused), loaded
into the given server unless it already holds that input (by digest), and into the
embedded store, which gives the reference answers. Then, on the runner's workload (the
same seeded policies and firm pairs as ``python -m bench``), each sample runs every side
back to back:

- ``exposure_d3`` today (the stored answer), and live (``as_of`` today): ``before``
  evaluated over the store primitives (what every request did before the engine),
  ``after`` by the store's engine (:mod:`store.neo4j_engine`);
- ``exposure_d3_past``: live by the engine on past dates, two per policy (see
  :func:`past_days`), since analysts ask for history too;
- ``path_l4``: ``before`` the previous statement (a literal bound of 6 for every question,
  the length filtered afterwards), ``after`` the store's own search;
- ``dependencies_d3``: ``before`` evaluated over the store primitives, ``after`` by the
  store (:mod:`store.neo4j_dependencies`).

Every side's answers are compared with the embedded store's (supplier, kind, depth, score,
path ids; the path's relation ids): ``mismatches`` counts the differences. ``--write``
merges the figures into ``bench/results/latest.json`` (read again just before writing).
"""

from __future__ import annotations

import argparse
import gc
import json
import shlex
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import neo4j

from bench.__main__ import SERVER_CONF, _sizes, redacted
from bench.measure import REPO_ROOT, git_commit, percentile, pick_workload, timed
from ingest.bulk import build_bulk_graph
from ingest.synth import generate
from ontology.model import Entity, Graph, Relation
from ontology.schema import Schema, default_schema
from store import analysis, questions
from store.base import Direction, GraphStore
from store.embedded_store import EmbeddedStore
from store.neo4j_store import Neo4jStore
from store.rules import governing, read_versions
from techsov.graph_cache import inputs_digest
from techsov.neo4j_import_switch import ImportReport, ImportSwitch
from techsov.neo4j_server import Neo4jLauncher
from techsov.settings import Settings

DEPTH, LENGTH = 3, 4

# The path statement as it was before its bound followed the question (the baseline).
PATH_BEFORE = """
OPTIONAL MATCH (a:Entity {id: $start})
OPTIONAL MATCH (b:Entity {id: $end})
OPTIONAL CALL (a, b) {
    MATCH p = ALL SHORTEST (a) ((x)-[r:$any($types)]-(y)){1,6} (b)
    WHERE length(p) <= $max_length
    WITH p ORDER BY [x IN relationships(p) | x.id] LIMIT 1
    RETURN [x IN relationships(p) | x.id] AS path
}
RETURN path
"""


class Primitives:
    """A store seen through its primitives only: the analysis evaluates every question
    over :meth:`edges` and :meth:`entities`, as every request did before the engine."""

    engine = "neo4j"

    def __init__(self, store: GraphStore) -> None:
        self._store = store

    def edges(
        self, ids: Sequence[str], types: Sequence[str] | None, d: Direction, as_of: date | None
    ) -> list[Relation]:
        return self._store.edges(ids, types, d, as_of)

    def entities(self, ids: Sequence[str]) -> dict[str, Entity]:
        return self._store.entities(ids)


def _exposure(store: Any, schema: Schema, policy: str, as_of: date | None) -> list[Any]:
    found = questions.suppliers_exposed_to(store, schema, policy, max_depth=DEPTH, as_of=as_of)
    return [(e.supplier, e.basis, e.depth, e.score, [r.id for r in e.path]) for e in found]


def past_days(store: GraphStore, schema: Schema, policy: str, today: date) -> list[date]:
    """Two past dates for ``policy``: halfway through the validity of the version that
    governs today, and the day before the latest version began (the version it replaced
    governed then; with a single version, a year after it began)."""
    versions = read_versions(store, schema, policy)
    current = governing(versions, today)
    start = current.in_force_from if current and current.in_force_from else date(2015, 1, 1)
    starts = sorted(v.in_force_from for v in versions if v.in_force_from is not None)
    if len(starts) > 1:
        earlier = starts[-1] - timedelta(days=1)
    else:
        earlier = min(start + timedelta(days=365), today - timedelta(days=1))
    return [start + (today - start) / 2, earlier]


def _dependencies(store: Any, schema: Schema, firm: str) -> list[Any]:
    found = analysis.dependencies(store, schema, firm, max_depth=DEPTH)
    return [(d.entity, d.category, d.depth, [r.id for r in d.path]) for d in found]


def _path(store: GraphStore, pair: tuple[str, str]) -> list[str] | None:
    found = questions.shortest_path(store, pair[0], pair[1], max_length=LENGTH)
    return None if found is None else [r.id for r in found]


def _path_before(driver: neo4j.Driver, database: str, types: list[str]) -> Callable[..., Any]:
    def run(pair: tuple[str, str]) -> list[str] | None:
        params = {"start": pair[0], "end": pair[1], "types": types, "max_length": LENGTH}
        records = driver.execute_query(
            PATH_BEFORE, params, database_=database, routing_=neo4j.RoutingControl.READ
        ).records
        return records[0]["path"]

    return run


def _summary(seconds: list[float], mismatches: int) -> dict[str, Any]:
    ms = [s * 1000 for s in seconds]
    return {
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "n": len(ms),
        "mismatches": mismatches,
    }


def _full_load(
    args: argparse.Namespace, neo: Neo4jStore, graph: Graph, schema: Schema, digest: str
) -> ImportReport | None:
    """A transactional load, or with ``--import`` the import and switch of the server
    that ``Neo4jLauncher(version, DIR, conf=SERVER_CONF)`` manages."""
    if args.import_server is None:
        neo.load(graph, digest=digest)
        return None
    launcher = Neo4jLauncher(Settings().neo4j_version, args.import_server, conf=SERVER_CONF)
    instance = launcher.current()
    if instance is None or instance.uri != args.neo4j_uri:
        raise SystemExit(f"--import: no server of {args.import_server} on {args.neo4j_uri}")
    switch = ImportSwitch(launcher, instance, database=args.database, schema=schema)
    return switch.load(graph, digest=digest, progress=None)


def bench_size(
    args: argparse.Namespace, driver: neo4j.Driver, schema: Schema, name: str, firms: int
) -> dict[str, Any]:
    log = args.log
    data = args.work / f"{name.lower()}-{firms}-seed{args.seed}"
    if not (data / "entities.csv").exists() and not any(data.glob("*.csv")):
        generate(data, firms, args.seed, formats=("csv",))
    graph = build_bulk_graph([data], schema)
    neo = Neo4jStore(
        driver, database=args.database, schema=schema, query_timeout_s=120.0, load_timeout_s=7200.0
    )
    digest = inputs_digest([data])
    out: dict[str, Any] = {"relations": len(graph.relations)}
    if not neo.holds_input(digest):
        load_s, report = timed(lambda: _full_load(args, neo, graph, schema, digest))
        out["full_load_s"] = round(load_s, 1)
        if report is not None:  # loaded by neo4j-admin import: where the time went
            out["full_load_stages_s"] = report.stages
        log(f"{name}: loaded {len(graph.relations)} relations in {load_s:.1f} s")
    embedded = EmbeddedStore(schema)
    embedded.load(graph)
    # The reference store's million objects are left out of the collector's passes: a
    # server of the Neo4j store does not hold them, and their full collections (0.2-1 s)
    # would otherwise land in the Neo4j side's samples.
    gc.freeze()
    work = pick_workload(graph, args.items, args.seed)
    today = date.today()
    exposure_sides: dict[str, Callable[[str], Any]] = {
        "today": lambda p: _exposure(neo, schema, p, None),
        "asof_before": lambda p: _exposure(Primitives(neo), schema, p, today),
        "asof_after": lambda p: _exposure(neo, schema, p, today),
    }
    truth = {p: _exposure(embedded, schema, p, today) for p in work.policies}
    out["exposure_d3"] = _sides(args, exposure_sides, work.policies, truth)
    out["exposure_d3"]["mean_rows"] = round(
        sum(len(v) for v in truth.values()) / max(1, len(truth)), 1
    )
    past = [(p, d) for p in work.policies for d in past_days(embedded, schema, p, today)]
    past_truth = {(p, d): _exposure(embedded, schema, p, d) for p, d in past}
    past_sides: dict[str, Callable[[Any], Any]] = {
        "after": lambda pd: _exposure(neo, schema, pd[0], pd[1])
    }
    out["exposure_d3_past"] = _sides(args, past_sides, past, past_truth)
    out["exposure_d3_past"]["days"] = sorted({d.isoformat() for _, d in past})
    types = sorted(r.neo4j_type for r in schema.relations.values())
    path_sides: dict[str, Callable[[Any], Any]] = {
        "before": _path_before(driver, args.database, types),
        "after": lambda pair: _path(neo, pair),
    }
    path_truth = {pair: _path(embedded, pair) for pair in work.pairs}
    out["path_l4"] = _sides(args, path_sides, work.pairs, path_truth)
    dependency_sides: dict[str, Callable[[str], Any]] = {
        "before": lambda firm: _dependencies(Primitives(neo), schema, firm),
        "after": lambda firm: _dependencies(neo, schema, firm),
    }
    dependency_truth = {f: _dependencies(embedded, schema, f) for f in work.firms}
    out["dependencies_d3"] = _sides(args, dependency_sides, work.firms, dependency_truth)
    log(f"{name}: {json.dumps(out)}")
    return out


def _sides(
    args: argparse.Namespace,
    sides: dict[str, Callable[[Any], Any]],
    items: Sequence[Any],
    truth: dict[Any, Any],
) -> dict[str, Any]:
    """Every side on every item, back to back; the first pass only warms up. With
    ``--after-only`` the old ways (``before`` sides) are left out."""
    if args.after_only:
        sides = {s: fn for s, fn in sides.items() if "before" not in s}
    seconds: dict[str, list[float]] = {s: [] for s in sides}
    wrong = dict.fromkeys(sides, 0)
    for rep in range(args.repeats + 1):
        for item in items:
            for side, fn in sides.items():
                took, found = timed(lambda fn=fn, item=item: fn(item))  # type: ignore[misc]
                if rep:
                    seconds[side].append(took)
                    wrong[side] += int(found != truth[item])
    return {side: _summary(seconds[side], wrong[side]) for side in sides}


def merge(path: Path, per_size: dict[str, dict[str, Any]], run: dict[str, Any]) -> None:
    """Merge into ``latest.json``, read again right before writing (others add keys)."""
    results = json.loads(path.read_text()) if path.exists() else {}
    for size, figures in per_size.items():
        results.setdefault("per_size", {}).setdefault(size, {})["engine"] = {**figures, "run": run}
        e, p = figures["exposure_d3"], figures["path_l4"]
        for key, value in (
            ("exposure_d3_p95_ms", e["today"]["p95_ms"]),
            ("exposure_d3_p50_ms", e["today"]["p50_ms"]),
            ("exposure_d3_asof_p95_ms", e["asof_after"]["p95_ms"]),
            ("path_l4_p95_ms", p["after"]["p95_ms"]),
            ("exposure_d3_asof_past_p95_ms", figures["exposure_d3_past"]["after"]["p95_ms"]),
        ):
            results.setdefault(key, {})[size] = value
        if "full_load_s" in figures:  # a run that loaded (not one that found the graph there)
            results.setdefault("full_load_s", {})[size] = figures["full_load_s"]
            per_s = figures["relations"] / max(figures["full_load_s"], 1e-9)
            results.setdefault("load_rel_per_s", {})[size] = round(per_s, 1)
    path.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.engine", description=__doc__)
    parser.add_argument("--sizes", type=_sizes, default=_sizes("S,M"))
    parser.add_argument("--work", type=Path, default=REPO_ROOT / "build" / "bench-engine")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--items", type=int, default=6)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--neo4j-uri", required=True, help="a server nobody else uses")
    parser.add_argument("--neo4j-user", default="neo4j")
    parser.add_argument("--neo4j-password", default="")
    parser.add_argument("--database", default="neo4j")
    parser.add_argument("--write", action="store_true", help="merge into latest.json")
    parser.add_argument(
        "--import",
        dest="import_server",
        type=Path,
        metavar="DIR",
        help="load whole graphs by neo4j-admin import and switch, into the server the "
        "launcher of cache directory DIR manages (with the benchmark's SERVER_CONF)",
    )
    parser.add_argument(
        "--after-only",
        action="store_true",
        help="time only the engine's own evaluations, not the old ways beside them (at L "
        "the old path search and per-primitive evaluations take minutes per question)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    args.log = lambda message: print(message, file=sys.stderr, flush=True)
    commit = git_commit()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    schema = default_schema()
    driver = neo4j.GraphDatabase.driver(
        args.neo4j_uri,
        auth=(args.neo4j_user, args.neo4j_password),
        notifications_min_severity="OFF",
    )
    try:
        per_size = {n: bench_size(args, driver, schema, n, f) for n, f in args.sizes.items()}
    finally:
        driver.close()
    shown = redacted(argv)
    run = {
        **commit,
        "started_at": started,
        "command": "python -m bench.engine " + shlex.join(shown),
    }
    print(json.dumps({"per_size": per_size, "run": run}, indent=2))
    if args.write:
        merge(REPO_ROOT / "bench" / "results" / "latest.json", per_size, run)
    return sum(
        side["mismatches"]
        for figures in per_size.values()
        for q in (
            figures["exposure_d3"],
            figures["exposure_d3_past"],
            figures["path_l4"],
            figures["dependencies_d3"],
        )
        for side in q.values()
        if isinstance(side, dict)
    )


if __name__ == "__main__":
    sys.exit(min(main(), 1))
