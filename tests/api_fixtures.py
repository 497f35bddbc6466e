"""Helpers for the API tests: a synchronous HTTP client over the ASGI app, a store proxy
that counts round trips, and the curated graph loaded into either store.

The client speaks real HTTP semantics (status codes, headers, JSON bodies) through
httpx's ASGI transport, so the whole stack — FastAPI, Strawberry, loaders, the store —
runs as in production, minus the socket.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Sequence
from datetime import date
from functools import cache
from typing import Any

import httpx
import neo4j
import pytest
from fastapi import FastAPI

from api.app import create_app
from api.limits import ApiLimits
from ontology.model import Entity, Graph, Relation, Source
from ontology.schema import Schema, default_schema
from store.base import (
    Direction,
    GraphStore,
    LoadSummary,
    ProgressCallback,
    RelationPage,
    SearchHit,
)
from store.embedded_store import EmbeddedStore
from store.neo4j_store import Neo4jStore
from techsov.settings import Settings

BASE_URL = "http://testserver"


class ApiClient:
    """Synchronous calls into an ASGI app (each call runs its own event loop)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    async def arequest(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            return await client.request(method, url, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return asyncio.run(self.arequest(method, url, **kwargs))

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        """The JSON body of a POSTed GraphQL request (which must be answered 200)."""
        response = self.request("POST", "/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def data(self, query: str, **variables: Any) -> dict[str, Any]:
        body = self.graphql(query, **variables)
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def error(self, query: str, **variables: Any) -> dict[str, Any]:
        """The single error of a request that must fail."""
        body = self.graphql(query, **variables)
        errors = body.get("errors") or []
        assert len(errors) == 1, body
        error: dict[str, Any] = errors[0]
        return error


def make_client(
    store: GraphStore, schema: Schema | None = None, limits: ApiLimits | None = None
) -> ApiClient:
    return ApiClient(create_app(store, schema or default_schema(), limits or ApiLimits()))


class CountingStore:
    """A thin proxy that forwards every call to a real store and counts them by method.

    Wrapping the real store (not a mock) keeps the answers real while letting a test
    assert how many round trips a request cost.
    """

    def __init__(self, inner: GraphStore) -> None:
        self.inner = inner
        self.engine = inner.engine
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()  # calls arrive from the API's worker threads

    def _count(self, name: str) -> None:
        with self._lock:
            self.calls[name] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    def load(
        self, graph: Graph, *, dry_run: bool = False, progress: ProgressCallback | None = None
    ) -> LoadSummary:
        self._count("load")
        return self.inner.load(graph, dry_run=dry_run, progress=progress)

    def ping(self) -> None:
        self._count("ping")
        self.inner.ping()

    def counts(self) -> dict[str, int]:
        self._count("counts")
        return self.inner.counts()

    def entities(self, ids: Sequence[str]) -> dict[str, Entity]:
        self._count("entities")
        return self.inner.entities(ids)

    def sources(self, ids: Sequence[str]) -> dict[str, Source]:
        self._count("sources")
        return self.inner.sources(ids)

    def search(self, query: str, kinds: Sequence[str] | None, first: int) -> list[SearchHit]:
        self._count("search")
        return self.inner.search(query, kinds, first)

    def relations(
        self,
        entity_ids: Sequence[str],
        direction: Direction,
        types: Sequence[str] | None,
        first: int,
        after: str | None,
    ) -> dict[str, RelationPage]:
        self._count("relations")
        return self.inner.relations(entity_ids, direction, types, first, after)

    def edges(
        self,
        node_ids: Sequence[str],
        types: Sequence[str] | None,
        direction: Direction,
        as_of: date | None,
    ) -> list[Relation]:
        self._count("edges")
        return self.inner.edges(node_ids, types, direction, as_of)

    def snapshot(self) -> Graph:
        self._count("snapshot")
        return self.inner.snapshot()

    def close(self) -> None:
        self.inner.close()


STORES = [
    pytest.param("embedded", id="embedded"),
    pytest.param("neo4j", id="neo4j", marks=pytest.mark.neo4j),
]
"""Parameters of a ``store`` fixture: every answer is checked on both stores."""


@cache
def curated_graph() -> Graph:
    """The shipped curated facts, validated as ``techsov load`` would (read once)."""
    from ingest import default_paths
    from ingest.validate import build_graph

    return build_graph(default_paths(), default_schema())


@cache
def curated_embedded() -> EmbeddedStore:
    store = EmbeddedStore(default_schema())
    store.load(curated_graph())
    return store


@cache
def _neo4j_store(driver: neo4j.Driver) -> Neo4jStore:
    return Neo4jStore(driver, database=Settings().neo4j_database, schema=default_schema())


def curated_neo4j(driver: neo4j.Driver) -> Neo4jStore:
    """The Neo4j store holding the curated graph, loaded only when it does not already:
    other modules empty the shared test database between tests."""
    store = _neo4j_store(driver)
    graph = curated_graph()
    if store.counts() != graph.counts():
        store.load(graph)
    return store


def curated_store(request: pytest.FixtureRequest) -> GraphStore:
    """The store named by a :data:`STORES` parameter, holding the curated graph."""
    if request.param == "embedded":
        return curated_embedded()
    driver: neo4j.Driver = request.getfixturevalue("neo4j_driver")
    return curated_neo4j(driver)


@cache
def curated_client(store: GraphStore) -> ApiClient:
    """One app per store with the default limits (apps hold no state between requests)."""
    return make_client(store)
