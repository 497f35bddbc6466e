"""The GraphQL API over HTTP, on the curated graph, against both stores.

Every test that reads data runs twice: on the embedded store and on a real Neo4j server
loaded with the same curated facts; the answers must be the same. Tests of the HTTP
surface and of the limits that never reach the store run on the embedded store only.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator, Sequence
from typing import Any

import neo4j
import pytest
from api_fixtures import ApiClient, CountingStore, curated_graph, make_client

from api.limits import MAX_SEARCH_CHARS, ApiLimits
from ontology.model import Graph
from ontology.schema import default_schema
from store.analysis import suppliers_exposed_to
from store.base import GraphStore, SearchHit
from store.embedded_store import EmbeddedStore
from store.neo4j_store import Neo4jStore
from techsov.settings import Settings

SCHEMA = default_schema()
LIMITS = ApiLimits()

STORES = [
    pytest.param("embedded", id="embedded"),
    pytest.param("neo4j", id="neo4j", marks=pytest.mark.neo4j),
]

RELATION_FIELDS = """
    id type confidence validFrom validTo properties
    source { id kind name } target { id kind name }
    provenance { evidence source { id title publisher url published } }
"""

INJECTIONS = [
    "' OR 1=1 --",
    '") MATCH (n) DETACH DELETE n //',
    "x}) RETURN n UNION MATCH (n) RETURN n //",
    "*",
    "?",
    ".*",
    "%",
    "\\",
    "~",
    '{"$gt": ""}',
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "\u0000",
]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def graph() -> Graph:
    return curated_graph()


@pytest.fixture(scope="module")
def embedded_store(graph: Graph) -> EmbeddedStore:
    store = EmbeddedStore(SCHEMA)
    store.load(graph)
    return store


@pytest.fixture(scope="module")
def loaded_neo4j(neo4j_driver: neo4j.Driver, graph: Graph) -> Iterator[Neo4jStore]:
    store = Neo4jStore(neo4j_driver, database=Settings().neo4j_database, schema=SCHEMA)
    store.load(graph)
    yield store


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, graph: Graph) -> GraphStore:
    if request.param == "embedded":
        embedded: GraphStore = request.getfixturevalue("embedded_store")
        return embedded
    neo: Neo4jStore = request.getfixturevalue("loaded_neo4j")
    if neo.counts() != graph.counts():
        # Another module emptied the shared test database since this one loaded it.
        neo.load(graph)
    return neo


@pytest.fixture(scope="module")
def embedded_client(embedded_store: EmbeddedStore) -> ApiClient:
    return make_client(embedded_store, SCHEMA, LIMITS)


@pytest.fixture(scope="module")
def neo4j_client(loaded_neo4j: Neo4jStore) -> ApiClient:
    return make_client(loaded_neo4j, SCHEMA, LIMITS)


@pytest.fixture
def client(request: pytest.FixtureRequest, store: GraphStore) -> ApiClient:
    """The app over ``store`` (apps hold no state, so one per store serves the module)."""
    app_client: ApiClient = request.getfixturevalue(f"{store.kind}_client")
    return app_client


def ids(items: Sequence[dict[str, Any]], key: str = "id") -> list[str]:
    return [item[key] for item in items]


def assert_cited(relations: Sequence[dict[str, Any]]) -> None:
    """Every fact shown comes with at least one citation naming a real source."""
    for rel in relations:
        assert rel["provenance"], f"relation {rel['id']} has no provenance"
        for citation in rel["provenance"]:
            assert citation["source"]["id"], rel["id"]


# --------------------------------------------------------------------------- entities


def test_an_entity_resolves_to_the_graphql_type_of_its_class(
    client: ApiClient, graph: Graph
) -> None:
    firm = next(e for e in sorted(graph.entities.values(), key=lambda e: e.id) if e.kind == "Firm")
    data = client.data(
        """query($id: ID!) { entity(id: $id) {
            __typename id kind name aliases wikidata description names { lang value }
            ... on Firm { founded stateOwnership } } }""",
        id=firm.id,
    )
    entity = data["entity"]
    assert entity["__typename"] == entity["kind"] == "Firm"
    assert entity["name"] == firm.name
    assert entity["aliases"] == list(firm.aliases)
    assert entity["wikidata"] == firm.wikidata
    assert entity["names"] == [{"lang": n.lang, "value": n.value} for n in firm.names]
    founded = firm.attributes.get("founded")
    assert entity["founded"] == (None if founded is None else str(founded))
    assert entity["stateOwnership"] == firm.attributes.get("stateOwnership")


def test_every_attribute_of_the_curated_graph_is_served_typed(
    client: ApiClient, graph: Graph
) -> None:
    with_attributes = sorted(e.id for e in graph.entities.values() if e.attributes)
    assert with_attributes, "the curated graph has no entity attributes to check"
    fragments = " ".join(
        f"... on {kind} {{ {' '.join(SCHEMA.attributes_of(kind))} }}"
        for kind in SCHEMA.concrete_kinds
        if SCHEMA.attributes_of(kind)
    )
    for entity_id in with_attributes[:40]:
        expected = graph.entities[entity_id]
        data = client.data(
            f"query($id: ID!) {{ entity(id: $id) {{ kind {fragments} }} }}", id=entity_id
        )
        for attr, value in expected.attributes.items():
            served = data["entity"][attr]
            assert served == (value.isoformat() if hasattr(value, "isoformat") else value), (
                entity_id,
                attr,
            )


def test_an_unknown_entity_is_null_not_an_error(client: ApiClient) -> None:
    assert client.graphql('{ entity(id: "no-such-entity") { id } }') == {"data": {"entity": None}}


# --------------------------------------------------------------------------- relations


def test_relation_pages_follow_cursors_to_every_relation_once(
    client: ApiClient, graph: Graph
) -> None:
    degree: dict[str, set[str]] = {}
    for rel in graph.relations.values():
        degree.setdefault(rel.source, set()).add(rel.id)
        degree.setdefault(rel.target, set()).add(rel.id)
    busiest = max(sorted(degree), key=lambda e: len(degree[e]))
    expected = sorted(degree[busiest])
    assert len(expected) > 7, "pick a graph with a busier entity for this test"
    seen: list[str] = []
    after = None
    for _ in range(len(expected)):
        page = client.data(
            """query($id: ID!, $after: String) { entity(id: $id) {
                relations(first: 7, after: $after) {
                    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } }
                } } }""",
            id=busiest,
            after=after,
        )["entity"]["relations"]
        assert page["totalCount"] == len(expected)
        seen += [edge["node"]["id"] for edge in page["edges"]]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected


def test_relations_filter_by_direction_and_type(client: ApiClient, graph: Graph) -> None:
    rel = sorted(graph.relations.values(), key=lambda r: r.id)[0]
    out = client.data(
        """query($id: ID!, $t: [String!]) { entity(id: $id) {
            relations(direction: OUT, types: $t, first: 500) {
                edges { node { id type source { id } } } }
        } }""",
        id=rel.source,
        t=[rel.type],
    )["entity"]["relations"]["edges"]
    expected = sorted(
        r.id for r in graph.relations.values() if r.source == rel.source and r.type == rel.type
    )
    assert ids([e["node"] for e in out]) == expected
    assert {e["node"]["source"]["id"] for e in out} == {rel.source}
    incoming = client.data(
        """query($id: ID!) { entity(id: $id) {
            relations(direction: IN, first: 500) { edges { node { target { id } } } } } }""",
        id=rel.target,
    )["entity"]["relations"]["edges"]
    assert {e["node"]["target"]["id"] for e in incoming} == {rel.target}


def test_every_served_relation_carries_provenance_with_a_source(
    client: ApiClient, graph: Graph
) -> None:
    sample = sorted(graph.entities)[:: max(1, len(graph.entities) // 30)]
    for entity_id in sample:
        edges = client.data(
            f"""query($id: ID!) {{ entity(id: $id) {{
                relations(first: 500) {{ edges {{ node {{ {RELATION_FIELDS} }} }} }} }} }}""",
            id=entity_id,
        )["entity"]["relations"]["edges"]
        assert_cited([e["node"] for e in edges])
        for edge in edges:
            stored = graph.relations[edge["node"]["id"]]
            assert [c["source"]["id"] for c in edge["node"]["provenance"]] == [
                p.source for p in stored.provenance
            ]


def test_a_malformed_cursor_is_a_bad_request(embedded_client: ApiClient, graph: Graph) -> None:
    entity_id = sorted(graph.entities)[0]
    for cursor in ("not base64!", "Zm9vIGJhcg==", "////"):
        error = embedded_client.error(
            """query($id: ID!, $c: String) { entity(id: $id) {
                relations(after: $c) { totalCount } } }""",
            id=entity_id,
            c=cursor,
        )
        assert error["extensions"]["code"] == "BAD_REQUEST"
        assert "cursor" in error["message"]


def test_an_unknown_relation_type_filter_is_a_bad_request_naming_it(
    embedded_client: ApiClient, graph: Graph
) -> None:
    error = embedded_client.error(
        """query($id: ID!) { entity(id: $id) { relations(types: ["bribes"]) { totalCount } } }""",
        id=sorted(graph.entities)[0],
    )
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "bribes" in error["message"]


# --------------------------------------------------------------------------- search


def test_search_matches_names_regardless_of_case_and_accents(
    client: ApiClient, graph: Graph
) -> None:
    entity = graph.entities["xiaomi"]
    for query in (entity.name, entity.name.upper(), entity.name.lower()):
        hits = client.data(
            "query($q: String!) { search(query: $q) { score entity { id } } }", q=query
        )["search"]
        assert hits[0] == {"score": 1.0, "entity": {"id": "xiaomi"}}, query


def test_search_kinds_keep_subclasses_and_unknown_kinds_are_refused(
    client: ApiClient,
) -> None:
    hits = client.data('{ search(query: "a", kinds: ["Policy"], first: 50) { entity { kind } } }')
    assert hits["search"]
    assert all(SCHEMA.is_a(h["entity"]["kind"], "Policy") for h in hits["search"])
    error = client.error('{ search(query: "a", kinds: ["Spaceship"]) { score } }')
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "Spaceship" in error["message"]


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_looking_input_returns_nothing_and_breaks_nothing(
    client: ApiClient, store: GraphStore, graph: Graph, text: str
) -> None:
    data = client.data(
        """query($t: String!, $id: ID!) {
            entity(id: $id) { id }
            search(query: $t) { entity { id } }
        }""",
        t=text,
        id=text,
    )
    assert data == {"entity": None, "search": []}
    error = client.error("query($id: ID!) { suppliersExposedTo(policy: $id) { kind } }", id=text)
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert store.counts() == graph.counts()
    assert client.data('{ entity(id: "xiaomi") { id } }') == {"entity": {"id": "xiaomi"}}


# --------------------------------------------------------------------------- strategist questions

EXPOSURE_FIELDS = f"supplier {{ id kind }} kind depth score path {{ {RELATION_FIELDS} }}"


def exposures_to(client: ApiClient, policy: str, **args: Any) -> list[dict[str, Any]]:
    variables = {"policy": policy, **args}
    found: list[dict[str, Any]] = client.data(
        f"""query($policy: ID!, $maxDepth: Int) {{
            suppliersExposedTo(policy: $policy, maxDepth: $maxDepth) {{ {EXPOSURE_FIELDS} }} }}""",
        **variables,
    )["suppliersExposedTo"]
    for exposure in found:
        assert_chain(exposure["path"], exposure["supplier"]["id"], policy)
    return found


def assert_chain(path: Sequence[dict[str, Any]], start: str, end: str) -> None:
    """``path`` links ``start`` to ``end`` relation by relation (in either direction),
    and every relation in it is cited."""
    assert path, (start, end)
    assert_cited(path)
    at = start
    for rel in path:
        ends = (rel["source"]["id"], rel["target"]["id"])
        assert at in ends, (at, rel["id"])
        at = ends[1] if ends[0] == at else ends[0]
    assert at == end, [r["id"] for r in path]


def test_what_made_in_china_2025_targets(client: ApiClient, graph: Graph) -> None:
    impact = client.data(
        """{ policyImpact(policy: "made-in-china-2025") {
            policy { id kind } technologies { id kind } jurisdictions { id }
            firms { id } namedEntities { id } } }"""
    )["policyImpact"]
    assert impact["policy"] == {"id": "made-in-china-2025", "kind": "IndustrialPolicy"}
    technologies = set(ids(impact["technologies"]))
    direct = {
        r.target
        for r in graph.relations.values()
        if r.source == "made-in-china-2025" and r.type == "targets"
    }
    assert {"semiconductors", "chip-fabrication", "memory", "new-energy-vehicles"} <= direct
    assert direct <= technologies
    # The taxonomy below a target is targeted too: EDA and lithography sit under chips.
    assert {"eda", "chip-design", "lithography", "euv-lithography", "ev-batteries"} <= technologies
    assert ids(impact["jurisdictions"]) == ["china"]
    assert impact["namedEntities"] == []


def test_which_foreign_suppliers_are_exposed_to_made_in_china_2025(
    client: ApiClient, graph: Graph
) -> None:
    exposures = exposures_to(client, "made-in-china-2025")
    direct = {e["supplier"]["id"]: e for e in exposures if e["depth"] == 0}
    foreign = {
        "asml", "tsmc", "samsung", "sk-hynix", "micron", "synopsys", "cadence",
        "applied-materials", "tokyo-electron", "lam-research", "kla", "nikon",
    }  # fmt: skip
    assert foreign <= set(direct)
    assert {direct[f]["kind"] for f in foreign} == {"technology"}
    # A promotes-domestic policy exposes foreign producers; Chinese ones benefit.
    headquarters = {
        r.source: r.target for r in graph.relations.values() if r.type == "headquarteredIn"
    }
    assert not [f for f in direct if headquarters.get(f) == "china"]
    # ASML makes DUV scanners, which sit below semiconductors in the taxonomy.
    assert [r["id"] for r in direct["asml"]["path"]] == [
        "asml--produces--duv-lithography",
        "duv-lithography--broader--lithography",
        "lithography--broader--semiconductor-manufacturing-equipment",
        "semiconductor-manufacturing-equipment--broader--semiconductors",
        "made-in-china-2025--targets--semiconductors",
    ]
    # Further tiers: who supplies an exposed firm.
    tiers = {e["supplier"]["id"]: e for e in exposures if e["depth"] > 0}
    assert tiers["catl"]["kind"] == "supplier"
    assert tiers["catl"]["path"][0]["id"] == "catl--supplies--tesla"
    depths = [e["depth"] for e in exposures]
    assert depths == sorted(depths)


def test_who_competes_with_xiaomi(client: ApiClient) -> None:
    edges = client.data(
        """{ entity(id: "xiaomi") { relations(types: ["competesWith"], first: 100) {
            totalCount edges { node { id type source { id } target { id name }
            provenance { source { id } } } } } } }"""
    )["entity"]["relations"]
    rivals = {
        n["target"]["id"] if n["source"]["id"] == "xiaomi" else n["source"]["id"]
        for n in (e["node"] for e in edges["edges"])
    }
    assert {"apple", "huawei", "samsung", "tesla"} <= rivals
    assert edges["totalCount"] == len(edges["edges"])
    assert all(e["node"]["provenance"] for e in edges["edges"])


def test_which_firms_us_export_controls_reach_and_through_which_facts(
    client: ApiClient,
) -> None:
    listed = exposures_to(client, "us-entity-list", maxDepth=0)
    assert {"huawei", "smic", "ymtc", "dji", "hikvision"} <= set(
        e["supplier"]["id"] for e in listed
    )
    for exposure in listed:
        assert exposure["kind"] == "named"
        [fact] = exposure["path"]
        assert fact["type"] == "names"
        assert fact["id"] == f"us-entity-list--names--{exposure['supplier']['id']}"

    controls = exposures_to(client, "us-advanced-semiconductor-export-controls", maxDepth=1)
    reached = {e["supplier"]["id"]: e for e in controls}
    # Toolmakers on both sides of the border: restrictions reach every producer.
    assert {"asml", "applied-materials", "tokyo-electron", "lam-research", "naura", "smee"} <= set(
        reached
    )
    for toolmaker in ("applied-materials", "tokyo-electron", "lam-research"):
        assert [r["id"] for r in reached[toolmaker]["path"]] == [
            f"{toolmaker}--produces--semiconductor-manufacturing-equipment",
            "us-advanced-semiconductor-export-controls--targets--semiconductor-manufacturing-equipment",
        ]
        assert reached[toolmaker]["path"][-1]["properties"] == {"effect": "restricts-trade"}
    assert reached["smic"]["path"][0]["id"] == "smic--produces--advanced-logic"
    assert {"technology", "supplier"} == {e["kind"] for e in controls}


def test_how_xiaomi_connects_to_a_policy(client: ApiClient) -> None:
    data = client.data(
        f"""{{
            mic: path(from: "xiaomi", to: "made-in-china-2025") {{ {RELATION_FIELDS} }}
            listing: path(from: "xiaomi", to: "us-ccmc-list") {{ {RELATION_FIELDS} }}
            entityList: path(from: "xiaomi", to: "us-entity-list", maxLength: 2) {{ id }}
            nowhere: path(from: "xiaomi", to: "us-entity-list", maxLength: 1) {{ id }}
        }}"""
    )
    assert [r["id"] for r in data["mic"]] == ["xiaomi--alignedWith--made-in-china-2025"]
    assert_chain(data["mic"], "xiaomi", "made-in-china-2025")
    assert [r["id"] for r in data["listing"]] == ["us-ccmc-list--names--xiaomi"]
    assert_chain(data["listing"], "xiaomi", "us-ccmc-list")
    assert len(data["entityList"]) == 2
    assert data["nowhere"] is None


def test_what_xiaomi_depends_on(client: ApiClient) -> None:
    found = client.data(
        f"""{{ dependencies(firm: "xiaomi", maxDepth: 1) {{
            entity {{ id }} kind depth path {{ {RELATION_FIELDS} }} }} }}"""
    )["dependencies"]
    by_kind: dict[str, set[str]] = {}
    for dep in found:
        by_kind.setdefault(dep["kind"], set()).add(dep["entity"]["id"])
        if dep["path"]:
            assert_chain(dep["path"], "xiaomi", dep["entity"]["id"])
    assert {"tsmc", "qualcomm", "sony", "catl"} <= by_kind["supplier"]
    assert "semiconductors" in by_kind["technology"]
    assert {"china", "taiwan"} <= by_kind["country"]


# --------------------------------------------------------------------------- analyses


@pytest.mark.parametrize(
    ("query", "missing"),
    [
        ('{ suppliersExposedTo(policy: "no-such-policy") { kind } }', "no-such-policy"),
        ('{ policyImpact(policy: "no-such-policy") { firms { id } } }', "no-such-policy"),
        ('{ dependencies(firm: "no-such-firm") { kind } }', "no-such-firm"),
        ('{ path(from: "no-such-start", to: "xiaomi") { id } }', "no-such-start"),
        ('{ path(from: "xiaomi", to: "no-such-end") { id } }', "no-such-end"),
    ],
)
def test_analyses_of_unknown_ids_are_not_found_errors_naming_the_id(
    client: ApiClient, query: str, missing: str
) -> None:
    body = client.graphql(query)
    assert body["data"] is None or set(body["data"].values()) == {None}
    [error] = body["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert missing in error["message"]


def test_an_analysis_of_an_entity_of_the_wrong_class_is_not_found(client: ApiClient) -> None:
    error = client.error('{ suppliersExposedTo(policy: "xiaomi") { kind } }')
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "xiaomi" in error["message"] and "Policy" in error["message"]


# --------------------------------------------------------------------------- limits


@pytest.mark.parametrize(
    ("query", "mentions"),
    [
        ('{ search(query: "a", first: 501) { score } }', "first=501"),
        ('{ suppliersExposedTo(policy: "made-in-china-2025", first: 1000) { kind } }', "500"),
        ('{ suppliersExposedTo(policy: "made-in-china-2025", maxDepth: 7) { kind } }', "maxDepth"),
        ('{ dependencies(firm: "xiaomi", maxDepth: 50) { kind } }', "maxDepth=50"),
        ('{ path(from: "xiaomi", to: "made-in-china-2025", maxLength: 7) { id } }', "maxLength"),
        ('{ entity(id: "xiaomi") { relations(first: 501) { totalCount } } }', "first=501"),
        (f'{{ search(query: "{"x" * (MAX_SEARCH_CHARS + 1)}") {{ score }} }}', "characters"),
    ],
)
def test_arguments_over_the_limits_are_refused_with_the_limit_named(
    embedded_client: ApiClient, query: str, mentions: str
) -> None:
    error = embedded_client.error(query)
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert mentions in error["message"]


@pytest.mark.parametrize(
    "query",
    [
        '{ search(query: "a", first: -1) { score } }',
        '{ suppliersExposedTo(policy: "made-in-china-2025", maxDepth: -1) { kind } }',
    ],
)
def test_negative_sizes_are_bad_requests(embedded_client: ApiClient, query: str) -> None:
    error = embedded_client.error(query)
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "negative" in error["message"]


def test_a_query_nested_deeper_than_the_limit_is_refused(embedded_client: ApiClient) -> None:
    nested = "id"
    for _ in range(4):  # each level: relations > edges > node > source = 4 depths
        nested = f"relations {{ edges {{ node {{ source {{ {nested} }} }} }} }}"
    error = embedded_client.error(f'{{ entity(id: "xiaomi") {{ {nested} }} }}')
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert "depth" in error["message"]


def test_too_many_aliases_are_refused(embedded_client: ApiClient) -> None:
    aliases = " ".join(f'a{i}: entity(id: "xiaomi") {{ id }}' for i in range(31))
    error = embedded_client.error(f"{{ {aliases} }}")
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert "aliases" in error["message"]


def test_a_document_with_too_many_tokens_is_refused(embedded_client: ApiClient) -> None:
    fields = " ".join(["id"] * 2100)
    error = embedded_client.error(f'{{ entity(id: "xiaomi") {{ {fields} }} }}')
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert "tokens" in error["message"]


def test_limits_are_the_ones_the_app_was_built_with(embedded_store: EmbeddedStore) -> None:
    client = make_client(embedded_store, SCHEMA, ApiLimits(max_first=200, max_depth=5))
    assert client.data('{ search(query: "a", first: 200) { score } }')["search"]
    error = client.error('{ search(query: "a", first: 201) { score } }')
    assert "limit of 200" in error["message"]
    error = client.error('{ dependencies(firm: "xiaomi", maxDepth: 6) { kind } }')
    assert "limit of 5" in error["message"]


# --------------------------------------------------------------------------- round trips

SEARCH_WITH_RELATIONS = """query($first: Int) {
    search(query: "a", first: 10) { score entity { id name
        relations(first: $first) { totalCount edges { node {
            source { name } target { name } provenance { source { title } } } } } } }
}"""


def test_a_request_costs_a_fixed_number_of_store_calls_whatever_its_size(
    store: GraphStore,
) -> None:
    counting = CountingStore(store)
    client = make_client(counting, SCHEMA, LIMITS)
    costs: dict[int, int] = {}
    for first in (1, 10, 100):
        counting.reset()
        hits = client.data(SEARCH_WITH_RELATIONS, first=first)["search"]
        assert len(hits) == 10
        costs[first] = counting.total
        # One call each: search, the hits, their relation pages, the far ends, the sources.
        assert dict(counting.calls) == {
            "search": 1,
            "entities": 2,
            "relations": 1,
            "sources": 1,
        }
    assert len(set(costs.values())) == 1, costs


def test_only_what_the_query_shows_is_fetched(store: GraphStore) -> None:
    counting = CountingStore(store)
    client = make_client(counting, SCHEMA, LIMITS)
    client.data('{ entity(id: "xiaomi") { relations { edges { node { id type } } } } }')
    assert dict(counting.calls) == {"entities": 1, "relations": 1}
    counting.reset()
    suppliers_exposed_to(counting, SCHEMA, "made-in-china-2025", max_depth=3)
    analysis_alone = dict(counting.calls)
    counting.reset()
    client.data('{ suppliersExposedTo(policy: "made-in-china-2025") { kind depth } }')
    assert dict(counting.calls) == analysis_alone


def test_fields_asked_through_fragments_are_fetched_in_the_same_batch(
    store: GraphStore,
) -> None:
    counting = CountingStore(store)
    client = make_client(counting, SCHEMA, LIMITS)
    data = client.data(
        """{ search(query: "a", first: 10) { entity { ... on Firm { ...Rels } ... Rels } } }
        fragment Rels on Entity { relations(first: 20) { edges { node { ...Fact } } } }
        fragment Fact on Relation { target { name } provenance { source { title } } }"""
    )
    assert any(hit["entity"]["relations"]["edges"] for hit in data["search"])
    assert dict(counting.calls) == {"search": 1, "entities": 2, "relations": 1, "sources": 1}


def test_an_exposure_answer_costs_the_analysis_plus_a_fixed_number_of_calls(
    store: GraphStore,
) -> None:
    """The analysis itself costs what its depth dictates; showing its answer — every
    supplier, every relation end, every cited source — adds a constant on top."""
    counting = CountingStore(store)
    suppliers_exposed_to(counting, SCHEMA, "made-in-china-2025", max_depth=3)
    analysis_alone = counting.total
    counting.reset()
    client = make_client(counting, SCHEMA, LIMITS)
    exposures = client.data(
        """{ suppliersExposedTo(policy: "made-in-china-2025", maxDepth: 3) {
            supplier { name } path { source { name } target { name }
            provenance { source { title } } } } }"""
    )["suppliersExposedTo"]
    assert len(exposures) > 3
    # suppliers + path ends (one or two entity batches), and one batch of sources.
    assert counting.total - analysis_alone <= 3, dict(counting.calls)


# --------------------------------------------------------------------------- failures


class ExplodingStore(CountingStore):
    """A real store whose search fails the way a bug would."""

    def search(self, query: str, kinds: Sequence[str] | None, first: int) -> list[SearchHit]:
        raise RuntimeError("secret detail: password=hunter2")


def test_unexpected_errors_are_masked_for_clients_and_logged_with_traceback(
    embedded_store: EmbeddedStore, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(ExplodingStore(embedded_store), SCHEMA, LIMITS)
    with caplog.at_level(logging.ERROR, logger="api.graphql"):
        response = client.request(
            "POST", "/graphql", json={"query": '{ search(query: "a") { score } }'}
        )
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["message"] == "internal error"
    assert error["extensions"] == {"code": "INTERNAL"}
    assert "hunter2" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if r.name == "api.graphql"]
    assert logged and "hunter2" in logged[0].getMessage()
    assert logged[0].exc_info is not None


@pytest.fixture
def unreachable_store() -> Iterator[Neo4jStore]:
    """A Neo4j store whose server does not exist (nothing listens on port 1)."""
    driver = neo4j.GraphDatabase.driver(
        "bolt://127.0.0.1:1",
        auth=("neo4j", "unused"),
        connection_timeout=1.0,
        max_transaction_retry_time=0.0,
    )
    yield Neo4jStore(driver, database="neo4j", schema=SCHEMA)
    driver.close()


def test_readyz_is_503_with_a_clear_message_when_the_store_is_down(
    unreachable_store: Neo4jStore,
) -> None:
    client = make_client(unreachable_store, SCHEMA, LIMITS)
    response = client.request("GET", "/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    [error] = body["errors"]
    assert error["extensions"]["code"] == "STORE_UNAVAILABLE"
    assert error["message"].startswith("store unavailable: ")
    assert client.request("GET", "/healthz").status_code == 200


def test_queries_on_a_store_that_is_down_are_store_unavailable_errors(
    unreachable_store: Neo4jStore,
) -> None:
    client = make_client(unreachable_store, SCHEMA, LIMITS)
    for query in (
        '{ entity(id: "xiaomi") { id } }',
        '{ search(query: "xiaomi") { score } }',
        '{ suppliersExposedTo(policy: "made-in-china-2025") { kind } }',
    ):
        error = client.error(query)
        assert error["extensions"]["code"] == "STORE_UNAVAILABLE", query
        assert "unavailable" in error["message"]


class SlowStore(CountingStore):
    """A real store that takes its time, as a loaded database would."""

    delay_s = 0.4

    def ping(self) -> None:
        time.sleep(self.delay_s)

    def search(self, query: str, kinds: Sequence[str] | None, first: int) -> list[SearchHit]:
        time.sleep(self.delay_s)
        return super().search(query, kinds, first)


def test_readyz_gives_up_after_the_configured_time(embedded_store: EmbeddedStore) -> None:
    client = make_client(SlowStore(embedded_store), SCHEMA, ApiLimits(ready_timeout_s=0.05))
    response = client.request("GET", "/readyz")
    assert response.status_code == 503
    assert "no answer within" in response.json()["errors"][0]["message"]


def test_store_calls_run_off_the_event_loop(embedded_store: EmbeddedStore) -> None:
    """Two slow requests overlap: a blocking store call does not stall the server."""
    client = make_client(SlowStore(embedded_store), SCHEMA, LIMITS)
    body = {"query": '{ search(query: "xiaomi") { entity { id } } }'}

    async def both() -> list[Any]:
        return list(
            await asyncio.gather(
                client.arequest("POST", "/graphql", json=body),
                client.arequest("POST", "/graphql", json=body),
                client.arequest("GET", "/healthz"),
            )
        )

    started = time.perf_counter()
    responses = asyncio.run(both())
    elapsed = time.perf_counter() - started
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert elapsed < 2 * SlowStore.delay_s, elapsed


# --------------------------------------------------------------------------- HTTP surface


def test_health_and_readiness_of_a_working_app(client: ApiClient, store: GraphStore) -> None:
    assert client.request("GET", "/healthz").json() == {"status": "ok"}
    ready = client.request("GET", "/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "store": store.kind}


def test_graphiql_is_served_on_get(embedded_client: ApiClient) -> None:
    response = embedded_client.request("GET", "/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_queries_also_work_over_get(embedded_client: ApiClient) -> None:
    response = embedded_client.request(
        "GET", "/graphql", params={"query": '{ entity(id: "xiaomi") { id } }'}
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"entity": {"id": "xiaomi"}}}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"query": "{ entity(id: \\"xiaomi\\") { id } "', "application/json"),
        (b"not json at all", "application/json"),
        (b"", "application/json"),
        (b'{"variables": {}}', "application/json"),
        (b'["a", "list"]', "application/json"),
        (b'{ entity(id: "xiaomi") { id } }', "text/plain"),
        (b"<query/>", "application/xml"),
    ],
)
def test_malformed_requests_are_client_errors_not_server_errors(
    embedded_client: ApiClient, content: bytes, content_type: str
) -> None:
    response = embedded_client.request(
        "POST", "/graphql", content=content, headers={"content-type": content_type}
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.text)


def test_graphql_syntax_and_validation_errors_are_bad_requests(
    embedded_client: ApiClient,
) -> None:
    for query in ("{ entity(id: ", "{ nope }", '{ entity(id: "x") { id nope } }'):
        error = embedded_client.error(query)
        assert error["extensions"]["code"] == "BAD_REQUEST", query


def test_a_malformed_date_variable_is_a_bad_request(embedded_client: ApiClient) -> None:
    error = embedded_client.error(
        'query($d: Date) { policyImpact(policy: "made-in-china-2025", asOf: $d) { firms { id } } }',
        d="last tuesday",
    )
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "Date" in error["message"]


def test_no_cross_origin_access_unless_origins_are_configured(
    embedded_store: EmbeddedStore,
) -> None:
    preflight = {
        "origin": "https://analyst.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
    }
    closed = make_client(embedded_store, SCHEMA, LIMITS)
    response = closed.request("OPTIONS", "/graphql", headers=preflight)
    assert "access-control-allow-origin" not in response.headers
    response = closed.request("GET", "/healthz", headers={"origin": "https://analyst.example"})
    assert "access-control-allow-origin" not in response.headers

    opened = make_client(
        embedded_store, SCHEMA, ApiLimits(cors_origins=("https://analyst.example",))
    )
    response = opened.request("OPTIONS", "/graphql", headers=preflight)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://analyst.example"
    response = opened.request(
        "OPTIONS", "/graphql", headers={**preflight, "origin": "https://evil.example"}
    )
    assert response.headers.get("access-control-allow-origin") != "https://evil.example"
