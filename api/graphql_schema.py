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
from enum import Enum
from functools import partial
from typing import Any

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig

from api.entity_fields import EntityFields, PathFields
from api.errors import TechsovGraphQLSchema
from api.exposure_fields import ExposureFields, SupplyChainFields
from api.history_fields import HistoryFields
from api.limits import ApiLimits, ResultSizeLimiter
from api.list_fields import query_fields
from api.ontology_types import OntologyTypes, build_ontology_types
from api.plain_fields import execution_context_class
from api.screening_fields import ScreeningFields
from api.standards_fields import StandardsFields
from api.types import bind_ontology_enums
from api.validated_documents import DocumentVerdicts, ValidatedDocuments
from ontology.schema import Schema

DOCUMENT_CACHE_SIZE = 256
"""Distinct GraphQL documents kept parsed and validated (clients reuse a few texts)."""


@strawberry.type(name="Query")
class QueryRoot(
    ExposureFields,
    StandardsFields,
    ScreeningFields,
    EntityFields,
    SupplyChainFields,
    PathFields,
    HistoryFields,
):
    """The root fields, composed per feature: each base class is one feature's fields,
    declared in its own module with its types; the order is the published SDL's."""


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
        bind_ontology_enums(types.relation_type, (PathFields, "path", "type_in"))
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
            # After the limiters, so they have set the parse options and added their
            # rules: a document seen before is neither parsed nor validated again
            # (bounded LRU caches; see api.validated_documents).
            partial(ParserCache, maxsize=DOCUMENT_CACHE_SIZE),
            partial(ValidatedDocuments, verdicts=DocumentVerdicts(DOCUMENT_CACHE_SIZE)),
        ],
        config=StrawberryConfig(auto_camel_case=True),
        # Plain leaf fields (most of a large answer) are read without per-field resolving.
        execution_context_class=execution_context_class(),
    )


def schema_for(schema: Schema, limits: ApiLimits | None = None) -> TechsovGraphQLSchema:
    """Shorthand for the GraphQL schema of an ontology (what the SDL is printed from)."""
    return build_graphql_schema(build_ontology_types(schema), limits)
