"""The typed context every resolver receives: what one GraphQL request may use.

It carries the store, the ontology, the limits and the per-request loaders explicitly
(no module globals), so an app built for tests and one built by the CLI differ only in
what :func:`api.app.create_app` was given. Resolvers turn stored entities into GraphQL
objects through :meth:`ApiContext.entity` and friends, which always go through the
loaders: that is what keeps a request's store round trips bounded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import strawberry
from strawberry.fastapi import BaseContext

from api.limits import ApiLimits
from api.loaders import Loaders
from ontology.errors import TechsovError
from ontology.model import Entity, Source
from ontology.schema import Schema
from store.base import GraphStore

if TYPE_CHECKING:
    from api.ontology_types import OntologyTypes
    from api.types import EntityNode


@dataclass
class KnownView:
    """One request's view of the graph as known at an earlier version."""

    owner: ApiContext
    version: int
    store: GraphStore
    loaders: Loaders
    nodes: dict[str, EntityNode] = field(default_factory=dict)


KNOWN_AT: ContextVar[KnownView | None] = ContextVar("techsov_known_at", default=None)
"""The version the resolving field reads (``None``: the latest). Set by a field that takes
``knownAt`` (:func:`api.known_time.known_at`); fields nested in it inherit it, because
graphql-core completes a field's children in the task that resolved the field, while
sibling fields run in tasks of their own, each with a copy of the context."""


class DanglingReference(TechsovError):
    """A stored relation or citation points at something the store does not hold.

    Validation makes this impossible for loaded data, so it is reported as an internal
    error, with the ids in the server log.
    """


class ApiContext(BaseContext):
    def __init__(
        self,
        store: GraphStore,
        schema: Schema,
        limits: ApiLimits,
        types: OntologyTypes,
    ) -> None:
        super().__init__()
        self.latest = store
        self.schema = schema
        self.limits = limits
        self.types = types
        self._loaders = Loaders(store)
        self._nodes: dict[str, EntityNode] = {}
        self.known: dict[int, KnownView] = {}  # see api.known_time

    @property
    def store(self) -> GraphStore:
        """The store this field reads: the latest graph, or the graph as known at the
        version the field (or the field it is nested in) asked for with ``knownAt``."""
        view = KNOWN_AT.get()
        return self.latest if view is None or view.owner is not self else view.store

    @property
    def loaders(self) -> Loaders:
        view = KNOWN_AT.get()
        return self._loaders if view is None or view.owner is not self else view.loaders

    def node(self, entity: Entity) -> EntityNode:
        """The GraphQL object of ``entity``, built once per request: an answer mentions
        the same few entities at many places (every relation of a path has two ends)."""
        view = KNOWN_AT.get()
        nodes = self._nodes if view is None or view.owner is not self else view.nodes
        found = nodes.get(entity.id)
        if found is None:
            found = nodes[entity.id] = self.types.to_graphql(entity)
        return found

    async def maybe_entity(self, entity_id: str) -> EntityNode | None:
        found = await self.loaders.entities.load(entity_id)
        return None if found is None else self.node(found)

    async def entity(self, entity_id: str) -> EntityNode:
        """An entity that stored data refers to, so it must exist."""
        found = await self.loaders.entities.load(entity_id)
        if found is None:
            raise DanglingReference(f"stored data refers to unknown entity {entity_id!r}")
        return self.node(found)

    async def prefetch(
        self, entity_ids: Iterable[str] = (), source_ids: Iterable[str] = ()
    ) -> None:
        """Fetch what an answer will show — entities and cited sources — in one wave,
        before GraphQL walks it.

        Resolvers call this with exactly what the query selects (see
        :func:`api.prefetch.asks_for`), right after they get their answer from the store.
        All resolvers of one level do so in the same turn of the event loop, so each
        kind of object costs one batch; the fields showing them then find them held
        (:func:`api.loaders.held`) and resolve synchronously.
        """
        entities, sources = sorted(set(entity_ids)), sorted(set(source_ids))
        await asyncio.gather(
            self.loaders.entities.load_many(entities), self.loaders.sources.load_many(sources)
        )

    async def entities(self, entity_ids: Sequence[str]) -> list[EntityNode]:
        """Entities that stored data refers to, in the given order (one batch)."""
        found = await self.loaders.entities.load_many(entity_ids)
        out: list[EntityNode] = []
        for entity_id, entity in zip(entity_ids, found, strict=True):
            if entity is None:
                raise DanglingReference(f"stored data refers to unknown entity {entity_id!r}")
            out.append(self.node(entity))
        return out

    async def source(self, source_id: str) -> Source:
        found = await self.loaders.sources.load(source_id)
        if found is None:
            raise DanglingReference(f"stored provenance cites unknown source {source_id!r}")
        return found


Info = strawberry.Info[ApiContext, None]
"""What resolvers receive: Strawberry's info, typed with this context."""
