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
        self.store = store
        self.schema = schema
        self.limits = limits
        self.types = types
        self.loaders = Loaders(store)
        self._nodes: dict[str, EntityNode] = {}

    def node(self, entity: Entity) -> EntityNode:
        """The GraphQL object of ``entity``, built once per request: an answer mentions
        the same few entities at many places (every relation of a path has two ends)."""
        found = self._nodes.get(entity.id)
        if found is None:
            found = self._nodes[entity.id] = self.types.to_graphql(entity)
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
