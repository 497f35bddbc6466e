"""Root fields for paged analyses: ``exposures`` and ``dependenciesConnection`` (the
lists of ``suppliersExposedTo`` and ``dependencies`` as connections with a total) and
``chokepoints`` (who produces a technology, how concentrated).

None of them takes an argument typed with a generated enum, so they are a plain class the
finding fields (:func:`api.list_fields.query_fields`) inherit.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, Protocol, TypeVar

import strawberry

from api.context import Info
from api.identifiers import resolve_entity
from api.known_time import KnownAtArgument
from api.known_time import known_at as read_known_at
from api.loaders import offload
from api.page_types import (
    Chokepoint,
    ChokepointCountry,
    ChokepointSupplier,
    DependencyConnection,
    ExposureConnection,
    page_of,
)
from api.prefetch import asks_for, prefetch_relations
from api.types import Connection, DependencyNode, ExposureNode, RelationNode
from ontology.model import Relation
from store import analysis, chokepoints

DEFAULT_PAGE_FIRST = 100
DEFAULT_MAX_DEPTH = 3
EVERYTHING = sys.maxsize


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


class _WithPath(Protocol):
    @property
    def path(self) -> Sequence[Relation]: ...


_A = TypeVar("_A", bound=_WithPath)
_C = TypeVar("_C", bound=Connection[Any])


async def _depth_and_first(
    info: Info, known_at: str | None, max_depth: int | None, first: int | None
) -> tuple[int, int]:
    """The known time read, then ``maxDepth`` and ``first`` held to the limits."""
    await read_known_at(info.context, known_at)
    limits = info.context.limits
    depth = limits.check_depth(_or(max_depth, DEFAULT_MAX_DEPTH), "maxDepth")
    return depth, limits.check_first(_or(first, DEFAULT_PAGE_FIRST))


async def _path_page(
    info: Info,
    found: Sequence[_A],
    after: str | None,
    count: int,
    page: tuple[type[_C], Callable[[_A], object]],
    end: tuple[str, Callable[[_A], str]],
) -> _C:
    """A page of answers that each carry a path of facts and name an entity (``end``: its
    field and id): what the query shows of the page's paths and entities is fetched at
    once, then the page becomes the connection (``page``: its class and node maker)."""
    cls, node = page
    shown = page_of(found, after, count)
    field, entity = end
    await prefetch_relations(
        info,
        [r for x in shown.items for r in x.path],
        "edges",
        "node",
        "path",
        also=[entity(x) for x in shown.items] if asks_for(info, "edges", "node", field) else (),
    )
    return shown.connection(cls, [node(x) for x in shown.items])


@strawberry.type
class PagedFields:
    @strawberry.field(
        description=(
            "Organizations exposed to a policy (id, or exact name), a page at a time "
            "with the total: `suppliersExposedTo` as a connection."
        )
    )
    async def exposures(
        self,
        info: Info,
        policy: strawberry.ID,
        max_depth: int | None = DEFAULT_MAX_DEPTH,
        as_of: date | None = None,
        first: int | None = DEFAULT_PAGE_FIRST,
        after: str | None = None,
        known_at: KnownAtArgument = None,
    ) -> ExposureConnection:
        depth, count = await _depth_and_first(info, known_at, max_depth, first)
        ctx = info.context
        policy_id = await resolve_entity(ctx, str(policy), "Policy", "policy")
        found = await offload(
            analysis.suppliers_exposed_to,
            ctx.store,
            ctx.schema,
            policy_id,
            max_depth=depth,
            as_of=as_of,
            first=EVERYTHING,
        )
        return await _path_page(
            info,
            found,
            after,
            count,
            (ExposureConnection, ExposureNode.of),
            ("supplier", lambda e: e.supplier),
        )

    @strawberry.field(
        description=(
            "What a firm (id, or exact name) depends on upstream, a page at a time with "
            "the total: `dependencies` as a connection."
        )
    )
    async def dependencies_connection(
        self,
        info: Info,
        firm: strawberry.ID,
        max_depth: int | None = DEFAULT_MAX_DEPTH,
        as_of: date | None = None,
        first: int | None = DEFAULT_PAGE_FIRST,
        after: str | None = None,
        known_at: KnownAtArgument = None,
    ) -> DependencyConnection:
        depth, count = await _depth_and_first(info, known_at, max_depth, first)
        ctx = info.context
        firm_id = await resolve_entity(ctx, str(firm), "Organization", "firm")
        found = await offload(
            analysis.dependencies,
            ctx.store,
            ctx.schema,
            firm_id,
            max_depth=depth,
            as_of=as_of,
        )
        return await _path_page(
            info,
            found,
            after,
            count,
            (DependencyConnection, DependencyNode.of),
            ("entity", lambda d: d.entity),
        )

    @strawberry.field(
        description=(
            "Who produces a technology (id, or exact name), with stated shares, "
            "headquarters countries and a concentration index that says how much of "
            "the market it rests on."
        )
    )
    async def chokepoints(
        self,
        info: Info,
        technology: strawberry.ID,
        as_of: date | None = None,
        known_at: KnownAtArgument = None,
    ) -> Chokepoint:
        await read_known_at(info.context, known_at)
        ctx = info.context
        tech = await resolve_entity(ctx, str(technology), None, "technology")
        found = await offload(
            chokepoints.chokepoint, ctx.store, tech, as_of=as_of, schema=ctx.schema
        )
        await prefetch_relations(
            info,
            [s.relation for s in found.suppliers],
            "suppliers",
            "relation",
            also=[
                tech,
                *(s.supplier for s in found.suppliers),
                *(c for s in found.suppliers for c in s.countries),
                *(c.country for c in found.countries),
            ],
        )
        return Chokepoint(
            as_of=as_of,
            suppliers=[
                ChokepointSupplier(
                    share=s.share,
                    relation=RelationNode.of(s.relation),
                    supplier_id=s.supplier,
                    country_ids=s.countries,
                )
                for s in found.suppliers
            ],
            countries=[
                ChokepointCountry(
                    share=c.share, suppliers=c.suppliers, basis=c.basis, country_id=c.country
                )
                for c in found.countries
            ],
            known_suppliers=found.known_suppliers,
            suppliers_with_share=found.suppliers_with_share,
            share_covered=found.share_covered,
            hhi=found.hhi,
            country_hhi=found.country_hhi,
            concentration=found.concentration,
            technology_id=tech,
        )
