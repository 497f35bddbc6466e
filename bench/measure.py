"""What the benchmark measures, one function per figure: the workload, latencies, the naive
load baseline, Neo4j's heap, and the commit being measured.

Every figure the report compares is taken in the same run, on the same machine, with the
compared sides interleaved sample by sample, so that a machine shared with other work
slows both sides alike and the *ratios* stay meaningful even when absolute times do not.
"""

from __future__ import annotations

import random
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j

from ontology.model import Graph, Relation
from ontology.schema import Schema

REPO_ROOT = Path(__file__).resolve().parent.parent

EXPOSURE_DEPTHS = (1, 2, 3, 4, 5)
DEPENDENCY_DEPTH = 3  # the API's default maxDepth
PATH_LENGTH = 4  # the API's default maxLength


@dataclass(frozen=True)
class Workload:
    """The ids the queries run on, drawn once per size with a fixed seed."""

    policies: list[str]
    firms: list[str]
    pairs: list[tuple[str, str]]


def pick_workload(graph: Graph, count: int, seed: int) -> Workload:
    """``count`` policies that target something, buyers with suppliers, and firm pairs.

    Drawn at random (seeded) rather than picked for size: exposure ranges from a handful
    of firms (a policy on a narrow technology) to most of the graph (one on a whole
    domain), and the p95 is meant to include that spread.
    """
    rng = random.Random(seed)
    targeting = sorted({r.source for r in graph.relations.values() if r.type == "targets"})
    buyers = sorted({r.target for r in graph.relations.values() if r.type == "supplies"})
    firms = sorted(e.id for e in graph.entities.values() if e.kind == "Firm")
    return Workload(
        policies=rng.sample(targeting, min(count, len(targeting))),
        firms=rng.sample(buyers, min(count, len(buyers))),
        pairs=[(rng.choice(firms), rng.choice(firms)) for _ in range(count)],
    )


@dataclass
class Samples:
    """Latencies (seconds) of one query on one side, and the size of each answer."""

    seconds: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    failures: int = 0  # samples that failed (a store timeout); not in the latencies

    def add(self, seconds: float, size: int) -> None:
        self.seconds.append(seconds)
        self.sizes.append(size)

    def summary(self) -> dict[str, float]:
        return {
            "p50_ms": percentile(self.seconds, 50) * 1000,
            "p95_ms": percentile(self.seconds, 95) * 1000,
            "n": len(self.seconds),
            "mean_result_size": statistics.fmean(self.sizes) if self.sizes else 0.0,
            "failed": self.failures,
        }


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: with few samples an interpolated p95 would invent values
    between the two slowest runs; nearest rank reports one that happened."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")


# --- the naive load baseline ---------------------------------------------------------------

NAIVE_MERGE = """
MERGE (a:Entity {id: $source})
MERGE (b:Entity {id: $target})
MERGE (a)-[r:$($type) {id: $id}]->(b)
SET r += $props
"""


def naive_load(
    driver: neo4j.Driver, database: str, schema: Schema, relations: Sequence[Relation]
) -> float:
    """Seconds to write ``relations`` the way a first attempt would: each one MERGEd (with
    its endpoints) in its own transaction. Runs on the same server, against the same
    uniqueness constraints as the real load, so only the write strategy differs."""

    def write(tx: neo4j.ManagedTransaction, rel: Relation) -> None:
        props = {
            "confidence": rel.confidence,
            "valid_from": rel.valid_from,
            "valid_to": rel.valid_to,
            "prov_source": [p.source for p in rel.provenance],
            **rel.properties,
        }
        tx.run(
            NAIVE_MERGE,
            source=rel.source,
            target=rel.target,
            type=schema.relations[rel.type].neo4j_type,
            id=rel.id,
            props=props,
        ).consume()

    started = time.perf_counter()
    with driver.session(database=database) as session:
        for rel in relations:
            session.execute_write(write, rel)
    return time.perf_counter() - started


# --- server and repository facts -------------------------------------------------------------

HEAP_QUERY = """
CALL dbms.queryJmx('java.lang:type=Memory') YIELD attributes
RETURN attributes.HeapMemoryUsage.value.properties AS heap
"""


def neo4j_heap_mb(driver: neo4j.Driver, database: str) -> dict[str, float]:
    """Heap used, committed and max of the Neo4j JVM, in MiB (``{}`` if JMX is closed)."""
    try:
        records, _, _ = driver.execute_query(HEAP_QUERY, database_=database)
    except neo4j.exceptions.Neo4jError:
        return {}
    heap = records[0]["heap"] if records else None
    if not heap:
        return {}
    return {k: round(float(heap[k]) / 2**20, 1) for k in ("used", "committed", "max") if k in heap}


def git_commit() -> dict[str, Any]:
    """The commit measured, and whether the work tree differed from it."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else ""

    return {
        "commit": git("rev-parse", "HEAD") or "unknown",
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }
