"""``python -m bench.screening``: screen 1,000 names against the imported lists on the
embedded store and write the time under ``screen_1000_s`` in ``bench/results/latest.json``
(other keys are kept).

The graph is the real one: the curated facts with the ETO supply-chain data and the US
and OpenSanctions lists found at ``../shared/data``, resolved as ``techsov import`` does.
The names mimic a supplier file: four in five are spellings of entities in the graph (as
listed, upper-cased, with the legal form dropped or changed, a word dropped), one in five
names no one in the graph. Exposure is asked for the US Entity List (depth 2) and
listings as of one date, so the figure covers the whole answer, index build included.
The figure is wall-clock time; ``cpu_s`` beside it shows how much of it was this
process's own work (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import date
from typing import Any

from bench.measure import REPO_ROOT
from ingest.importers.eto import import_eto
from ingest.importers.opensanctions import import_opensanctions
from ingest.importers.staging import fold_versions
from ingest.importers.us_lists import import_us_lists
from ingest.resolution.decisions import load_decisions
from ingest.resolve import resolve
from ingest.validate import build_graph
from ontology.model import Graph
from ontology.schema import default_schema
from store.embedded_store import EmbeddedStore
from store.screening import ScreeningIndex, ScreenInput, screen

DATA = REPO_ROOT.parent / "shared" / "data"
RESULTS = REPO_ROOT / "bench" / "results" / "latest.json"
SUFFIXES = ("Co., Ltd.", "Corporation", "Limited", "Inc.", "")
MADE_UP = ("Nordwind", "Blue Harbor", "Quantix", "Helios", "Marigold", "Vantage", "Orchid")
TRADES = ("Logistics", "Plastics", "Foods", "Textiles", "Components", "Optics", "Tooling")


def real_graph() -> Graph:
    eto = fold_versions(
        [
            import_eto(DATA / "eto-chip-explorer" / "2024", released=date(2025, 1, 30)),
            import_eto(DATA / "eto-chip-explorer" / "current", released=date(2026, 8, 14)),
        ]
    )
    lists = import_us_lists(DATA / "us-restricted-lists")
    sanctions = import_opensanctions(DATA / "opensanctions-tech-lists", released=date(2026, 8, 22))
    curated = build_graph(run_shacl=False)
    return resolve(curated, [eto, lists, sanctions], load_decisions()).graph


def supplier_names(graph: Graph, count: int, seed: int = 7) -> list[ScreenInput]:
    rng = random.Random(seed)
    orgs = sorted(
        (e for e in graph.entities.values() if e.kind in ("Firm", "Organization")),
        key=lambda e: e.id,
    )
    out: list[ScreenInput] = []
    for i in range(count):
        if i % 5 == 4:
            name = f"{rng.choice(MADE_UP)} {rng.choice(TRADES)} {rng.choice(SUFFIXES)}".strip()
            out.append(ScreenInput(name, rng.choice(("Germany", "United States", None)), (), i))
            continue
        entity = rng.choice(orgs)
        name = rng.choice(entity.all_names())
        variant = rng.randrange(4)
        if variant == 1:
            name = name.upper()
        elif variant == 2:
            name = f"{name.rstrip('.').split(',')[0]} {rng.choice(SUFFIXES)}".strip()
        elif variant == 3 and len(name.split()) > 2:
            words = name.split()
            del words[rng.randrange(1, len(words))]
            name = " ".join(words)
        out.append(ScreenInput(name, rng.choice(("China", None)), (), i))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--names", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true", help="Print only.")
    args = parser.parse_args()
    schema = default_schema()
    started = time.perf_counter()
    graph = real_graph()
    store = EmbeddedStore(schema)
    store.load(graph)
    prepared = time.perf_counter() - started
    inputs = supplier_names(graph, args.names)
    started, cpu = time.perf_counter(), time.process_time()
    index = ScreeningIndex.of(store.snapshot(), schema)
    index_s = time.perf_counter() - started
    results = screen(
        store,
        schema,
        inputs,
        as_of=date(2026, 9, 1),
        policies=["us-entity-list"],
        max_depth=2,
        index=index,
    )
    total_s = time.perf_counter() - started
    cpu_s = time.process_time() - cpu
    hits = sum(1 for r in results if r.candidates)
    figures: dict[str, Any] = {
        "screen_1000_s": round(total_s * 1000 / args.names, 3),
        "screen_detail": {
            "names": args.names,
            "total_s": round(total_s, 3),
            "index_build_s": round(index_s, 3),
            "cpu_s": round(cpu_s, 3),
            "names_with_candidates": hits,
            "graph": graph.counts(),
            "graph_build_s": round(prepared, 1),
            "store": "embedded",
            "policies": ["us-entity-list"],
            "max_depth": 2,
        },
    }
    print(json.dumps(figures, indent=1))
    if not args.no_write:
        current = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}
        current.update(figures)
        RESULTS.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
