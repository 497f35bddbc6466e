"""Concept-specific rules, read from the SHACL shapes rather than typed into Python.

A few checks are inherently about one concept: the allowed ``effect`` and ``stateOwnership``
values, the 0..1 bounds of ``share`` and ``confidence``, the Wikidata id pattern, which
relations form ownership (no cycles, shares add up to at most 1) and the technology taxonomy
(no cycles), and that ``item`` names an entity. They are declared once, in
``ontology/shapes.ttl``; the SHACL engine enforces them on RDF and this module hands the
same declarations to the YAML validator, which reports them with file, line and field.
Editing the shapes file changes both at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from rdflib import RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from ontology.schema import SHAPES_FILE, TS, shapes_graph

SH = Namespace("http://www.w3.org/ns/shacl#")
TSH = Namespace("https://w3id.org/techsov/shapes#")


@dataclass(frozen=True)
class AcyclicRule:
    """Relations (by name) whose edges together must not form a cycle."""

    label: str
    relations: tuple[str, ...]


@dataclass(frozen=True)
class TotalRule:
    """Values of ``qualifier`` on ``relations`` that share one endpoint add up to at most
    ``maximum``; ``per`` says which endpoint: ``"source"`` (subject) or ``"target"``."""

    label: str
    relations: tuple[str, ...]
    qualifier: str
    maximum: float
    per: str = "source"


@dataclass(frozen=True)
class Rules:
    """Value constraints per property name (the ontology local name, e.g. ``share``)."""

    allowed_values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    minimum: dict[str, float] = field(default_factory=dict)
    maximum: dict[str, float] = field(default_factory=dict)
    patterns: dict[str, str] = field(default_factory=dict)
    references: dict[str, str] = field(default_factory=dict)  # qualifier -> class name
    acyclic: tuple[AcyclicRule, ...] = ()
    totals: tuple[TotalRule, ...] = ()
    _answers: dict[tuple[str, type, object], str | None] = field(
        default_factory=dict, repr=False, compare=False
    )

    def value_problem(self, prop: str, value: object) -> str | None:
        """What is wrong with ``value`` for property ``prop``, or ``None`` if it is fine.

        Answers are remembered per (property, value): a bulk read asks about a few thousand
        distinct values a million times."""
        key = (prop, type(value), value)
        try:
            return self._answers[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value
            return self._value_problem(prop, value)
        answer = self._answers[key] = self._value_problem(prop, value)
        return answer

    def _value_problem(self, prop: str, value: object) -> str | None:
        allowed = self.allowed_values.get(prop)
        if allowed is not None and value not in allowed:
            return f"must be one of {', '.join(allowed)}; found {value!r}"
        if isinstance(value, int | float) and not isinstance(value, bool):
            low, high = self.minimum.get(prop), self.maximum.get(prop)
            if (low is not None and not value >= low) or (high is not None and not value <= high):
                return f"must be between {_num(low)} and {_num(high)}; found {value!r}"
        pattern = self.patterns.get(prop)
        if pattern is not None and isinstance(value, str) and re.search(pattern, value) is None:
            return f"must match the pattern {pattern}; found {value!r}"
        return None


def _num(x: float | None) -> str:
    if x is None:
        return "any"
    return f"{x:g}"


def _local(node: Node) -> str:
    return re.split(r"[#/]", str(node))[-1]


def _ts_name(node: Node | None) -> str | None:
    if isinstance(node, URIRef) and str(node).startswith(str(TS)):
        return _local(node)
    return None


def _path_relations(g: Graph, path: Node) -> tuple[str, ...]:
    """Relation names in a path that is one property, or alternatives, under ``+``/``*``."""
    for wrapper in (SH.oneOrMorePath, SH.zeroOrMorePath):
        inner = g.value(path, wrapper)
        if inner is not None:
            return _path_relations(g, inner)
    alternatives = g.value(path, SH.alternativePath)
    if alternatives is not None:
        names = [_ts_name(x) for x in Collection(g, alternatives)]
        return tuple(n for n in names if n is not None)
    name = _ts_name(path)
    return (name,) if name else ()


def _number(node: Node | None) -> float | None:
    if isinstance(node, Literal):
        value = node.toPython()
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return float(value)
    return None


def rules_from_shapes(g: Graph) -> Rules:
    """Collect the value constraints and tsh: annotations of every property shape."""
    allowed: dict[str, tuple[str, ...]] = {}
    minimum: dict[str, float] = {}
    maximum: dict[str, float] = {}
    patterns: dict[str, str] = {}
    references: dict[str, str] = {}
    acyclic: list[AcyclicRule] = []
    totals: list[TotalRule] = []
    for shape in sorted(set(g.subjects(SH.path, None)), key=str):
        path = g.value(shape, SH.path)
        if path is None:
            continue
        prop = _ts_name(path)
        if prop is not None:
            in_list = g.value(shape, SH["in"])
            if in_list is not None:
                allowed[prop] = tuple(str(v) for v in Collection(g, in_list))
            if (low := _number(g.value(shape, SH.minInclusive))) is not None:
                minimum[prop] = low
            if (high := _number(g.value(shape, SH.maxInclusive))) is not None:
                maximum[prop] = high
            if (pattern := g.value(shape, SH.pattern)) is not None:
                patterns[prop] = str(pattern)
            if (ref := _ts_name(g.value(shape, TSH.refersTo))) is not None:
                references[prop] = ref
        relations = _path_relations(g, path)
        label = str(g.value(shape, RDFS.label) or ", ".join(relations))
        if relations and _is_true(g.value(shape, TSH.acyclic)):
            acyclic.append(AcyclicRule(label, relations))
        qualifier = _ts_name(g.value(shape, TSH.totalOf))
        most = _number(g.value(shape, TSH.maxTotal))
        per = "target" if g.value(shape, TSH.totalPer) == RDF.object else "source"
        if relations and qualifier is not None and most is not None:
            totals.append(TotalRule(label, relations, qualifier, most, per))
    return Rules(
        allowed_values=allowed,
        minimum=minimum,
        maximum=maximum,
        patterns=patterns,
        references=references,
        acyclic=tuple(sorted(acyclic, key=lambda r: r.relations)),
        totals=tuple(sorted(totals, key=lambda r: r.relations)),
    )


def _is_true(node: Node | None) -> bool:
    return isinstance(node, Literal) and node.toPython() is True


@cache
def load_rules(path: Path = SHAPES_FILE) -> Rules:
    """The rules of a shapes file, parsed once per process (the file is shipped, immutable)."""
    return rules_from_shapes(shapes_graph(path))
