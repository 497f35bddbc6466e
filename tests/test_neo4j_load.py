"""Neo4j loads against the real server: idempotence, edits, removals, atomicity, dry runs.

Every test runs on an emptied database (``neo4j_db``, through the ``store`` and ``loaded``
fixtures), so transaction rollback and constraint checks are Neo4j's own.
"""

from __future__ import annotations

from typing import Any

import neo4j
import pytest
from graph_builders import GraphBuilder, sample_graph, scaled_graph
from neo4j_state import constraint_labels, raw_state, replace

from ontology.errors import LoadFailed
from ontology.model import Graph, Relation
from ontology.schema import default_schema
from store.base import Direction
from store.neo4j_store import Neo4jStore
from techsov.settings import Settings

SCHEMA = default_schema()
DATABASE = Settings().neo4j_database


# --- loads: idempotence, edits, removals --------------------------------------------------


def test_loading_the_same_graph_twice_changes_nothing(
    loaded: Neo4jStore, neo4j_db: neo4j.Driver
) -> None:
    before = raw_state(neo4j_db)
    summary = loaded.load(sample_graph())
    assert not summary.changed
    assert summary.entities.unchanged == len(sample_graph().entities)
    assert summary.relations.unchanged == len(sample_graph().relations)
    assert raw_state(neo4j_db) == before


def test_the_first_load_reports_everything_as_created(store: Neo4jStore) -> None:
    summary = store.load(sample_graph())
    graph = sample_graph()
    assert (summary.entities.created, summary.relations.created, summary.sources.created) == (
        len(graph.entities),
        len(graph.relations),
        len(graph.sources),
    )
    assert store.counts() == graph.counts()


def test_editing_one_fact_updates_exactly_that_fact(
    loaded: Neo4jStore, neo4j_db: neo4j.Driver
) -> None:
    graph = sample_graph()
    before = {row[1]: row for row in raw_state(neo4j_db, graph_only=True)}
    rel = graph.relations["smic--supplies--huawei"]
    edited = replace(
        graph,
        rel.model_copy(update={"confidence": 0.55, "properties": {"item": "14nm"}}),
        graph.entities["smic"].model_copy(update={"aliases": ()}),
    )
    summary = loaded.load(edited)
    assert (summary.entities.updated, summary.relations.updated) == (1, 1)
    assert summary.entities.unchanged == len(graph.entities) - 1
    assert summary.relations.created == summary.relations.removed == 0
    assert loaded.snapshot() == edited
    after = {row[1]: row for row in raw_state(neo4j_db, graph_only=True)}
    assert after.keys() == before.keys()  # updated in place, nothing recreated
    changed = {eid for eid in after if after[eid] != before[eid]}
    assert len(changed) == 2


def test_removing_facts_removes_them_and_only_them(loaded: Neo4jStore) -> None:
    graph = sample_graph()
    del graph.relations["tsmc--develops--euv"]
    del graph.entities["euv"]
    del graph.relations["soitec--competes-with--tsmc"]
    del graph.entities["soitec"]
    summary = loaded.load(graph)
    assert (summary.entities.removed, summary.relations.removed) == (2, 2)
    assert loaded.snapshot() == graph
    assert loaded.entities(["euv", "soitec"]) == {}


def test_a_kind_change_relabels_the_node(loaded: Neo4jStore, neo4j_db: neo4j.Driver) -> None:
    graph = sample_graph()
    moved = replace(graph, graph.entities["smic"].model_copy(update={"kind": "StandardsBody"}))
    assert loaded.load(moved).entities.updated == 1
    records, _, _ = neo4j_db.execute_query(
        "MATCH (n {id: 'smic'}) RETURN labels(n) AS labels", database_=DATABASE
    )
    assert sorted(records[0]["labels"]) == ["Entity", "Organization", "StandardsBody"]
    assert loaded.search("smic", ["Firm"], 5) == []
    assert loaded.snapshot() == moved


def test_a_relation_whose_endpoint_or_type_changes_is_replaced(loaded: Neo4jStore) -> None:
    graph = sample_graph()
    old = graph.relations["smic--supplies--huawei"]
    moved = replace(
        graph,
        old.model_copy(update={"target": "tsmc"}),
        graph.relations["soitec--competes-with--tsmc"].model_copy(update={"type": "supplies"}),
    )
    summary = loaded.load(moved)
    assert summary.relations.updated == 2
    assert summary.relations.created == summary.relations.removed == 0
    assert loaded.snapshot() == moved
    assert loaded.edges(["huawei"], ["supplies"], Direction.IN, None) == [
        graph.relations["tsmc--supplies--huawei"]
    ]
    assert loaded.counts()["relations"] == len(graph.relations)


def test_a_load_in_many_small_batches_stores_the_same_graph(neo4j_db: neo4j.Driver) -> None:
    graph = scaled_graph(firms=20, relations_per_firm=6)
    stages: list[tuple[str, int, int]] = []
    small = Neo4jStore(neo4j_db, database=DATABASE, schema=SCHEMA, batch_size=7)
    small.load(graph, progress=lambda stage, done, total: stages.append((stage, done, total)))
    assert small.snapshot() == graph
    finals = {stage: (done, total) for stage, done, total in stages}
    assert finals["create-relations"] == (len(graph.relations), len(graph.relations))
    assert finals["create-entities"] == (len(graph.entities), len(graph.entities))
    assert sum(1 for s in stages if s[0] == "create-relations") > 1


# --- loads: atomicity and dry runs --------------------------------------------------------


def assert_failed_load_changes_nothing(
    store: Neo4jStore, driver: neo4j.Driver, graph: Graph, **kwargs: Any
) -> None:
    before, counts = raw_state(driver), store.counts()
    with pytest.raises(LoadFailed, match="unchanged"):
        store.load(graph, **kwargs)
    assert raw_state(driver) == before
    assert store.counts() == counts


def test_a_relation_with_a_missing_endpoint_fails_the_load_and_changes_nothing(
    loaded: Neo4jStore, neo4j_db: neo4j.Driver
) -> None:
    graph = scaled_graph(firms=5, relations_per_firm=4)
    b = GraphBuilder()
    b.relation("supplies", "firm-1", "ghost-firm")
    graph.relations.update(b.relations)
    graph.sources.update(b.sources)
    assert_failed_load_changes_nothing(loaded, neo4j_db, graph)


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")
def test_a_value_neo4j_rejects_midway_rolls_the_whole_load_back(
    loaded: Neo4jStore, neo4j_db: neo4j.Driver
) -> None:
    graph = scaled_graph(firms=15, relations_per_firm=5)
    last = max(graph.relations)
    # model_construct skips validation: the nested map only fails inside Neo4j, after
    # every node and most relationships of this load have already been written.
    graph.relations[last] = Relation.model_construct(
        **{**dict(graph.relations[last]), "properties": {"item": {"nested": "map"}}}
    )
    small = Neo4jStore(neo4j_db, database=DATABASE, schema=SCHEMA, batch_size=10)
    stages: list[str] = []
    assert_failed_load_changes_nothing(
        small, neo4j_db, graph, progress=lambda stage, done, total: stages.append(stage)
    )
    assert "create-entities" in stages and "create-relations" in stages
    assert small.snapshot() == sample_graph()


def test_a_failure_in_the_progress_callback_rolls_the_load_back(
    loaded: Neo4jStore, neo4j_db: neo4j.Driver
) -> None:
    def explode(stage: str, done: int, total: int) -> None:
        if stage == "create-relations":
            raise RuntimeError("interrupted")

    assert_failed_load_changes_nothing(
        loaded, neo4j_db, scaled_graph(firms=6, relations_per_firm=4), progress=explode
    )


def test_a_write_that_finds_fewer_rows_than_planned_aborts_the_load(
    loaded: Neo4jStore, neo4j_db: neo4j.Driver
) -> None:
    graph = sample_graph()
    b = GraphBuilder()
    b.relation("competesWith", "huawei", "smic")
    graph = replace(
        graph, *b.relations.values(), graph.entities["tsmc"].model_copy(update={"name": "TSMC Ltd"})
    )

    def delete_endpoint_elsewhere(stage: str, done: int, total: int) -> None:
        # Another client removes an endpoint after the plan was made: the relation
        # write must notice it matched nothing instead of silently skipping the row.
        if stage == "read":
            neo4j_db.execute_query(
                "MATCH (n:Entity {id: 'smic'}) DETACH DELETE n", database_=DATABASE
            )

    with pytest.raises(LoadFailed, match="create-relations"):
        loaded.load(graph, progress=delete_endpoint_elsewhere)
    assert loaded.entities(["tsmc"])["tsmc"].name == "TSMC"
    assert loaded.entities(["smic"]) == {}


def test_an_entity_of_an_unknown_kind_is_refused_before_any_write(
    loaded: Neo4jStore, neo4j_db: neo4j.Driver
) -> None:
    graph = sample_graph()
    bad = graph.entities["euv"].model_copy(update={"kind": "Spaceship"})
    assert_failed_load_changes_nothing(loaded, neo4j_db, replace(graph, bad))


def test_a_dry_run_reports_the_changes_and_writes_nothing(
    loaded: Neo4jStore, neo4j_db: neo4j.Driver
) -> None:
    graph = sample_graph()
    del graph.relations["soitec--competes-with--tsmc"]
    graph = replace(graph, graph.entities["tsmc"].model_copy(update={"name": "TSMC Ltd"}))
    before = raw_state(neo4j_db)
    summary = loaded.load(graph, dry_run=True)
    assert summary.dry_run
    assert (summary.entities.updated, summary.relations.removed) == (1, 1)
    assert raw_state(neo4j_db) == before


def test_a_dry_run_on_an_empty_database_creates_no_schema(
    store: Neo4jStore, neo4j_db: neo4j.Driver
) -> None:
    summary = store.load(sample_graph(), dry_run=True)
    assert summary.entities.created == len(sample_graph().entities)
    assert constraint_labels(neo4j_db) == set()
    assert store.counts() == {"entities": 0, "relations": 0, "sources": 0}
