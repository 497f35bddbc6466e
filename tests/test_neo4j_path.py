"""The Neo4j store's shortest path (``store.neo4j_path``) picks the analysis' path.

Its pure part (the two-sided search), reading an in-memory graph through the same two
reads as Neo4j's, must return exactly :func:`store.analysis.shortest_path`'s answer — the
shortest chain whose relation ids are smallest in order — undirected and directed, on
random graphs, in at most two reads up to length 4; the statements themselves are compared
with the embedded store by the differential tests (``tests/test_conformance.py``,
``tests/test_stored_answers.py``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date

import pytest

from ontology.errors import NotFound
from ontology.schema import default_schema
from store import analysis
from store.embedded_store import EmbeddedStore
from store.neo4j_path import search
from tests.random_graphs import Size, random_graph

SCHEMA = default_schema()
Light = dict[str, str]


class MemoryFetch:
    """The store's two reads answered over every relation of a graph, as Neo4j would."""

    def __init__(self, rels: list[Light], ways: dict[str, str], nodes: set[str]) -> None:
        self.rels, self.ways, self.nodes = rels, ways, nodes
        self.reads = 0

    def leaves(self, r: Light, node: str) -> bool:
        way = self.ways[r["_type"]]
        return way == "both" or node == (r["_source"] if way == "forward" else r["_target"])

    def around(self, ids: Sequence[str]) -> dict[str, list[Light]]:
        self.reads += 1
        return {
            n: [r for r in self.rels if n in (r["_source"], r["_target"])]
            for n in ids
            if n in self.nodes
        }

    def steps(self, front: set[str]) -> list[tuple[Light, str]]:
        return [
            (r, y)
            for r in self.rels
            for x, y in ((r["_source"], r["_target"]), (r["_target"], r["_source"]))
            if x in front and self.leaves(r, x)
        ]

    def meet(
        self, front_a: Sequence[str], front_b: Sequence[str], middle: bool
    ) -> tuple[list[Light], list[Light], list[Light]]:
        self.reads += 1
        fb = set(front_b)
        edges = [r for r, y in self.steps(set(front_a)) if y in fb]
        firsts: dict[str, Light] = {}
        seconds: dict[str, Light] = {}
        for r1, m in self.steps(set(front_a)) if middle else ():
            for r2, y in self.steps({m}):
                if y in fb and r2 is not r1:
                    firsts[r1["id"]], seconds[r2["id"]] = r1, r2
        return list({r["id"]: r for r in edges}.values()), [*firsts.values()], [*seconds.values()]


@pytest.mark.parametrize("seed", range(12))
def test_the_two_sided_search_gives_the_analysis_path_on_random_graphs(seed: int) -> None:
    graph = random_graph(SCHEMA, seed, Size(firms=20, technologies=8, policies=3))
    store = EmbeddedStore(SCHEMA)
    store.load(graph)
    day = date(2020, 1, 1)
    ids = sorted(graph.entities)
    rng = random.Random(seed)
    compared = found_some = 0
    for directed in (False, True):
        ways = (
            analysis._explanation_ways(SCHEMA, None)
            if directed
            else dict.fromkeys(SCHEMA.relations, "both")
        )
        rels = [
            {"id": r.id, "_type": r.type, "_source": r.source, "_target": r.target}
            for r in graph.relations.values()
            if r.type in ways and (not directed or r.valid_at(day))
        ]
        for _ in range(40):
            a, b = rng.choice(ids), rng.choice(ids)
            if a == b:
                continue
            length = rng.randint(1, 6)
            expected = analysis.shortest_path(
                store, a, b, max_length=length, schema=SCHEMA, directed=directed, as_of=day
            ) if directed else analysis.shortest_path(store, a, b, max_length=length)  # fmt: skip
            fetch = MemoryFetch(rels, ways, set(ids))
            steps = search(a, b, max_length=length, ways=ways, fetch=fetch)
            got = None if steps is None else [r.id for r in steps]
            assert got == (None if expected is None else [r.id for r in expected]), (a, b)
            assert fetch.reads <= (2 if length <= 4 else 2 * (length - 3))
            compared += 1
            found_some += expected is not None and len(expected) >= 3
    assert compared > 40 and found_some > 0


def test_an_unknown_end_is_named() -> None:
    fetch = MemoryFetch([], {}, {"a"})
    with pytest.raises(NotFound, match="'z'"):
        search("a", "z", max_length=3, ways={}, fetch=fetch)
