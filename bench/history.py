"""``python -m bench.history``: what known-time history costs, on both stores.

A synthetic graph (``ingest.synth``, ``--size`` M by default) is loaded, then nine more
versions, each changing 1% of its relations (three in five get a new confidence, one in
five ends - ``valid_to`` set - and one in five is retracted), so the store holds ten
versions. Reported, and merged into ``bench/results/latest.json`` (other keys kept):

- ``history_rel_per_version``: relation records the history keeps per version (retired
  relations; every changed or dropped relation leaves one);
- ``history_bytes_per_version``: bytes the history adds per version. Embedded: the
  pickled size of the retired records and the added-in marks (the in-memory objects are
  shared with the graph where they are live). Neo4j: the records' JSON payload bytes plus
  an estimate of the record overhead (one node and five properties at the store format's
  record sizes) and the ``_added_in`` property on each changed live fact - counted from
  the database, not measured on disk (store files grow in preallocated chunks);
- ``history_latest_overhead``: latest-version query time with history / without, for
  the same questions on the same final graph (exposure at depth 3 as of today, evaluated
  live; dependencies at depth 3; paged relations). Embedded: two stores side by side, the
  questions interleaved. Neo4j (one database): with the history first, then the same
  database with its history deleted, each question repeated. With ``--paired-uri`` (a
  second server), Neo4j instead side by side: :func:`neo4j_paired`.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import neo4j

from bench.measure import REPO_ROOT
from ingest.bulk import build_bulk_graph
from ingest.synth import SIZES, generate
from ontology.model import Graph
from ontology.schema import Schema, default_schema
from store.analysis import dependencies, suppliers_exposed_to
from store.answers import policies_of
from store.base import Direction, GraphStore
from store.embedded_store import EmbeddedStore
from store.neo4j_history_queries import HISTORY_SIZE
from store.neo4j_store import Neo4jStore

RESULTS = REPO_ROOT / "bench" / "results" / "latest.json"
VERSIONS = 10
SHARE = 0.01
# Neo4j record sizes (store format "aligned"): a node record and a property block.
NODE_RECORD = 15
PROPERTY_RECORD = 41
STRIP_HISTORY = (
    "MATCH (n) WHERE n:TechsovFact OR n:TechsovVersion DETACH DELETE n",
    "MATCH (n:Entity) WHERE n._added_in IS NOT NULL REMOVE n._added_in",
    "MATCH ()-[r]->() WHERE r._added_in IS NOT NULL REMOVE r._added_in",
    "MATCH (s:Source) WHERE s._added_in IS NOT NULL REMOVE s._added_in",
)


def versions(graph: Graph, count: int, share: float, seed: int) -> list[Graph]:
    """``graph`` and ``count - 1`` successors, each changing ``share`` of the relations."""
    rng = random.Random(seed)
    out = [graph]
    for _ in range(count - 1):
        relations = dict(out[-1].relations)
        picked = rng.sample(sorted(relations), max(1, round(len(relations) * share)))
        for i, rid in enumerate(picked):
            rel = relations[rid]
            if i % 5 == 3 and rel.valid_to is None:
                relations[rid] = rel.model_copy(update={"valid_to": date(2025, 6, 30)})
            elif i % 5 == 4:
                del relations[rid]
            else:
                bumped = rel.confidence - 0.01 if rel.confidence > 0.05 else rel.confidence + 0.01
                relations[rid] = rel.model_copy(update={"confidence": round(bumped, 4)})
        out.append(Graph(entities=graph.entities, relations=relations, sources=graph.sources))
    return out


Question = Callable[[GraphStore], Any]


def questions(schema: Schema, graph: Graph, seed: int) -> list[Question]:
    rng = random.Random(seed)
    kinds = {i: e.kind for i, e in graph.entities.items()}
    policies = rng.sample(policies_of(schema, kinds), 3)
    firms = rng.sample(sorted(i for i, k in kinds.items() if schema.is_a(k, "Firm")), 3)
    today = date.today()
    out: list[Question] = []
    for p in policies:
        out.append(partial(_exposure, schema=schema, policy=p, day=today))
    for f in firms:
        out.append(partial(_dependencies, schema=schema, firm=f, day=today))
        out.append(partial(_relations, firm=f))
    return out


def _exposure(store: GraphStore, *, schema: Schema, policy: str, day: date) -> Any:
    return suppliers_exposed_to(store, schema, policy, max_depth=3, as_of=day)


def _dependencies(store: GraphStore, *, schema: Schema, firm: str, day: date) -> Any:
    return dependencies(store, schema, firm, max_depth=3, as_of=day)


def _relations(store: GraphStore, *, firm: str) -> Any:
    return store.relations([firm], Direction.BOTH, None, 50, None)


def _time(question: Question, store: GraphStore) -> float:
    started = time.perf_counter()
    question(store)
    return time.perf_counter() - started


def _ratio(with_history: list[float], without: list[float], questions: int) -> float:
    """Sum over the questions of each one's median time, with history / without."""

    def total(times: list[float]) -> float:
        return sum(statistics.median(times[i::questions]) for i in range(questions))

    return round(total(with_history) / total(without), 3)


def embedded_side(schema: Schema, story: list[Graph], repeats: int) -> dict[str, Any]:
    kept = EmbeddedStore(schema, precompute=False)
    for graph in story:
        kept.load(graph)
    plain = EmbeddedStore(schema, precompute=False)
    plain.load(story[-1])
    for store in (kept, plain):  # finish any work a load leaves running (search index)
        store.search("settle", None, 1)
    history = kept._state.history
    relation_records = sum(1 for r in history.retired if r.kind == "relation")
    size = len(pickle.dumps((history.retired, dict(history.added)), pickle.HIGHEST_PROTOCOL))
    asked = questions(schema, story[-1], seed=7)
    timed: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(repeats):
        for i, question in enumerate(asked):  # interleaved, each side first in turn
            pair = [("with", kept), ("without", plain)]
            for side, store in pair if i % 2 else pair[::-1]:
                timed[side].append(_time(question, store))
    return {
        "versions": len(history.versions),
        "rel_per_version": round(relation_records / (len(history.versions) - 1), 1),
        "bytes_per_version": round(size / (len(history.versions) - 1)),
        "latest_overhead": _ratio(timed["with"], timed["without"], len(asked)),
        "median_ms": {k: round(statistics.median(v) * 1000, 2) for k, v in timed.items()},
    }


def neo4j_side(
    driver: neo4j.Driver, database: str, schema: Schema, story: list[Graph], repeats: int
) -> dict[str, Any]:
    with driver.session(database=database) as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
    store = Neo4jStore(driver, database=database, schema=schema, precompute=False)
    load_s = []
    for graph in story:
        started = time.perf_counter()
        store.load(graph)
        load_s.append(time.perf_counter() - started)
    known = store.versions()
    record = driver.execute_query(HISTORY_SIZE, database_=database).records[0]
    marked = driver.execute_query(
        "CALL () { MATCH ()-[r]->() WHERE r._added_in IS NOT NULL RETURN count(r) AS r } "
        "CALL () { MATCH (n) WHERE n._added_in IS NOT NULL RETURN count(n) AS n } "
        "RETURN r + n AS marked",
        database_=database,
    ).records[0]["marked"]
    facts, payload = int(record["facts"]), int(record["payload_chars"] or 0)
    overhead = facts * (NODE_RECORD + 5 * PROPERTY_RECORD) + marked * PROPERTY_RECORD
    relation_records = driver.execute_query(
        "MATCH (f:TechsovFact {fact_kind: 'relation'}) RETURN count(f) AS n", database_=database
    ).records[0]["n"]
    asked = questions(schema, story[-1], seed=7)
    timed: dict[str, list[float]] = {"with": [], "without": []}
    for side in ("with", "without"):
        if side == "without":
            for text in STRIP_HISTORY:
                driver.execute_query(text, database_=database)
        for question in asked:
            question(store)  # warm-up
        for _ in range(repeats):
            for question in asked:
                timed[side].append(_time(question, store))
    return {
        "versions": len(known),
        "rel_per_version": round(relation_records / (len(known) - 1), 1),
        "bytes_per_version": round((payload + overhead) / (len(known) - 1)),
        "payload_bytes_per_version": round(payload / (len(known) - 1)),
        "latest_overhead": _ratio(timed["with"], timed["without"], len(asked)),
        "median_ms": {k: round(statistics.median(v) * 1000, 2) for k, v in timed.items()},
        "first_load_s": round(load_s[0], 1),
        "later_load_s": round(statistics.median(load_s[1:]), 1),
    }


def neo4j_bracketed(
    driver: neo4j.Driver, database: str, schema: Schema, story: list[Graph], repeats: int
) -> dict[str, Any]:
    """Latest-version question time on Neo4j, the history between two runs without it:
    the database holds the final graph without history (as :func:`neo4j_side` leaves
    it); measured, then the versions are loaded again over it (a history of every
    version), measured, the history deleted, measured again. ``with`` ÷ the mean of the
    two ``without`` runs, so drift of a shared machine shows as their spread."""
    store = Neo4jStore(driver, database=database, schema=schema, precompute=False)
    asked = questions(schema, story[-1], seed=7)

    def measure() -> list[float]:
        for question in asked:
            question(store)  # warm-up
        return [_time(q, store) for _ in range(repeats) for q in asked]

    before = measure()
    for graph in story:
        store.load(graph)
    with_history = measure()
    versions = len(store.versions())
    for text in STRIP_HISTORY:
        driver.execute_query(text, database_=database)
    after = measure()
    n = len(asked)
    return {
        "versions": versions,
        "latest_overhead": round(
            2 / (1 / _ratio(with_history, before, n) + 1 / _ratio(with_history, after, n)), 3
        ),
        "overhead_vs_before": _ratio(with_history, before, n),
        "overhead_vs_after": _ratio(with_history, after, n),
    }


def neo4j_paired(
    drivers: tuple[neo4j.Driver, neo4j.Driver],
    database: str,
    schema: Schema,
    story: list[Graph],
    repeats: int,
) -> dict[str, Any]:
    """Latest-version question time on Neo4j with history ÷ without, side by side on two
    servers of the same configuration: ``a`` holds the first graph as its only version;
    ``b`` the same first, measured against ``a`` (the control: what the two servers differ
    by on the same content), then every later version and the first graph again as the
    latest, so its live graph is ``a``'s with a history behind it, and measured again.
    Each question is timed on both servers in turn (which first alternates), so a shared
    machine's drift falls on both sides alike; the overhead is the second ratio ÷ the
    control."""
    stores = []
    for driver in drivers:
        with driver.session(database=database) as session:
            session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")
        stores.append(Neo4jStore(driver, database=database, schema=schema, precompute=False))
        stores[-1].load(story[0])
    asked = questions(schema, story[0], seed=7)

    def measure() -> tuple[float, dict[str, float]]:
        timed: dict[int, list[float]] = {0: [], 1: []}
        for store in stores:
            for question in asked:
                question(store)  # warm-up
        for r in range(repeats):
            for i, question in enumerate(asked):
                for side in (0, 1) if (r + i) % 2 else (1, 0):
                    timed[side].append(_time(question, stores[side]))
        medians = {k: round(statistics.median(timed[i]) * 1000, 2) for k, i in (("a", 0), ("b", 1))}
        return _ratio(timed[1], timed[0], len(asked)), medians

    control, control_ms = measure()
    for graph in [*story[1:], story[0]]:
        stores[1].load(graph)
    with_history, history_ms = measure()
    return {
        "versions": len(stores[1].versions()),
        "latest_overhead": round(with_history / control, 3),
        "ratio_with_history": with_history,
        "control_ratio": control,
        "median_ms": {"control": control_ms, "with_history": history_ms},
    }


def merge_results(size: str, found: dict[str, dict[str, Any]], path: Path = RESULTS) -> None:
    """Merge this run's figures under their keys, re-reading the file just before."""
    current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for key, field in (
        ("history_rel_per_version", "rel_per_version"),
        ("history_bytes_per_version", "bytes_per_version"),
        ("history_latest_overhead", "latest_overhead"),
    ):
        current.setdefault(key, {})[size] = {
            side: f[field] for side, f in found.items() if field in f
        }
    current.setdefault("history_detail", {})[size] = found
    path.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="M", help="S, M or L (ingest.synth.SIZES)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--neo4j-uri", help="a Neo4j whose database may be replaced")
    parser.add_argument("--neo4j-password", default="")
    parser.add_argument(
        "--bracket",
        action="store_true",
        help="Neo4j: also time with history between two runs without",
    )
    parser.add_argument(
        "--paired-uri",
        help="Neo4j: a second server like --neo4j-uri; time with history side by side",
    )
    parser.add_argument("--paired-password", default="")
    parser.add_argument("--no-write", action="store_true", help="print, keep latest.json")
    args = parser.parse_args(argv)
    schema = default_schema()
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), SIZES[args.size], seed=1)
        graph = build_bulk_graph([Path(tmp)], schema)
    story = versions(graph, VERSIONS, SHARE, seed=3)
    found = {"embedded": embedded_side(schema, story, args.repeats)}
    print(json.dumps(found, indent=1), flush=True)
    if args.neo4j_uri and not args.paired_uri:
        auth = ("neo4j", args.neo4j_password)
        with neo4j.GraphDatabase.driver(args.neo4j_uri, auth=auth) as driver:
            found["neo4j"] = neo4j_side(driver, "neo4j", schema, story, args.repeats)
        print(json.dumps(found["neo4j"], indent=1), flush=True)
    if args.neo4j_uri and args.bracket and not args.paired_uri:
        auth = ("neo4j", args.neo4j_password)
        with neo4j.GraphDatabase.driver(args.neo4j_uri, auth=auth) as driver:
            found["neo4j_bracketed"] = neo4j_bracketed(driver, "neo4j", schema, story, args.repeats)
        print(json.dumps(found["neo4j_bracketed"], indent=1), flush=True)
    if args.neo4j_uri and args.paired_uri:
        pair = (
            neo4j.GraphDatabase.driver(args.neo4j_uri, auth=("neo4j", args.neo4j_password)),
            neo4j.GraphDatabase.driver(args.paired_uri, auth=("neo4j", args.paired_password)),
        )
        with pair[0], pair[1]:
            found["neo4j_paired"] = neo4j_paired(pair, "neo4j", schema, story, args.repeats)
        print(json.dumps(found["neo4j_paired"], indent=1), flush=True)
    if not args.no_write:
        merge_results(args.size, found)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
