"""The analyst questions on the real data, through GraphQL, on the embedded store and on
the real Neo4j, with identical answers:

1. who supplies a technology, with what market share, year and country;
2. single-supplier chokepoints;
3. which suppliers in the chip supply chain a listing names, and since when;
4. which of a firm's suppliers are exposed to a listing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from neo4j import Driver

from api.limits import ApiLimits
from ontology.model import Graph
from ontology.schema import default_schema
from store.embedded_store import EmbeddedStore
from store.neo4j_store import Neo4jStore
from tests.api_fixtures import ApiClient, make_client
from tests.real_data import require_data, resolved

LIMITS = ApiLimits(max_first=10_000)
"""Listings name thousands of entities: the answers need pages larger than the default."""
TODAY = date(2026, 9, 1)

SUPPLIERS = """
query($tech: ID!) { entity(id: $tech) { name
  relations(direction: IN, types: ["produces", "hostsProductionOf"], first: 500) {
    edges { node { type properties validTo
      source { id name kind relations(direction: OUT, types: ["headquarteredIn"]) {
        edges { node { target { id } } } } }
      provenance { evidence source { id title } } } } } } }
"""
TAXONOMY = """
query($tech: ID!) { entity(id: $tech) {
  relations(direction: IN, types: ["broader"], first: 500) {
    edges { node { source { id } } } } } }
"""
NAMED = """
query($policy: ID!, $after: String) { entity(id: $policy) {
  relations(direction: OUT, types: ["names"], first: 1000, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id validFrom properties target { id name
      relations(direction: OUT, types: ["produces"], first: 1) { totalCount } } } } } } }
"""
EXPOSED = """
query($firm: ID!, $policy: ID!) {
  dependencies(firm: $firm, maxDepth: 1) { kind entity { id } }
  suppliersExposedTo(policy: $policy, maxDepth: 1, first: 10000) {
    kind depth supplier { id } path { id type validFrom } } }
"""


def supply_of(client: ApiClient, tech: str) -> list[tuple[str, str, float | None, Any, str]]:
    """(supplier, relation type, share, year, headquarters) of facts valid on TODAY."""
    data = client.data(SUPPLIERS, tech=tech)["entity"]["relations"]["edges"]
    out = []
    for edge in data:
        node = edge["node"]
        if node["validTo"] and date.fromisoformat(node["validTo"]) < TODAY:
            continue
        hq = [e["node"]["target"]["id"] for e in node["source"]["relations"]["edges"]]
        props = node["properties"] or {}
        out.append(
            (
                node["source"]["id"],
                node["type"],
                props.get("share"),
                props.get("year"),
                ",".join(sorted(hq)),
            )
        )
    return sorted(out, key=lambda t: (t[1], -(t[2] or 0), t[0]))


def chokepoints(client: ApiClient, root: str) -> list[tuple[str, str]]:
    """Technologies below ``root`` (taxonomy) where one firm holds at least 90 % today."""
    seen, frontier, found = {root}, [root], []
    while frontier:
        tech = frontier.pop()
        for edge in client.data(TAXONOMY, tech=tech)["entity"]["relations"]["edges"]:
            child = edge["node"]["source"]["id"]
            if child not in seen:
                seen.add(child)
                frontier.append(child)
    for tech in sorted(seen):
        firms = [s for s in supply_of(client, tech) if s[1] == "produces" and s[2]]
        top = [s for s in firms if s[2] is not None and s[2] >= 0.9]
        if top:
            found.append((tech, top[0][0]))
    return found


def named_suppliers(client: ApiClient, policy: str) -> list[tuple[str, str | None]]:
    """Firms a listing names that produce something in the graph, with the listing date."""
    after, out = None, set()
    while True:
        page = client.data(NAMED, policy=policy, after=after)["entity"]["relations"]
        for edge in page["edges"]:
            node = edge["node"]
            if node["target"]["relations"]["totalCount"]:
                out.add((node["target"]["id"], node["validFrom"]))
        if not page["pageInfo"]["hasNextPage"]:
            return sorted(out, key=lambda t: (t[0], t[1] or ""))
        after = page["pageInfo"]["endCursor"]


def exposed_suppliers(client: ApiClient, firm: str, policy: str) -> list[tuple[str, str, int]]:
    data = client.data(EXPOSED, firm=firm, policy=policy)
    suppliers = {d["entity"]["id"] for d in data["dependencies"] if d["kind"] == "supplier"}
    return sorted(
        (e["supplier"]["id"], e["kind"], e["depth"])
        for e in data["suppliersExposedTo"]
        if e["supplier"]["id"] in suppliers
    )


def answers(client: ApiClient) -> dict[str, Any]:
    return {
        "euv": supply_of(client, "euv-lithography"),
        "arf": supply_of(client, "arf-immersion-duv-lithography-tools"),
        "chokepoints": chokepoints(client, "lithography"),
        "named": named_suppliers(client, "us-entity-list"),
        "exposed": exposed_suppliers(client, "huawei", "us-entity-list"),
    }


@pytest.fixture(scope="module")
def graph() -> Graph:
    require_data()
    return resolved().graph


@pytest.fixture(scope="module")
def embedded_answers(graph: Graph) -> dict[str, Any]:
    store = EmbeddedStore(default_schema())
    store.load(graph)
    return answers(make_client(store, limits=LIMITS))


def test_who_supplies_euv_lithography_with_share_year_and_country(
    embedded_answers: dict[str, Any],
) -> None:
    euv = embedded_answers["euv"]
    assert ("asml", "produces", 1.0, 2025, "netherlands") in euv
    assert ("netherlands", "hostsProductionOf", 1.0, 2025, "") in euv
    arf = embedded_answers["arf"]
    assert ("asml", "produces", 0.993, 2025, "netherlands") in arf


def test_single_supplier_chokepoints_in_lithography(embedded_answers: dict[str, Any]) -> None:
    assert ("euv-lithography", "asml") in embedded_answers["chokepoints"]


def test_chip_suppliers_named_by_the_entity_list_and_since_when(
    embedded_answers: dict[str, Any],
) -> None:
    named = dict(embedded_answers["named"])
    for firm in ("smic", "naura", "smee", "piotech", "kingsemi", "hisilicon", "cambricon"):
        assert firm in {f for f, _ in embedded_answers["named"]}, firm
    dates = {d for f, d in embedded_answers["named"] if f == "naura"}
    assert "2024-12-05" in dates
    assert named["smee"] == "2022-12-19"
    assert ("smic", "2020-12-18") in embedded_answers["named"]  # curated, effective date
    assert ("smic", "2020-12-22") in embedded_answers["named"]  # imported, FR publication


def test_which_of_huaweis_suppliers_the_entity_list_exposes(
    embedded_answers: dict[str, Any],
) -> None:
    assert ("smic", "named", 0) in embedded_answers["exposed"]


def test_neo4j_gives_the_same_answers_as_the_embedded_store(
    graph: Graph, embedded_answers: dict[str, Any], neo4j_db: Driver
) -> None:
    store = Neo4jStore(neo4j_db, database="neo4j", schema=default_schema())
    store.load(graph)
    assert store.counts() == graph.counts()
    assert answers(make_client(store, limits=LIMITS)) == embedded_answers
