"""Root fields for finding things: search, chokepoints, and paged analyses.

They take arguments typed with the ontology's enums (``EntityKind``), which exist only once
an ontology is loaded, so the fields are declared by :func:`query_fields` for one set of
generated types; the ``Query`` root inherits the class it returns.

The older ``String`` arguments (``kinds``) keep working as they were: GraphQL coerces
neither a string literal nor a ``String`` variable to an enum, so changing their type
would break existing queries. The enum-typed arguments are new ones (``kindIn``).
"""

import sys
from datetime import date
from typing import Annotated, Any

import strawberry

from api.context import Info
from api.entity_list import entity_list_fields
from api.identifiers import resolve_entity
from api.loaders import offload
from api.ontology_types import OntologyTypes
from api.page_types import (
    Chokepoint,
    ChokepointCountry,
    ChokepointSupplier,
    DependencyConnection,
    DependencyEdge,
    ExposureConnection,
    ExposureEdge,
    page_of,
)
from api.prefetch import asks_for, prefetch_relations
from api.types import DependencyNode, ExposureNode, RelationNode, SearchHitNode
from ontology.errors import BadRequest
from store import analysis, chokepoints

DEFAULT_SEARCH_FIRST = 10
DEFAULT_PAGE_FIRST = 100
DEFAULT_MAX_DEPTH = 3
EVERYTHING = sys.maxsize


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _kinds(info: Info, kinds: list[str] | None, kind_in: list[Any] | None) -> list[str] | None:
    """The union of the String and the enum kind arguments; unknown names refused."""
    if kinds is None and kind_in is None:
        return None
    wanted = [*(kinds or ()), *(k.value for k in kind_in or ())]
    unknown = sorted(set(wanted) - set(info.context.schema.entity_kinds))
    if unknown:
        raise BadRequest(f"unknown entity kind(s): {', '.join(unknown)}")
    return list(dict.fromkeys(wanted))


def query_fields(types: OntologyTypes) -> type:
    """The root fields of this module, typed with ``types``' enums."""
    kind_list = Annotated[
        list[Any] | None,
        strawberry.argument(
            graphql_type=list[types.entity_kind] | None,  # type: ignore[name-defined]
            description="Entity kinds (subclasses included); combined with `kinds`.",
        ),
    ]

    listing = entity_list_fields(types)

    @strawberry.type
    class FindingFields(listing):  # type: ignore[misc,valid-type]
        @strawberry.field(
            description=(
                "Entities by name, localized name, alias, id or pinyin: all words in any "
                "order, the last one as a prefix, small typos forgiven, traditional and "
                "simplified Chinese alike. 1.0 when a whole name equals the query; each "
                "hit says which name matched and how."
            )
        )
        async def search(
            self,
            info: Info,
            query: str,
            kinds: list[str] | None = None,
            first: int | None = DEFAULT_SEARCH_FIRST,
            kind_in: kind_list = None,
        ) -> list[SearchHitNode]:
            ctx = info.context
            ctx.limits.check_search(query)
            count = ctx.limits.check_first(_or(first, DEFAULT_SEARCH_FIRST))
            wanted = _kinds(info, kinds, kind_in)
            hits = await offload(ctx.store.search, query, wanted, count)
            entities = await ctx.loaders.entities.load_many([h.entity_id for h in hits])
            return [
                SearchHitNode(
                    entity=ctx.node(e),
                    score=h.score,
                    matched_name=h.matched_name,
                    matched_field=h.matched_field,
                    match_type=h.match_type,
                    explanation=h.explanation,
                )
                for h, e in zip(hits, entities, strict=True)
                if e is not None
            ]

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
        ) -> ExposureConnection:
            ctx = info.context
            depth = ctx.limits.check_depth(_or(max_depth, DEFAULT_MAX_DEPTH), "maxDepth")
            count = ctx.limits.check_first(_or(first, DEFAULT_PAGE_FIRST))
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
            page = page_of(found, after, count)
            await prefetch_relations(
                info,
                [r for e in page.items for r in e.path],
                "edges",
                "node",
                "path",
                also=[e.supplier for e in page.items]
                if asks_for(info, "edges", "node", "supplier")
                else (),
            )
            return ExposureConnection(
                edges=page.edges(lambda c, e: ExposureEdge(cursor=c, node=ExposureNode.of(e))),
                page_info=page.page_info,
                total_count=len(found),
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
        ) -> DependencyConnection:
            ctx = info.context
            depth = ctx.limits.check_depth(_or(max_depth, DEFAULT_MAX_DEPTH), "maxDepth")
            count = ctx.limits.check_first(_or(first, DEFAULT_PAGE_FIRST))
            firm_id = await resolve_entity(ctx, str(firm), "Organization", "firm")
            found = await offload(
                analysis.dependencies,
                ctx.store,
                ctx.schema,
                firm_id,
                max_depth=depth,
                as_of=as_of,
            )
            page = page_of(found, after, count)
            await prefetch_relations(
                info,
                [r for d in page.items for r in d.path],
                "edges",
                "node",
                "path",
                also=[d.entity for d in page.items]
                if asks_for(info, "edges", "node", "entity")
                else (),
            )
            return DependencyConnection(
                edges=page.edges(lambda c, d: DependencyEdge(cursor=c, node=DependencyNode.of(d))),
                page_info=page.page_info,
                total_count=len(found),
            )

        @strawberry.field(
            description=(
                "Who produces a technology (id, or exact name), with stated shares, "
                "headquarters countries and a concentration index that says how much of "
                "the market it rests on."
            )
        )
        async def chokepoints(
            self, info: Info, technology: strawberry.ID, as_of: date | None = None
        ) -> Chokepoint:
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

    return FindingFields
