"""The known-time history a whole-graph import carries over from the database it replaces.

A transactional load records its version inside its own transaction
(:func:`store.neo4j_history.record`); an import builds a new database instead, so what
that transaction would have recorded is worked out beforehand by reading the database
being replaced (:func:`plan_history`) and written into the new one: every version and
retired fact it held, copied as they stand; a first version for a graph it held without
versions; the facts this import updates or deletes, retired in the new version as they
stood; and the ``_added_in`` marks of the live facts (unchanged facts keep theirs, new and
changed ones get the new version), which go into the import files
(:class:`store.neo4j_import.AddedIn`). The result reads back through
:meth:`Neo4jStore.versions` and :meth:`Neo4jStore.changes` exactly as if a load had
replaced the graph.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, LiteralString, cast

import neo4j

from ontology.model import Graph
from ontology.schema import Schema
from store import neo4j_history_queries as hq
from store import neo4j_queries as q
from store.history_log import FIRST_VERSION, encode_fact, now_utc
from store.neo4j_import import AddedIn
from store.neo4j_records import content_hash, entity_from, relation_from, source_from

Read = Callable[[str, Mapping[str, Any]], list[neo4j.Record]]

# The database being replaced, read whole: its history nodes and its live facts' keys.
HELD_VERSIONS: Final = "MATCH (v:TechsovVersion) RETURN v {.*} AS props ORDER BY v.number"
HELD_FACTS: Final = "MATCH (f:TechsovFact) RETURN f {.*} AS props"
HELD_ENTITIES: Final = """
MATCH (n:Entity)
RETURN n.id AS id, n.hash AS hash, labels(n) AS labels, n._added_in AS added_in
"""
HELD_RELATIONS: Final = """
MATCH (a:Entity)-[r]->(b:Entity)
RETURN r.id AS id, r.hash AS hash, type(r) AS type, a.id AS source, b.id AS target,
       r._added_in AS added_in
"""
HELD_SOURCES: Final = "MATCH (s:Source) RETURN s.id AS id, s.hash AS hash, s._added_in AS added_in"


@dataclass
class ImportHistory:
    """The history nodes of the new database and the marks of its live facts."""

    number: int
    versions: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    added_in: AddedIn = field(default_factory=AddedIn)

    def write(self, tx: neo4j.ManagedTransaction, batch_size: int) -> None:
        """Create the version and fact nodes, in the caller's transaction."""
        for props in self.versions:
            tx.run(hq.CREATE_VERSION, props=props).consume()
        for start in range(0, len(self.facts), batch_size):
            tx.run(hq.CREATE_FACTS, rows=self.facts[start : start + batch_size]).consume()


def _since(value: Any) -> int:
    return int(value or FIRST_VERSION)


@dataclass
class _Marks:
    """The classification of the new graph's facts against the held ones."""

    number: int
    added: dict[str, dict[str, int]] = field(
        default_factory=lambda: {"entities": {}, "relations": {}, "sources": {}}
    )
    retire: dict[str, list[Any]] = field(
        default_factory=lambda: {"entity": [], "relation": [], "source": []}
    )

    def mark(self, kind: str, fid: str, held: Mapping[str, Any] | None, same: bool) -> None:
        if held is not None and same:
            if held["added_in"] is not None:
                self.added[kind][fid] = int(held["added_in"])
            return
        if self.number != FIRST_VERSION:
            self.added[kind][fid] = self.number


def plan_history(read: Read, schema: Schema, graph: Graph, digest: str | None) -> ImportHistory:
    """What a load of ``graph`` into the database ``read`` reads would record."""
    versions = [dict(r["props"]) for r in read(HELD_VERSIONS, {})]
    entities = {r["id"]: r for r in read(HELD_ENTITIES, {})}
    relations = {r["id"]: r for r in read(HELD_RELATIONS, {})}
    sources = {r["id"]: r for r in read(HELD_SOURCES, {})}
    latest = max((int(v["number"]) for v in versions), default=None)
    if latest is None and (entities or relations or sources):
        held_digest = read(q.GRAPH_STATE, {})[0]["digest"]
        versions.append(_version(FIRST_VERSION, entities, relations, sources, held_digest))
        latest = FIRST_VERSION
    marks = _Marks(number=(latest or 0) + 1)
    for eid, entity in graph.entities.items():
        held = entities.get(eid)
        same = (
            held is not None
            and held["hash"] == content_hash(entity)
            and set(held["labels"]) == set(schema.labels(entity.kind))
        )
        marks.mark("entities", eid, held, same)
        if held is not None and not same:
            marks.retire["entity"].append(eid)
    for sid, source in graph.sources.items():
        held = sources.get(sid)
        same = held is not None and held["hash"] == content_hash(source)
        marks.mark("sources", sid, held, same)
        if held is not None and not same:
            marks.retire["source"].append(sid)
    for rid, rel in graph.relations.items():
        held = relations.get(rid)
        key = (schema.relations[rel.type].neo4j_type, rel.source, rel.target)
        same = held is not None and held["hash"] == content_hash(rel)
        same = same and held is not None and (held["type"], held["source"], held["target"]) == key
        marks.mark("relations", rid, held, same)
        if held is not None and not same:
            marks.retire["relation"].append(relations[rid])
    marks.retire["entity"] += [e for e in entities if e not in graph.entities]
    marks.retire["source"] += [s for s in sources if s not in graph.sources]
    marks.retire["relation"] += [r for i, r in relations.items() if i not in graph.relations]
    history = ImportHistory(number=marks.number, versions=versions)
    history.facts = [dict(r["props"]) for r in read(HELD_FACTS, {})]
    history.facts += _retired(read, schema, marks)
    history.versions.append(
        _version(marks.number, graph.entities, graph.relations, graph.sources, digest)
    )
    history.added_in = AddedIn(**marks.added)
    return history


def _version(
    number: int,
    entities: Mapping[str, Any],
    relations: Mapping[str, Any],
    sources: Mapping[str, Any],
    digest: str | None,
) -> dict[str, Any]:
    # "" for no digest, as a load records it (see store.neo4j_history).
    return {
        "number": number,
        "loaded_at": now_utc(),
        "digest": digest or "",
        "entities": len(entities),
        "relations": len(relations),
        "sources": len(sources),
    }


def _retired(read: Read, schema: Schema, marks: _Marks, batch: int = 5000) -> list[dict[str, Any]]:
    """The facts this import replaces or removes, as they stand, retired in its version."""
    type_names = {r.neo4j_type: r.name for r in schema.relations.values()}
    out: list[dict[str, Any]] = []

    def add(kind: str, stored: Mapping[str, Any], fact: Any) -> None:
        out.append(
            {
                "fact_kind": kind,
                "fact_id": stored["id"],
                "payload": encode_fact(fact),
                "added_in": _since(stored.get("_added_in")),
                "retired_in": marks.number,
            }
        )

    lookups: tuple[tuple[str, str, str, str, Callable[[Mapping[str, Any]], Any]], ...] = (
        ("entity", q.ENTITIES_BY_ID, "ids", "node", entity_from),
        ("source", q.SOURCES_BY_ID, "ids", "source", source_from),
        ("relation", hq.RELATIONS_BY_KEY, "rows", "rel", lambda m: relation_from(m, type_names)),
    )
    for kind, text, param, column, decode in lookups:
        keys = marks.retire[kind]
        if kind == "relation":
            keys = [{k: r[k] for k in ("id", "type", "source", "target")} for r in keys]
        for start in range(0, len(keys), batch):
            for record in read(cast(LiteralString, text), {param: keys[start : start + batch]}):
                try:  # a node no load wrote (an id and nothing else) was never a fact
                    add(kind, record[column], decode(record[column]))
                except (KeyError, TypeError, ValueError):
                    continue
    return out
