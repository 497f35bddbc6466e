"""Reading and editing a Neo4j test database's state, shared by the Neo4j store tests."""

from __future__ import annotations

from typing import Any

import neo4j

from ontology.model import Entity, Graph, Relation, Source
from techsov.settings import Settings

DATABASE = Settings().neo4j_database


def raw_state(driver: neo4j.Driver, graph_only: bool = False) -> list[Any]:
    """Everything in the database, element ids included: equal only if nothing was touched.
    ``graph_only`` leaves out the stored answers (``:ExposureAnswers``, ``:TechsovGraph``),
    which every load that changes the graph rewrites."""
    nodes, _, _ = driver.execute_query(
        "MATCH (n) WHERE NOT $graph_only OR n:Entity OR n:Source "
        "RETURN elementId(n) AS eid, labels(n) AS labels, properties(n) AS props",
        {"graph_only": graph_only},
        database_=DATABASE,
    )
    rels, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN elementId(r) AS eid, type(r) AS type, "
        "elementId(a) AS a, elementId(b) AS b, properties(r) AS props",
        database_=DATABASE,
    )
    rows: list[tuple[Any, ...]] = [("n", r["eid"], sorted(r["labels"]), r["props"]) for r in nodes]
    rows += [("r", r["eid"], r["type"], r["a"], r["b"], r["props"]) for r in rels]
    return sorted(rows, key=lambda row: (row[0], row[1]))


def replace(graph: Graph, *objects: Entity | Relation | Source) -> Graph:
    """A copy of ``graph`` with ``objects`` put in place of those of the same id."""
    out = Graph(dict(graph.entities), dict(graph.relations), dict(graph.sources))
    for obj in objects:
        target: dict[str, Any] = (
            out.entities
            if isinstance(obj, Entity)
            else out.relations
            if isinstance(obj, Relation)
            else out.sources
        )
        target[obj.id] = obj
    return out


def constraint_labels(driver: neo4j.Driver) -> set[str]:
    """The labels that carry a uniqueness constraint on ``id``."""
    records, _, _ = driver.execute_query(
        "SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type "
        "WHERE type = 'UNIQUENESS' AND properties = ['id'] RETURN labelsOrTypes",
        database_=DATABASE,
    )
    return {label for r in records for label in r["labelsOrTypes"]}
