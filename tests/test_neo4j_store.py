"""The Neo4j store against the real server: storage model, atomic loads, reads, safety.

Every test runs on an emptied database (``neo4j_db``), never on a mock, so constraints,
dynamic labels and transaction rollback are Neo4j's own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import neo4j
import pytest
from graph_builders import GraphBuilder, sample_graph, scaled_graph

from ontology.errors import LoadFailed, StoreUnavailable
from ontology.model import Entity, Graph, Relation, Source
from ontology.schema import ONTOLOGY_FILE, Schema, default_schema, load_schema
from store.base import Direction, GraphStore
from store.embedded_store import EmbeddedStore
from store.neo4j_history_queries import SCHEMA as HISTORY_SCHEMA
from store.neo4j_queries import FULLTEXT_ANALYZER, FULLTEXT_INDEX, schema_statements
from store.neo4j_search import CJK_INDEX, WORDS_INDEX
from store.neo4j_store import Neo4jStore
from techsov.settings import Settings

SCHEMA = default_schema()
DATABASE = Settings().neo4j_database
INJECTIONS = (
    "x') DETACH DELETE n //",
    '"}]->() MATCH (n) DETACH DELETE n',
    "`) MATCH (n) DETACH DELETE n //",
    "$(labels) } DETACH DELETE n",
)


def raw_state(driver: neo4j.Driver, graph_only: bool = False) -> list[Any]:
    """Everything in the database, element ids included: equal only if nothing was touched.
    ``graph_only`` leaves out the stored answers (``:ExposureAnswers``, ``:TechsovGraph``),
    which every load that changes the graph rewrites."""
    nodes, _, _ = driver.execute_query(
        "MATCH (n) WHERE NOT $graph_only OR n:Entity OR n:Source "
        "RETURN elementId(n) AS eid, labels(n) AS labels, properties(n) AS props",
        {"graph_only": graph_only},
        database_=DATABASE,
    )
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN elementId(r) AS eid, type(r) AS type, "
        "elementId(a) AS a, elementId(b) AS b, properties(r) AS props",
        database_=DATABASE,
    )
    rows: list[tuple[Any, ...]] = [("n", r["eid"], sorted(r["labels"]), r["props"]) for r in nodes]
    rows += [("r", r["eid"], r["type"], r["a"], r["b"], r["props"]) for r in rels]
    return sorted(rows, key=lambda row: (row[0], row[1]))


def replace(graph: Graph, *objects: Entity | Relation | Source) -> Graph:
    out = Graph(dict(graph.entities), dict(graph.relations), dict(graph.sources))
    for obj in objects:
        target: dict[str, Any] = (
            out.entities
            if isinstance(obj, Entity)
            else out.relations
            if isinstance(obj, Relation)
            else out.sources
        )
        target[obj.id] = obj
    return out


@pytest.fixture
def store(neo4j_db: neo4j.Driver) -> Neo4jStore:
    return Neo4jStore(neo4j_db, database=DATABASE, schema=SCHEMA)


@pytest.fixture
def loaded(store: Neo4jStore) -> Neo4jStore:
    """The sample graph on a freshly wiped database: for tests that change data."""
    store.load(sample_graph())
    return store


@pytest.fixture
def shared(neo4j_driver: neo4j.Driver) -> Neo4jStore:
    """The sample graph, for tests that only read.

    Loading it onto whatever the previous test left is itself a replace-load (which the
    load tests pin down) and a no-op after another reader, so read-only tests skip the
    wipe and the schema creation that every ``loaded`` test pays for.
    """
    store = Neo4jStore(neo4j_driver, database=DATABASE, schema=SCHEMA)
    store.load(sample_graph())
    return store


# --- storage model and round trip -----------------------------------------------------


def test_store_satisfies_the_graph_store_protocol(store: Neo4jStore) -> None:
    assert isinstance(store, GraphStore)
    assert store.engine == "neo4j"


def test_every_field_survives_a_load_and_read_back(shared: Neo4jStore) -> None:
    graph = sample_graph()
    assert shared.snapshot() == graph
    assert shared.entities(sorted(graph.entities)) == graph.entities
    assert shared.sources(sorted(graph.sources)) == graph.sources
    rel = graph.relations["tsmc--supplies--huawei"]
    assert shared.edges(["tsmc"], ["supplies"], Direction.OUT, None) == [rel]
    page = shared.relations(["huawei"], Direction.IN, ["supplies"], 10, None)["huawei"]
    assert rel in page.items


def test_attribute_types_survive_the_round_trip(store: Neo4jStore) -> None:
    b = GraphBuilder()
    attributes = {"founded": date(2001, 2, 3), "ratio": 0.25, "staff": 12, "listed": True}
    b.entity("acme", "Firm", "Acme", attributes=attributes)
    store.load(b.build())
    back = store.entities(["acme"])["acme"].attributes
    assert back == attributes
    assert {k: type(v) for k, v in back.items()} == {k: type(v) for k, v in attributes.items()}


def test_nodes_carry_kind_and_ancestor_labels_and_typed_properties(
    shared: Neo4jStore, neo4j_driver: neo4j.Driver
) -> None:
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (n {id: $id}) RETURN labels(n) AS labels, n.founded AS founded, "
        "n.search_keys AS keys, n.names_lang AS langs",
        {"id": "huawei"},
        database_=DATABASE,
    )
    (node,) = records
    assert sorted(node["labels"]) == ["Entity", "Firm", "Organization"]
    assert isinstance(node["founded"], neo4j.time.Date)
    assert "华为技术有限公司" in node["keys"] and "huawei technologies" in node["keys"]
    assert node["langs"] == ["zh", "en"]
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (:Entity {id: 'entity-list'}) RETURN 1 AS x UNION ALL "
        "MATCH (:ExportControl:Policy {id: 'entity-list'}) RETURN 1 AS x UNION ALL "
        "MATCH ()-[r:SUPPLIES {id: 'tsmc--supplies--huawei'}]->() "
        "WHERE r.valid_from = date('2019-01-01') AND r.prov_evidence[1] = '' RETURN 1 AS x",
        database_=DATABASE,
    )
    assert len(records) == 3


# --- schema -----------------------------------------------------------------------------


def _constraint_labels(driver: neo4j.Driver) -> set[str]:
    records, _, _ = driver.execute_query(
        "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type "
        "WHERE type = 'UNIQUENESS' AND properties = ['id'] RETURN labelsOrTypes",
        database_=DATABASE,
    )
    return {label for r in records for label in r["labelsOrTypes"]}


def test_ensure_schema_derives_constraints_and_indexes_from_the_ontology(
    store: Neo4jStore, neo4j_db: neo4j.Driver
) -> None:
    created = store.ensure_schema()
    assert _constraint_labels(neo4j_db) == {*SCHEMA.entity_kinds, "Source"}
    records, _, _ = neo4j_db.execute_query(
        "SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties, options "
        "WHERE type IN ['RANGE', 'FULLTEXT'] RETURN *",
        database_=DATABASE,
    )
    rel_indexed = {
        t for r in records if r["entityType"] == "RELATIONSHIP" for t in r["labelsOrTypes"]
    }
    assert rel_indexed == {rel.neo4j_type for rel in SCHEMA.relations.values()}
    (fulltext,) = [r for r in records if r["name"] == FULLTEXT_INDEX]
    assert fulltext["labelsOrTypes"] == ["Entity"]
    assert fulltext["options"]["indexConfig"]["fulltext.analyzer"] == FULLTEXT_ANALYZER
    analyzers = {r["name"]: r["options"]["indexConfig"].get("fulltext.analyzer") for r in records}
    assert analyzers[WORDS_INDEX] == "whitespace" and analyzers[CJK_INDEX] == "cjk"
    history = len(HISTORY_SCHEMA)
    assert len(created) == len(SCHEMA.entity_kinds) + 1 + len(SCHEMA.relations) + 3 + history
    assert store.ensure_schema() == []


def test_a_class_added_to_the_ontology_gets_its_own_constraint(
    neo4j_db: neo4j.Driver, tmp_path: Path
) -> None:
    ttl = tmp_path / "techsov.ttl"
    ttl.write_text(
        ONTOLOGY_FILE.read_text(encoding="utf-8")
        + "\nts:Consortium a owl:Class ; rdfs:subClassOf ts:Organization .\n",
        encoding="utf-8",
    )
    extended: Schema = load_schema([ttl])
    Neo4jStore(neo4j_db, database=DATABASE, schema=extended).ensure_schema()
    assert "Consortium" in _constraint_labels(neo4j_db)
    assert _constraint_labels(neo4j_db) == {*SCHEMA.entity_kinds, "Consortium", "Source"}


def test_the_constraints_reject_a_second_node_with_the_same_id(
    shared: Neo4jStore, neo4j_driver: neo4j.Driver
) -> None:
    with pytest.raises(neo4j.exceptions.ConstraintError):
        neo4j_driver.execute_query("CREATE (:Entity:Firm {id: 'huawei'})", database_=DATABASE)


def test_schema_statements_refuse_names_that_would_need_escaping() -> None:
    with pytest.raises(ValueError, match="safe"):
        schema_statements(["Firm`) DETACH DELETE n //"], [])
    with pytest.raises(ValueError, match="safe"):
        schema_statements([], ["SUPPLIES]-() DROP"])


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


def _assert_failed_load_changes_nothing(
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
    _assert_failed_load_changes_nothing(loaded, neo4j_db, graph)


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
    _assert_failed_load_changes_nothing(
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

    _assert_failed_load_changes_nothing(
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
    _assert_failed_load_changes_nothing(loaded, neo4j_db, replace(graph, bad))


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
    assert _constraint_labels(neo4j_db) == set()
    assert store.counts() == {"entities": 0, "relations": 0, "sources": 0}


# --- search -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("华为技术有限公司", ["huawei"]),
        ("華為", ["huawei"]),  # traditional script
        ("技术", ["huawei"]),
        ("中", ["cn", "smic"]),
        ("中国", ["cn"]),
        ("societe europeenne soitec", ["soitec"]),
        ("soitec europeenne", ["soitec"]),
        ("Société", ["soitec"]),
        ("EUROPEENNE", ["soitec"]),
        ("Huawie", ["huawei"]),
        ("  huawei  ", ["huawei"]),
        ("kirin-9000s", ["kirin-9000s"]),
        ("Kirin 9000", ["kirin-9000s"]),
        ("Kirin 9001", []),
        ("zhongguo", ["cn"]),
        ("nothing like this", []),
        ("", []),
        ("   ", []),
    ],
)
def test_search_finds_words_typos_ids_and_chinese_as_the_embedded_store_does(
    shared: Neo4jStore, query: str, expected: list[str]
) -> None:
    hits = shared.search(query, None, 10)
    assert [h.entity_id for h in hits] == expected
    embedded = EmbeddedStore(SCHEMA)
    embedded.load(sample_graph())
    assert hits == embedded.search(query, None, 10)


def test_search_scores_a_whole_name_1_and_explains_the_match(shared: Neo4jStore) -> None:
    [hit] = shared.search("华为技术有限公司", None, 10)
    assert (hit.score, hit.matched_field, hit.match_type) == (1.0, "name:zh", "exact")
    [fuzzy] = shared.search("Huawie Technologies", None, 10)
    assert fuzzy.match_type == "fuzzy" and 0.5 < fuzzy.score < 1.0
    assert fuzzy.matched_name == "Huawei Technologies"


def test_search_orders_by_score_then_id_and_stops_at_first(shared: Neo4jStore) -> None:
    hits = shared.search("s", None, 50)
    assert hits == sorted(hits, key=lambda h: (-h.score, h.entity_id))
    assert len({h.score for h in hits}) > 1
    assert shared.search("s", None, 2) == hits[:2]
    assert shared.search("s", None, 0) == []


def test_search_kinds_include_subclasses(shared: Neo4jStore) -> None:
    assert [h.entity_id for h in shared.search("list", ["Policy"], 5)] == ["entity-list"]
    assert [h.entity_id for h in shared.search("list", ["ExportControl"], 5)] == ["entity-list"]
    assert shared.search("list", ["IndustrialPolicy"], 5) == []
    assert [h.entity_id for h in shared.search("ch", ["Jurisdiction", "Product"], 5)] == ["cn"]


# --- relations and edges --------------------------------------------------------------------


def test_relations_pages_through_a_node_in_id_order(shared: Neo4jStore) -> None:
    graph = sample_graph()
    mine = sorted(r.id for r in graph.relations.values() if "huawei" in (r.source, r.target))
    seen: list[str] = []
    after: str | None = None
    while True:
        page = shared.relations(["huawei"], Direction.BOTH, None, 2, after)["huawei"]
        assert page.total == len(mine)
        seen += [r.id for r in page.items]
        if not page.has_next:
            break
        after = page.items[-1].id
    assert seen == mine


def test_relations_answers_many_nodes_with_direction_and_type_filters(
    shared: Neo4jStore,
) -> None:
    pages = shared.relations(["huawei", "cn", "euv", "unknown-id"], Direction.OUT, None, 10, None)
    assert set(pages) == {"huawei", "cn", "euv"}  # unknown ids are absent
    assert [r.id for r in pages["huawei"].items] == [
        "huawei--headquartered-in--cn",
        "huawei--produces--kirin-9000s",
    ]
    assert (pages["cn"].total, pages["cn"].items, pages["cn"].has_next) == (0, [], False)
    incoming = shared.relations(["huawei"], Direction.IN, ["supplies"], 1, None)["huawei"]
    assert (incoming.total, incoming.has_next) == (2, True)
    assert [r.id for r in incoming.items] == ["smic--supplies--huawei"]
    assert shared.relations(["huawei"], Direction.IN, ["noSuchType"], 5, None)["huawei"].total == 0


def test_edges_follow_the_requested_direction_without_duplicates(shared: Neo4jStore) -> None:
    def ids(nodes: list[str], types: list[str] | None, direction: Direction) -> list[str]:
        return [r.id for r in shared.edges(nodes, types, direction, None)]

    assert ids(["huawei"], ["supplies"], Direction.OUT) == []
    assert ids(["huawei"], ["supplies"], Direction.IN) == [
        "smic--supplies--huawei",
        "tsmc--supplies--huawei",
    ]
    both = ids(["huawei", "tsmc", "smic"], None, Direction.BOTH)
    assert both == sorted(set(both))
    expected = sorted(
        r.id
        for r in sample_graph().relations.values()
        if {r.source, r.target} & {"huawei", "tsmc", "smic"}
    )
    assert both == expected
    assert ids(["ghost"], None, Direction.BOTH) == []
    assert ids(["huawei"], [], Direction.BOTH) == []


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (None, ["smic--supplies--huawei", "tsmc--supplies--huawei"]),
        (date(2018, 12, 31), []),
        (date(2019, 1, 1), ["tsmc--supplies--huawei"]),
        (date(2020, 1, 1), ["smic--supplies--huawei", "tsmc--supplies--huawei"]),
        (date(2020, 9, 14), ["smic--supplies--huawei", "tsmc--supplies--huawei"]),
        (date(2020, 9, 15), ["smic--supplies--huawei"]),
    ],
)
def test_edges_keep_relations_valid_at_the_date_with_inclusive_bounds(
    shared: Neo4jStore, as_of: date | None, expected: list[str]
) -> None:
    assert [r.id for r in shared.edges(["huawei"], ["supplies"], Direction.IN, as_of)] == expected


def test_counts_and_ping_answer_on_a_live_database(shared: Neo4jStore) -> None:
    shared.ping()
    assert shared.counts() == sample_graph().counts()


def test_close_leaves_the_shared_driver_usable(
    shared: Neo4jStore, neo4j_driver: neo4j.Driver
) -> None:
    shared.close()
    again = Neo4jStore(neo4j_driver, database=DATABASE, schema=SCHEMA)
    assert again.counts() == sample_graph().counts()


# --- hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize("evil", INJECTIONS)
def test_injection_looking_input_matches_nothing_and_changes_nothing(
    shared: Neo4jStore, neo4j_driver: neo4j.Driver, evil: str
) -> None:
    before = raw_state(neo4j_driver)
    calls: list[Callable[[], object]] = [
        lambda: shared.entities([evil]),
        lambda: shared.sources([evil]),
        lambda: shared.search(evil, None, 10),
        lambda: shared.search("huawei", [evil], 10),
        lambda: shared.relations([evil], Direction.BOTH, None, 10, None),
        lambda: shared.edges([evil], None, Direction.BOTH, None),
        lambda: shared.edges(["huawei"], [evil], Direction.BOTH, None),
    ]
    for call in calls:
        assert not call()
    page = shared.relations(["huawei"], Direction.BOTH, [evil], 10, evil)["huawei"]
    assert (page.total, page.items) == (0, [])
    assert raw_state(neo4j_driver) == before


def test_injection_looking_names_and_keys_are_stored_literally(store: Neo4jStore) -> None:
    b = GraphBuilder()
    b.entity(
        "odd",
        "Firm",
        INJECTIONS[0],
        aliases=INJECTIONS[1:],
        description=INJECTIONS[1],
        attributes={INJECTIONS[2]: INJECTIONS[3]},
    )
    b.entity("other", "Firm", "Other")
    b.relation("supplies", "odd", "other", properties={INJECTIONS[0]: INJECTIONS[1]})
    graph = b.build()
    store.load(graph)
    assert store.snapshot() == graph
    assert [(h.entity_id, h.score) for h in store.search(INJECTIONS[0], None, 5)] == [("odd", 1.0)]
    assert store.counts() == graph.counts()


# --- outages ------------------------------------------------------------------------------


def test_a_closed_port_raises_store_unavailable_without_leaking_the_password() -> None:
    driver = neo4j.GraphDatabase.driver(
        "bolt://127.0.0.1:1",
        auth=("neo4j", "hunter2-very-secret"),
        max_transaction_retry_time=0,
        connection_timeout=2,
    )
    store = Neo4jStore(driver, database=DATABASE, schema=SCHEMA)
    try:
        calls: list[Callable[[], object]] = [
            store.ping,
            store.counts,
            lambda: store.entities(["huawei"]),
            lambda: store.search("huawei", None, 5),
            lambda: store.edges(["huawei"], None, Direction.BOTH, None),
            lambda: store.load(sample_graph()),
            lambda: store.load(sample_graph(), dry_run=True),
        ]
        for call in calls:
            with pytest.raises(StoreUnavailable) as caught:
                call()
            assert "hunter2" not in str(caught.value)
            assert "\n" not in caught.value.message
    finally:
        driver.close()


def test_wrong_credentials_raise_store_unavailable(neo4j_server: Any) -> None:
    driver = neo4j.GraphDatabase.driver(
        neo4j_server.uri, auth=("no-such-user", "wrong-password"), max_transaction_retry_time=0
    )
    try:
        with pytest.raises(StoreUnavailable, match="unavailable"):
            Neo4jStore(driver, database=DATABASE, schema=SCHEMA).ping()
    finally:
        driver.close()


def test_an_unknown_database_raises_store_unavailable(neo4j_db: neo4j.Driver) -> None:
    missing = Neo4jStore(neo4j_db, database="nosuchdatabase", schema=SCHEMA)
    with pytest.raises(StoreUnavailable, match="nosuchdatabase"):
        missing.counts()
