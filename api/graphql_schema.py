"""The GraphQL schema: the ``Query`` root, and the function that assembles the schema
for one ontology and one set of limits.

Every root field validates its arguments against :class:`api.limits.ApiLimits` before
touching the store, runs the analysis in a worker thread (:func:`api.loaders.offload`:
the store is blocking) and returns objects that resolve their entities through the
request's loaders. Ids that cannot be entity ids are answered without a store call:
``entity`` gives ``null``, the analyses ``NOT_FOUND``.
"""

from __future__ import annotations

import threading
from datetime import date
from enum import Enum
from functools import partial
from typing import Annotated, Any

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig

from api.context import Info
from api.errors import TechsovGraphQLSchema
from api.exposure_fields import ExposureFields, path_options
from api.identifiers import answer_for, find_entity
from api.limits import ApiLimits, ResultSizeLimiter
from api.list_fields import query_fields
from api.loaders import offload
from api.ontology_types import OntologyTypes, build_ontology_types
from api.prefetch import asks_for, prefetch_relations
from api.screening_fields import ScreeningFields
from api.standards_fields import StandardsFields
from api.types import (
    DependencyNode,
    EntityNode,
    ExposureNode,
    PolicyImpactNode,
    RelationNode,
    RelationTypeList,
    bind_ontology_enums,
    relation_path,
    relation_types,
)
from ontology.schema import Schema
from store import analysis, questions

DEFAULT_EXPOSURE_FIRST = 100
DEFAULT_MAX_DEPTH = 3
DEFAULT_MAX_LENGTH = 4
DOCUMENT_CACHE_SIZE = 256
"""Distinct GraphQL documents kept parsed (clients reuse a few texts)."""


def _or(value: int | None, default: int) -> int:
    """Arguments with defaults are nullable (as the contract publishes them); ``null``
    means the default."""
    return default if value is None else value


@strawberry.type(name="Query")
class QueryRoot(ExposureFields, StandardsFields, ScreeningFields):
    @strawberry.field(
        description=(
            "The entity with this id (or the only one with this exact name or alias), "
            "or null when there is none."
        )
    )
    async def entity(self, info: Info, id: strawberry.ID) -> EntityNode | None:
        found = await find_entity(info.context, str(id))
        return None if found is None else info.context.node(found)

    @strawberry.field(
        description=(
            "Organizations exposed to a policy, closest first, each with the path of "
            "facts that explains its exposure."
        )
    )
    async def suppliers_exposed_to(
        self,
        info: Info,
        policy: strawberry.ID,
        max_depth: int | None = DEFAULT_MAX_DEPTH,
        as_of: date | None = None,
        first: int | None = DEFAULT_EXPOSURE_FIRST,
    ) -> list[ExposureNode]:
        ctx = info.context
        depth = ctx.limits.check_depth(_or(max_depth, DEFAULT_MAX_DEPTH), "maxDepth")
        count = ctx.limits.check_first(_or(first, DEFAULT_EXPOSURE_FIRST))
        exposures = await answer_for(
            ctx,
            [(str(policy), "Policy", "policy")],
            lambda policy_id: offload(
                questions.suppliers_exposed_to,
                ctx.store,
                ctx.schema,
                policy_id,
                max_depth=depth,
                as_of=as_of,
                first=count,
            ),
        )
        await prefetch_relations(
            info,
            [r for e in exposures for r in e.path],
            "path",
            also=[e.supplier for e in exposures] if asks_for(info, "supplier") else (),
        )
        return [ExposureNode.of(e) for e in exposures]

    @strawberry.field(
        description="What a firm depends on upstream: suppliers, technologies, countries."
    )
    async def dependencies(
        self,
        info: Info,
        firm: strawberry.ID,
        max_depth: int | None = DEFAULT_MAX_DEPTH,
        as_of: date | None = None,
    ) -> list[DependencyNode]:
        ctx = info.context
        depth = ctx.limits.check_depth(_or(max_depth, DEFAULT_MAX_DEPTH), "maxDepth")
        found = await answer_for(
            ctx,
            [(str(firm), "Organization", "firm")],
            lambda firm_id: offload(
                analysis.dependencies,
                ctx.store,
                ctx.schema,
                firm_id,
                max_depth=depth,
                as_of=as_of,
            ),
        )
        await prefetch_relations(
            info,
            [r for d in found for r in d.path],
            "path",
            also=[d.entity for d in found] if asks_for(info, "entity") else (),
        )
        return [DependencyNode.of(d) for d in found]

    @strawberry.field(
        description="What a policy reaches directly: technologies, named entities, firms."
    )
    async def policy_impact(
        self, info: Info, policy: strawberry.ID, as_of: date | None = None
    ) -> PolicyImpactNode:
        ctx = info.context
        impact = await answer_for(
            ctx,
            [(str(policy), "Policy", "policy")],
            lambda policy_id: offload(
                analysis.policy_impact, ctx.store, ctx.schema, policy_id, as_of=as_of
            ),
        )
        return PolicyImpactNode(impact=impact)

    @strawberry.field(
        description=(
            "The shortest chain of relations between two entities, or null when none is at "
            "most maxLength long. Directed (the default): only relations whose role explains "
            "(supply, production, use, ownership, kind-of, components, listings, rule "
            "scope), each read from the affected entity towards the policy, valid on asOf "
            "(today by default), or the relation types given (`types` as names, `typeIn` "
            "as `RelationType` values; both may be given, and their union is followed). "
            "directed: false follows any relation in either direction, valid at any time "
            "unless asOf is given."
        )
    )
    async def path(
        self,
        info: Info,
        from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
        to: strawberry.ID,
        max_length: int | None = DEFAULT_MAX_LENGTH,
        directed: bool | None = True,
        types: list[str] | None = None,
        as_of: date | None = None,
        type_in: RelationTypeList = None,
    ) -> list[RelationNode] | None:
        ctx = info.context
        length = ctx.limits.check_depth(_or(max_length, DEFAULT_MAX_LENGTH), "maxLength")
        types = relation_types(types, type_in)
        found = await answer_for(
            ctx,
            [(str(from_), None, "from"), (str(to), None, "to")],
            lambda start, end: offload(
                questions.shortest_path,
                ctx.store,
                start,
                end,
                max_length=length,
                schema=ctx.schema,
                **path_options(directed, types, as_of),  # type: ignore[arg-type]
            ),
        )
        if found is None:
            return None
        await prefetch_relations(info, found)
        return relation_path(found)


def _query_type(types: OntologyTypes) -> type[QueryRoot]:
    """``Query`` with the ``ontology`` field, whose type mentions the generated enums and
    so can only be declared once they exist."""
    schema = types.schema
    kind_enum, relation_enum = types.entity_kind, types.relation_type

    @strawberry.type(name="OntologyInfo", description="The classes and relation types served.")
    class OntologyInfo:
        classes: list[str] = strawberry.field(description="Entity classes (`Entity.kind`).")
        relation_types: list[str] = strawberry.field(description="Relation types.")
        kinds: Any = strawberry.field(graphql_type=list[kind_enum])  # type: ignore[valid-type]
        relation_type_enum: Any = strawberry.field(
            graphql_type=list[relation_enum]  # type: ignore[valid-type]
        )

    info_value = OntologyInfo(
        classes=list(schema.concrete_kinds),
        relation_types=list(schema.relation_types),
        kinds=[_member(kind_enum, k) for k in schema.concrete_kinds],
        relation_type_enum=[_member(relation_enum, r) for r in schema.relation_types],
    )

    def describe_ontology() -> Any:
        return info_value

    # Annotations are strings in this module; a type local to this function is named
    # to Strawberry explicitly (``graphql_type``), since it cannot be looked up later.
    findings = query_fields(types)

    @strawberry.type(name="Query")
    class Query(QueryRoot, findings):  # type: ignore[misc,valid-type]
        ontology: Any = strawberry.field(
            resolver=describe_ontology,
            graphql_type=OntologyInfo,
            description="What the served ontology declares.",
        )

    return Query


def _member(enum_type: type[Enum], value: str) -> Enum:
    return enum_type[value]


def build_graphql_schema(
    types: OntologyTypes, limits: ApiLimits | None = None
) -> TechsovGraphQLSchema:
    """The GraphQL schema serving the generated ``types`` (the request context must
    convert entities with these same types). ``limits`` only adds the document
    limiters, so the printed SDL does not depend on them."""
    limits = limits or ApiLimits()
    with _BUILDING:
        bind_ontology_enums(types.relation_type, (QueryRoot, "path", "type_in"))
        return _build(types, limits)


_BUILDING = threading.Lock()
"""Building binds the enum-typed fields of the static classes to one ontology's enums."""


def _build(types: OntologyTypes, limits: ApiLimits) -> TechsovGraphQLSchema:
    return TechsovGraphQLSchema(
        query=_query_type(types),
        types=types.object_types,
        extensions=[
            # Factories, not instances: extensions hold per-request state.
            partial(  # first: see its doc
                ResultSizeLimiter,
                max_fields=limits.max_tokens,
                max_cost=limits.cost_limit,
                max_first=limits.max_first,
            ),
            partial(QueryDepthLimiter, max_depth=limits.max_query_depth),
            partial(MaxAliasesLimiter, max_alias_count=limits.max_aliases),
            partial(MaxTokensLimiter, max_token_count=limits.max_tokens),
            # Last, so the limiters above have set the parse options: a document seen
            # before is not parsed again (a bounded LRU cache). Validation is not cached:
            # strawberry's ValidationCache would skip the limiters' own rules.
            partial(ParserCache, maxsize=DOCUMENT_CACHE_SIZE),
        ],
        config=StrawberryConfig(auto_camel_case=True),
    )


def schema_for(schema: Schema, limits: ApiLimits | None = None) -> TechsovGraphQLSchema:
    """Shorthand for the GraphQL schema of an ontology (what the SDL is printed from)."""
    return build_graphql_schema(build_ontology_types(schema), limits)
