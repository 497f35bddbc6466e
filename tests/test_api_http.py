"""The API's HTTP surface and its defences: refusals with clear errors (unknown ids,
limits, malformed requests), masking of the unexpected, behaviour when the store is slow
or down, and CORS. Tests that read data run on both stores."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator, Sequence
from typing import Any

import neo4j
import pytest
from api_fixtures import (
    STORES,
    ApiClient,
    CountingStore,
    curated_client,
    curated_embedded,
    curated_graph,
    curated_store,
    make_client,
)
from graphql import GraphQLError, GraphQLSyntaxError, get_introspection_query
from graphql import Source as GraphQLSource

from api.errors import client_error
from api.limits import MAX_SEARCH_CHARS, ApiLimits
from ontology.errors import LimitExceeded
from ontology.model import Graph
from ontology.schema import default_schema
from store.base import GraphStore, SearchHit
from store.embedded_store import EmbeddedStore
from store.neo4j_store import Neo4jStore

SCHEMA = default_schema()
LIMITS = ApiLimits()

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
def embedded_store() -> EmbeddedStore:
    return curated_embedded()


@pytest.fixture
def embedded_client() -> ApiClient:
    return curated_client(curated_embedded())


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


def test_an_analysis_of_an_entity_of_the_wrong_class_says_so(client: ApiClient) -> None:
    error = client.error('{ suppliersExposedTo(policy: "xiaomi") { kind } }')
    assert error["extensions"]["code"] == "WRONG_KIND"
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


def test_failures_around_execution_are_masked_but_errors_about_the_document_are_not() -> None:
    """Errors without a field path are shown only when graphql-core raised them about the
    request's document; an exception escaping elsewhere is hidden like any other."""
    escaped = client_error(GraphQLError("pool: dsn=bolt://admin:pw@db", original_error=OSError()))
    assert (escaped.message, escaped.extensions) == ("internal error", {"code": "INTERNAL"})
    syntax = client_error(GraphQLSyntaxError(GraphQLSource("{ entity("), 9, "Expected Name"))
    assert syntax.extensions == {"code": "BAD_REQUEST"}
    assert "Expected Name" in syntax.message
    refused = client_error(GraphQLError("", original_error=LimitExceeded("first=9 exceeds")))
    assert (refused.message, refused.extensions) == (
        "first=9 exceeds",
        {"code": "LIMIT_EXCEEDED"},
    )


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
    started = time.perf_counter()
    response = client.request("GET", "/readyz")
    assert time.perf_counter() - started < SlowStore.delay_s  # did not wait for the ping
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
    assert ready.json() == {"status": "ready", "store": store.engine}


def test_graphiql_is_served_on_get(embedded_client: ApiClient) -> None:
    response = embedded_client.request("GET", "/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_the_introspection_graphiql_runs_passes_the_document_limits(
    embedded_client: ApiClient,
) -> None:
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    data = embedded_client.data(query)
    names = {t["name"] for t in data["__schema"]["types"]}
    assert {"Entity", "Firm", "EntityKind", "RelationType"} <= names


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
