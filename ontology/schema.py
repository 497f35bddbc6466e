"""The ontology, read from Turtle into a typed schema object every other layer uses.

The Turtle files in this folder are the only place where entity kinds, relation types,
qualifiers and attributes are declared. Validation, Neo4j labels and constraints, GraphQL
types and enums, Bloom styles and exports all ask this module, so adding a class to the
Turtle makes it appear everywhere without another edit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from ontology.errors import OntologyError

TS = Namespace("https://w3id.org/techsov/ontology#")
DATA = Namespace("https://w3id.org/techsov/id/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")

ONTOLOGY_DIR = Path(__file__).resolve().parent
ONTOLOGY_FILE = ONTOLOGY_DIR / "techsov.ttl"
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"

ROOT_CLASS = "Entity"

_XSD_TO_PY = {
    XSD.string: "string",
    XSD.anyURI: "string",
    XSD.date: "date",
    XSD.decimal: "float",
    XSD.double: "float",
    XSD.integer: "int",
    XSD.boolean: "bool",
}


@dataclass(frozen=True)
class PropertyDef:
    """A datatype property used as an entity attribute or a relation qualifier."""

    name: str
    iri: str
    datatype: str  # one of string, date, float, int, bool
    comment: str = ""


@dataclass(frozen=True)
class ClassDef:
    name: str
    iri: str
    label: str
    parents: tuple[str, ...]
    ancestors: tuple[str, ...]  # from the root down to (and including) this class
    family: str
    attributes: tuple[str, ...]  # own and inherited attribute names
    mappings: tuple[str, ...]  # equivalent / matching IRIs in Wikidata, schema.org, W3C ORG
    comment: str = ""

    @property
    def is_entity(self) -> bool:
        return ROOT_CLASS in self.ancestors


@dataclass(frozen=True)
class RelationDef:
    name: str
    iri: str
    label: str
    domain: tuple[str, ...]
    range: tuple[str, ...]
    qualifiers: tuple[str, ...]
    required_qualifiers: tuple[str, ...]
    symmetric: bool
    mappings: tuple[str, ...]
    comment: str = ""
    role: str | None = None  # local name of its ts:RelationRole, e.g. "SupplyRole"
    broader_roles: tuple[str, ...] = ()  # roles its role narrows (ts:broaderRole), nearest first

    @property
    def neo4j_type(self) -> str:
        return neo4j_relationship_type(self.name)


def neo4j_relationship_type(name: str) -> str:
    """``subsidiaryOf`` -> ``SUBSIDIARY_OF``: Neo4j's convention for relationship types."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).upper()


@dataclass(frozen=True)
class Schema:
    """Everything the other layers need to know about the ontology, precomputed."""

    classes: dict[str, ClassDef]
    relations: dict[str, RelationDef]
    properties: dict[str, PropertyDef]
    graph: Graph = field(repr=False, compare=False)
    _roles: dict[tuple[str, ...], tuple[str, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """:meth:`with_role` answers by roles asked: evaluations ask it for every read."""

    @property
    def entity_kinds(self) -> list[str]:
        """Entity classes in a stable order (ancestors before descendants, then by name)."""
        kinds = [c for c in self.classes.values() if c.is_entity]
        return [c.name for c in sorted(kinds, key=lambda c: (len(c.ancestors), c.name))]

    @property
    def concrete_kinds(self) -> list[str]:
        """Kinds that facts may use: every entity class except the abstract root."""
        return [k for k in self.entity_kinds if k != ROOT_CLASS]

    @property
    def relation_types(self) -> list[str]:
        return sorted(self.relations)

    def is_a(self, kind: str, cls: str) -> bool:
        c = self.classes.get(kind)
        return c is not None and cls in c.ancestors

    def is_any(self, kind: str, classes: Iterable[str]) -> bool:
        return any(self.is_a(kind, c) for c in classes)

    def labels(self, kind: str) -> list[str]:
        """Neo4j labels of a node of this kind: the kind and all its ancestors."""
        return list(self.classes[kind].ancestors)

    def subclasses(self, cls: str) -> list[str]:
        """``cls`` and every entity kind below it, in :attr:`entity_kinds` order."""
        return [k for k in self.entity_kinds if self.is_a(k, cls)]

    def attributes_of(self, kind: str) -> tuple[str, ...]:
        return self.classes[kind].attributes

    def with_role(self, *roles: str) -> tuple[str, ...]:
        """Relation types playing any of ``roles`` (``"SupplyRole"``...), sorted: what the
        analyst questions follow, read from ``ts:relationRole`` in the ontology. A role that
        narrows another (``ts:broaderRole``) plays the broader one too."""
        found = self._roles.get(roles)
        if found is None:
            found = self._roles[roles] = tuple(
                sorted(
                    r.name
                    for r in self.relations.values()
                    if r.role in roles or any(b in roles for b in r.broader_roles)
                )
            )
        return found

    def explanation_direction(self, relation: str) -> str | None:
        """``forward``, ``backward`` or ``both``: how a directed explanation reads relations
        of this type (``ts:explains`` on its role); ``None`` leaves the type out."""
        rdef = self.relations.get(relation)
        if rdef is None or rdef.role is None:
            return None
        value = self.graph.value(TS[rdef.role], TS.explains)
        return str(value) if value is not None else None

    def relation_by_neo4j_type(self, rel_type: str) -> RelationDef:
        for rel in self.relations.values():
            if rel.neo4j_type == rel_type:
                return rel
        raise KeyError(rel_type)

    def iri(self, name: str) -> URIRef:
        return TS[name]


def _local(iri: Node) -> str:
    text = str(iri)
    return re.split(r"[#/]", text)[-1]


def _class_list(g: Graph, node: Node | None) -> tuple[str, ...]:
    if node is None:
        return ()
    union = g.value(node, OWL.unionOf)
    if union is not None:
        return tuple(sorted(_local(x) for x in Collection(g, union)))
    return (_local(node),)


def _label(g: Graph, node: Node) -> str:
    lbl = g.value(node, RDFS.label)
    return str(lbl) if lbl is not None else _local(node)


def _text(g: Graph, node: Node, pred: URIRef) -> str:
    v = g.value(node, pred)
    return str(v) if v is not None else ""


def _is_true(value: Node | None) -> bool:
    return isinstance(value, Literal) and bool(value.toPython()) is True


def _mappings(g: Graph, node: Node) -> tuple[str, ...]:
    out: set[str] = set()
    for pred in (OWL.equivalentClass, OWL.equivalentProperty, SKOS.exactMatch, SKOS.closeMatch):
        out.update(str(o) for o in g.objects(node, pred) if isinstance(o, URIRef))
    return tuple(sorted(out))


def _ts_objects(g: Graph, node: Node, pred: URIRef) -> list[str]:
    return sorted(_local(o) for o in g.objects(node, pred))


def _role(g: Graph, prop: Node, problems: list[str]) -> str | None:
    """The relation's ``ts:relationRole``: at most one, an individual of ts:RelationRole."""
    roles = sorted(g.objects(prop, TS.relationRole), key=str)
    if not roles:
        return None
    if len(roles) > 1:
        problems.append(f"relation {_local(prop)} has more than one ts:relationRole")
    if (roles[0], RDF.type, TS.RelationRole) not in g:
        problems.append(f"relation {_local(prop)} role {_local(roles[0])} is not a ts:RelationRole")
    return _local(roles[0])


def _broader_roles(g: Graph, role: str | None, problems: list[str]) -> tuple[str, ...]:
    """The roles ``role`` narrows (``ts:broaderRole``), nearest first; a cycle is a problem."""
    chain: list[str] = []
    node = g.value(TS[role], TS.broaderRole) if role else None
    while node is not None:
        name = _local(node)
        if name == role or name in chain:
            problems.append(f"role {role} narrows itself through ts:broaderRole")
            break
        chain.append(name)
        node = g.value(node, TS.broaderRole)
    return tuple(chain)


def _properties(g: Graph) -> dict[str, PropertyDef]:
    """The ``ts:`` datatype properties: attributes and qualifiers."""
    properties: dict[str, PropertyDef] = {}
    for p in g.subjects(RDF.type, OWL.DatatypeProperty):
        if not isinstance(p, URIRef) or not str(p).startswith(str(TS)):
            continue
        dtype = g.value(p, RDFS.range)
        properties[_local(p)] = PropertyDef(
            name=_local(p),
            iri=str(p),
            datatype=_XSD_TO_PY.get(dtype, "string") if isinstance(dtype, URIRef) else "string",
            comment=_text(g, p, RDFS.comment),
        )
    return properties


def _parents(g: Graph) -> tuple[dict[str, URIRef], dict[str, tuple[str, ...]]]:
    """The ``ts:`` classes by name, and each one's ``ts:`` superclasses."""
    nodes: dict[str, URIRef] = {}
    parents: dict[str, tuple[str, ...]] = {}
    for c in g.subjects(RDF.type, OWL.Class):
        if not isinstance(c, URIRef) or not str(c).startswith(str(TS)):
            continue
        name = _local(c)
        nodes[name] = c
        parents[name] = tuple(
            sorted(
                _local(s)
                for s in g.objects(c, RDFS.subClassOf)
                if isinstance(s, URIRef) and str(s).startswith(str(TS))
            )
        )
    return nodes, parents


def _classes(
    g: Graph, properties: dict[str, PropertyDef], problems: list[str]
) -> dict[str, ClassDef]:
    """Every class with its ancestry, inherited attributes and family."""
    nodes, parents = _parents(g)

    def ancestry(name: str, seen: tuple[str, ...] = ()) -> tuple[str, ...]:
        if name in seen:
            problems.append(f"class hierarchy has a cycle through {name}")
            return (name,)
        chain: list[str] = []
        for parent in parents.get(name, ()):
            if parent not in parents:
                problems.append(f"class {name} has undeclared parent {parent}")
                continue
            for a in ancestry(parent, (*seen, name)):
                if a not in chain:
                    chain.append(a)
        return (*chain, name)

    classes: dict[str, ClassDef] = {}
    for name, node in nodes.items():
        anc = ancestry(name)
        attrs: list[str] = []
        for a in anc:
            for attr in _ts_objects(g, nodes[a], TS.attribute):
                if attr not in properties:
                    problems.append(f"class {a} lists unknown attribute {attr}")
                elif attr not in attrs:
                    attrs.append(attr)
        family = _text(g, node, TS.family)
        if not family:
            family = next(
                (
                    _text(g, nodes[a], TS.family)
                    for a in reversed(anc)
                    if _text(g, nodes[a], TS.family)
                ),
                "other",
            )
        classes[name] = ClassDef(
            name=name,
            iri=str(node),
            label=_label(g, node),
            parents=parents[name],
            ancestors=anc,
            family=family,
            attributes=tuple(attrs),
            mappings=_mappings(g, node),
            comment=_text(g, node, RDFS.comment),
        )
    if ROOT_CLASS not in classes:
        problems.append(f"the ontology declares no ts:{ROOT_CLASS} root class")
    return classes


def _relations(
    g: Graph,
    classes: dict[str, ClassDef],
    properties: dict[str, PropertyDef],
    problems: list[str],
) -> dict[str, RelationDef]:
    """Every relation type (``ts:relation true``) with domain, range, qualifiers and role."""
    relations: dict[str, RelationDef] = {}
    for p in g.subjects(TS.relation, None):
        if not _is_true(g.value(p, TS.relation)):
            continue
        name = _local(p)
        domain = _class_list(g, g.value(p, RDFS.domain))
        rng = _class_list(g, g.value(p, RDFS.range))
        for side, cls_names in (("domain", domain), ("range", rng)):
            if not cls_names:
                problems.append(f"relation {name} has no rdfs:{side}")
            for cname in cls_names:
                if cname not in classes or not classes[cname].is_entity:
                    problems.append(f"relation {name} {side} {cname} is not an entity class")
        quals = _ts_objects(g, p, TS.qualifier)
        required = _ts_objects(g, p, TS.requiredQualifier)
        for q in (*quals, *required):
            if q not in properties:
                problems.append(f"relation {name} lists unknown qualifier {q}")
        relations[name] = RelationDef(
            name=name,
            iri=str(p),
            label=_label(g, p),
            domain=domain,
            range=rng,
            qualifiers=tuple(sorted(set(quals) | set(required))),
            required_qualifiers=tuple(required),
            symmetric=_is_true(g.value(p, TS.symmetric)),
            mappings=_mappings(g, p),
            comment=_text(g, p, RDFS.comment),
            role=(role := _role(g, p, problems)),
            broader_roles=_broader_roles(g, role, problems),
        )
    return relations


def build_schema(g: Graph) -> Schema:
    """Derive the schema from an ontology graph; raises :class:`OntologyError` if inconsistent."""
    problems: list[str] = []
    properties = _properties(g)
    classes = _classes(g, properties, problems)
    relations = _relations(g, classes, properties, problems)
    neo_types = [r.neo4j_type for r in relations.values()]
    if len(set(neo_types)) != len(neo_types):
        problems.append("two relation types map to the same Neo4j relationship type")
    if problems:
        raise OntologyError(problems)
    return Schema(classes=classes, relations=relations, properties=properties, graph=g)


def read_ontology_graph(paths: Sequence[Path] | None = None) -> Graph:
    """Parse the ontology Turtle files (all ``*.ttl`` but the shapes by default)."""
    g = Graph()
    files = (
        list(paths)
        if paths
        else sorted(p for p in ONTOLOGY_DIR.glob("*.ttl") if p.name != SHAPES_FILE.name)
    )
    for f in files:
        g.parse(f, format="turtle")
    g.bind("ts", TS)
    g.bind("skos", SKOS)
    return g


def load_schema(paths: Sequence[Path] | None = None) -> Schema:
    """Build a schema from the given Turtle files (or the shipped ontology)."""
    if paths is None:
        return default_schema()
    return build_schema(read_ontology_graph(paths))


@cache
def default_schema() -> Schema:
    """The shipped ontology, parsed once per process (it is immutable)."""
    return build_schema(read_ontology_graph())


def shapes_graph(path: Path | None = None) -> Graph:
    g = Graph()
    g.parse(path or SHAPES_FILE, format="turtle")
    return g
