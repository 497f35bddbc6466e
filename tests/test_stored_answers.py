"""Stored exposure answers equal live evaluation, on both stores, for every policy, depth
and page they claim to hold; anything they do not hold is evaluated live."""

from __future__ import annotations

from datetime import date
from typing import Any

import neo4j
import pytest

from ingest import default_paths
from ingest.validate import build_graph
from ontology.model import Graph
from ontology.schema import default_schema
from store import questions
from store.analysis import Exposure, suppliers_exposed_to
from store.answers import ANSWER_DEPTH, ExposureAnswers, cut, top_exposures
from store.base import GraphStore
from store.embedded_store import EmbeddedStore
from store.neo4j_store import Neo4jStore
from tests.random_graphs import Size, random_graph

SCHEMA = default_schema()
DAY = date(2026, 3, 1)
FIRSTS = (1, 3, 10, 100, 500)


def rows(found: list[Exposure] | None) -> list[Any] | None:
    if found is None:
        return None
    return [(e.supplier, e.basis, e.depth, e.score, [r.id for r in e.path]) for e in found]


def policies(graph: Graph) -> list[str]:
    return sorted(e.id for e in graph.entities.values() if SCHEMA.is_a(e.kind, "Policy"))


def assert_stored_equals_live(
    store: GraphStore,
    graph: Graph,
    depths: tuple[int, ...] = tuple(range(ANSWER_DEPTH + 1)),
    firsts: tuple[int, ...] = FIRSTS,
) -> int:
    compared = 0
    for policy in policies(graph):
        for depth in depths:
            for first in firsts:
                live = suppliers_exposed_to(store, SCHEMA, policy, max_depth=depth, first=first)
                stored = store.stored_exposures(  # type: ignore[attr-defined]
                    policy, max_depth=depth, first=first, as_of=None
                )
                assert rows(stored) == rows(live), (policy, depth, first)
                compared += 1
    return compared


@pytest.fixture(scope="module")
def curated() -> Graph:
    return build_graph(default_paths(), SCHEMA)


def test_top_exposures_stops_early_yet_equals_the_full_search() -> None:
    graph = random_graph(SCHEMA, 3, Size(firms=40, policies=6))
    store = EmbeddedStore(SCHEMA, precompute=False)
    store.load(graph)
    for policy in policies(graph):
        for first in (2, 5, 500):
            full = suppliers_exposed_to(store, SCHEMA, policy, max_depth=ANSWER_DEPTH, first=first)
            assert rows(list(top_exposures(store, SCHEMA, policy, first=first))) == rows(full)


def test_a_stored_answer_is_cut_to_any_smaller_depth_and_page() -> None:
    graph = random_graph(SCHEMA, 5, Size(firms=30))
    store = EmbeddedStore(SCHEMA, precompute=False)
    store.load(graph)
    for policy in policies(graph):
        stored = top_exposures(store, SCHEMA, policy)
        for depth in (0, 1, 2):
            live = suppliers_exposed_to(store, SCHEMA, policy, max_depth=depth, first=4)
            assert rows(cut(stored, depth, 4)) == rows(live)


@pytest.mark.parametrize(("seed", "eager"), [(1, True), (2, False), (3, True)])
def test_embedded_stored_answers_equal_live_ones_on_random_graphs(seed: int, eager: bool) -> None:
    graph = random_graph(SCHEMA, seed, Size(firms=30, policies=5))
    store = EmbeddedStore(SCHEMA, today=lambda: DAY, eager=eager)
    store.load(graph)
    assert assert_stored_equals_live(store, graph) > 0


def test_embedded_stored_answers_equal_live_ones_on_the_curated_graph(curated: Graph) -> None:
    store = EmbeddedStore(SCHEMA, today=lambda: DAY)
    store.load(curated)
    assert assert_stored_equals_live(store, curated) > 100


def test_questions_outside_the_stored_answers_are_evaluated_live(curated: Graph) -> None:
    days = [DAY]
    store = EmbeddedStore(SCHEMA, today=lambda: days[0], eager=True)
    store.load(curated)
    policy = policies(curated)[0]
    assert store.stored_exposures(policy, max_depth=3, first=10, as_of=None) is not None
    assert store.stored_exposures(policy, max_depth=3, first=10, as_of=DAY) is None
    assert store.stored_exposures(policy, max_depth=ANSWER_DEPTH + 1, first=1, as_of=None) is None
    assert store.stored_exposures(policy, max_depth=3, first=10**6, as_of=None) is None
    assert store.stored_exposures("no-such-policy", max_depth=3, first=10, as_of=None) is None
    days[0] = date(2026, 3, 2)  # a day later the answers may be stale: live again
    assert store.stored_exposures(policy, max_depth=3, first=10, as_of=None) is None
    live = suppliers_exposed_to(store, SCHEMA, policy, max_depth=3, first=10)
    assert rows(questions.suppliers_exposed_to(store, SCHEMA, policy, max_depth=3, first=10)) == (
        rows(live)
    )


def test_a_load_replaces_the_stored_answers_with_the_new_graphs() -> None:
    first_graph = random_graph(SCHEMA, 11, Size(firms=20))
    second_graph = random_graph(SCHEMA, 12, Size(firms=25))
    store = EmbeddedStore(SCHEMA, today=lambda: DAY, eager=True)
    store.load(first_graph)
    store.load(second_graph)
    stored = store.answers()
    assert isinstance(stored, ExposureAnswers)
    assert sorted(stored.by_policy) == policies(second_graph)
    assert assert_stored_equals_live(store, second_graph) > 0


@pytest.mark.neo4j
def test_neo4j_stored_answers_equal_live_ones_and_survive_an_unchanged_reload(
    neo4j_db: neo4j.Driver, curated: Graph
) -> None:
    store = Neo4jStore(neo4j_db, database="neo4j", schema=SCHEMA, today=lambda: DAY)
    store.load(curated)
    assert assert_stored_equals_live(store, curated, (0, 1, 3, ANSWER_DEPTH), (3, 500)) > 50
    store.load(curated)  # nothing changed: the answers stay as they are
    assert assert_stored_equals_live(store, curated, (2,), (10,)) > 10


@pytest.mark.neo4j
@pytest.mark.parametrize("seed", [4, 5])
def test_neo4j_and_embedded_stored_answers_are_the_same(neo4j_db: neo4j.Driver, seed: int) -> None:
    graph = random_graph(SCHEMA, seed, Size(firms=30, policies=5))
    neo = Neo4jStore(neo4j_db, database="neo4j", schema=SCHEMA, today=lambda: DAY)
    embedded = EmbeddedStore(SCHEMA, today=lambda: DAY)
    neo.load(random_graph(SCHEMA, seed + 100, Size(firms=10)))  # answers of another graph
    neo.load(graph)
    embedded.load(graph)
    for policy in policies(graph):
        for depth in (0, 2, ANSWER_DEPTH):
            assert rows(neo.stored_exposures(policy, max_depth=depth, first=50, as_of=None)) == (
                rows(embedded.stored_exposures(policy, max_depth=depth, first=50, as_of=None))
            )


def path_ids(found: list[Any] | None) -> list[str] | None:
    return None if found is None else [r.id for r in found]


@pytest.mark.neo4j
def test_neo4j_path_search_gives_the_analysis_path_in_both_modes(
    neo4j_db: neo4j.Driver, curated: Graph
) -> None:
    import random

    from store import analysis, questions

    neo = Neo4jStore(neo4j_db, database="neo4j", schema=SCHEMA)
    embedded = EmbeddedStore(SCHEMA, precompute=False)
    neo.load(curated)
    embedded.load(curated)
    ids = sorted(curated.entities)
    rng = random.Random(5)
    found = 0
    for _ in range(40):
        a, b, length = rng.choice(ids), rng.choice(ids), rng.randint(1, 5)
        for options in ({}, {"schema": SCHEMA, "directed": True}):
            ours = questions.shortest_path(neo, a, b, max_length=length, **options)  # type: ignore[arg-type]
            theirs = analysis.shortest_path(embedded, a, b, max_length=length, **options)  # type: ignore[arg-type]
            assert path_ids(ours) == path_ids(theirs), (a, b, length, options)
            found += ours is not None
    assert found > 5


def test_lazy_answers_are_computed_per_day_and_equal_live_ones(curated: Graph) -> None:
    days = [DAY]
    store = EmbeddedStore(SCHEMA, today=lambda: days[0])
    store.load(curated)
    assert store.answers() is None  # nothing computed by the load itself
    policy = policies(curated)[0]
    for day in (DAY, date(2026, 3, 2)):
        days[0] = day
        stored = store.stored_exposures(policy, max_depth=3, first=10, as_of=None)
        live = suppliers_exposed_to(store, SCHEMA, policy, max_depth=3, first=10)
        assert stored is not None and rows(stored) == rows(live)
    assert store.stored_exposures(policy, max_depth=3, first=10, as_of=DAY) is None


@pytest.mark.neo4j
def test_a_load_of_the_input_digest_already_held_changes_nothing_and_reads_no_graph(
    neo4j_db: neo4j.Driver,
) -> None:
    graph = random_graph(SCHEMA, 21, Size(firms=12))
    store = Neo4jStore(neo4j_db, database="neo4j", schema=SCHEMA, today=lambda: DAY)
    assert not store.holds_input("inputs-1")
    store.load(graph, digest="inputs-1")
    assert store.holds_input("inputs-1") and not store.holds_input("inputs-2")
    # The digest says the input is unchanged: the graph passed is not even looked at.
    summary = store.load(Graph(), digest="inputs-1")
    assert not summary.changed
    assert summary.relations.unchanged == len(graph.relations)
    assert store.snapshot() == graph
    store.load(graph)  # a load without a digest cannot vouch for its input
    assert not store.holds_input("inputs-1")


@pytest.mark.neo4j
def test_a_stored_page_brings_its_suppliers_entities_whole_on_both_stores(
    neo4j_db: neo4j.Driver, curated: Graph
) -> None:
    neo = Neo4jStore(neo4j_db, database="neo4j", schema=SCHEMA, today=lambda: DAY)
    embedded = EmbeddedStore(SCHEMA, today=lambda: DAY)
    neo.load(curated)
    embedded.load(curated)
    shown = 0
    for policy in policies(curated):
        page = neo.stored_exposure_page(policy, max_depth=3, first=100, as_of=None)
        assert page is not None, policy  # one read: the answer and its suppliers together
        found, entities = page
        suppliers = [e.supplier for e in found]
        assert rows(found) == rows(neo.stored_exposures(policy, max_depth=3, first=100, as_of=None))
        assert entities == neo.entities(suppliers) == curated_entities(curated, suppliers)
        on_embedded = questions.exposure_page(embedded, SCHEMA, policy, max_depth=3, first=100)
        assert (rows(found), entities) == (rows(on_embedded[0]), on_embedded[1])
        shown += len(entities)
    assert shown > 20
    assert neo.stored_exposure_page(policies(curated)[0], max_depth=3, first=10, as_of=DAY) is None


def curated_entities(graph: Graph, ids: list[str]) -> dict[str, Any]:
    return {i: graph.entities[i] for i in ids}
