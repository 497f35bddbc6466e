"""The Neo4j store against the real server: storage model, reads, safety (loads are
pinned down in ``test_neo4j_load``).

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
from graph_builders import GraphBuilder, sample_graph
from neo4j_state import constraint_labels, raw_state

from ontology.errors import StoreUnavailable
from ontology.schema import ONTOLOGY_FILE, Schema, default_schema, load_schema
from store.base import Direction, GraphStore
from store.embedded_store import EmbeddedStore
from store.neo4j_history_queries import SCHEMA as HISTORY_SCHEMA
from store.neo4j_listing import attribute_indexes, entity_attributes
from store.neo4j_queries import (
    ANSWERS_SCHEMA,
    FULLTEXT_ANALYZER,
    FULLTEXT_INDEX,
    schema_statements,
)
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


def test_ensure_schema_derives_constraints_and_indexes_from_the_ontology(
    store: Neo4jStore, neo4j_db: neo4j.Driver
) -> None:
    created = store.ensure_schema()
    assert constraint_labels(neo4j_db) == {*SCHEMA.entity_kinds, "Source"}
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
    attribute_indexed = {
        p for r in records if r["labelsOrTypes"] == ["Entity"] for p in r["properties"]
    }
    assert set(entity_attributes(SCHEMA)) <= attribute_indexed
    history = len(HISTORY_SCHEMA)
    attributes = len(attribute_indexes(SCHEMA))
    derived = len(SCHEMA.entity_kinds) + 1 + len(SCHEMA.relations) + 3 + attributes
    assert len(created) == derived + history + len(ANSWERS_SCHEMA)
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
    assert "Consortium" in constraint_labels(neo4j_db)
    assert constraint_labels(neo4j_db) == {*SCHEMA.entity_kinds, "Consortium", "Source"}


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
