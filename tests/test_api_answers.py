"""Answers the API gives on the curated graph, checked on both stores: the questions a
strategist asks, entities, relations and search (what each answer costs in store round
trips: ``test_api_round_trips.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from api_fixtures import (
    STORES,
    ApiClient,
    curated_client,
    curated_embedded,
    curated_graph,
    curated_store,
)

from api.limits import ApiLimits
from ontology.model import Graph
from ontology.schema import default_schema
from store.base import GraphStore

SCHEMA = default_schema()
LIMITS = ApiLimits()

RELATION_FIELDS = """
    id type confidence validFrom validTo properties
    source { id kind name } target { id kind name }
    provenance { evidence source { id title publisher url published } }
"""


@pytest.fixture(scope="module")
def graph() -> Graph:
    return curated_graph()


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> GraphStore:
    return curated_store(request)


@pytest.fixture
def client(store: GraphStore) -> ApiClient:
    return curated_client(store)


@pytest.fixture
def embedded_client() -> ApiClient:
    return curated_client(curated_embedded())


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


# --------------------------------------------------------------------------- strategist questions

EXPOSURE_FIELDS = f"supplier {{ id kind }} kind depth score path {{ {RELATION_FIELDS} }}"


ANSWER_DAY = "2025-06-01"
"""Answers on the curated graph are asked for a fixed date: they change with time."""


def exposures_to(client: ApiClient, policy: str, **args: Any) -> list[dict[str, Any]]:
    variables = {"policy": policy, "asOf": ANSWER_DAY, **args}
    found: list[dict[str, Any]] = client.data(
        f"""query($policy: ID!, $maxDepth: Int, $asOf: Date) {{
            suppliersExposedTo(policy: $policy, maxDepth: $maxDepth, asOf: $asOf) {{
                {EXPOSURE_FIELDS} }} }}""",
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
        """{ policyImpact(policy: "made-in-china-2025", asOf: "2025-06-01") {
            policy { id kind } technologies { id kind } jurisdictions { id }
            firms { id } namedEntities { id } asOf ruleVersion inForce beneficiaries { id } } }"""
    )["policyImpact"]
    assert impact["policy"] == {"id": "made-in-china-2025", "kind": "IndustrialPolicy"}
    assert (impact["asOf"], impact["ruleVersion"], impact["inForce"]) == (
        "2025-06-01",
        "rule-made-in-china-2025",
        True,
    )
    technologies = set(ids(impact["technologies"]))
    covered = {
        r.target
        for r in graph.relations.values()
        if r.source == "rule-made-in-china-2025" and r.type == "covers"
    }
    assert {"semiconductors", "new-energy-vehicles", "new-materials"} <= covered <= technologies
    # Narrower kinds are in scope (memory, chip fabrication under semiconductors), and
    # components and inputs, which the plan includes: EDA goes into chip design, the
    # chipmaking tools into fabrication, batteries are part of an EV.
    assert {"memory", "chip-fabrication", "eda", "lithography", "ev-batteries"} <= technologies
    assert ids(impact["jurisdictions"]) == ["china"]
    assert impact["namedEntities"] == []
    # Chinese firms are its beneficiaries, never its exposed firms.
    assert {"catl", "smic", "cxmt"} <= set(ids(impact["beneficiaries"]))
    assert not set(ids(impact["beneficiaries"])) & set(ids(impact["firms"]))


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
    # Chipmaking tools are an input to chip fabrication, a kind of semiconductor
    # activity: the plan includes components and inputs.
    assert [r["id"] for r in direct["asml"]["path"]] == [
        "asml--produces--duv-lithography",
        "duv-lithography--broader--lithography",
        "lithography--broader--semiconductor-manufacturing-equipment",
        "semiconductor-manufacturing-equipment--inputTo--chip-fabrication",
        "chip-fabrication--broader--semiconductors",
        "rule-made-in-china-2025--covers--semiconductors",
        "rule-made-in-china-2025--ruleOf--made-in-china-2025",
    ]
    # Domestic suppliers of exposed foreign firms benefit at any depth: CATL supplies
    # Tesla, yet it is not exposed to China's own plan.
    assert "catl" not in {e["supplier"]["id"] for e in exposures}
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
    # The US rule restricts US toolmakers and cuts off Chinese fabs; Dutch and Japanese
    # toolmakers answer to their own governments' controls, Chinese toolmakers compete.
    assert {"applied-materials", "lam-research", "kla", "smic", "ymtc"} <= set(reached)
    assert not {"asml", "tokyo-electron", "naura", "smee", "amec"} & set(reached)
    for toolmaker in ("applied-materials", "lam-research", "kla"):
        assert reached[toolmaker]["kind"] == "restricted"
        assert [r["id"] for r in reached[toolmaker]["path"]] == [
            f"{toolmaker}--produces--semiconductor-manufacturing-equipment",
            "rule-us-advanced-semis-2024--covers--semiconductor-manufacturing-equipment",
            "rule-us-advanced-semis-2024--ruleOf--us-advanced-semiconductor-export-controls",
        ]
    assert reached["smic"]["kind"] == "cut-off"
    assert [r["id"] for r in reached["smic"]["path"][:2]] == [
        "smic--produces--chip-fabrication",
        "semiconductor-manufacturing-equipment--inputTo--chip-fabrication",
    ]
    assert {"restricted", "cut-off", "supplier"} == {e["kind"] for e in controls}


def test_how_xiaomi_connects_to_a_policy(client: ApiClient) -> None:
    data = client.data(
        f"""{{
            mic: path(from: "xiaomi", to: "made-in-china-2025") {{ {RELATION_FIELDS} }}
            anyway: path(from: "xiaomi", to: "made-in-china-2025", directed: false) {{ id }}
            listing: path(from: "xiaomi", to: "us-ccmc-list", asOf: "2021-03-01") {{
                {RELATION_FIELDS} }}
            delisted: path(from: "xiaomi", to: "us-ccmc-list", asOf: "2022-01-01") {{ id }}
            entityList: path(from: "xiaomi", to: "us-entity-list", maxLength: 2,
                directed: false) {{ id }}
            nowhere: path(from: "xiaomi", to: "us-entity-list", maxLength: 1,
                directed: false) {{ id }}
        }}"""
    )
    # Explanations follow what Xiaomi makes towards what the plan covers, not its
    # declared alignment (a claim, not a mechanism); the undirected search finds that.
    assert data["mic"][0]["type"] == "develops"
    assert "alignedWith" not in {r["type"] for r in data["mic"]}
    assert_chain(data["mic"], "xiaomi", "made-in-china-2025")
    assert [r["id"] for r in data["anyway"]] == ["xiaomi--alignedWith--made-in-china-2025"]
    assert [r["id"] for r in data["listing"]] == ["us-ccmc-list--names--xiaomi"]
    assert data["delisted"] is None
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


def test_a_source_type_is_served_by_its_name_and_by_its_deprecated_one(
    client: ApiClient, graph: Graph
) -> None:
    relation = next(r for r in sorted(graph.relations.values(), key=lambda r: r.id))
    cited = graph.sources[relation.provenance[0].source]
    assert cited.source_type, "the curated sources state what they are"
    node = client.data(
        """query($id: ID!) { entity(id: $id) { relations(first: 500) { edges { node {
            id provenance { source { id sourceType kind } } } } } } }""",
        id=relation.source,
    )["entity"]["relations"]["edges"]
    shown = next(e["node"] for e in node if e["node"]["id"] == relation.id)
    source = next(p["source"] for p in shown["provenance"] if p["source"]["id"] == cited.id)
    assert source == {"id": cited.id, "sourceType": cited.source_type, "kind": cited.source_type}
