"""The Neo4j store's shortest path (``store.neo4j_path``) picks the analysis' path.

Its pure part, given every relation of a graph (a superset of what its statement reads
around both ends), must return exactly :func:`store.analysis.shortest_path`'s answer — the
shortest chain whose relation ids are smallest in order — undirected and directed, on
random graphs; the statement itself is compared with the embedded store by the
differential tests (``tests/test_conformance.py``).
"""

from __future__ import annotations

import random
from datetime import date

import pytest

from ontology.schema import default_schema
from store import analysis
from store.embedded_store import EmbeddedStore
from store.neo4j_path import layer_params, lexicographic_shortest
from tests.random_graphs import Size, random_graph

SCHEMA = default_schema()


@pytest.mark.parametrize("seed", range(12))
def test_the_pure_search_gives_the_analysis_path_on_random_graphs(seed: int) -> None:
    graph = random_graph(SCHEMA, seed, Size(firms=20, technologies=8, policies=3))
    store = EmbeddedStore(SCHEMA)
    store.load(graph)
    day = date(2020, 1, 1)
    ids = sorted(graph.entities)
    rng = random.Random(seed)
    compared = 0
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
            length = rng.randint(1, 5)
            expected = analysis.shortest_path(
                store, a, b, max_length=length, schema=SCHEMA, directed=directed, as_of=day
            ) if directed else analysis.shortest_path(store, a, b, max_length=length)  # fmt: skip
            found = lexicographic_shortest(a, b, rels, max_length=length, ways=ways)
            assert found == (None if expected is None else [r.id for r in expected]), (a, b)
            compared += 1
    assert compared > 40


def test_the_searches_split_the_length_between_the_two_ends() -> None:
    params = layer_params("a", "b", max_length=5, types=["SUPPLIES"], day=None)
    assert (params["forward_levels"], params["backward_levels"]) == (3, 2)
