"""Finding things through the API on the curated graph, on both stores: search hits that
explain themselves, enum-typed kinds, entities named by name instead of id (with
candidates when that is not enough), paged exposure and dependency answers, and
chokepoints."""

from __future__ import annotations

from typing import Any

import pytest
from api_fixtures import STORES, ApiClient, curated_client, curated_store

from store.base import GraphStore


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> GraphStore:
    return curated_store(request)


@pytest.fixture
def client(store: GraphStore) -> ApiClient:
    return curated_client(store)


# --------------------------------------------------------------------------- search


def test_a_search_hit_says_which_name_matched_and_how(client: ApiClient) -> None:
    [hit] = client.data(
        """{ search(query: "Xaiomi Corporation", first: 1) {
            score matchedName matchedField matchType explanation entity { id } } }"""
    )["search"]
    assert hit["entity"] == {"id": "xiaomi"}
    assert (hit["matchedName"], hit["matchedField"], hit["matchType"]) == (
        "Xiaomi Corporation",
        "name:en",
        "fuzzy",
    )
    assert "xaiomi≈xiaomi" in hit["explanation"] and 0.5 < hit["score"] < 1.0


def test_search_takes_kinds_as_enum_values_and_as_strings(client: ApiClient) -> None:
    typed = client.data('{ search(query: "xiaomi", kindIn: [Firm]) { entity { id kind } } }')
    strings = client.data('{ search(query: "xiaomi", kinds: ["Firm"]) { entity { id kind } } }')
    assert typed == strings
    assert {h["entity"]["kind"] for h in typed["search"]} == {"Firm"}
    error = client.error('{ search(query: "xiaomi", kindIn: [Spaceship]) { score } }')
    assert error["extensions"]["code"] == "BAD_REQUEST"


# --------------------------------------------------------------------------- identifiers


def test_an_exact_name_or_alias_stands_for_an_id(client: ApiClient) -> None:
    by_id = client.data('{ policyImpact(policy: "made-in-china-2025") { policy { id } } }')
    for name in ("Made in China 2025", "中国制造2025", "MIC 2025"):
        query = "query($p: ID!) { policyImpact(policy: $p) { policy { id } } }"
        assert client.data(query, p=name) == by_id, name
    assert client.data('{ entity(id: "Xiaomi Corporation") { id } }') == {
        "entity": {"id": "xiaomi"}
    }


def test_an_unknown_identifier_lists_the_closest_entities(client: ApiClient) -> None:
    error = client.error('{ suppliersExposedTo(policy: "Made in Chna 2025") { kind } }')
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "did you mean" in error["message"] and "made-in-china-2025" in error["message"]
    assert {
        "id": "made-in-china-2025",
        "name": "Made in China 2025",
        "kind": "IndustrialPolicy",
    } in error["extensions"]["candidates"]


def test_an_entity_of_the_wrong_kind_has_its_own_error_code(client: ApiClient) -> None:
    error = client.error('{ dependencies(firm: "Made in China 2025") { kind } }')
    assert error["extensions"]["code"] == "WRONG_KIND"
    assert "IndustrialPolicy" in error["message"] and "Organization" in error["message"]
    assert error["extensions"]["candidates"][0]["id"] == "made-in-china-2025"


# --------------------------------------------------------------------------- paging


def _pages(client: ApiClient, query: str, key: str, **variables: Any) -> tuple[list[Any], int]:
    seen: list[Any] = []
    after = None
    totals = set()
    while True:
        page = client.data(query, after=after, **variables)[key]
        totals.add(page["totalCount"])
        seen += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(totals) == 1
    return seen, totals.pop()


def test_exposures_page_through_the_whole_answer_with_its_total(client: ApiClient) -> None:
    query = """query($after: String) {
        exposures(policy: "made-in-china-2025", first: 3, after: $after) {
            totalCount pageInfo { hasNextPage endCursor }
            edges { cursor node { supplier { id } kind depth score } } } }"""
    seen, total = _pages(client, query, "exposures")
    whole = client.data(
        """{ suppliersExposedTo(policy: "made-in-china-2025", first: 500) {
            supplier { id } kind depth score } }"""
    )["suppliersExposedTo"]
    assert total == len(whole) > 3
    assert seen == whole


def test_dependencies_page_through_the_whole_answer_with_its_total(client: ApiClient) -> None:
    query = """query($after: String) {
        dependenciesConnection(firm: "xiaomi", first: 4, after: $after) {
            totalCount pageInfo { hasNextPage endCursor }
            edges { node { entity { id } kind depth } } } }"""
    seen, total = _pages(client, query, "dependenciesConnection")
    whole = client.data('{ dependencies(firm: "xiaomi") { entity { id } kind depth } }')
    assert total == len(whole["dependencies"]) > 4
    assert seen == whole["dependencies"]


def test_a_forged_cursor_is_a_bad_request(client: ApiClient) -> None:
    error = client.error(
        '{ exposures(policy: "made-in-china-2025", after: "bm9wZQ==") { totalCount } }'
    )
    assert error["extensions"]["code"] == "BAD_REQUEST"


# --------------------------------------------------------------------------- chokepoints

CHOKEPOINT = """query($t: ID!) { chokepoints(technology: $t) {
    technology { id } knownSuppliers suppliersWithShare shareCovered hhi concentration
    suppliers { supplier { id } share countries { id } relation { id provenance { evidence } } }
    countries { country { id } share suppliers basis } } }"""


def test_one_stated_sole_producer_is_a_monopoly(client: ApiClient) -> None:
    answer = client.data(CHOKEPOINT, t="EUV lithography")["chokepoints"]
    assert answer["technology"] == {"id": "euv-lithography"}
    assert [s["supplier"]["id"] for s in answer["suppliers"]] == ["asml"]
    assert answer["hhi"] == 10000.0 and answer["concentration"] == "highly concentrated"
    assert answer["suppliers"][0]["countries"] == [{"id": "netherlands"}]
    assert answer["suppliers"][0]["relation"]["provenance"]


def test_shares_that_cover_part_of_a_market_give_a_lower_bound(client: ApiClient) -> None:
    answer = client.data(CHOKEPOINT, t="adas-chips")["chokepoints"]
    shares = [s["share"] for s in answer["suppliers"] if s["share"] is not None]
    assert shares == sorted(shares, reverse=True)
    assert answer["shareCovered"] == pytest.approx(sum(shares), abs=1e-3)
    assert answer["hhi"] == pytest.approx(sum((100 * s) ** 2 for s in shares), abs=0.1)
    assert answer["knownSuppliers"] >= answer["suppliersWithShare"] == len(shares)
