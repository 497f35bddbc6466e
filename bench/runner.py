"""One benchmark run: for each size, generate, read, load, query, serve, and measure.

Per size, on one Neo4j server and in this order:

1. generate the synthetic graph (:mod:`ingest.synth`) and read it back through the bulk
   reader (and, for small sizes, through the curated YAML validator, for comparison);
2. load it with :meth:`Neo4jStore.load` from an empty database, then again (the second load
   must change nothing), after timing a naive baseline that MERGEs a subset of the same
   relations one transaction each;
3. run the analyst queries - exposure at depths 1-5, dependencies, path - on Neo4j
   directly, through HTTP/GraphQL (a separate server process on the same store) and on
   the embedded store, interleaved sample by sample so all three see the same machine;
4. for the concurrency size, send bounded runs of 1, 8 and 32 concurrent clients;
5. read Neo4j's heap and start an embedded store in a fresh process for its start-up time
   and peak memory.

Every load replaces the whole graph of the database it is given: point it at a server of
its own (the default, see :mod:`bench.__main__`), never at one others are using.
"""

from __future__ import annotations

import json
import platform
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import neo4j

from bench.embedded import cold_and_warm
from bench.http import (
    DEPENDENCIES_DOC,
    EXPOSURE_DOC,
    PATH_DOC,
    HttpFailure,
    Request,
    graphql,
    run_clients,
    served,
)
from bench.measure import (
    DEPENDENCY_DEPTH,
    EXPOSURE_DEPTHS,
    PATH_LENGTH,
    REPO_ROOT,
    Samples,
    Workload,
    git_commit,
    naive_load,
    neo4j_heap_mb,
    pick_workload,
    ratio,
    timed,
)
from bench.report import summarize, write_reports
from ingest.bulk import build_bulk_graph
from ingest.synth import generate
from ingest.validate import build_graph
from ontology.errors import StoreUnavailable
from ontology.model import Graph
from ontology.schema import Schema, default_schema
from store import analysis, questions
from store.base import GraphStore
from store.embedded_store import EmbeddedStore
from store.neo4j_store import Neo4jStore
from techsov.graph_cache import inputs_digest
from techsov.neo4j_server import Neo4jCredentials

HEADLINE_DEPTH = 3

SIDES = ("neo4j", "http", "embedded")
ASOF_SIDE = "neo4j_asof"
"""The Neo4j store call with ``as_of`` set to today: always evaluated live (stored answers
serve only today's default question), so the same run shows both costs side by side."""


@dataclass
class BenchConfig:
    """What to measure and how much; the defaults are the documented run."""

    sizes: dict[str, int]  # size name -> number of firms
    out: Path  # where latest.json, latest.md and scaling.png go
    work: Path  # where generated graphs are written
    seed: int = 1
    items: int = 6  # policies / firms / pairs per query
    repeats: int = 2  # samples per item and side
    naive_subset: int = 2_000
    concurrency: tuple[int, ...] = (1, 8, 32)
    concurrency_size: str = "M"
    requests: int = 64  # per concurrency level (and at most 120 s each)
    soak_seconds: float = 30.0  # 32 clients on the curated graph; 0 skips the soak
    incremental_share: float = 0.01  # relations changed by the incremental load
    yaml_max_relations: int = 20_000
    database: str = "neo4j"
    command: str = ""
    log: Callable[[str], None] = field(default=lambda message: print(message, file=sys.stderr))


@dataclass(frozen=True)
class _Query:
    """One analyst question, runnable on a store and as a GraphQL request."""

    name: str
    direct: Callable[[GraphStore, Schema, Any], list[Any]]
    request: Callable[[Any], Request]
    items: Callable[[Workload], list[Any]]
    size: Callable[[Any], int]
    asof: Callable[[GraphStore, Schema, Any], list[Any]] | None = None

    @property
    def sides(self) -> tuple[str, ...]:
        return (*SIDES, ASOF_SIDE) if self.asof is not None else SIDES


def _exposure(depth: int) -> _Query:
    def direct(store: GraphStore, schema: Schema, policy: Any) -> list[Any]:
        return questions.suppliers_exposed_to(store, schema, policy, max_depth=depth)

    def live(store: GraphStore, schema: Schema, policy: Any) -> list[Any]:
        today = date.today()
        return questions.suppliers_exposed_to(store, schema, policy, max_depth=depth, as_of=today)

    def request(policy: Any) -> Request:
        return EXPOSURE_DOC, {"id": policy, "d": depth}

    return _Query(
        name=f"exposure_d{depth}",
        direct=direct,
        request=request,
        items=lambda w: list(w.policies),
        size=lambda data: len(data["suppliersExposedTo"]),
        asof=live if depth == HEADLINE_DEPTH else None,
    )


def _dependencies(store: GraphStore, schema: Schema, firm: Any) -> list[Any]:
    return analysis.dependencies(store, schema, firm, max_depth=DEPENDENCY_DEPTH)


def _path(store: GraphStore, schema: Schema, pair: Any) -> list[Any]:
    return questions.shortest_path(store, pair[0], pair[1], max_length=PATH_LENGTH) or []


def _queries() -> list[_Query]:
    return [
        *(_exposure(depth) for depth in EXPOSURE_DEPTHS),
        _Query(
            name=f"dependencies_d{DEPENDENCY_DEPTH}",
            direct=_dependencies,
            request=lambda firm: (DEPENDENCIES_DOC, {"id": firm, "d": DEPENDENCY_DEPTH}),
            items=lambda w: list(w.firms),
            size=lambda data: len(data["dependencies"]),
        ),
        _Query(
            name=f"path_l{PATH_LENGTH}",
            direct=_path,
            request=lambda pair: (PATH_DOC, {"a": pair[0], "b": pair[1], "n": PATH_LENGTH}),
            items=lambda w: list(w.pairs),
            size=lambda data: len(data["path"] or []),
        ),
    ]


def run(config: BenchConfig, credentials: Neo4jCredentials) -> dict[str, Any]:
    """Measure every size on the server of ``credentials``; write and return the results."""
    started = datetime.now(UTC)
    commit = git_commit()  # before the run: the code measured, not what is there at the end
    schema = default_schema()
    driver = neo4j.GraphDatabase.driver(
        credentials.uri,
        auth=(credentials.user, credentials.password),
        notifications_min_severity="OFF",
    )
    per_size: dict[str, dict[str, Any]] = {}
    soak = _soak(config)
    try:
        for name, firms in config.sizes.items():
            config.log(f"== size {name}: {firms} firms")
            per_size[name] = _bench_size(config, schema, driver, credentials, name, firms)
            results = _results(config, commit, started, per_size)
            results.update(soak)
            results["errors"] += int(soak.get("curated_soak_errors", 0))
            write_reports(results, config.out)  # after each size: a long run keeps its part
    finally:
        driver.close()
    return results


def _results(
    config: BenchConfig, commit: dict[str, Any], started: datetime, per_size: dict[str, Any]
) -> dict[str, Any]:
    results = {
        **commit,
        "started_at": started.isoformat(timespec="seconds"),
        "duration_s": round((datetime.now(UTC) - started).total_seconds(), 1),
        "command": config.command,
        "machine": {"cpus": _cpus(), "python": platform.python_version()},
        "config": {
            "seed": config.seed,
            "items": config.items,
            "repeats": config.repeats,
            "naive_subset": config.naive_subset,
            "concurrency": list(config.concurrency),
            "requests_per_level": config.requests,
        },
        "per_size": per_size,
    }
    results.update(summarize(per_size, config.naive_subset))
    return results


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def _bench_size(
    config: BenchConfig,
    schema: Schema,
    driver: neo4j.Driver,
    credentials: Neo4jCredentials,
    name: str,
    firms: int,
) -> dict[str, Any]:
    log = config.log
    data = config.work / f"{name.lower()}-{firms}-seed{config.seed}"
    shutil.rmtree(data, ignore_errors=True)
    with_yaml = firms * 8 <= config.yaml_max_relations
    gen_s, _ = timed(
        lambda: generate(
            data, firms, config.seed, formats=("csv", "yaml") if with_yaml else ("csv",)
        )
    )
    read_s, graph = timed(lambda: build_bulk_graph([data], schema))
    out: dict[str, Any] = {
        "firms": firms,
        **graph.counts(),
        "generate_s": round(gen_s, 2),
        "bulk_read_s": round(read_s, 2),
    }
    log(f"generated {graph.counts()} in {gen_s:.1f} s, bulk read in {read_s:.1f} s")
    if with_yaml:
        yaml_s, yaml_graph = timed(lambda: build_graph([data], schema, run_shacl=False))
        out["yaml_read_s"] = round(yaml_s, 2)
        out["bulk_read_speedup"] = round(ratio(yaml_s, read_s), 1)
        out["yaml_equals_bulk"] = yaml_graph.relations == graph.relations
        log(f"YAML read in {yaml_s:.1f} s")

    out.update(_load(config, schema, driver, graph, inputs_digest([data])))
    embedded = EmbeddedStore(schema)
    embedded.load(graph)
    # The default query timeout, as in the served app: both sides give up at the same time.
    store = Neo4jStore(driver, database=config.database, schema=schema)
    workload = pick_workload(graph, config.items, config.seed)
    with served(credentials, config.database) as base:
        out["queries"] = _latencies(
            config, schema, {"neo4j": store, "embedded": embedded}, base, workload
        )
        out["exposure_reached"] = _reached(schema, embedded, workload)
        if name == config.concurrency_size:
            out["clients"] = _clients(config, base, workload)
    out["neo4j_heap_mb"] = neo4j_heap_mb(driver, config.database)
    out["embedded"] = _probe(data)
    log(f"embedded start-up {out['embedded'].get('startup_s')} s")
    return out


def _load(
    config: BenchConfig, schema: Schema, driver: neo4j.Driver, graph: Graph, digest: str
) -> dict[str, Any]:
    """The naive baseline on a subset, then the real load from empty, then reloads: by
    hashes (no digest), by the input's digest (returns at once), and an incremental one."""
    store = Neo4jStore(driver, database=config.database, schema=schema, load_timeout_s=7200.0)
    store.load(Graph())  # empty, with the schema (constraints) in place for both sides
    subset = list(graph.relations.values())[: config.naive_subset]
    naive_s = naive_load(driver, config.database, schema, subset)
    config.log(f"naive: {len(subset)} relations in {naive_s:.1f} s")
    store.load(Graph())
    stages, progress = _stage_timer()
    load_s, summary = timed(lambda: store.load(graph, progress=progress, digest=digest))
    reload_s, again = timed(lambda: store.load(graph))
    store.load(graph, digest=digest)  # records the digest again (a load without one clears it)
    noop_s, noop = timed(lambda: store.load(graph, digest=digest))
    relations = len(graph.relations)
    config.log(f"load: {relations} relations in {load_s:.1f} s; reload {reload_s:.1f} s")
    edited = _edited(graph, config.incremental_share, config.seed)
    edit_stages, edit_progress = _stage_timer()
    incremental_s, incremental = timed(lambda: store.load(edited, progress=edit_progress))
    store.load(graph)  # back to the graph every other side holds
    changed = incremental.relations.updated
    config.log(f"incremental: {changed} relations in {incremental_s:.1f} s")
    return {
        "full_load_s": round(load_s, 2),
        "noop_reload_s": round(noop_s, 2),
        "noop_reload_changed": noop.changed,
        "incremental_relations": changed,
        "incremental_s": round(incremental_s, 2),
        "incremental_rel_per_s": round(changed / incremental_s, 1),
        "incremental_stages_s": {k: round(v, 2) for k, v in edit_stages.items()},
        "load_s": round(load_s, 2),
        "load_rel_per_s": round(relations / load_s, 1),
        "load_stages_s": {k: round(v, 2) for k, v in stages.items()},
        "load_created": summary.relations.created,
        "reload_s": round(reload_s, 2),
        "reload_changed": again.changed,
        "naive_relations": len(subset),
        "naive_s": round(naive_s, 2),
        "naive_rel_per_s": round(len(subset) / naive_s, 1),
    }


def _stage_timer() -> tuple[dict[str, float], Callable[[str, int, int], None]]:
    """Seconds per load stage, as told by the load's progress callback (the time since
    the previous report goes to the stage reported)."""
    stages: dict[str, float] = {}
    last = [time.perf_counter()]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        stages[stage] = stages.get(stage, 0.0) + now - last[0]
        last[0] = now

    return stages, progress


def _edited(graph: Graph, share: float, seed: int) -> Graph:
    """``graph`` with the confidence of ``share`` of its relations lowered a little: what
    an incremental load of corrected facts writes."""
    rng = random.Random(seed)
    ids = rng.sample(sorted(graph.relations), max(1, round(len(graph.relations) * share)))
    relations = dict(graph.relations)
    for rid in ids:
        rel = relations[rid]
        confidence = rel.confidence - 0.01 if rel.confidence > 0.05 else rel.confidence + 0.01
        relations[rid] = rel.model_copy(update={"confidence": round(confidence, 4)})
    return Graph(entities=dict(graph.entities), relations=relations, sources=dict(graph.sources))


def _latencies(
    config: BenchConfig,
    schema: Schema,
    stores: dict[str, GraphStore],
    base: str,
    workload: Workload,
) -> dict[str, dict[str, dict[str, float]]]:
    """p50/p95 per query and side; the sides take turns on every item of every repeat.

    A call that fails (the store's query timeout, the same on every side) is counted, not
    timed; a side that fails on an item in the warm-up pass is not asked that item again,
    so a question that cannot be answered in time costs one timeout, not one per sample.
    """
    results: dict[str, dict[str, dict[str, float]]] = {}
    with httpx.Client(base_url=base, timeout=300.0) as http:
        for query in _queries():
            items = query.items(workload)
            samples = {side: Samples() for side in query.sides}
            failing: set[tuple[str, int]] = set()
            for rep in range(config.repeats + 1):  # the first pass only warms up
                for index, item in enumerate(items):
                    for side in query.sides:
                        if (side, index) in failing:
                            samples[side].failures += 1 if rep else 0
                            continue
                        try:
                            seconds, size = _one(query, side, stores, schema, http, item)
                        except (HttpFailure, StoreUnavailable):
                            failing.add((side, index))
                            samples[side].failures += 1 if rep else 0
                            continue
                        if rep:
                            samples[side].add(seconds, size)
            results[query.name] = {side: s.summary() for side, s in samples.items()}
            n = results[query.name]
            config.log(
                f"{query.name}: p50 neo4j {n['neo4j']['p50_ms']:.1f} ms, http "
                f"{n['http']['p50_ms']:.1f} ms, embedded {n['embedded']['p50_ms']:.1f} ms; "
                f"failed {[n[side]['failed'] for side in SIDES]}"
            )
    return results


def _one(
    query: _Query,
    side: str,
    stores: dict[str, GraphStore],
    schema: Schema,
    http: httpx.Client,
    item: Any,
) -> tuple[float, int]:
    if side == "http":
        seconds, data = timed(lambda: graphql(http, query.request(item)))
        return seconds, query.size(data)
    if side == ASOF_SIDE and query.asof is not None:
        live = query.asof
        seconds, found = timed(lambda: live(stores["neo4j"], schema, item))
        return seconds, len(found)
    seconds, found = timed(lambda: query.direct(stores[side], schema, item))
    return seconds, len(found)


def _reached(schema: Schema, store: GraphStore, workload: Workload) -> dict[str, float]:
    """Mean number of organizations each exposure depth reaches, before the page limit
    (what the traversal really visits; the answers are capped at 100)."""
    out: dict[str, float] = {}
    for depth in EXPOSURE_DEPTHS:
        counts = [
            len(analysis.suppliers_exposed_to(store, schema, p, max_depth=depth, first=10**9))
            for p in workload.policies
        ]
        out[f"d{depth}"] = round(sum(counts) / max(1, len(counts)), 1)
    return out


def _clients(config: BenchConfig, base: str, workload: Workload) -> dict[str, dict[str, float]]:
    """Bounded runs of concurrent clients over a mixed workload (exposure at the default
    depth, dependencies), as a served API would see it. ``path`` is left out: through the
    jurisdiction and technology hubs it times out on M (see the latency table)."""
    mix: list[Request] = []
    for policy, firm in zip(workload.policies, workload.firms, strict=False):
        mix += [
            (EXPOSURE_DOC, {"id": policy, "d": 3}),
            (DEPENDENCIES_DOC, {"id": firm, "d": DEPENDENCY_DEPTH}),
        ]
    out: dict[str, dict[str, float]] = {}
    for clients in config.concurrency:
        done = run_clients(base, mix, clients, max(config.requests, clients))
        out[str(clients)] = {
            "rps": round(done.rps, 2),
            "requests": done.requests,
            "errors": done.errors,
            "unsent": done.unsent,
            "seconds": round(done.seconds, 2),
            "p50_ms": round(done.p50_ms, 1),
            "p95_ms": round(done.p95_ms, 1),
        }
        config.log(f"{clients} clients: {done.rps:.1f} req/s, {done.errors} errors")
    return out


def _soak(config: BenchConfig) -> dict[str, Any]:
    """32 clients for ``soak_seconds`` on the curated graph (``bench.soak``: the embedded
    store, served as ``techsov serve`` serves it)."""
    if config.soak_seconds <= 0:
        return {}
    out = config.work / "soak.json"
    config.work.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "bench.soak", "--seconds", str(config.soak_seconds),
         "--clients", "32", "--json", str(out)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if not out.exists():
        config.log(f"curated soak failed: {done.stderr[-2000:]}")
        return {"curated_soak_errors": 1}
    soak = json.loads(out.read_text(encoding="utf-8"))
    config.log(f"curated soak: {soak['requests_per_s']:.1f} req/s, {soak['errors']} errors")
    return {
        "curated_soak_rps": round(soak["requests_per_s"], 1),
        "curated_soak_p50_ms": round(soak["p50_ms"], 1),
        "curated_soak_p95_ms": round(soak["p95_ms"], 1),
        "curated_soak_errors": soak["errors"],
    }


def _probe(data: Path) -> dict[str, Any]:
    """Embedded start-up in fresh processes, cold and warm (see :mod:`bench.embedded`)."""
    return cold_and_warm(data)
