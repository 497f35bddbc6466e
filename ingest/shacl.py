"""Run the SHACL shapes on an RDF rendering and point each result at the record behind it.

pyshacl's ``ont_graph`` option copies only RDFS/OWL axioms into the data graph, not the
``ts:`` annotations (``ts:relation``, ``ts:qualifier``, ``ts:requiredQualifier``,
``ts:attribute``) that the generic shapes query, so the ontology is merged into a copy of the
data graph instead. The shapes do their own subclass closure, so no inference is run; their
SPARQL targets need pyshacl's advanced mode.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pyshacl import validate
from rdflib import RDF, Literal, Namespace, URIRef
from rdflib import Graph as RdfGraph
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result
from rdflib.term import Node

from ingest.rdf import PROV, RELATION_PREFIX
from ingest.records import Origin
from ontology.errors import Problem
from ontology.schema import DATA, SHAPES_FILE, TS, Schema, shapes_graph

SH = Namespace("http://www.w3.org/ns/shacl#")
_PROVENANCE_SUFFIX = re.compile(r"/provenance/\d+$")
_STATEMENT_FIELDS = {
    RDF.subject: "from",
    RDF.predicate: "type",
    RDF.object: "to",
    TS.provenance: "provenance",
}
_PROVENANCE_FIELDS = {
    PROV.hadPrimarySource: "provenance.source",
    TS.evidence: "provenance.evidence",
}
_SOURCE_FIELDS = {TS.sourceKind: "sourceType"}


@dataclass(frozen=True)
class ShaclResult:
    """One violation: the node it is about, the property, the offending value, the message."""

    focus: Node
    path: Node | None
    value: Node | None
    message: str


_PREPARED: dict[str, Query] = {}


class _PreparedQueryGraph(RdfGraph):
    """A graph that parses each distinct SPARQL text once.

    pyshacl sends the same constraint query again for every focus node, and rdflib parses
    query text anew on each call (tens of milliseconds with its pyparsing grammar): without
    this cache, parsing dominates and validating a few thousand triples takes minutes.
    """

    def query(self, query_object: str | Query, *args: Any, **kwargs: Any) -> Result:
        if isinstance(query_object, str):
            prepared = _PREPARED.get(query_object)
            if prepared is None:
                prepared = prepareQuery(query_object, initNs=dict(self.namespaces()))
                _PREPARED[query_object] = prepared
            query_object = prepared
        return super().query(query_object, *args, **kwargs)


@cache
def _default_shapes() -> RdfGraph:
    return shapes_graph(SHAPES_FILE)


def run_shacl(data: RdfGraph, schema: Schema, shapes: RdfGraph | None = None) -> list[ShaclResult]:
    """Violations of the shapes (the shipped ones by default) in ``data``."""
    merged = _PreparedQueryGraph()
    for triple in data:
        merged.add(triple)
    for triple in schema.graph:
        merged.add(triple)
    _, report, _ = validate(
        merged,
        shacl_graph=shapes if shapes is not None else _default_shapes(),
        inference="none",
        advanced=True,
        abort_on_first=False,
        allow_warnings=True,
        inplace=True,  # on our own merged copy: keeps the query cache in play
    )
    assert isinstance(report, RdfGraph)
    results: list[ShaclResult] = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(result, SH.resultSeverity) != SH.Violation:
            continue
        focus = report.value(result, SH.focusNode)
        if focus is None:
            continue
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        results.append(
            ShaclResult(
                focus=focus,
                path=report.value(result, SH.resultPath),
                value=report.value(result, SH.value),
                message=messages[0] if messages else "violates a SHACL shape",
            )
        )
    return sorted(results, key=lambda r: (str(r.focus), r.message))


def readable(text: str) -> str:
    """Shorten the graph's IRIs in a SHACL message to the ids and names curators write."""
    for prefix in (str(DATA) + "source/", str(DATA) + RELATION_PREFIX, str(DATA), str(TS)):
        text = text.replace(prefix, "")
    return text


class Locator:
    """Maps RDF nodes of the rendering back to the records (file, line) they came from."""

    def __init__(self, origins: Mapping[URIRef, Origin], data: RdfGraph) -> None:
        self.origins = origins
        self.statements: dict[tuple[Node, Node, Node], URIRef] = {}
        for st in sorted(data.subjects(RDF.type, RDF.Statement), key=str):
            s, p, o = (data.value(st, x) for x in (RDF.subject, RDF.predicate, RDF.object))
            if isinstance(st, URIRef) and s is not None and p is not None and o is not None:
                self.statements.setdefault((s, p, o), st)

    def problem(self, result: ShaclResult) -> Problem:
        node, fld = self._locate(result)
        origin = self.origins.get(node) if isinstance(node, URIRef) else None
        message = readable(result.message)
        if isinstance(result.value, Literal) and str(result.value) not in message:
            message = f"{message} (found {str(result.value)!r})"
        if origin is None:
            return Problem("<rdf>", 0, fld, f"{readable(str(result.focus))}: {message}")
        return Problem(origin.file, origin.at(fld) if fld else origin.line, fld, message)

    def _locate(self, result: ShaclResult) -> tuple[Node, str]:
        focus, path, value = result.focus, result.path, result.value
        if isinstance(focus, URIRef) and _PROVENANCE_SUFFIX.search(str(focus)):
            statement = URIRef(_PROVENANCE_SUFFIX.sub("", str(focus)))
            fld = _PROVENANCE_FIELDS.get(path, "provenance") if isinstance(path, URIRef) else ""
            return statement, fld or "provenance"
        if isinstance(path, URIRef) and isinstance(value, URIRef):
            as_subject = self.statements.get((focus, path, value))
            if as_subject is not None:
                return as_subject, "from"
            as_object = self.statements.get((value, path, focus))
            if as_object is not None:
                return as_object, "to"
            if str(path).startswith(str(TS)):  # a relation triple no record produced
                return focus, ""
        if not isinstance(path, URIRef):
            return focus, ""
        if path in _STATEMENT_FIELDS:
            return focus, _STATEMENT_FIELDS[path]
        if path in _SOURCE_FIELDS:
            return focus, _SOURCE_FIELDS[path]
        text = str(path)
        return focus, text[len(str(TS)) :] if text.startswith(str(TS)) else ""


def shacl_problems(
    data: RdfGraph, schema: Schema, origins: Mapping[URIRef, Origin]
) -> list[Problem]:
    """Every SHACL violation in ``data`` as a problem at the record that produced it."""
    locator = Locator(origins, data)
    return [locator.problem(r) for r in run_shacl(data, schema)]


def messages(results: Iterable[ShaclResult]) -> list[str]:
    """The readable messages of some results (handy in tests and logs)."""
    return [readable(r.message) for r in results]
