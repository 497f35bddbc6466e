"""The fact graph as RDF with the ontology's IRIs, and back.

Rendering (one scheme, used by exports and by SHACL validation):

* an entity is ``DATA[id]``, typed with its class ``TS[kind]``; its display name is
  ``ts:name`` (no language tag; also ``rdfs:label`` for generic viewers), localized names are
  ``rdfs:label`` with language tags, aliases ``ts:alias``, plus ``ts:wikidata``,
  ``ts:description`` and the attributes with the datatypes the ontology declares;
* a relation is the direct triple ``DATA[from] TS[type] DATA[to]`` - what RDF tools and
  reasoners understand - *and* a reified ``rdf:Statement`` ``DATA["rel/" + id]`` carrying
  what a bare triple cannot: confidence, validity, qualifiers and ``ts:provenance`` records
  (``ts:ProvenanceRecord`` with ``prov:hadPrimarySource`` and ``ts:evidence``);
* a source is ``DATA["source/" + id]`` typed ``ts:Source``.

Provenance records get IRIs numbered in citation order rather than blank nodes, so exports
are stable across runs and :func:`rdf_to_graph` gives back the citations in the same order.
RDF has no order for names and aliases, so :func:`rdf_to_graph` returns them sorted (the
validator sorts them the same way).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal as TypingLiteral
from typing import TextIO, TypeVar

from rdflib import RDF, RDFS, XSD, Literal, Namespace, URIRef
from rdflib import Graph as RdfGraph
from rdflib.term import Node

from ontology.errors import Problem, ValidationFailed
from ontology.model import Entity, Graph, LocalizedName, Provenance, Relation, Scalar, Source
from ontology.schema import DATA, TS, Schema

PROV = Namespace("http://www.w3.org/ns/prov#")
T = TypeVar("T")

RdfFormat = TypingLiteral["turtle", "jsonld", "ntriples"]
RDF_FORMATS: dict[str, str] = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt"}

RELATION_PREFIX = "rel/"
SOURCE_PREFIX = "source/"
_PROVENANCE_RE = re.compile(r"/provenance/(\d+)$")

# Source fields of the model -> ontology properties.
_SOURCE_FIELDS: dict[str, tuple[URIRef, URIRef | None]] = {
    "title": (TS.title, None),
    "publisher": (TS.publisher, None),
    "url": (TS.url, XSD.anyURI),
    "published": (TS.published, XSD.date),
    "source_type": (TS.sourceKind, None),
}
_XSD_OF = {"date": XSD.date, "float": XSD.decimal, "int": XSD.integer, "bool": XSD.boolean}


def entity_iri(entity_id: str) -> URIRef:
    return DATA[entity_id]


def relation_iri(relation_id: str) -> URIRef:
    return DATA[RELATION_PREFIX + relation_id]


def source_iri(source_id: str) -> URIRef:
    return DATA[SOURCE_PREFIX + source_id]


def provenance_iri(relation_id: str, index: int) -> URIRef:
    return DATA[f"{RELATION_PREFIX}{relation_id}/provenance/{index}"]


def to_literal(value: Scalar, datatype: str = "string") -> Literal:
    """A literal with the XSD datatype the ontology declares (``datatype`` as in the schema).

    Numbers are written as ``xsd:decimal`` in plain positional notation (``0.0000001``, not
    ``1e-07``) so every serialization round-trips to the same lexical form.
    """
    if datatype == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        text = format(Decimal(repr(float(value))), "f")
        return Literal(text, datatype=XSD.decimal)
    if datatype in _XSD_OF:
        return Literal(value, datatype=_XSD_OF[datatype])
    return Literal(str(value))


def from_literal(node: Node, datatype: str = "string") -> Scalar:
    """The inverse of :func:`to_literal`; raises ``ValueError`` when the literal does not fit."""
    if not isinstance(node, Literal):
        raise ValueError(f"expected a literal, found {node}")
    value = node.toPython()
    if datatype == "float":
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return float(value)
    elif datatype == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif datatype == "bool":
        if isinstance(value, bool):
            return value
    elif datatype == "date":
        if isinstance(value, date):
            return value
    else:
        return str(node)
    raise ValueError(f"expected a {datatype} literal, found {node.n3()}")


_PREFIXES = (
    ("ts", TS),
    ("data", DATA),
    ("prov", PROV),
    ("rdf", Namespace(str(RDF))),
    ("rdfs", Namespace(str(RDFS))),
    ("xsd", Namespace(str(XSD))),
)


def _bind(g: RdfGraph) -> None:
    for prefix, ns in _PREFIXES:
        g.bind(prefix, ns)


def graph_to_rdf(graph: Graph, schema: Schema) -> RdfGraph:
    """Render a fact graph as RDF (see the module docstring for the scheme)."""
    g = RdfGraph()
    _bind(g)
    for src in graph.sources.values():
        node = source_iri(src.id)
        g.add((node, RDF.type, TS.Source))
        for name, (pred, dtype) in _SOURCE_FIELDS.items():
            value = getattr(src, name)
            if value is not None:
                g.add((node, pred, Literal(value, datatype=dtype)))
    for ent in graph.entities.values():
        node = entity_iri(ent.id)
        g.add((node, RDF.type, TS[ent.kind]))
        g.add((node, TS.name, Literal(ent.name)))
        g.add((node, RDFS.label, Literal(ent.name)))
        for n in ent.names:
            g.add((node, RDFS.label, Literal(n.value, lang=n.lang)))
        for alias in ent.aliases:
            g.add((node, TS.alias, Literal(alias)))
        if ent.wikidata is not None:
            g.add((node, TS.wikidata, Literal(ent.wikidata)))
        if ent.description is not None:
            g.add((node, TS.description, Literal(ent.description)))
        for attr, value in ent.attributes.items():
            g.add((node, TS[attr], to_literal(value, _datatype(schema, attr))))
    for rel in graph.relations.values():
        subject, predicate, obj = entity_iri(rel.source), TS[rel.type], entity_iri(rel.target)
        g.add((subject, predicate, obj))
        st = relation_iri(rel.id)
        g.add((st, RDF.type, RDF.Statement))
        g.add((st, RDF.subject, subject))
        g.add((st, RDF.predicate, predicate))
        g.add((st, RDF.object, obj))
        g.add((st, TS.confidence, to_literal(rel.confidence, "float")))
        if rel.valid_from is not None:
            g.add((st, TS.validFrom, Literal(rel.valid_from, datatype=XSD.date)))
        if rel.valid_to is not None:
            g.add((st, TS.validTo, Literal(rel.valid_to, datatype=XSD.date)))
        for q, value in rel.properties.items():
            g.add((st, TS[q], to_literal(value, _datatype(schema, q))))
        for i, prov in enumerate(rel.provenance, start=1):
            pnode = provenance_iri(rel.id, i)
            g.add((st, TS.provenance, pnode))
            g.add((pnode, RDF.type, TS.ProvenanceRecord))
            g.add((pnode, PROV.hadPrimarySource, source_iri(prov.source)))
            if prov.evidence is not None:
                g.add((pnode, TS.evidence, Literal(prov.evidence)))
    return g


def _datatype(schema: Schema, prop: str) -> str:
    p = schema.properties.get(prop)
    return p.datatype if p is not None else "string"


def _local(node: Node, prefix: str = "") -> str | None:
    """The id in a ``DATA[prefix + id]`` IRI, or the local name of a ``TS`` IRI."""
    text = str(node)
    if isinstance(node, URIRef) and text.startswith(str(DATA) + prefix):
        return text[len(str(DATA) + prefix) :]
    if isinstance(node, URIRef) and not prefix and text.startswith(str(TS)):
        return text[len(str(TS)) :]
    return None


def rdf_to_graph(rdf: RdfGraph, schema: Schema, *, name: str = "rdf") -> Graph:
    """Read back a rendering made by :func:`graph_to_rdf` (``name`` labels problems)."""
    problems: list[Problem] = []

    def attempt(where: str, build: Callable[..., T], *args: object) -> T | None:
        try:
            return build(*args)
        except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
            problems.append(Problem(name, 0, where, str(exc).splitlines()[0]))
            return None

    graph = Graph()
    for node in rdf.subjects(RDF.type, TS.Source):
        sid = _local(node, SOURCE_PREFIX)
        if sid is not None:
            src = attempt(sid, _source, rdf, node, sid)
            if src is not None:
                graph.sources[src.id] = src
    for node, cls in rdf.subject_objects(RDF.type):
        kind, eid = _local(cls), _local(node)
        if kind is None or eid is None or "/" in eid or kind not in schema.classes:
            continue
        if schema.classes[kind].is_entity:
            ent = attempt(eid, _entity, rdf, schema, node, kind, eid)
            if ent is not None:
                graph.entities[ent.id] = ent
    for node in rdf.subjects(RDF.type, RDF.Statement):
        rid = _local(node, RELATION_PREFIX)
        if rid is not None:
            rel = attempt(rid, _relation, rdf, schema, node, rid)
            if rel is not None:
                graph.relations[rel.id] = rel
    if problems:
        raise ValidationFailed(problems)
    return graph


def _source(rdf: RdfGraph, node: Node, sid: str) -> Source:
    fields: dict[str, object] = {"id": sid}
    for fname, (pred, dtype) in _SOURCE_FIELDS.items():
        value = rdf.value(node, pred)
        if value is not None:
            fields[fname] = from_literal(value, "date") if dtype == XSD.date else str(value)
    return Source.model_validate(fields)


def _entity(rdf: RdfGraph, schema: Schema, node: Node, kind: str, eid: str) -> Entity:
    names = sorted(
        (
            LocalizedName(lang=str(lbl.language), value=str(lbl))
            for lbl in rdf.objects(node, RDFS.label)
            if isinstance(lbl, Literal) and lbl.language
        ),
        key=lambda n: (n.lang, n.value),
    )
    attributes: dict[str, Scalar] = {}
    for attr in schema.attributes_of(kind):
        value = rdf.value(node, TS[attr])
        if value is not None:
            attributes[attr] = from_literal(value, _datatype(schema, attr))
    wikidata = rdf.value(node, TS.wikidata)
    description = rdf.value(node, TS.description)
    return Entity(
        id=eid,
        kind=kind,
        name=str(rdf.value(node, TS.name) or ""),
        names=tuple(names),
        aliases=tuple(sorted(str(a) for a in rdf.objects(node, TS.alias))),
        wikidata=str(wikidata) if wikidata is not None else None,
        description=str(description) if description is not None else None,
        attributes=attributes,
    )


def _relation(rdf: RdfGraph, schema: Schema, node: Node, rid: str) -> Relation:
    rtype = _local(rdf.value(node, RDF.predicate) or URIRef(""))
    source = _local(rdf.value(node, RDF.subject) or URIRef(""))
    target = _local(rdf.value(node, RDF.object) or URIRef(""))
    if rtype is None or rtype not in schema.relations or source is None or target is None:
        raise ValueError("statement does not link two entities by a relation of the ontology")
    properties: dict[str, Scalar] = {}
    for q in schema.relations[rtype].qualifiers:
        value = rdf.value(node, TS[q])
        if value is not None:
            properties[q] = from_literal(value, _datatype(schema, q))
    provenance: list[tuple[int, Provenance]] = []
    for pnode in rdf.objects(node, TS.provenance):
        src = _local(rdf.value(pnode, PROV.hadPrimarySource) or URIRef(""), SOURCE_PREFIX)
        evidence = rdf.value(pnode, TS.evidence)
        match = _PROVENANCE_RE.search(str(pnode))
        order = int(match.group(1)) if match else 1 << 30
        provenance.append(
            (
                order,
                Provenance(
                    source=src or "", evidence=str(evidence) if evidence is not None else None
                ),
            )
        )
    provenance.sort(key=lambda p: (p[0], p[1].source, p[1].evidence or ""))
    confidence = rdf.value(node, TS.confidence)
    valid_from = rdf.value(node, TS.validFrom)
    valid_to = rdf.value(node, TS.validTo)
    return Relation(
        id=rid,
        type=rtype,
        source=source,
        target=target,
        properties=properties,
        confidence=_float(confidence) if confidence is not None else -1.0,
        valid_from=_date_or_none(valid_from),
        valid_to=_date_or_none(valid_to),
        provenance=tuple(p for _, p in provenance),
    )


def _float(node: Node) -> float:
    value = from_literal(node, "float")
    assert isinstance(value, float)
    return value


def _date_or_none(node: Node | None) -> date | None:
    if node is None:
        return None
    value = from_literal(node, "date")
    assert isinstance(value, date)
    return value


def serialize_rdf(rdf: RdfGraph, fmt: RdfFormat) -> str:
    """Text of an RDF graph in one of the export formats."""
    if fmt not in RDF_FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(RDF_FORMATS)}")
    if fmt == "jsonld":
        context = {prefix: str(ns) for prefix, ns in _PREFIXES}
        return rdf.serialize(format="json-ld", context=context, indent=2)
    return rdf.serialize(format=RDF_FORMATS[fmt])


def export_rdf(graph: Graph, schema: Schema, fmt: RdfFormat, out: Path | TextIO) -> None:
    """Write ``graph`` as Turtle, JSON-LD or N-Triples to a file path or an open text stream."""
    text = serialize_rdf(graph_to_rdf(graph, schema), fmt)
    if isinstance(out, Path):
        out.write_text(text, encoding="utf-8")
    else:
        out.write(text)
