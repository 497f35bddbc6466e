"""``python -m bench.search_latency``: search latency on both stores, written under
``search_p95_ms`` (and ``search_p50_ms``, ``search_top1_agreement``) in
``bench/results/latest.json`` (other keys are kept).

Graphs: the real one (``--graph DIR``, a folder written by ``techsov import``; without it
the data sets at ``../shared/data`` are imported as :mod:`bench.screening` does) and,
with ``--synth L``, the entities of a synthetic graph (search reads names only, so its
relations are not loaded). Queries are what analysts type, drawn from the graph itself
with a fixed seed: whole names, lower case, words reversed, a letter pair swapped, the
last word half typed, aliases, ids, Chinese names in traditional script, pinyin. Each
query runs once to warm up, then ``--repeats`` times; the figures are percentiles over
every run, in milliseconds, measured side by side in one process. Neo4j is used when
``TECHSOV_NEO4J_URI`` (and its user and password) are set; each graph is loaded into it
(replacing what it holds).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import neo4j

from bench.measure import REPO_ROOT
from ingest.bulk import build_bulk_graph
from ingest.synth import SIZES, generate
from ingest.validate import build_graph
from ontology.model import Entity, Graph
from ontology.schema import default_schema
from store.base import GraphStore, SearchHit
from store.embedded_store import EmbeddedStore
from store.neo4j_store import Neo4jStore
from store.search_index import search_key, simplified
from techsov.settings import Settings

RESULTS = REPO_ROOT / "bench" / "results" / "latest.json"
FIRST = 10


def _swap(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _traditional(text: str) -> str:
    """Traditional characters for a simplified name (so the query differs from it)."""
    import opencc

    return str(opencc.OpenCC("s2t").convert(text))


def queries(graph: Graph, count: int, seed: int = 11) -> list[tuple[str, str]]:
    """``count`` (variant, query) pairs drawn from ``graph``'s entities."""
    rng = random.Random(seed)
    entities: list[Entity] = sorted(graph.entities.values(), key=lambda e: e.id)
    out: list[tuple[str, str]] = []
    while len(out) < count:
        e = rng.choice(entities)
        name = rng.choice(e.all_names())
        words = name.split()
        latin = [n for n in e.all_names() if search_key(n).isascii()]
        han = [n for n in e.all_names() if not search_key(n).isascii()]
        variant = rng.choice(
            ["name", "lower", "reversed", "typo", "typing", "alias", "id", "chinese"]
        )
        if variant == "name":
            q = e.name
        elif variant == "lower":
            q = name.lower()
        elif variant == "reversed" and len(words) > 1:
            q = " ".join(reversed(words))
        elif variant == "typo" and latin:
            ws = rng.choice(latin).split()
            longest = max(range(len(ws)), key=lambda i: len(ws[i]))
            if len(ws[longest]) < 5:
                continue
            ws[longest] = _swap(ws[longest], rng)
            q = " ".join(ws)
        elif variant == "typing" and latin:
            text = rng.choice(latin)
            q = text[: max(2, len(text) * 2 // 3)]
        elif variant == "alias" and e.aliases:
            q = rng.choice(e.aliases)
        elif variant == "id":
            q = e.id
        elif variant == "chinese" and han:
            text = rng.choice(han)
            q = _traditional(text) if simplified(text) == text else text
        else:
            continue
        out.append((variant, q))
    return out


def time_queries(
    search: Callable[[str], list[SearchHit]], qs: Sequence[tuple[str, str]], repeats: int
) -> tuple[list[float], list[list[SearchHit]]]:
    answers = [search(q) for _, q in qs]  # warm-up, and the answers compared
    times: list[float] = []
    for _ in range(repeats):
        for _, q in qs:
            t0 = time.perf_counter()
            search(q)
            times.append((time.perf_counter() - t0) * 1000)
    return times, answers


def _search(store: GraphStore, query: str) -> list[SearchHit]:
    return store.search(query, None, FIRST)


def _round_trip(store: GraphStore, count: int) -> dict[str, float]:
    """The store's trivial round trip (``ping``) timed like the queries: on a shared
    machine it shows how much of a figure is waiting for the CPU rather than searching."""
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        store.ping()
        times.append((time.perf_counter() - t0) * 1000)
    return {"ping_p50_ms": percentile(times, 0.5), "ping_p95_ms": percentile(times, 0.95)}


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 2)


def bench_graph(
    label: str, graph: Graph, driver: neo4j.Driver | None, count: int, repeats: int
) -> dict[str, Any]:
    schema = default_schema()
    qs = queries(graph, count)
    stores: dict[str, GraphStore] = {}
    embedded = EmbeddedStore(schema)
    t0 = time.perf_counter()
    embedded.load(graph)
    print(f"[{label}] embedded load {time.perf_counter() - t0:.1f} s", flush=True)
    stores["embedded"] = embedded
    if driver is not None:
        # L's load is one transaction of 203,224 entities: minutes on a busy machine.
        server = Neo4jStore(
            driver, database=Settings().neo4j_database, schema=schema, load_timeout_s=3600.0
        )
        t0 = time.perf_counter()
        server.load(graph)
        print(f"[{label}] neo4j load {time.perf_counter() - t0:.1f} s", flush=True)
        stores["neo4j"] = server
    out: dict[str, Any] = {
        "entities": len(graph.entities),
        "queries": len(qs),
        # A shared machine: how busy it was while the figures were taken.
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    answers: dict[str, list[list[SearchHit]]] = {}
    for name, store in stores.items():
        times, answers[name] = time_queries(partial(_search, store), qs, repeats)
        out[name] = {
            "p50_ms": percentile(times, 0.5),
            "p95_ms": percentile(times, 0.95),
            "mean_ms": round(statistics.fmean(times), 2),
            **_round_trip(store, len(qs)),
        }
        print(f"[{label}] {name}: {out[name]}", flush=True)
    if len(answers) == 2:
        a, b = answers["embedded"], answers["neo4j"]
        top1 = sum(1 for x, y in zip(a, b, strict=True) if x[:1] == y[:1]) / len(qs)
        same = sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(qs)
        out["top1_agreement"] = round(top1, 4)
        out["same_top10"] = round(same, 4)
        print(f"[{label}] top-1 agreement {top1:.3f}, identical top-10 {same:.3f}", flush=True)
    out["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    return out


def synth_entities(size: str, cache: Path) -> Graph:
    """The entities (and sources) of the synthetic graph ``size``, generated once."""
    folder = cache / f"synth-{size}-seed1"
    if not (folder / "entities.csv").exists():
        generate(folder, SIZES[size], seed=1)
    names_only = cache / f"synth-{size}-entities"
    names_only.mkdir(parents=True, exist_ok=True)
    for part in ("entities.csv", "sources.csv"):
        target = names_only / part
        if not target.exists():
            target.symlink_to(folder / part)
    return build_bulk_graph([names_only])


def merge_results(figures: dict[str, dict[str, Any]], path: Path = RESULTS) -> None:
    results = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for key, field in (
        ("search_p95_ms", "p95_ms"),
        ("search_p50_ms", "p50_ms"),
    ):
        results.setdefault(key, {}).update(
            {
                label: {s: f[s][field] for s in ("embedded", "neo4j") if s in f}
                for label, f in figures.items()
            }
        )
    results.setdefault("search_top1_agreement", {}).update(
        {label: f["top1_agreement"] for label, f in figures.items() if "top1_agreement" in f}
    )
    results.setdefault("search_detail", {}).update(figures)
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search_latency")
    parser.add_argument(
        "--graph",
        type=Path,
        help="a folder written by `techsov import` (without it and without --synth: "
        "the data sets at ../shared/data, imported here)",
    )
    parser.add_argument("--synth", default="", help="synthetic sizes too, e.g. L")
    parser.add_argument("--cache", type=Path, default=Path("build/bench-search"))
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    settings = Settings()
    driver = None
    if settings.neo4j_uri:
        driver = neo4j.GraphDatabase.driver(
            settings.neo4j_uri,
            auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
            notifications_min_severity="OFF",
        )
    figures: dict[str, dict[str, Any]] = {}
    try:
        if args.graph is not None:
            real = build_graph([args.graph], run_shacl=False)
            figures["real"] = bench_graph("real", real, driver, args.queries, args.repeats)
        elif not args.synth:
            from bench.screening import real_graph

            figures["real"] = bench_graph("real", real_graph(), driver, args.queries, args.repeats)
        for size in filter(None, args.synth.split(",")):
            graph = synth_entities(size, args.cache)
            figures[size] = bench_graph(size, graph, driver, args.queries, args.repeats)
    finally:
        if driver is not None:
            driver.close()
    merge_results(figures, args.out)
    print(f"wrote search figures to {args.out}")


if __name__ == "__main__":
    main()
