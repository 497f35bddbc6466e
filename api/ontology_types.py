"""GraphQL types and enums generated from the ontology when an app is built.

Nothing here names a class, an attribute or a relation type: one object type per entity
class (implementing ``Entity``, with one typed field per attribute of the class), an
``EntityKind`` enum of the classes and a ``RelationType`` enum of the relation types are
derived from :class:`ontology.schema.Schema`. Adding a class or an attribute to the
Turtle therefore changes the GraphQL schema without any code change (and the committed
SDL drift test points out that it changed).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import strawberry

from api.types import EntityNode, LocalizedNameNode
from ontology.errors import OntologyError
from ontology.model import Entity, Scalar
from ontology.schema import Schema

ENTITY_KIND_ENUM = "EntityKind"
RELATION_TYPE_ENUM = "RelationType"

# GraphQL type names the API defines itself; an ontology class may not take one.
RESERVED_TYPE_NAMES = frozenset(
    {
        "Query",
        "Mutation",
        "Subscription",
        "Entity",
        "LocalizedName",
        "Relation",
        "RelationEdge",
        "RelationConnection",
        "PageInfo",
        "Direction",
        "Provenance",
        "Source",
        "SearchHit",
        "Exposure",
        "Dependency",
        "PolicyImpact",
        "OntologyInfo",
        "ExposureEdge",
        "ExposureConnection",
        "DependencyEdge",
        "DependencyConnection",
        "EntityEdge",
        "EntityConnection",
        "Chokepoint",
        "ChokepointSupplier",
        "ChokepointCountry",
        "EntityWhere",
        "RelationTargets",
        "RelationSources",
        "EntityOrderField",
        ENTITY_KIND_ENUM,
        RELATION_TYPE_ENUM,
        "JSON",
        "Date",
        "ID",
        "String",
        "Int",
        "Float",
        "Boolean",
    }
)

_PY_TYPES: Mapping[str, type] = {
    "string": str,
    "date": date,
    "float": float,
    "int": int,
    "bool": bool,
}

# Python-side names of attribute fields get a prefix so that an attribute can never
# shadow a field or method of the interface class; the GraphQL name is the attribute's.
_ATTR_PREFIX = "attr_"
_INTERFACE_FIELDS = frozenset(
    {"id", "kind", "name", "names", "aliases", "wikidata", "description", "relations"}
)


def coerce_attribute(value: Scalar | None, datatype: str) -> Scalar | None:
    """An attribute value as its declared datatype, whatever the store returned (Neo4j
    hands dates back as ISO strings or its own date type, numbers as int or float)."""
    if value is None:
        return None
    if datatype == "date":
        if isinstance(value, date):
            return value
        to_native = getattr(value, "to_native", None)
        return to_native() if callable(to_native) else date.fromisoformat(str(value))
    if datatype == "float":
        return float(value)  # type: ignore[arg-type]
    if datatype == "int":
        return int(value)  # type: ignore[arg-type]
    if datatype == "bool":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    return str(value)


@dataclass(frozen=True)
class OntologyTypes:
    """The generated types of one ontology, and the mapping from stored entities to them."""

    schema: Schema
    by_kind: Mapping[str, type[EntityNode]]
    entity_kind: type[enum.Enum]
    relation_type: type[enum.Enum]

    @property
    def object_types(self) -> list[type[EntityNode]]:
        """Every generated type, to register with the schema: none is reachable from
        ``Query`` except through the ``Entity`` interface."""
        return list(self.by_kind.values())

    def to_graphql(self, entity: Entity) -> EntityNode:
        """The object of the entity's own type, which is how GraphQL resolves the
        ``Entity`` interface to a concrete type (``... on Firm``)."""
        cls = self.by_kind.get(entity.kind)
        if cls is None:
            # Loaded data is validated against the ontology; an unknown kind means the
            # store was loaded with another ontology than the one the API was built on.
            raise RuntimeError(f"entity {entity.id!r} has kind {entity.kind!r} unknown to the API")
        attributes = {
            _ATTR_PREFIX + attr: coerce_attribute(
                entity.attributes.get(attr), self.schema.properties[attr].datatype
            )
            for attr in self.schema.attributes_of(entity.kind)
        }
        return cls(
            id=strawberry.ID(entity.id),
            kind=entity.kind,
            name=entity.name,
            names=[LocalizedNameNode(lang=n.lang, value=n.value) for n in entity.names],
            aliases=list(entity.aliases),
            wikidata=entity.wikidata,
            description=entity.description,
            **attributes,
        )


def build_ontology_types(schema: Schema) -> OntologyTypes:
    """Generate the types of ``schema``; raises :class:`OntologyError` when a class or
    attribute name cannot become a GraphQL name without clashing."""
    problems: list[str] = []
    by_kind: dict[str, type[EntityNode]] = {}
    for kind in schema.concrete_kinds:
        if kind in RESERVED_TYPE_NAMES:
            problems.append(f"class {kind} clashes with a GraphQL type of the API")
            continue
        clashes = sorted(_INTERFACE_FIELDS.intersection(schema.attributes_of(kind)))
        if clashes:
            problems.append(
                f"class {kind} has attribute(s) {', '.join(clashes)} clashing with "
                "fields of the Entity interface"
            )
            continue
        by_kind[kind] = _entity_type(schema, kind)
    if problems:
        raise OntologyError(problems)
    return OntologyTypes(
        schema=schema,
        by_kind=by_kind,
        entity_kind=_enum(
            ENTITY_KIND_ENUM,
            schema.concrete_kinds,
            "The entity classes of the ontology (the values of `Entity.kind`).",
        ),
        relation_type=_enum(
            RELATION_TYPE_ENUM,
            schema.relation_types,
            "The relation types of the ontology (the values of `Relation.type`).",
        ),
    )


def _entity_type(schema: Schema, kind: str) -> type[EntityNode]:
    cdef = schema.classes[kind]
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": __name__, "__annotations__": annotations}
    for attr in schema.attributes_of(kind):
        prop = schema.properties[attr]
        annotations[_ATTR_PREFIX + attr] = _PY_TYPES[prop.datatype] | None
        namespace[_ATTR_PREFIX + attr] = strawberry.field(
            name=attr, default=None, description=prop.comment or None
        )
    cls = type(kind, (EntityNode,), namespace)
    description = cdef.comment or f"{cdef.label} (ontology class {cdef.name})."
    generated: type[EntityNode] = strawberry.type(cls, name=kind, description=description)
    return generated


def _enum(name: str, values: list[str], description: str) -> type[enum.Enum]:
    python_enum = enum.Enum(name, {v: v for v in values})  # type: ignore[misc]
    generated: type[enum.Enum] = strawberry.enum(python_enum, name=name, description=description)
    return generated
