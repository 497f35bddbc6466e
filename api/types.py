"""The GraphQL types that do not depend on the ontology: the ``Entity`` interface,
relations with their provenance, the relation connection and the analysis results.

The concrete entity types (``Firm``, ``Policy``, ...) are generated from the ontology in
:mod:`api.ontology_types`; they all implement :class:`EntityNode`, whose ``relations``
field is written once here.

Objects of these types hold ids, not other objects: a relation knows the ids of its ends
and of its sources, and fetches them through the request's loaders only if the query
asks for them. That is what makes a request cost a bounded number of store round trips.
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, Generic, TypeVar, cast

import strawberry
from strawberry.annotation import StrawberryAnnotation
from strawberry.scalars import JSON

from api.context import ApiContext, Info
from api.known_time import KnownAtArgument
from api.known_time import known_at as read_known_at
from api.loaders import PageRequest, held
from api.prefetch import prefetch_relations
from ontology import model
from ontology.errors import BadRequest
from store.analysis import Dependency, Exposure, PolicyImpact
from store.base import Direction, RelationPage

DEFAULT_RELATIONS_FIRST = 50
"""Arguments with defaults are nullable, as the published contract has them; an explicit
``null`` means the default."""

_ENTITY_ID = re.compile(model.ENTITY_ID_PATTERN)
_RELATION_ID = re.compile(model.RELATION_ID_PATTERN)


def is_entity_id(text: str) -> bool:
    """Whether ``text`` could be an entity id at all: anything else is known to be absent
    without asking the store (and never reaches a query, whatever it contains)."""
    return len(text) <= 200 and _ENTITY_ID.fullmatch(text) is not None


def encode_cursor(relation_id: str) -> str:
    """Cursors are opaque to clients so that paging may change without breaking them."""
    return base64.b64encode(relation_id.encode("utf-8")).decode("ascii")


def decode_cursor(cursor: str) -> str:
    try:
        relation_id = base64.b64decode(cursor.encode("ascii"), validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error, ValueError):
        raise BadRequest(f"invalid cursor {cursor[:100]!r}") from None
    if _RELATION_ID.fullmatch(relation_id) is None:
        raise BadRequest(f"invalid cursor {cursor[:100]!r}")
    return relation_id


RelationTypeList = Annotated[
    list[Any] | None,
    strawberry.argument(description="Relation types as `RelationType` values; see `types`."),
]
"""An argument of ``RelationType`` values. The enum is generated from the ontology when a
schema is built, after these static classes exist, so the argument's GraphQL type is
bound then (:func:`bind_ontology_enums`)."""


def relation_types(names: Sequence[str] | None, members: Sequence[Any] | None) -> list[str] | None:
    """The union of a ``[String!]`` and a ``[RelationType!]`` argument (null: neither)."""
    if names is None and members is None:
        return None
    return list(dict.fromkeys([*(names or ()), *(m.value for m in members or ())]))


def bind_ontology_enums(relation_type: type[enum.Enum], *enum_typed: tuple[type, str, str]) -> None:
    """Give the enum-typed arguments and fields of the static classes the enum of the
    ontology a schema is being built for.

    ``Relation.relationType`` and ``relations(typeIn:)`` are declared once, here, but
    their type exists only per ontology; Strawberry reads a field's type when a schema
    is converted, so the schema builder binds them right before (under its lock).
    ``enum_typed`` adds ``(class, field, argument)`` triples of other static fields.
    """
    as_list = StrawberryAnnotation(list[relation_type] | None)  # type: ignore[valid-type]
    for cls, field_name, argument in ((EntityNode, "relations", "type_in"), *enum_typed):
        field = _strawberry_field(cls, field_name)
        for arg in field.arguments:
            if arg.python_name == argument:
                arg.type_annotation = as_list
    _strawberry_field(RelationNode, "relation_type").type_annotation = StrawberryAnnotation(
        relation_type
    )


def _strawberry_field(cls: type, python_name: str) -> Any:
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    return next(f for f in definition.fields if f.python_name == python_name)


def json_value(value: Any) -> Any:
    """Relation qualifiers as JSON: dates become ISO strings, like everywhere else."""
    return value.isoformat() if isinstance(value, date) else value


def entity_field(ctx: ApiContext, entity_id: str) -> EntityNode:
    """The entity for a field: at once when the request holds it (prefetched), else an
    awaitable of it — GraphQL execution awaits whatever a resolver returns that is
    awaitable, so a synchronous resolver may return either (the type names what the
    field resolves to)."""
    found = held(ctx.loaders.entities, entity_id)
    if found is not None:
        return ctx.node(found)
    return cast("EntityNode", ctx.entity(entity_id))


async def _source_later(ctx: ApiContext, source_id: str) -> SourceNode:
    return SourceNode.of(await ctx.source(source_id))


def source_field(ctx: ApiContext, source_id: str) -> SourceNode:
    """Like :func:`entity_field`, for a cited source."""
    found = held(ctx.loaders.sources, source_id)
    if found is not None:
        return SourceNode.of(found)
    return cast("SourceNode", _source_later(ctx, source_id))


@strawberry.enum(name="Direction", description="Which relations of an entity to follow.")
class DirectionArg(enum.Enum):
    OUT = "OUT"
    IN = "IN"
    BOTH = "BOTH"

    @property
    def store_direction(self) -> Direction:
        return Direction(self.value)


@strawberry.type(name="LocalizedName", description="A name in a given language (BCP 47 tag).")
class LocalizedNameNode:
    lang: str
    value: str


@strawberry.type(name="Source", description="A document that relations cite as provenance.")
class SourceNode:
    id: strawberry.ID
    title: str | None
    publisher: str | None
    url: str | None
    published: date | None
    source_type: str | None = strawberry.field(
        description="What the document is: `article`, `dataset`, `government-notice`..."
    )
    kind: str | None = strawberry.field(
        deprecation_reason="Use `sourceType`: `kind` names an entity's class elsewhere."
    )

    @classmethod
    def of(cls, source: model.Source) -> SourceNode:
        return cls(
            id=strawberry.ID(source.id),
            title=source.title,
            publisher=source.publisher,
            url=source.url,
            published=source.published,
            source_type=source.source_type,
            kind=source.source_type,
        )


@strawberry.type(
    name="Provenance",
    description="One citation of a relation: the source and the excerpt copied from it.",
)
class ProvenanceNode:
    evidence: str | None
    source_id: strawberry.Private[str]

    @strawberry.field
    def source(self, info: Info) -> SourceNode:
        return source_field(info.context, self.source_id)


@strawberry.type(name="Relation", description="A fact linking two entities, with provenance.")
class RelationNode:
    id: strawberry.ID
    type: str = strawberry.field(description="The ontology relation name, e.g. `supplies`.")
    properties: JSON | None = strawberry.field(description="The relation's qualifiers.")
    confidence: float | None
    valid_from: date | None
    valid_to: date | None
    source_id: strawberry.Private[str]
    target_id: strawberry.Private[str]
    citations: strawberry.Private[tuple[model.Provenance, ...]]

    @strawberry.field(
        description=(
            "The ontology relation name as a `RelationType` value (the same name as `type`)."
        )
    )
    def relation_type(self, info: Info) -> Any:  # typed per ontology: bind_ontology_enums
        return info.context.types.relation_type[self.type]

    @classmethod
    def of(cls, rel: model.Relation) -> RelationNode:
        return cls(
            id=strawberry.ID(rel.id),
            type=rel.type,
            properties=cast(JSON, {k: json_value(v) for k, v in rel.properties.items()}),
            confidence=rel.confidence,
            valid_from=rel.valid_from,
            valid_to=rel.valid_to,
            source_id=rel.source,
            target_id=rel.target,
            citations=rel.provenance,
        )

    @strawberry.field
    def source(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.source_id)

    @strawberry.field
    def target(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.target_id)

    @strawberry.field
    def provenance(self) -> list[ProvenanceNode]:
        return [ProvenanceNode(evidence=p.evidence, source_id=p.source) for p in self.citations]


def relation_path(path: Sequence[model.Relation]) -> list[RelationNode]:
    return [RelationNode.of(r) for r in path]


@strawberry.type(name="PageInfo")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


NodeT = TypeVar("NodeT")


@strawberry.type
class Edge(Generic[NodeT]):
    """One item of a page and the cursor to page on from it. Strawberry names each use
    after its node: ``Edge[RelationNode]`` is ``RelationEdge`` in the schema."""

    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    """A page of answers with the total (Relay style): each paged answer subclasses
    ``Connection[ItsNode]`` under its own name and description, adding fields if it has more."""

    edges: list[Edge[NodeT]]
    page_info: PageInfo
    total_count: int


@strawberry.type(
    name="RelationConnection",
    description="A page of an entity's relations, ordered by relation id (Relay style).",
)
class RelationConnection(Connection[RelationNode]):
    @classmethod
    def of(cls, page: RelationPage, after: str | None) -> RelationConnection:
        edges = [Edge(cursor=encode_cursor(r.id), node=RelationNode.of(r)) for r in page.items]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_count=page.total,
        )


@strawberry.interface(
    name="Entity",
    description=(
        "Anything that is a node of the knowledge graph. Each ontology class is a type "
        "implementing this interface; `kind` is the class name."
    ),
)
class EntityNode:
    id: strawberry.ID
    kind: str
    name: str
    names: list[LocalizedNameNode]
    aliases: list[str]
    wikidata: str | None
    description: str | None

    @strawberry.field(
        description=(
            "This entity's relations, a page at a time. `types` (names) and `typeIn` "
            "(`RelationType` values) may both be given: the relations of any type named "
            "in either are listed."
        )
    )
    async def relations(
        self,
        info: Info,
        direction: DirectionArg | None = DirectionArg.BOTH,
        types: list[str] | None = None,
        first: int | None = DEFAULT_RELATIONS_FIRST,
        after: str | None = None,
        type_in: RelationTypeList = None,
        known_at: KnownAtArgument = None,
    ) -> RelationConnection:
        await read_known_at(info.context, known_at)
        ctx = info.context
        first = ctx.limits.check_first(DEFAULT_RELATIONS_FIRST if first is None else first)
        direction = direction or DirectionArg.BOTH
        named = relation_types(types, type_in)
        wanted = None
        if named is not None:
            unknown = sorted(set(named) - set(ctx.schema.relations))
            if unknown:
                raise BadRequest(f"unknown relation type(s): {', '.join(unknown)}")
            wanted = tuple(sorted(set(named)))
        after_id = decode_cursor(after) if after is not None else None
        page = await ctx.loaders.relation_pages.load(
            PageRequest(str(self.id), direction.store_direction, wanted, first, after_id)
        )
        await prefetch_relations(info, page.items, "edges", "node")
        return RelationConnection.of(page, after_id)

    @classmethod
    def resolve_type(cls, obj: Any, info: Any, abstract_type: Any) -> str:
        """The concrete GraphQL type of an entity is named after its class, so there is
        nothing to search for (Strawberry's generic resolution inspects every possible
        type, a third of the CPU of answers listing many entities)."""
        kind: str = obj.kind
        return kind


@strawberry.type(name="SearchHit")
class SearchHitNode:
    entity: EntityNode
    score: float
    matched_name: str | None = strawberry.field(
        default=None, description="The name, alias, id or pinyin reading that matched."
    )
    matched_field: str | None = strawberry.field(
        default=None,
        description="Which it is: `name`, `name:<lang>`, `alias`, `id` or `pinyin`.",
    )
    match_type: str | None = strawberry.field(
        default=None,
        description=(
            "`exact` (the whole name), `words` (every word, any order), `prefix` (the last "
            "word begun), `fuzzy` (a word within a small edit distance) or `substring` "
            "(Chinese characters within the name)."
        ),
    )
    explanation: str | None = strawberry.field(
        default=None, description="Each query word and what it matched, e.g. `xaiomi≈xiaomi`."
    )


@strawberry.type(
    name="Exposure",
    description=(
        "An organization exposed to a policy: named by it (`named`), producing what it "
        "targets (`technology`), or supplying / owned with one that is (`supplier`, "
        "`ownership`), with the path of facts that explains it."
    ),
)
class ExposureNode:
    kind: str
    depth: int
    score: float
    path: list[RelationNode]
    supplier_id: strawberry.Private[str]
    rule_version: strawberry.ID | None = strawberry.field(
        default=None, description="The rule version that produced this exposure."
    )
    as_of: date | None = strawberry.field(
        default=None, description="The date the exposure was computed for."
    )

    @classmethod
    def of(cls, exposure: Exposure) -> ExposureNode:
        return cls(
            kind=exposure.basis,
            depth=exposure.depth,
            score=exposure.score,
            path=relation_path(exposure.path),
            supplier_id=exposure.supplier,
            rule_version=strawberry.ID(exposure.rule_version) if exposure.rule_version else None,
            as_of=exposure.as_of,
        )

    @strawberry.field
    def supplier(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.supplier_id)


@strawberry.type(
    name="Dependency",
    description="Something a firm depends on upstream: a supplier, a technology or a country.",
)
class DependencyNode:
    kind: str
    depth: int
    path: list[RelationNode]
    entity_id: strawberry.Private[str]

    @classmethod
    def of(cls, dependency: Dependency) -> DependencyNode:
        return cls(
            kind=dependency.category,
            depth=dependency.depth,
            path=relation_path(dependency.path),
            entity_id=dependency.entity,
        )

    @strawberry.field
    def entity(self, info: Info) -> EntityNode:
        return entity_field(info.context, self.entity_id)


@strawberry.type(name="PolicyImpact", description="What a policy reaches directly.")
class PolicyImpactNode:
    impact: strawberry.Private[PolicyImpact]

    @strawberry.field
    async def policy(self, info: Info) -> EntityNode:
        return await info.context.entity(self.impact.policy)

    @strawberry.field
    async def technologies(self, info: Info) -> list[EntityNode]:
        return await info.context.entities(self.impact.technologies)

    @strawberry.field
    async def named_entities(self, info: Info) -> list[EntityNode]:
        return await info.context.entities(self.impact.named_entities)

    @strawberry.field
    async def firms(self, info: Info) -> list[EntityNode]:
        return await info.context.entities(self.impact.firms)

    @strawberry.field
    async def jurisdictions(self, info: Info) -> list[EntityNode]:
        return await info.context.entities(self.impact.jurisdictions)

    @strawberry.field(description="The date the impact was computed for.")
    def as_of(self) -> date | None:
        return self.impact.as_of

    @strawberry.field(description="The rule version in force that day (null: none).")
    def rule_version(self) -> strawberry.ID | None:
        version = self.impact.rule_version
        return strawberry.ID(version) if version else None

    @strawberry.field(description="Whether the policy binds anyone that day.")
    def in_force(self) -> bool:
        return self.impact.in_force

    @strawberry.field(description="Organizations the policy benefits: never exposed to it.")
    async def beneficiaries(self, info: Info) -> list[EntityNode]:
        return await info.context.entities(self.impact.beneficiaries)
