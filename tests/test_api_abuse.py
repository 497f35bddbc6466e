"""Abuse of the HTTP API: every hostile request gets a clear client error, costs bounded
work, and never a 500, while healthy requests keep being served.

The API runs in a real uvicorn server on loopback (socket, HTTP parser and all), over the
curated graph in the embedded store. Schemathesis then generates queries from the
published GraphQL schema and checks that none of them is a server error.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from api_fixtures import curated_embedded, make_client
from hypothesis import HealthCheck, given, settings
from live_server import serving
from schemathesis.core.result import Ok

from api.app import create_app
from api.limits import ApiLimits
from ontology.errors import TechsovError
from ontology.schema import default_schema

SCHEMA = default_schema()
LIMITS = ApiLimits()
BOUND_S = 5.0
"""Most a refused request may take, on a shared, busy machine (most take milliseconds)."""


def client_codes() -> frozenset[str]:
    """Every error code the API may answer a client's mistake with: the codes of the
    error classes with a 4xx status (the app imports every one it can raise)."""
    found: set[str] = set()
    todo: list[type[TechsovError]] = [TechsovError]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if 400 <= cls.http_status < 500:
            found.add(cls.code)
    return frozenset(found)


CLIENT_CODES = client_codes()


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """A uvicorn server on 127.0.0.1 (a free port) in a thread of this process."""
    app = create_app(curated_embedded(), SCHEMA, LIMITS)
    with serving(app) as url:
        yield url


# ------------------------------------------------------------------------ the abuses


def nested_relations(levels: int, first: int) -> str:
    inner = "id"
    for _ in range(levels):
        inner = f"relations(first: {first}) {{ edges {{ node {{ target {{ {inner} }} }} }} }}"
    return f'{{ entity(id: "xiaomi") {{ {inner} }} }}'


def doubling_fragments(levels: int) -> str:
    """A few hundred bytes that expand to 2**levels fields."""
    fragments = " ".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    )
    return f"query {{ ...F0 }} {fragments} fragment F{levels} on Query {{ ontology {{ classes }} }}"


def doubling_introspection(levels: int) -> str:
    fragments = " ".join(
        f"fragment T{i} on __Type {{ ...T{i + 1} ...T{i + 1} }}" for i in range(levels)
    )
    last = f"fragment T{levels} on __Type {{ name }}"
    return f"{{ __schema {{ types {{ ...T0 }} }} }} {fragments} {last}"


def fragment_chain(length: int) -> str:
    fragments = " ".join(f"fragment C{i} on Query {{ ...C{i + 1} }}" for i in range(length))
    return f"query {{ ...C0 }} {fragments} fragment C{length} on Query {{ ontology {{ classes }} }}"


@dataclass(frozen=True)
class Abuse:
    """One hostile request and the refusal it must get.

    ``status`` is the HTTP status; with 200, ``code`` is the GraphQL error code and
    ``says`` a part of its message (or ``code`` is None: an answer without errors).
    """

    name: str
    method: str = "POST"
    query: str | None = None
    variables: dict[str, Any] | None = None
    content: bytes | None = None
    content_type: str = "application/json"
    params: dict[str, str] | None = None
    path: str = "/graphql"
    status: int = 200
    code: str | None = "LIMIT_EXCEEDED"
    says: str = ""

    def send(self, client: httpx.Client) -> httpx.Response:
        headers = {"content-type": self.content_type}
        if self.content is not None:
            return client.request(self.method, self.path, content=self.content, headers=headers)
        if self.query is not None and self.method == "POST":
            body = {"query": self.query, "variables": self.variables or {}}
            return client.request(self.method, self.path, json=body)
        return client.request(self.method, self.path, params=self.params)


ABUSES = [
    Abuse("nested deeper than the limit", query=nested_relations(4, 5), says="depth"),
    Abuse(
        "nested past the parser's limit",
        query="{" + 'entity(id: "x") { relations { edges { node { source { ' * 100 + "id",
        code="BAD_REQUEST",
        says="nested too deeply",
    ),
    Abuse("pages within pages", query=nested_relations(2, 500), says="could return up to"),
    Abuse("fragments doubling 30 times", query=doubling_fragments(30), says="expands to"),
    Abuse(
        "introspection fragments doubling 30 times",
        query=doubling_introspection(30),
        says="expands to",
    ),
    Abuse("fragments chained 60 deep", query=fragment_chain(60), says="nested more than 50"),
    Abuse(
        "fragments spreading each other",
        query="query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        code="BAD_REQUEST",
        says="Cannot spread fragment",
    ),
    Abuse(
        "31 aliases",
        query="{ " + " ".join(f'a{i}: entity(id: "xiaomi") {{ id }}' for i in range(31)) + " }",
        says="aliases",
    ),
    Abuse(
        "one field 3000 times",
        query='{ entity(id: "xiaomi") { ' + "id " * 3000 + "} }",
        says="tokens",
    ),
    Abuse(
        "500 operations",
        query=" ".join(f"query Q{i} {{ ontology {{ classes }} }}" for i in range(500)),
        says="tokens",
    ),
    Abuse(
        "first of a billion",
        query='{ search(query: "a", first: 1000000000) { score } }',
        says="first=1000000000 exceeds the limit of 500",
    ),
    Abuse(
        "first past 32 bits",
        query='{ search(query: "a", first: 99999999999) { score } }',
        code="BAD_REQUEST",
        says="32-bit",
    ),
    Abuse(
        "huge first in a variable",
        query='query($n: Int) { entity(id: "xiaomi") { relations(first: $n) { totalCount } } }',
        variables={"n": 2_000_000_000},
        says="exceeds the limit of 500",
    ),
    Abuse(
        "negative first",
        query='{ search(query: "a", first: -5) { score } }',
        code="BAD_REQUEST",
        says="negative",
    ),
    Abuse(
        "maxDepth of a million",
        query='{ dependencies(firm: "xiaomi", maxDepth: 1000000) { kind } }',
        says="maxDepth=1000000",
    ),
    Abuse(
        "a 100 kB search string",
        query="query($q: String!) { search(query: $q) { score } }",
        variables={"q": "a" * 100_000},
        says="characters long",
    ),
    Abuse(
        "a 100 kB id",
        query="query($id: ID!) { entity(id: $id) { id } }",
        variables={"id": "x" * 100_000},
        code=None,
    ),
    Abuse(
        "a 100 kB policy id",
        query="query($p: ID!) { policyImpact(policy: $p) { firms { id } } }",
        variables={"p": "x" * 100_000},
        code="NOT_FOUND",
    ),
    Abuse(
        "a body over the size limit",
        query="query($q: String!) { search(query: $q) { score } }",
        variables={"q": "a" * (LIMITS.max_body_bytes + 1)},
        status=413,
    ),
    Abuse("malformed JSON", content=b'{"query": "{ ontology { classes } }"', status=400),
    Abuse("not UTF-8", content=b'{"query": "{ ontology { classes } }\xff\xfe"}', status=400),
    Abuse("JSON nested 100,000 deep", content=b"[" * 100_000 + b"]" * 100_000, status=400),
    Abuse("an empty body", content=b"", status=400),
    Abuse("a JSON list (batch)", content=b'[{"query": "{ ontology { classes } }"}]', status=400),
    Abuse(
        "variables that are not an object",
        content=b'{"query": "{ ontology { classes } }", "variables": [1, 2]}',
        status=400,
    ),
    Abuse("no query", content=b'{"variables": {}}', status=400),
    Abuse("text/plain", content=b"{ ontology { classes } }", content_type="text/plain", status=400),
    Abuse("XML", content=b"<query/>", content_type="application/xml", status=400),
    Abuse(
        "a form",
        content=b"query=%7B%20ontology%20%7B%20classes%20%7D%20%7D",
        content_type="application/x-www-form-urlencoded",
        status=400,
    ),
    Abuse(
        "multipart (file upload)",
        content=b"--x\r\nContent-Disposition: form-data; name=operations\r\n\r\n{}\r\n--x--\r\n",
        content_type="multipart/form-data; boundary=x",
        status=400,
    ),
    Abuse(
        "a mutation",
        query='mutation { load(path: "/etc/passwd") }',
        code="BAD_REQUEST",
        says="not supported",
    ),
    Abuse(
        "a subscription",
        query="subscription { changes }",
        code="BAD_REQUEST",
        says="not supported",
    ),
    Abuse("PUT", method="PUT", content=b"{}", status=405),
    Abuse("DELETE", method="DELETE", content=b"", status=405),
    Abuse("a reload endpoint", path="/reload", content=b"{}", status=404),
]


def check(abuse: Abuse, response: httpx.Response) -> None:
    assert response.status_code == abuse.status, (abuse.name, response.status_code, response.text)
    if abuse.status != 200:
        return
    body = response.json()
    if abuse.code is None:
        assert not body.get("errors"), body
        return
    codes = [e["extensions"]["code"] for e in body["errors"]]
    assert codes and set(codes) <= CLIENT_CODES, body
    assert abuse.code in codes, body
    assert any(abuse.says in e["message"] for e in body["errors"]), body


def test_at_least_30_kinds_of_abuse_are_tried() -> None:
    assert len({a.name for a in ABUSES}) == len(ABUSES) >= 30


@pytest.mark.parametrize("abuse", ABUSES, ids=[a.name for a in ABUSES])
def test_abusive_requests_get_clear_client_errors_quickly(base_url: str, abuse: Abuse) -> None:
    with httpx.Client(base_url=base_url, timeout=60.0) as client:
        started = time.perf_counter()
        response = abuse.send(client)
        elapsed = time.perf_counter() - started
        check(abuse, response)
    assert elapsed < BOUND_S, f"{abuse.name} took {elapsed:.2f} s"


def test_a_body_streamed_without_a_length_is_cut_off_at_the_limit(base_url: str) -> None:
    """Chunked upload: no Content-Length to refuse up front, so the body is counted."""
    chunk = b" " * 65536

    def body() -> Iterator[bytes]:
        yield b'{"query": "{ ontology { classes } }", "pad": "'
        for _ in range(64):  # 4 MiB, far past the limit
            yield chunk
        yield b'"}'

    with httpx.Client(base_url=base_url, timeout=60.0) as client:
        response = client.post(
            "/graphql", content=body(), headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"


def test_a_megabyte_url_is_refused_and_the_server_keeps_serving(base_url: str) -> None:
    """uvicorn drops a request line this long before the app sees it (httpx refuses to
    build such a URL, so it is sent with the standard library)."""
    parsed = httpx.URL(base_url)
    assert parsed.host is not None and parsed.port is not None
    connection = http.client.HTTPConnection(parsed.host, parsed.port, timeout=30)
    started = time.perf_counter()
    try:
        connection.request("GET", "/graphql?query=" + "%20" * 350_000 + "%7B%7D")
        status: int | None = connection.getresponse().status
    except (ConnectionError, http.client.HTTPException):
        status = None  # the server hung up: refused before any work
    finally:
        connection.close()
    assert status is None or 400 <= status < 500, status
    assert time.perf_counter() - started < BOUND_S
    with httpx.Client(base_url=base_url, timeout=60.0) as client:
        assert client.get("/healthz").status_code == 200


def test_a_query_string_over_the_limit_is_refused_with_414() -> None:
    """Behind an HTTP server that accepts long URLs, the app refuses them itself."""
    client = make_client(curated_embedded(), SCHEMA, ApiLimits(max_body_bytes=1024))
    response = client.request(
        "GET", "/graphql", params={"query": "{ ontology { classes } }" + " " * 2000}
    )
    assert response.status_code == 414
    assert response.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    ok = client.request("GET", "/graphql", params={"query": "{ ontology { classes } }"})
    assert ok.status_code == 200


# ------------------------------------------------------------ healthy traffic meanwhile


HEALTHY = [
    '{ entity(id: "xiaomi") { id name kind relations(first: 20) { totalCount } } }',
    '{ search(query: "xiaomi") { score entity { id } } }',
    '{ suppliersExposedTo(policy: "made-in-china-2025") { kind depth supplier { id } } }',
    '{ dependencies(firm: "xiaomi", maxDepth: 2) { kind entity { id } } }',
    '{ policyImpact(policy: "made-in-china-2025") { technologies { id } firms { id } } }',
    '{ path(from: "xiaomi", to: "made-in-china-2025") { id type } }',
]


def test_healthy_requests_are_served_while_abuse_goes_on(base_url: str) -> None:
    """Four clients send every abuse over and over while four others send contract
    queries: every healthy request is answered in full, every abusive one refused."""
    stop = threading.Event()
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def healthy(worker: int) -> None:
        with httpx.Client(base_url=base_url, timeout=60.0) as client:
            i = worker
            while not stop.is_set():
                query = HEALTHY[i % len(HEALTHY)]
                started = time.perf_counter()
                response = client.post("/graphql", json={"query": query})
                elapsed = time.perf_counter() - started
                assert response.status_code == 200, response.text
                body = response.json()
                assert not body.get("errors") and body["data"], (query, body)
                with lock:
                    latencies.append(elapsed)
                    outcomes["healthy"] += 1
                i += 1

    def abusive(worker: int) -> None:
        with httpx.Client(base_url=base_url, timeout=60.0) as client:
            i = worker
            while not stop.is_set():
                abuse = ABUSES[i % len(ABUSES)]
                check(abuse, abuse.send(client))
                with lock:
                    outcomes["abusive"] += 1
                i += 1

    workers: list[tuple[Callable[[int], None], int]] = [(healthy, n) for n in range(4)]
    workers += [(abusive, n * 7) for n in range(4)]
    with ThreadPoolExecutor(max_workers=len(workers)) as pool:
        futures = [pool.submit(fn, n) for fn, n in workers]
        time.sleep(10.0)
        stop.set()
        for future in futures:
            future.result(timeout=120)
    assert outcomes["abusive"] >= len(ABUSES)
    assert outcomes["healthy"] >= 20
    p95 = statistics.quantiles(latencies, n=20)[-1]
    assert p95 < BOUND_S, f"healthy p95 {p95:.2f} s"


# -------------------------------------------------------------------------- schemathesis


def test_schemathesis_finds_no_server_error_in_any_query_of_the_schema() -> None:
    """Queries generated from the schema (every root field, arguments of every shape)
    get answers or client errors: never a 5xx, never an INTERNAL error."""
    app = create_app(curated_embedded(), SCHEMA, LIMITS)
    api = schemathesis.graphql.from_asgi("/graphql", app)
    results = list(api.get_all_operations())
    operations = [r.ok() for r in results if isinstance(r, Ok)]
    assert len(operations) == len(results), [r for r in results if not isinstance(r, Ok)]
    assert {op.label for op in operations} >= {
        "Query.entity",
        "Query.search",
        "Query.suppliersExposedTo",
        "Query.dependencies",
        "Query.policyImpact",
        "Query.path",
        "Query.ontology",
    }
    statuses: Counter[int] = Counter()
    codes: Counter[str] = Counter()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=50,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case) -> None:
            response = case.call()
            statuses[response.status_code] += 1
            assert response.status_code < 500, response.text
            body = json.loads(response.text)
            for error in body.get("errors") or []:
                codes[error["extensions"]["code"]] += 1
                assert error["extensions"]["code"] in CLIENT_CODES, (case.body, error)

        call()
    assert sum(statuses.values()) >= 100
    assert set(statuses) == {200}, statuses
