"""What the stored answers for every date cost at load, next to today's answers alone.

Per policy, one after the other so that both see the same machine load: today's answer
(:func:`store.answers.top_exposures`, what a load computed before) and the sweep of
:mod:`store.answer_timeline` within the load's budget (whose first evaluation is today's
answer). Prints one line per graph: seconds of each, their ratio, the intervals stored,
how many policies are covered for every date, and how far back the others are covered.

    .venv/bin/python -m bench.answer_timeline curated
    .venv/bin/python -m bench.answer_timeline DIR --policies 20   # a `techsov synth` folder
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from functools import partial
from pathlib import Path

from ingest.bulk import build_bulk_graph
from ingest.validate import build_graph
from ontology.model import Graph
from ontology.schema import Schema, default_schema
from store.answer_timeline import AnswerInterval, budget_for, sweep
from store.answers import evaluate_on, policies_of, top_exposures
from store.embedded_store import EmbeddedStore


def measure(graph: Graph, schema: Schema, sample: int | None, budget: int) -> str:
    reader = EmbeddedStore.traversal_reader(graph, schema)
    policies = policies_of(schema, {i: e.kind for i, e in graph.entities.items()})[:sample]
    today, swept = 0.0, 0.0
    found: dict[str, tuple[AnswerInterval, ...]] = {}
    for policy in policies:
        started = time.perf_counter()
        top_exposures(reader, schema, policy)
        today += time.perf_counter() - started
        started = time.perf_counter()
        evaluate = partial(evaluate_on, schema=schema, policy=policy)
        found[policy] = sweep(reader, schema, policy, evaluate, around=date.today(), budget=budget)
        swept += time.perf_counter() - started
    starts = [t[0].start.year for t in found.values() if t[0].start is not None]
    complete = sum(t[0].start is None and t[-1].end is None for t in found.values())
    return (
        f"{len(policies)} policies, {len(graph.entities)} entities, {len(graph.relations)} "
        f"relations: today's answers {today:.2f} s, every date (budget {budget}) "
        f"{swept:.2f} s, ratio {swept / today:.1f}; {sum(map(len, found.values()))} intervals; "
        f"{complete} policies covered for every date, the others from "
        f"{statistics.median(starts) if starts else '-'} (median year) on"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("graph", help="'curated', or a folder written by `techsov synth`")
    parser.add_argument("--policies", type=int, default=None, help="the first N policies only")
    parser.add_argument("--budget", type=int, default=None, help="default: the load's")
    args = parser.parse_args(argv)
    schema = default_schema()
    if args.graph == "curated":
        graph = build_graph(None, schema)
    else:
        graph = build_bulk_graph([Path(args.graph)], schema)
    budget = args.budget or budget_for(len(graph.relations))
    print(f"{args.graph}: {measure(graph, schema, args.policies, budget)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
