"""Repeated GraphQL questions are answered from the cache of the graph version they were
asked of, and a load makes every cached answer unreachable."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from api.app import create_app
from api.limits import ApiLimits
from api.response_cache import ResponseCache
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

    def version(self) -> int:
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


# Identical questions arriving together: one computation, every asker the same answer.


def answer(body: bytes) -> bytes:
    return b'{"data":{"asked":"' + body + b'"}}'


class CountingApp:
    """An ASGI app answering every body with a fixed JSON answer, after ``hold`` is set;
    counts the calls per body and answers 500 to the ``fail_first`` first calls."""

    def __init__(self, fail_first: int = 0) -> None:
        self.calls: dict[bytes, int] = {}
        self.running = 0
        self.most_running = 0
        self.hold = asyncio.Event()
        self.fail_first = fail_first

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = (await receive())["body"]
        self.calls[body] = self.calls.get(body, 0) + 1
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            await self.hold.wait()
            await asyncio.sleep(0.01)  # an answer takes time, also once released
        finally:
            self.running -= 1
        failing = sum(self.calls.values()) <= self.fail_first
        status, content = (500, b"boom") if failing else (200, answer(body))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": content})


async def ask(cache: ResponseCache, body: bytes) -> tuple[int, bytes]:
    """One POST through the cache; its status and body."""
    scope = {"type": "http", "method": "POST", "path": "/graphql"}
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await cache(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def released_after(app: CountingApp, coro: Awaitable[list[tuple[int, bytes]]]) -> Any:
    """Run ``coro`` while the app holds every answer until all requests are in."""
    task = asyncio.ensure_future(coro)
    for _ in range(20):
        await asyncio.sleep(0)
    app.hold.set()
    return await asyncio.wait_for(task, 5)


def test_identical_questions_asked_together_are_computed_once() -> None:
    app = CountingApp()
    cache = ResponseCache(app, path="/graphql", version=lambda: 1, version_blocks=False)

    async def main() -> list[tuple[int, bytes]]:
        asks = asyncio.gather(*(ask(cache, b"same") for _ in range(16)))
        return await released_after(app, asks)

    answers = asyncio.run(main())
    assert app.calls == {b"same": 1}
    assert answers == [(200, answer(b"same"))] * 16
    assert len(cache.flights) == 0


def test_a_failing_leader_is_not_passed_on_and_one_waiter_computes_again() -> None:
    app = CountingApp(fail_first=1)
    cache = ResponseCache(app, path="/graphql", version=lambda: 1, version_blocks=False)

    async def main() -> list[tuple[int, bytes]]:
        asks = asyncio.gather(*(ask(cache, b"same") for _ in range(8)))
        return await released_after(app, asks)

    answers = asyncio.run(main())
    assert app.calls == {b"same": 2}  # the leader, then one waiter; the others waited again
    assert answers[0] == (500, b"boom")
    assert answers[1:] == [(200, answer(b"same"))] * 7
    assert len(cache.flights) == 0


def test_waiters_of_two_failing_leaders_each_compute_their_own() -> None:
    app = CountingApp(fail_first=2)
    cache = ResponseCache(app, path="/graphql", version=lambda: 1, version_blocks=False)

    async def main() -> list[tuple[int, bytes]]:
        asks = asyncio.gather(*(ask(cache, b"same") for _ in range(5)))
        return await released_after(app, asks)

    answers = asyncio.run(main())
    assert app.calls == {b"same": 2 + 3}
    assert [status for status, _ in answers] == [500, 500, 200, 200, 200]
    assert len(cache.flights) == 0


def test_different_questions_are_computed_at_the_same_time() -> None:
    app = CountingApp()
    cache = ResponseCache(app, path="/graphql", version=lambda: 1, version_blocks=False)
    bodies = [b"a", b"b", b"c", b"a", b"b", b"c"]

    async def main() -> list[tuple[int, bytes]]:
        asks = asyncio.gather(*(ask(cache, body) for body in bodies))
        return await released_after(app, asks)

    answers = asyncio.run(main())
    assert app.calls == {b"a": 1, b"b": 1, b"c": 1}
    assert app.most_running == 3  # all three held at once: none waited for another
    assert answers == [(200, answer(body)) for body in bodies]


def test_a_request_after_a_load_never_joins_a_flight_of_the_older_graph() -> None:
    app = CountingApp()
    version = [1]
    cache = ResponseCache(app, path="/graphql", version=lambda: version[0], version_blocks=False)

    async def main() -> tuple[int, int]:
        before = asyncio.ensure_future(ask(cache, b"same"))
        await asyncio.sleep(0)
        version[0] = 2  # a load lands while the first answer is being computed
        after = asyncio.ensure_future(ask(cache, b"same"))
        for _ in range(10):
            await asyncio.sleep(0)
        running = app.running
        app.hold.set()
        await asyncio.wait_for(asyncio.gather(before, after), 5)
        return running, app.calls[b"same"]

    running, calls = asyncio.run(main())
    assert running == 2 and calls == 2  # the later request computed on its own


def test_a_waiter_stops_waiting_after_its_bound_and_answers_itself() -> None:
    app = CountingApp()
    cache = ResponseCache(
        app, path="/graphql", version=lambda: 1, version_blocks=False, wait_s=0.05
    )

    async def main() -> int:
        leader = asyncio.ensure_future(ask(cache, b"same"))
        await asyncio.sleep(0)
        waiter = asyncio.ensure_future(ask(cache, b"same"))
        await asyncio.sleep(0.2)  # past the waiter's bound, the leader still held
        running = app.running
        app.hold.set()
        await asyncio.wait_for(asyncio.gather(leader, waiter), 5)
        return running

    assert asyncio.run(main()) == 2
    assert app.calls == {b"same": 2}


class SlowCountingStore(VersionedCountingStore):
    """Entity look-ups that take long enough for identical requests to overlap."""

    def entities(self, ids):  # type: ignore[no-untyped-def]
        time.sleep(0.3)
        return super().entities(ids)


def test_identical_requests_from_many_threads_reach_the_store_once() -> None:
    store = SlowCountingStore(SCHEMA, precompute=False)
    graph = random_graph(SCHEMA, 4, Size(firms=5))
    store.load(graph)
    body = {**QUERY, "variables": {"id": sorted(graph.entities)[0]}}
    with TestClient(create_app(store, SCHEMA, ApiLimits())) as client:
        before = SlowCountingStore.lookups
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: client.post("/graphql", json=body).json(), range(8)))
        assert SlowCountingStore.lookups == before + 1
    assert all(a == answers[0] for a in answers) and answers[0]["data"]["entity"]
