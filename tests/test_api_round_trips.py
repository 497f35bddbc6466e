"""What an API answer costs in store round trips, on both stores: a fixed number of calls
per request whatever its size, only what the query shows, fragments in the same batch."""

from __future__ import annotations

import pytest
from api_fixtures import STORES, CountingStore, curated_store, make_client

from api.limits import ApiLimits
from ontology.schema import default_schema
from store.analysis import suppliers_exposed_to
from store.base import GraphStore

SCHEMA = default_schema()
LIMITS = ApiLimits()


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> GraphStore:
    return curated_store(request)


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
