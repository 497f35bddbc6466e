"""``entities(kind, where, orderBy, first, after)``: typed lists with filters generated
from the ontology, answered by the store in one round trip (:mod:`store.listing`).

``EntityWhere`` has one equality field per attribute of the ontology's classes, ``out``
and ``in`` inputs with one field per relation type (``out: {headquarteredIn: ["china"]}``:
has that relation to one of these; ``in: {names: ["us-entity-list"]}``: is the target of
it from one of these), ``asOf`` for the relations' validity and ``includeNarrower`` to let
``out`` targets stand for everything below them through ``broader`` (a technology and its
sub-technologies). Entities in filters are ids or exact names, as everywhere.

``policies(kind, ...)`` and ``listings(...)`` are the same list for the ontology's
``Policy`` class (or one of its subclasses) and its ``EntityListing`` class: what analysts
ask for most, without a kind argument to remember.
"""

import enum
from datetime import date
from typing import Annotated, Any

import strawberry

from api.context import Info
from api.identifiers import resolve_entity
from api.loaders import offload
from api.ontology_types import OntologyTypes
from api.page_types import EntityConnection, decode_offset, offset_connection
from ontology.errors import BadRequest
from ontology.schema import Schema
from store.listing import ORDER_KEYS_BUILTIN, EntityQuery, RelationCondition

DEFAULT_LIST_FIRST = 50
POLICY = "Policy"
LISTING = "EntityListing"
"""The classes ``policies`` and ``listings`` list (subclasses included)."""
_PY = {"string": str, "date": date, "float": float, "int": int, "bool": bool}


def entity_attributes(schema: Schema) -> list[str]:
    return sorted({a for k in schema.entity_kinds for a in schema.attributes_of(k)})


def _input(name: str, fields: dict[str, tuple[Any, str]], description: str) -> type:
    """A Strawberry input named ``name`` with optional ``fields`` (python name -> (type,
    GraphQL name))."""
    annotations: dict[str, Any] = {py: tp | None for py, (tp, _) in fields.items()}
    namespace: dict[str, Any] = {"__module__": __name__, "__annotations__": annotations}
    for py, (_, gql) in fields.items():
        namespace[py] = strawberry.field(name=gql, default=None)
    cls = type(name, (), namespace)
    made: type = strawberry.input(cls, name=name, description=description)
    return made


def _relation_inputs(schema: Schema) -> tuple[type, type]:
    ids = list[strawberry.ID]
    fields = {f"rel_{r}": (ids, r) for r in schema.relation_types}
    out = _input("RelationTargets", fields, "Has a relation of this type to one of these.")
    inc = _input("RelationSources", fields, "Is the target of this relation from one of these.")
    return out, inc


def where_input(schema: Schema) -> type:
    out, inc = _relation_inputs(schema)
    fields: dict[str, tuple[Any, str]] = {
        f"attr_{a}": (_PY[schema.properties[a].datatype], a) for a in entity_attributes(schema)
    }
    fields["out_"] = (out, "out")
    fields["in_"] = (inc, "in")
    fields["as_of"] = (date, "asOf")
    fields["include_narrower"] = (bool, "includeNarrower")
    return _input(
        "EntityWhere",
        fields,
        "Conditions an entity must all meet: attribute equalities, relations out and in.",
    )


async def _conditions(info: Info, where: Any, direction: str) -> list[RelationCondition]:
    ctx = info.context
    given = getattr(where, "out_" if direction == "OUT" else "in_", None)
    if given is None:
        return []
    narrower = bool(getattr(where, "include_narrower", False)) and direction == "OUT"
    out = []
    for rel in ctx.schema.relation_types:
        values = getattr(given, f"rel_{rel}", None)
        if values is None:
            continue
        label = f"{direction.lower()}.{rel}"
        ids = [await resolve_entity(ctx, str(v), None, label) for v in values]
        out.append(RelationCondition(rel, direction, tuple(ids), narrower))
    return out


def _order_enum(schema: Schema) -> Any:
    """``EntityOrderField``: the built-in sort keys and every attribute of the ontology."""
    order_keys = [*ORDER_KEYS_BUILTIN, *entity_attributes(schema)]
    python_enum: Any = enum.Enum("EntityOrderField", {k: k for k in order_keys})  # type: ignore[misc]
    return strawberry.enum(
        python_enum,
        name="EntityOrderField",
        description="What `entities` sorts by (entities without the value come last).",
    )


def _shortcut_fields(kind_arg: Any, where_arg: Any, order_arg: Any) -> type:
    """``policies`` and ``listings``: ``entities`` for the ontology's ``Policy`` (or one of
    its subclasses) and ``EntityListing`` classes."""

    @strawberry.type
    class ShortcutFields:
        @strawberry.field(
            description=(
                "Policies (of one kind of policy when `kind` is given): `entities` with "
                "the kind Policy."
            )
        )
        async def policies(
            self,
            info: Info,
            kind: kind_arg = None,
            where: where_arg = None,
            order_by: order_arg = None,
            descending: bool | None = False,
            first: int | None = DEFAULT_LIST_FIRST,
            after: str | None = None,
        ) -> EntityConnection:
            name = _kind_under(info.context.schema, kind, POLICY)
            return await list_entities(info, name, where, order_by, descending, first, after)

        @strawberry.field(
            description=(
                "Restricted-party lists (the US Entity List, sanctions lists...): "
                "`entities` with the kind EntityListing."
            )
        )
        async def listings(
            self,
            info: Info,
            where: where_arg = None,
            order_by: order_arg = None,
            descending: bool | None = False,
            first: int | None = DEFAULT_LIST_FIRST,
            after: str | None = None,
        ) -> EntityConnection:
            name = _kind_under(info.context.schema, None, LISTING)
            return await list_entities(info, name, where, order_by, descending, first, after)

    return ShortcutFields


def entity_list_fields(types: OntologyTypes) -> type:
    """``entities``, ``policies`` and ``listings``, typed with ``types``' enums and inputs."""
    kind_arg = Annotated[Any, strawberry.argument(graphql_type=types.entity_kind | None)]
    where_arg = Annotated[Any, strawberry.argument(graphql_type=where_input(types.schema) | None)]
    order_arg = Annotated[Any, strawberry.argument(graphql_type=_order_enum(types.schema) | None)]

    @strawberry.type
    class EntityListFields:
        @strawberry.field(
            description=(
                "Entities of a kind (subclasses included) meeting every condition of "
                "`where`, sorted, a page at a time with the total count."
            )
        )
        async def entities(
            self,
            info: Info,
            kind: kind_arg = None,
            where: where_arg = None,
            order_by: order_arg = None,
            descending: bool | None = False,
            first: int | None = DEFAULT_LIST_FIRST,
            after: str | None = None,
        ) -> EntityConnection:
            name = None if kind is None else str(kind.value)
            return await list_entities(info, name, where, order_by, descending, first, after)

    @strawberry.type
    class ListFields(EntityListFields, _shortcut_fields(kind_arg, where_arg, order_arg)):  # type: ignore[misc]
        """``entities``, then its shortcuts."""

    return ListFields


def _kind_under(schema: Schema, kind: Any, root: str) -> str:
    """``kind`` (default ``root``) when it is ``root`` or below it; else a clear error."""
    if root not in schema.classes:
        raise BadRequest(f"the ontology has no class {root}")
    name = root if kind is None else str(kind.value)
    if not schema.is_a(name, root):
        raise BadRequest(f"{name} is not a kind of {root}")
    return name


async def list_entities(
    info: Info,
    kind: str | None,
    where: Any,
    order_by: Any,
    descending: bool | None,
    first: int | None,
    after: str | None,
) -> EntityConnection:
    """The page of entities of ``kind`` (subclasses included; None: all) meeting ``where``."""
    ctx = info.context
    count = ctx.limits.check_first(DEFAULT_LIST_FIRST if first is None else first)
    start = decode_offset(after)
    kinds = None if kind is None else tuple(ctx.schema.subclasses(kind))
    attributes: list[tuple[str, Any]] = []
    conditions: list[RelationCondition] = []
    as_of = None
    if where is not None:
        for a in entity_attributes(ctx.schema):
            value = getattr(where, f"attr_{a}", None)
            if value is not None:
                attributes.append((a, value))
        conditions = [
            *await _conditions(info, where, "OUT"),
            *await _conditions(info, where, "IN"),
        ]
        as_of = where.as_of
    if any(not c.ids for c in conditions):
        raise BadRequest("a relation condition needs at least one entity")
    query = EntityQuery(
        kinds=kinds,
        attributes=tuple(attributes),
        relations=tuple(conditions),
        as_of=as_of,
        order_by="id" if order_by is None else order_by.value,
        descending=bool(descending),
        offset=start,
        first=count,
    )
    page = await offload(ctx.store.list_entities, query)
    nodes = await ctx.entities(page.ids)
    return offset_connection(EntityConnection, start, nodes, page.total)
