"""Both stores give the same answers: on the curated graph and on random graphs.

Every analyst question runs on the real Neo4j and on the embedded store and the results
are compared field by field (same entities, same order, same paths, same scores).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from typing import Any

import neo4j
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import default_paths
from ingest.validate import build_graph
from ontology.model import Graph
from ontology.schema import Schema, default_schema
from store.analysis import (
    current_rule,
    dependencies,
    exposure,
    exposure_diff,
    policy_impact,
    shortest_path,
    suppliers_exposed_to,
    what_if,
)
from store.base import Direction, GraphStore
from store.embedded_store import EmbeddedStore
from store.neo4j_store import Neo4jStore
from store.rules import Coverage, RuleVersion, hypothetical
from tests.random_graphs import Size, random_graph
from tests.random_rules import with_rules

SCHEMA = default_schema()


@pytest.fixture
def stores(neo4j_db: neo4j.Driver) -> Iterator[tuple[GraphStore, GraphStore]]:
    yield EmbeddedStore(SCHEMA), Neo4jStore(neo4j_db, database="neo4j", schema=SCHEMA)


@pytest.fixture(scope="module")
def curated() -> Graph:
    return build_graph(default_paths(), SCHEMA)


def _ids(path: Any) -> list[str]:
    return [r.id for r in path]


def exposure_answers(store: GraphStore, policy: str, depth: int, as_of: date | None) -> list[Any]:
    return [
        (e.supplier, e.basis, e.depth, e.score, _ids(e.path))
        for e in suppliers_exposed_to(store, SCHEMA, policy, max_depth=depth, as_of=as_of)
    ]


def dependency_answers(store: GraphStore, firm: str, depth: int, as_of: date | None) -> list[Any]:
    return [
        (d.entity, d.category, d.depth, _ids(d.path))
        for d in dependencies(store, SCHEMA, firm, max_depth=depth, as_of=as_of)
    ]


def path_answer(
    store: GraphStore, a: str, b: str, length: int, directed: bool = False
) -> list[str] | None:
    found = shortest_path(
        store, a, b, max_length=length, schema=SCHEMA, directed=directed, as_of=date(2024, 1, 1)
    ) if directed else shortest_path(store, a, b, max_length=length)  # fmt: skip
    return None if found is None else _ids(found)


def evaluation_answer(found: Any) -> Any:
    return (
        found.as_of,
        found.rule_version,
        found.in_force,
        [
            (e.supplier, e.basis, e.depth, e.score, _ids(e.path), e.rule_version)
            for e in found.exposures
        ],
        [(b.entity, b.reason, _ids(b.path)) for b in found.beneficiaries],
        found.scope,
        found.named,
        found.jurisdictions,
    )


def rule_answers(
    store: GraphStore, graph: Graph, policy: str, dates: list[date | None], rng: random.Random
) -> list[Any]:
    """Exposure with its beneficiaries, a diff between the first and last date, and a
    hypothetical rule (the current one extended to another item, with a 50% threshold)."""
    out: list[Any] = [
        evaluation_answer(exposure(store, SCHEMA, policy, max_depth=2, as_of=d)) for d in dates
    ]
    diff = exposure_diff(store, SCHEMA, policy, from_date=dates[0], to_date=dates[-1], max_depth=2)
    out.append(
        (
            [e.supplier for e in diff.became_exposed],
            [e.supplier for e in diff.stopped],
            [(a.supplier, _ids(b.path)) for a, b in diff.changed],
        )
    )
    items = sorted(
        e.id for e in graph.entities.values() if SCHEMA.is_any(e.kind, ("Technology", "Product"))
    )
    base = current_rule(store, SCHEMA, policy, dates[-1])
    extra = rng.choice(items) if items else None
    rule: RuleVersion = hypothetical(base, policy, ownership_threshold=0.5)
    if extra is not None:
        rule = hypothetical(rule, policy, covers=(*rule.covers, Coverage(extra, True, True)))
    out.append(evaluation_answer(what_if(store, SCHEMA, rule, max_depth=2, as_of=dates[-1])))
    return out


def exact_hits(store: GraphStore, text: str) -> list[str]:
    return [h.entity_id for h in store.search(text, None, 50) if h.score == 1.0]


def compare_everything(
    a: GraphStore,
    b: GraphStore,
    graph: Graph,
    schema: Schema,
    rng: random.Random,
    dates: list[date | None],
) -> int:
    """Run every question on both stores; returns how many were compared."""
    policies = sorted(e.id for e in graph.entities.values() if schema.is_a(e.kind, "Policy"))
    orgs = sorted(e.id for e in graph.entities.values() if schema.is_a(e.kind, "Organization"))
    ids = sorted(graph.entities)
    n = 0
    for policy in policies:
        for as_of in dates:
            for depth in (0, 1, 3):
                assert exposure_answers(a, policy, depth, as_of) == exposure_answers(
                    b, policy, depth, as_of
                ), (policy, depth, as_of)
                n += 1
            assert policy_impact(a, schema, policy, as_of=as_of) == policy_impact(
                b, schema, policy, as_of=as_of
            ), (policy, as_of)
            n += 1
        seed = rng.random()
        assert rule_answers(a, graph, policy, dates, random.Random(seed)) == rule_answers(
            b, graph, policy, dates, random.Random(seed)
        ), policy
        n += 1
    for org in orgs:
        for as_of in dates[:2]:
            assert dependency_answers(a, org, 3, as_of) == dependency_answers(b, org, 3, as_of), (
                org,
                as_of,
            )
            n += 1
    for _ in range(min(40, len(ids) ** 2)):
        x, y = rng.choice(ids), rng.choice(ids)
        length = rng.randint(1, 5)
        assert path_answer(a, x, y, length) == path_answer(b, x, y, length), (x, y, length)
        assert path_answer(a, x, y, length, True) == path_answer(b, x, y, length, True), (x, y)
        n += 2
    for entity in graph.entities.values():
        for text in entity.all_names():
            assert exact_hits(a, text) == exact_hits(b, text), text
            n += 1
    sample = ids[:: max(1, len(ids) // 25)]
    for direction in Direction:
        pa = a.relations(sample, direction, None, 5, None)
        pb = b.relations(sample, direction, None, 5, None)
        assert {k: ([r.id for r in p.items], p.total, p.has_next) for k, p in pa.items()} == {
            k: ([r.id for r in p.items], p.total, p.has_next) for k, p in pb.items()
        }
        n += 1
    return n


def test_every_question_has_the_same_answer_on_both_stores_for_the_curated_graph(
    stores: tuple[GraphStore, GraphStore], curated: Graph
) -> None:
    embedded, neo = stores
    embedded.load(curated)
    neo.load(curated)
    compared = compare_everything(
        embedded,
        neo,
        curated,
        SCHEMA,
        random.Random(7),
        [None, date(2019, 1, 1), date(2023, 6, 1), date(2025, 6, 1)],
    )
    assert compared > 100


def _differential(stores: tuple[GraphStore, GraphStore], seed: int, size: Size) -> None:
    embedded, neo = stores
    graph = with_rules(random_graph(SCHEMA, seed, size), SCHEMA, seed)
    embedded.load(graph)
    neo.load(graph)
    rng = random.Random(seed)
    dates: list[date | None] = [None, date(2016 + rng.randrange(9), 1 + rng.randrange(12), 1)]
    compare_everything(embedded, neo, graph, SCHEMA, rng, dates)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    firms=st.integers(min_value=2, max_value=25),
    technologies=st.integers(min_value=1, max_value=12),
    policies=st.integers(min_value=1, max_value=4),
)
def test_random_ontology_graphs_get_the_same_answers_from_both_stores(
    stores: tuple[GraphStore, GraphStore], seed: int, firms: int, technologies: int, policies: int
) -> None:
    _differential(stores, seed, Size(firms=firms, technologies=technologies, policies=policies))
