"""Typed lists through ``entities``: kinds, attribute and relation filters generated from
the ontology, order, paging with totals, on both stores (which must agree), on the
curated graph."""

from __future__ import annotations

from typing import Any

import pytest
from api_fixtures import STORES, ApiClient, curated_client, curated_embedded, curated_store

from ontology.model import Graph
from store.base import GraphStore
from store.listing import EntityQuery, RelationCondition


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> GraphStore:
    return curated_store(request)


@pytest.fixture
def client(store: GraphStore) -> ApiClient:
    return curated_client(store)


def _graph() -> Graph:
    return curated_embedded().snapshot()


def listed(client: ApiClient, args: str) -> tuple[list[str], int]:
    data = client.data(f"{{ entities({args}) {{ totalCount edges {{ node {{ id }} }} }} }}")
    page = data["entities"]
    return [e["node"]["id"] for e in page["edges"]], page["totalCount"]


def test_a_kind_lists_its_entities_and_subclasses_by_id(client: ApiClient) -> None:
    graph = _graph()
    policies = sorted(
        e.id for e in graph.entities.values() if curated_embedded()._schema.is_a(e.kind, "Policy")
    )
    ids, total = listed(client, "kind: Policy, first: 500")
    assert ids == policies and total == len(policies)


def test_pages_join_up_to_the_whole_list(client: ApiClient) -> None:
    whole, total = listed(client, "kind: Firm, first: 500")
    seen: list[str] = []
    after: Any = None
    while True:
        args = "kind: Firm, first: 7" + (f', after: "{after}"' if after else "")
        page = client.data(
            f"{{ entities({args}) {{ totalCount pageInfo {{ hasNextPage endCursor }} "
            "edges { node { id } } } }"
        )["entities"]
        assert page["totalCount"] == total
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == whole


def test_state_owned_chinese_firms_are_those_the_facts_say(client: ApiClient) -> None:
    graph = _graph()
    china_hq = {
        r.source
        for r in graph.relations.values()
        if r.type == "headquarteredIn" and r.target == "china"
    }
    expected = sorted(
        e.id
        for e in graph.entities.values()
        if e.kind == "Firm"
        and e.attributes.get("stateOwnership") == "state-owned"
        and e.id in china_hq
    )
    ids, total = listed(
        client,
        'kind: Firm, where: {stateOwnership: "state-owned", out: {headquarteredIn: ["China"]}}',
    )
    assert expected and ids == expected and total == len(expected)


def test_listed_entities_as_of_a_date_follow_the_listing_dates(client: ApiClient) -> None:
    graph = _graph()
    day = "2020-01-01"
    from datetime import date

    expected = sorted(
        r.target
        for r in graph.relations.values()
        if r.type == "names" and r.source == "us-entity-list" and r.valid_at(date(2020, 1, 1))
    )
    ids, _ = listed(client, f'where: {{in: {{names: ["us-entity-list"]}}, asOf: "{day}"}}')
    assert ids == expected
    later, _ = listed(client, 'where: {in: {names: ["us-entity-list"]}}, first: 500')
    assert set(ids) < set(later)


def test_producers_of_a_technology_include_narrower_ones_on_request(client: ApiClient) -> None:
    direct, _ = listed(client, 'where: {out: {produces: ["semiconductors"]}}, first: 500')
    wide, _ = listed(
        client, 'where: {out: {produces: ["semiconductors"]}, includeNarrower: true}, first: 500'
    )
    graph = _graph()
    below = {"semiconductors"}
    while True:
        more = {
            r.source
            for r in graph.relations.values()
            if r.type == "broader" and r.target in below and r.valid_at(None)
        }
        if more <= below:
            break
        below |= more
    producers = {
        r.source for r in graph.relations.values() if r.type == "produces" and r.target in below
    }
    assert set(direct) < set(wide) == producers


def test_order_by_name_descending(client: ApiClient) -> None:
    data = client.data(
        "{ entities(kind: Firm, orderBy: name, descending: true, first: 500) "
        "{ edges { node { name } } } }"
    )
    names = [e["node"]["name"] for e in data["entities"]["edges"]]
    assert names == sorted(names, reverse=True)


def test_a_filter_naming_an_unknown_entity_lists_candidates(client: ApiClient) -> None:
    error = client.error('{ entities(where: {out: {supplies: ["Huawai"]}}) { totalCount } }')
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert any(c["id"] == "huawei" for c in error["extensions"]["candidates"])


@pytest.mark.neo4j
def test_both_stores_list_alike(neo4j_driver: Any) -> None:
    from api_fixtures import curated_neo4j

    neo4j = curated_neo4j(neo4j_driver)
    embedded = curated_embedded()
    questions = [
        EntityQuery(kinds=("Firm",), first=500),
        EntityQuery(order_by="name", descending=True, first=40, offset=10),
        EntityQuery(order_by="stateOwnership", first=500),
        EntityQuery(
            relations=(RelationCondition("produces", "OUT", ("semiconductors",), True),),
            first=500,
        ),
        EntityQuery(
            relations=(RelationCondition("names", "IN", ("us-entity-list",)),),
            as_of=__import__("datetime").date(2021, 1, 1),
            first=500,
        ),
        EntityQuery(
            kinds=("Firm",),
            attributes=(("stateOwnership", "state-owned"),),
            relations=(RelationCondition("headquarteredIn", "OUT", ("china",)),),
        ),
    ]
    for q in questions:
        assert neo4j.list_entities(q) == embedded.list_entities(q), q


def test_policies_are_the_entities_of_kind_policy_and_take_a_narrower_kind(
    client: ApiClient,
) -> None:
    data = client.data(
        "{ p: policies(first: 500) { totalCount edges { node { id } } } "
        "  e: entities(kind: Policy, first: 500) { totalCount edges { node { id } } } "
        "  x: policies(kind: ExportControl, orderBy: name, first: 500) "
        "     { totalCount edges { node { id name } } } }"
    )
    assert data["p"] == data["e"] and data["p"]["totalCount"] > 0
    schema = curated_embedded()._schema
    graph = _graph()
    controls = [e["node"] for e in data["x"]["edges"]]
    expected = {e.id for e in graph.entities.values() if schema.is_a(e.kind, "ExportControl")}
    assert controls and {c["id"] for c in controls} == expected
    assert [c["name"] for c in controls] == sorted(c["name"] for c in controls)


def test_policies_of_a_kind_that_is_no_policy_are_refused(client: ApiClient) -> None:
    error = client.error("{ policies(kind: Firm) { totalCount } }")
    assert "Firm is not a kind of Policy" in error["message"]


def test_listings_are_the_restricted_party_lists_with_filters(client: ApiClient) -> None:
    schema = curated_embedded()._schema
    graph = _graph()
    expected = sorted(e.id for e in graph.entities.values() if schema.is_a(e.kind, "EntityListing"))
    data = client.data("{ listings(first: 500) { totalCount edges { node { id } } } }")
    ids = [e["node"]["id"] for e in data["listings"]["edges"]]
    assert "us-entity-list" in ids and ids == expected
    issuers = {
        r.source for r in graph.relations.values() if r.type == "issuedBy" and r.target == "us-bis"
    }
    data = client.data('{ listings(where: {out: {issuedBy: ["us-bis"]}}) { totalCount } }')
    assert data["listings"]["totalCount"] == len(issuers & set(expected)) > 0
