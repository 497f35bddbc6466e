"""How a Neo4j load turns the stored graph into a new one: the plan and its writes.

A load reads the current ids and hashes (:func:`read_current`), works out in Python what
to create, update and delete (:func:`plan_load`) and runs that as batched UNWIND
statements (:func:`apply_plan`), all inside the one transaction that
:meth:`store.neo4j_store.Neo4jStore.load` owns; before that, :func:`check_graph` refuses
graphs the storage model cannot hold, and :func:`load_error` names what went wrong.
Kept apart from the store so the diff logic reads on its own; all Cypher lives in
:mod:`store.neo4j_queries`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, LiteralString, cast

import neo4j
from neo4j import exceptions as neo4j_errors

from ontology.errors import LoadFailed, StoreUnavailable
from ontology.model import Graph
from ontology.schema import Schema
from store import neo4j_queries as q
from store.base import ChangeCount, LoadSummary, ProgressCallback
from store.neo4j_errors import is_outage, reason
from store.neo4j_records import (
    ENTITY_CORE,
    RELATION_CORE,
    content_hash,
    entity_props,
    relation_props,
    source_props,
)


class BatchMismatch(Exception):
    """A write touched fewer rows than planned (e.g. an endpoint vanished): abort."""


# The write steps of a load, in order: (progress stage, statement, parameter name).
# Deletions go first so that a relation replaced because its endpoints changed never
# coexists with its successor; nodes are written before the relations that need them.
STEPS: tuple[tuple[str, str, str], ...] = (
    ("delete-relations", q.DELETE_RELATIONS, "rows"),
    ("delete-entities", q.DELETE_ENTITIES, "ids"),
    ("delete-sources", q.DELETE_SOURCES, "ids"),
    ("create-sources", q.CREATE_SOURCES, "rows"),
    ("update-sources", q.UPDATE_SOURCES, "rows"),
    ("create-entities", q.CREATE_ENTITIES, "rows"),
    ("update-entities", q.UPDATE_ENTITIES, "rows"),
    ("create-relations", q.CREATE_RELATIONS, "rows"),
    ("update-relations", q.UPDATE_RELATIONS, "rows"),
)


@dataclass
class Plan:
    """What a load will do, computed in Python from the current ids and hashes: the
    summary, and the rows of each step of :data:`STEPS`."""

    summary: LoadSummary = field(default_factory=LoadSummary)
    rows: defaultdict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))

    def classify(self, what: str, counts: ChangeCount, exists: bool, same: bool, row: Any) -> None:
        if not exists:
            counts.created += 1
            self.rows[f"create-{what}"].append(row)
        elif same:
            counts.unchanged += 1
        else:
            counts.updated += 1
            self.rows[f"update-{what}"].append(row)


@dataclass(frozen=True)
class Current:
    entities: dict[str, tuple[str | None, frozenset[str]]]  # id -> (hash, labels)
    relations: dict[str, dict[str, Any]]  # id -> {hash, type, source, target}
    sources: dict[str, str | None]  # id -> hash


def read_current(tx: neo4j.ManagedTransaction) -> Current:
    """The stored ids and hashes (and labels, relationship endpoints) a plan diffs against,
    each kind read as one record of parallel lists."""
    e = tx.run(q.CURRENT_ENTITIES).single(strict=True)
    labels = (frozenset(ls) for ls in e["labels"])
    entities = dict(zip(e["ids"], zip(e["hashes"], labels, strict=True), strict=True))
    r = tx.run(q.CURRENT_RELATIONS).single(strict=True)
    keys = ("id", "hash", "type", "source", "target")
    columns = zip(*(r[k] for k in ("ids", "hashes", "types", "sources", "targets")), strict=True)
    relations = {row[0]: dict(zip(keys, row, strict=True)) for row in columns}
    s = tx.run(q.CURRENT_SOURCES).single(strict=True)
    sources = dict(zip(s["ids"], s["hashes"], strict=True))
    return Current(entities=entities, relations=relations, sources=sources)


def plan_load(schema: Schema, graph: Graph, current: Current) -> Plan:
    """The writes that turn ``current`` into ``graph``, and their summary."""
    plan = Plan()
    s = plan.summary
    for sid, source in graph.sources.items():
        digest = content_hash(source)
        row = {"id": sid, "props": source_props(source, digest)}
        same = current.sources.get(sid) == digest
        plan.classify("sources", s.sources, sid in current.sources, same, row)
    plan.rows["delete-sources"] = sorted(set(current.sources) - set(graph.sources))
    s.sources.removed = len(plan.rows["delete-sources"])

    for eid, entity in graph.entities.items():
        digest = content_hash(entity)
        labels = schema.labels(entity.kind)
        old_hash, old_labels = current.entities.get(eid, (None, frozenset()))
        same = old_hash == digest and old_labels == frozenset(labels)
        if same:  # nothing to write: its properties (search fields, pinyin) are not built
            s.entities.unchanged += 1
            continue
        row = {
            "id": eid,
            "labels": labels,
            "remove": sorted(old_labels - set(labels)),
            "props": entity_props(entity, digest),
        }
        plan.classify("entities", s.entities, eid in current.entities, same, row)
    plan.rows["delete-entities"] = sorted(set(current.entities) - set(graph.entities))
    s.entities.removed = len(plan.rows["delete-entities"])

    _plan_relations(schema, graph, current, plan)
    return plan


def _plan_relations(schema: Schema, graph: Graph, current: Current, plan: Plan) -> None:
    s = plan.summary
    types = {name: r.neo4j_type for name, r in schema.relations.items()}  # derived per call
    for rid, rel in graph.relations.items():
        digest = content_hash(rel)
        rtype = types[rel.type]
        old = current.relations.get(rid)
        moved = old is not None and (old["type"], old["source"], old["target"]) != (
            rtype,
            rel.source,
            rel.target,
        )  # a relationship cannot change type or endpoints: it is replaced
        if old is not None and not moved and old["hash"] == digest:
            s.relations.unchanged += 1  # nothing to write: its properties are not built
            continue
        row = {
            "id": rid,
            "type": rtype,
            "source": rel.source,
            "target": rel.target,
            "props": relation_props(rel, digest),
        }
        if old is not None and moved:
            s.relations.updated += 1
            plan.rows["delete-relations"].append(_rel_key(rid, old))
            plan.rows["create-relations"].append(row)
        else:
            plan.classify("relations", s.relations, old is not None, False, row)
    gone = sorted(set(current.relations) - set(graph.relations))
    plan.rows["delete-relations"] += [_rel_key(rid, current.relations[rid]) for rid in gone]
    s.relations.removed = len(gone)


def apply_plan(
    tx: neo4j.ManagedTransaction,
    plan: Plan,
    batch_size: int,
    progress: ProgressCallback | None,
) -> None:
    """Run the plan as batched UNWIND statements, all inside ``tx``.

    Each batch must touch exactly as many rows as it holds; anything less means the
    plan no longer fits the data (an endpoint vanished) and aborts the load.
    """
    for stage, text, param in STEPS:
        items = plan.rows.get(stage, [])
        for start in range(0, len(items), batch_size):
            batch = items[start : start + batch_size]
            record = tx.run(cast(LiteralString, text), {param: batch}).single(strict=True)
            if record["done"] != len(batch):
                raise BatchMismatch(
                    f"{stage}: expected {len(batch)} rows, Neo4j matched {record['done']}"
                )
            if progress:
                progress(stage, start + len(batch), len(items))


def _rel_key(rid: str, old: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": rid, "type": old["type"], "source": old["source"], "target": old["target"]}


def check_graph(schema: Schema, graph: Graph) -> None:
    """Refuse, before touching the database, graphs the storage model cannot hold."""
    problems: list[str] = []
    for e in graph.entities.values():
        cls = schema.classes.get(e.kind)
        if cls is None or not cls.is_entity:
            problems.append(f"entity {e.id}: unknown kind {e.kind!r}")
        problems += [
            f"entity {e.id}: attribute {a!r} clashes with a stored property"
            for a in e.attributes
            if a in ENTITY_CORE or a.startswith("_")
        ]
    for r in graph.relations.values():
        if r.type not in schema.relations:
            problems.append(f"relation {r.id}: unknown type {r.type!r}")
        problems += [
            f"relation {r.id}: {side} {node!r} is not an entity of the graph"
            for side, node in (("source", r.source), ("target", r.target))
            if node not in graph.entities
        ]
        problems += [
            f"relation {r.id}: qualifier {p!r} clashes with a stored property"
            for p in r.properties
            if p in RELATION_CORE or p.startswith("_")
        ]
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise LoadFailed(f"graph not loaded, the store is unchanged:\n  {shown}{more}")


def load_error(database: str, exc: Exception, what: str) -> Exception:
    """The error a failed load or dry run raises: its own, or the driver's translated."""
    if isinstance(exc, LoadFailed | StoreUnavailable):
        return exc
    if isinstance(exc, neo4j_errors.IncompleteCommit):
        return StoreUnavailable(
            f"Neo4j connection lost while committing the {what}; its outcome is unknown"
        )
    if is_outage(exc):
        return StoreUnavailable(
            f"Neo4j database {database!r} became unavailable; the {what} was not "
            f"committed ({reason(exc)})"
        )
    return LoadFailed(f"{what} rolled back, the store is unchanged: {reason(exc)}")
