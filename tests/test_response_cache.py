"""Repeated GraphQL questions are answered from the cache of the graph version they were
asked of, and a load makes every cached answer unreachable."""

from __future__ import annotations

from collections.abc import Hashable

from fastapi.testclient import TestClient

from api.app import create_app
from api.limits import ApiLimits
from ontology.model import Graph
from ontology.schema import default_schema
from store.embedded_store import EmbeddedStore
from tests.random_graphs import Size, random_graph

SCHEMA = default_schema()
QUERY = {"query": "query ($id: ID!) { entity(id: $id) { id name } }"}


class VersionedCountingStore(EmbeddedStore):
    """The embedded store, counting the entity lookups that reach it."""

    lookups = 0

    def entities(self, ids):  # type: ignore[no-untyped-def]
        type(self).lookups += 1
        return super().entities(ids)

    def version(self) -> Hashable:
        return super().version()


def test_a_repeated_question_is_answered_without_the_store_until_the_next_load() -> None:
    store = VersionedCountingStore(SCHEMA, precompute=False)
    first = random_graph(SCHEMA, 1, Size(firms=5))
    store.load(first)
    entity = sorted(first.entities)[0]
    body = {**QUERY, "variables": {"id": entity}}
    with TestClient(create_app(store, SCHEMA, ApiLimits())) as client:
        answers = [client.post("/graphql", json=body).json() for _ in range(3)]
        assert answers[0] == answers[1] == answers[2]
        assert answers[0]["data"]["entity"]["id"] == entity
        assert VersionedCountingStore.lookups == 1
        renamed = first.entities[entity].model_copy(update={"name": "Renamed Firm"})
        store.load(Graph({**first.entities, entity: renamed}, first.relations, first.sources))
        after = client.post("/graphql", json=body).json()
        assert after["data"]["entity"]["name"] == "Renamed Firm"
        assert VersionedCountingStore.lookups == 2


def test_answers_with_errors_are_not_kept() -> None:
    store = VersionedCountingStore(SCHEMA, precompute=False)
    store.load(random_graph(SCHEMA, 2, Size(firms=5)))
    body = {"query": 'query { path(from: "nope", to: "nada") { id } }'}
    with TestClient(create_app(store, SCHEMA, ApiLimits())) as client:
        before = VersionedCountingStore.lookups
        for _ in range(2):
            assert client.post("/graphql", json=body).json().get("errors")
        assert VersionedCountingStore.lookups >= before + 2


def test_the_embedded_version_changes_with_every_load() -> None:
    store = EmbeddedStore(SCHEMA, precompute=False)
    graph = random_graph(SCHEMA, 3, Size(firms=4))
    seen = {store.version()}
    for _ in range(2):
        store.load(graph)
        seen.add(store.version())
    assert len(seen) == 3
