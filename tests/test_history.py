"""Known time: each changing load is a version; the graph as known then answers the same on
both stores; a failed or no-op load leaves the history as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import neo4j
import pytest

from ontology.errors import LoadFailed
from ontology.model import Graph, Relation
from store.analysis import dependencies, shortest_path, suppliers_exposed_to
from store.base import Direction, GraphStore
from store.embedded_store import EmbeddedStore
from store.history_log import UnknownVersion, resolve_known_at
from store.neo4j_store import Neo4jStore
from tests.graph_builders import sample_graph
from tests.history_stores import SCHEMA, STORES, empty_store, load_story

DAYS = (None, date(2019, 6, 1), date(2020, 6, 1), date(2025, 6, 1))


def _replace(graph: Graph, **parts: dict[str, Any]) -> Graph:
    out: dict[str, dict[str, Any]] = {
        "entities": dict(graph.entities),
        "relations": dict(graph.relations),
        "sources": dict(graph.sources),
    }
    for part, changes in parts.items():
        for key, value in changes.items():
            if value is None:
                out[part].pop(key, None)
            else:
                out[part][key] = value
    return Graph(**out)


def _rel(graph: Graph, prefix: str) -> Relation:
    return next(r for rid, r in graph.relations.items() if rid.startswith(prefix))


def versions_of_a_story() -> list[Graph]:
    """v1: the sample graph; v2: SMIC stops supplying Huawei (the fact ends), the Soitec
    rivalry is retracted, a new supply appears and Huawei's attributes change; v3: Soitec
    is folded into TSMC by entity resolution (its name becomes an alias of TSMC)."""
    v1 = sample_graph()
    smic = _rel(v1, "smic--supplies--huawei")
    rivalry = _rel(v1, "soitec--")
    tsmc_huawei = _rel(v1, "tsmc--supplies--huawei")
    new = tsmc_huawei.model_copy(
        update={"id": "soitec--supplies--huawei", "source": "soitec", "valid_to": None}
    )
    huawei = v1.entities["huawei"]
    v2 = _replace(
        v1,
        relations={
            smic.id: smic.model_copy(update={"valid_to": date(2024, 12, 31)}),
            rivalry.id: None,
            new.id: new,
        },
        entities={"huawei": huawei.model_copy(update={"description": "Handset maker."})},
    )
    tsmc = v2.entities["tsmc"]
    merged = new.model_copy(update={"id": "tsmc--supplies--huawei-2", "source": "tsmc"})
    v3 = _replace(
        v2,
        entities={
            "soitec": None,
            "tsmc": tsmc.model_copy(
                update={"aliases": (*tsmc.aliases, "Société Européenne Soitec")}
            ),
        },
        relations={new.id: None, merged.id: merged},
    )
    return [v1, v2, v3]


def answers(store: GraphStore) -> list[Any]:
    """Relationship questions at several valid times, reduced to comparable values."""
    out: list[Any] = []
    ids = sorted(store.snapshot().entities)
    for day in DAYS:
        out.append([r.id for r in store.edges(ids, None, Direction.BOTH, day)])
        exposed = suppliers_exposed_to(store, SCHEMA, "entity-list", max_depth=3, as_of=day)
        out.append([(e.supplier, e.depth, [r.id for r in e.path]) for e in exposed])
        deps = dependencies(store, SCHEMA, "huawei", max_depth=2, as_of=day)
        out.append([(d.entity, d.depth, [r.id for r in d.path]) for d in deps])
    path = (
        shortest_path(store, "soitec", "cn", max_length=4)
        if "soitec" in store.entities(["soitec"])
        else None
    )
    out.append(None if path is None else [r.id for r in path])
    return out


@pytest.fixture
def both(neo4j_db: neo4j.Driver) -> Iterator[list[GraphStore]]:
    yield [EmbeddedStore(SCHEMA), Neo4jStore(neo4j_db, database="neo4j", schema=SCHEMA)]


def _load_story(store: GraphStore) -> list[Graph]:
    story = versions_of_a_story()
    load_story(store, story)
    return story


def _story_store(kind: str, request: pytest.FixtureRequest) -> tuple[GraphStore, list[Graph]]:
    """A store of ``kind`` that has been through the story, and the story."""
    store = empty_store(kind, request)
    return store, _load_story(store)


@pytest.mark.parametrize("store_kind", STORES)
def test_each_known_time_answers_as_the_graph_loaded_then(
    store_kind: str, request: pytest.FixtureRequest
) -> None:
    store, story = _story_store(store_kind, request)
    assert [v.number for v in store.versions()] == [1, 2, 3]
    assert [v.relations for v in store.versions()] == [len(g.relations) for g in story]
    for number, graph in enumerate(story, start=1):
        assert store.graph_at(number) == graph
        truth = EmbeddedStore(SCHEMA)
        truth.load(graph)
        assert answers(store.at_version(number)) == answers(truth)
    assert store.at_version(3) is store
    assert answers(store.at_version(1)) != answers(store.at_version(2))


def test_both_stores_give_identical_history_and_answers(both: list[GraphStore]) -> None:
    for store in both:
        _load_story(store)
    embedded, graph_db = both
    assert [(v.number, v.entities, v.relations, v.sources) for v in embedded.versions()] == [
        (v.number, v.entities, v.relations, v.sources) for v in graph_db.versions()
    ]
    for number in (1, 2, 3):
        assert embedded.graph_at(number) == graph_db.graph_at(number)
        assert answers(embedded.at_version(number)) == answers(graph_db.at_version(number))
    for since in (0, 1, 2):
        assert embedded.changes(since) == graph_db.changes(since)
    assert embedded.changes(1, 2) == graph_db.changes(1, 2)


@pytest.mark.parametrize("store_kind", STORES)
def test_changes_are_classified_and_ordered(
    store_kind: str, request: pytest.FixtureRequest
) -> None:
    store, _ = _story_store(store_kind, request)
    found = [(c.version, c.change, c.kind, c.id) for c in store.changes(1)]
    assert found == [
        (2, "changed", "entity", "huawei"),
        (2, "ended", "relation", "smic--supplies--huawei"),
        (2, "retracted", "relation", "soitec--competes-with--tsmc"),
        (2, "added", "relation", "soitec--supplies--huawei"),
        (3, "merged", "entity", "soitec"),
        (3, "changed", "entity", "tsmc"),
        (3, "retracted", "relation", "soitec--supplies--huawei"),
        (3, "added", "relation", "tsmc--supplies--huawei-2"),
    ]
    ended = next(c for c in store.changes(1, 2) if c.change == "ended")
    assert ended.before is not None and ended.before["valid_to"] is None
    assert ended.after is not None and ended.after["valid_to"] == "2024-12-31"
    assert store.changes(3) == []
    first = versions_of_a_story()[0]
    initial = store.changes(0, 1)
    assert {c.change for c in initial} == {"added"}
    assert len(initial) == len(first.entities) + len(first.relations) + len(first.sources)


@pytest.mark.parametrize("store_kind", STORES)
def test_a_reload_that_changes_nothing_adds_no_version(
    store_kind: str, request: pytest.FixtureRequest
) -> None:
    store = empty_store(store_kind, request)
    graph = sample_graph()
    store.load(graph)
    store.load(graph)
    store.load(sample_graph())
    assert [v.number for v in store.versions()] == [1]
    assert store.changes(1) == []


def _fail_at(stage: str) -> Callable[[str, int, int], None]:
    def progress(current: str, done: int, total: int) -> None:
        if current == stage:
            raise RuntimeError(f"interrupted during {stage}")

    return progress


@pytest.mark.parametrize("store_kind", STORES)
def test_a_load_failing_part_way_leaves_versions_and_history_untouched(
    store_kind: str, request: pytest.FixtureRequest
) -> None:
    store, story = _story_store(store_kind, request)
    before = (store.versions(), store.changes(0), store.graph_at(2))
    changed = _replace(story[2], relations={next(iter(story[2].relations)): None})
    stage = "relations" if store_kind == "embedded" else "create-relations"
    if store_kind == "neo4j":  # a stage the load reaches after writing the history
        rivalry = _rel(story[0], "soitec--competes")
        extra = rivalry.model_copy(update={"id": "cn--x--us", "source": "cn", "target": "us"})
        changed = _replace(changed, relations={extra.id: extra})
    with pytest.raises(LoadFailed):
        store.load(changed, progress=_fail_at(stage))
    assert (store.versions(), store.changes(0), store.graph_at(2)) == before
    assert store.snapshot() == story[2]


@pytest.mark.parametrize("store_kind", STORES)
def test_known_time_resolves_numbers_and_timestamps(
    store_kind: str, request: pytest.FixtureRequest
) -> None:
    store, _ = _story_store(store_kind, request)
    versions = store.versions()
    second = versions[1].loaded_at
    assert store.version_at(second) == 2
    assert store.version_at(second - timedelta(days=1)) is None
    assert store.version_at(datetime.now(UTC) + timedelta(days=1)) == 3
    assert resolve_known_at(versions, "2") == 2
    assert resolve_known_at(versions, second.isoformat()) == 2
    assert resolve_known_at(versions, None) is None
    for bad in ("7", "yesterday", (second - timedelta(days=1)).isoformat()):
        with pytest.raises(UnknownVersion):
            resolve_known_at(versions, bad)
    with pytest.raises(UnknownVersion):
        store.graph_at(9)


def test_history_nodes_stay_out_of_the_graph_neo4j_shows(neo4j_db: neo4j.Driver) -> None:
    store = Neo4jStore(neo4j_db, database="neo4j", schema=SCHEMA)
    story = _load_story(store)
    last = story[-1]
    assert store.counts() == {
        "entities": len(last.entities),
        "relations": len(last.relations),
        "sources": len(last.sources),
    }
    assert store.snapshot() == last
    assert [h.entity_id for h in store.search("Soitec", None, 5)] == ["tsmc"]
    records, _, _ = neo4j_db.execute_query(
        "MATCH (n) WHERE n:TechsovVersion OR n:TechsovFact "
        "RETURN count(n) AS n, sum(size(labels(n))) AS labels",
        database_="neo4j",
    )
    assert records[0]["n"] == 3 + 6  # three versions, six retired facts
    assert records[0]["labels"] == records[0]["n"]  # one label each, never :Entity
