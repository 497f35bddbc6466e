"""Per-request DataLoaders: how a GraphQL request reaches the store a bounded number of
times whatever the size of its answer.

GraphQL resolves fields one object at a time; asking the store from each resolver would
cost one round trip per entity, relation end or source shown. Resolvers ask these
loaders instead, which gather every key requested in the same tick of the event loop
into one batch call of the store (``entities``, ``sources`` and ``relations`` all accept
many ids at once) and remember answers for the rest of the request.

The store is blocking (a Neo4j driver, or CPU work on the embedded graph), so every call
goes through :func:`offload` to a worker thread: the event loop keeps serving other
requests while one waits on the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import ParamSpec, TypeVar

import anyio.to_thread
from strawberry.dataloader import Batch, DataLoader, dispatch_batch

from ontology.model import Entity, Source
from store.base import Direction, GraphStore, RelationPage

_P = ParamSpec("_P")
_R = TypeVar("_R")
_K = TypeVar("_K")
_V = TypeVar("_V")

SETTLE_TURNS = 2
"""Event-loop turns a batch waits without growing before it is sent (see
:class:`SettlingDataLoader`)."""

EMPTY_PAGE = RelationPage(items=[], total=0, has_next=False)


async def offload(fn: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
    """Run a blocking store call in a worker thread; the only way async code calls the
    store.

    AnyIO's pool (40 threads by default, the one Starlette uses) rather than asyncio's
    default executor, which has only ``cpu + 4`` threads: a handful of slow database
    queries would otherwise hold every thread and stall even the readiness probe. A
    cancelled caller (a timed-out probe, a client gone) stops waiting at once; the
    thread finishes its call and its result is dropped.
    """
    return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs), abandon_on_cancel=True)


class SettlingDataLoader(DataLoader[_K, _V]):
    """A Strawberry DataLoader that sends its batch once requests stop arriving.

    The stock loader sends a batch one turn of the event loop after its first key. But
    GraphQL reaches sibling objects' fields a few turns apart (each level of awaiting
    inside graphql-core costs a turn), so keys of one logical wave — the sources cited by
    every relation on the page — can straddle two batches and cost two round trips.
    Waiting until a batch has stopped growing for :data:`SETTLE_TURNS` turns costs
    microseconds and makes each wave one store call.
    """

    def load(self, key: _K) -> Awaitable[_V]:
        if self.cache:
            cached = self.cache_map.get(key)
            if cached is not None and not cached.cancelled():
                return cached
        future: asyncio.Future[_V] = self.loop.create_future()
        if self.cache:
            self.cache_map.set(key, future)
        batch = self.batch
        if batch is None or batch.dispatched:
            batch = self.batch = Batch()
            self.loop.create_task(self._dispatch_when_settled(batch))
        batch.add_task(key, future)
        return future

    async def _dispatch_when_settled(self, batch: Batch[_K, _V]) -> None:
        size = -1
        while size != len(batch):
            size = len(batch)
            for _ in range(SETTLE_TURNS):
                await asyncio.sleep(0)
        await dispatch_batch(self, batch)


def held(loader: DataLoader[_K, _V], key: _K) -> _V | None:
    """The value ``loader`` already holds for ``key`` in this request, if any: a field
    whose object is at hand can then resolve without a coroutine, a task and an event
    loop turn — for answers of hundreds of relations, most of a request's CPU."""
    future = loader.cache_map.get(key)
    if future is None or not future.done() or future.cancelled() or future.exception():
        return None
    value: _V = future.result()
    return value


@dataclass(frozen=True)
class PageRequest:
    """One entity's page of relations, as a hashable DataLoader key.

    ``types`` is sorted and de-duplicated so that equal requests share a cache entry.
    """

    entity_id: str
    direction: Direction
    types: tuple[str, ...] | None
    first: int
    after: str | None

    @property
    def shape(self) -> tuple[Direction, tuple[str, ...] | None, int, str | None]:
        """Everything but the entity: requests of one shape share one store call."""
        return (self.direction, self.types, self.first, self.after)


@dataclass
class Loaders:
    """The loaders of one request (never shared between requests: their caches would
    serve one client's answers to another after a reload)."""

    store: GraphStore
    entities: DataLoader[str, Entity | None] = field(init=False)
    sources: DataLoader[str, Source | None] = field(init=False)
    relation_pages: DataLoader[PageRequest, RelationPage] = field(init=False)

    def __post_init__(self) -> None:
        self.entities = SettlingDataLoader(load_fn=self._load_entities)
        self.sources = SettlingDataLoader(load_fn=self._load_sources)
        self.relation_pages = SettlingDataLoader(load_fn=self._load_relation_pages)

    async def _load_entities(self, ids: list[str]) -> list[Entity | None]:
        found = await offload(self.store.entities, ids)
        return [found.get(i) for i in ids]

    async def _load_sources(self, ids: list[str]) -> list[Source | None]:
        found = await offload(self.store.sources, ids)
        return [found.get(i) for i in ids]

    async def _load_relation_pages(self, keys: list[PageRequest]) -> list[RelationPage]:
        """One store call per distinct page shape in the batch (nearly always one: the
        same field asked on every entity of a list)."""
        groups: dict[tuple[Direction, tuple[str, ...] | None, int, str | None], list[str]] = {}
        for key in keys:
            groups.setdefault(key.shape, []).append(key.entity_id)
        shapes = list(groups)
        answers = await asyncio.gather(
            *(
                offload(
                    self.store.relations,
                    _unique(groups[shape]),
                    shape[0],
                    list(shape[1]) if shape[1] is not None else None,
                    shape[2],
                    shape[3],
                )
                for shape in shapes
            )
        )
        pages = dict(zip(shapes, answers, strict=True))
        return [pages[key.shape].get(key.entity_id, EMPTY_PAGE) for key in keys]


def _unique(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ids))
