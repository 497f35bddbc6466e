"""The Neo4j store's known-time history: recorded inside the load's own transaction.

:func:`record` runs in the load's write transaction, after the plan is made and before it
is applied: it numbers the version, keeps every fact the plan updates or deletes as a
:data:`~store.neo4j_history_queries.FACT_LABEL` node (read back as it stands, with the
version it was added in), and marks every fact the plan creates or updates with
``_added_in``. The transaction commits or rolls back graph and history together.

A database that holds a graph but no versions (loaded before history was kept, or made
by ``neo4j-admin import``) gets a first version for what it holds, so the facts it
already had are known from version 1 on (see :data:`store.history_log.FIRST_VERSION`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, LiteralString, cast

import neo4j

from ontology.model import Graph
from store import neo4j_history_queries as hq
from store import neo4j_queries as q
from store.history import FactChange, FactKind, GraphVersion
from store.history_log import (
    FIRST_VERSION,
    LiveFact,
    RetiredFact,
    assemble,
    check_version,
    decode_fact,
    encode_fact,
    feed,
    now_utc,
)
from store.neo4j_records import entity_from, source_from

Read = Callable[[str, Mapping[str, Any]], list[neo4j.Record]]
RelationFrom = Callable[[Mapping[str, Any]], Any]


def _run(tx: neo4j.ManagedTransaction, text: str, **params: Any) -> list[neo4j.Record]:
    return list(tx.run(cast(LiteralString, text), params))


def record(
    tx: neo4j.ManagedTransaction,
    rows: Mapping[str, list[Any]],
    counts: Mapping[str, int],
    held: Mapping[str, int],
    digest: str | None,
    batch_size: int,
    relation: RelationFrom,
) -> int:
    """Record the version the planned ``rows`` make (see the module docstring).

    ``counts``: the new graph's sizes; ``held``: the sizes of what the database holds
    now. Mutates the create/update rows' properties to carry ``_added_in``.
    """
    latest = _run(tx, hq.LATEST_VERSION)[0]["latest"]
    if latest is None and any(held.values()):
        stored = tx.run(q.GRAPH_STATE).single(strict=True)["digest"]
        _version(tx, FIRST_VERSION, held, stored)
        latest = FIRST_VERSION
    number = (latest or 0) + 1
    retired = _retiring(tx, rows, relation, batch_size)
    facts = [
        {"fact_kind": kind, "fact_id": fid, "payload": encode_fact(fact), "added_in": since,
         "retired_in": number}
        for kind, fid, fact, since in retired
    ]  # fmt: skip
    for start in range(0, len(facts), batch_size):
        _run(tx, hq.CREATE_FACTS, rows=facts[start : start + batch_size])
    if number != FIRST_VERSION:
        for step in ("create-entities", "update-entities", "create-relations",
                     "update-relations", "create-sources", "update-sources"):  # fmt: skip
            for row in rows.get(step, ()):
                row["props"]["_added_in"] = number
    _version(tx, number, counts, digest)
    return number


def _version(
    tx: neo4j.ManagedTransaction, number: int, counts: Mapping[str, int], digest: str | None
) -> None:
    # "" for no digest: a property absent from every node draws a warning on each read.
    props = {"number": number, "loaded_at": now_utc(), "digest": digest or "", **counts}
    _run(tx, hq.CREATE_VERSION, props=props)


def _retiring(
    tx: neo4j.ManagedTransaction,
    rows: Mapping[str, list[Any]],
    relation: RelationFrom,
    batch_size: int,
) -> list[tuple[FactKind, str, Any, int]]:
    """The facts the plan updates or deletes, as they stand, with their ``_added_in``.

    Nodes and relationships under the store's labels that no load wrote (a hand-made
    node holding only an id, say) cannot be read back as facts: they are deleted like the
    rest but were never part of a version, so they leave no record.
    """
    out: list[tuple[FactKind, str, Any, int]] = []
    entity_ids = [r["id"] for r in rows.get("update-entities", ())]
    entity_ids += rows.get("delete-entities", [])
    source_ids = [r["id"] for r in rows.get("update-sources", ())]
    source_ids += rows.get("delete-sources", [])
    rel_keys = [
        {k: r[k] for k in ("id", "type", "source", "target")}
        for r in (*rows.get("update-relations", ()), *rows.get("delete-relations", ()))
    ]
    for start in range(0, max(len(entity_ids), len(source_ids), len(rel_keys)), batch_size):
        end = start + batch_size
        for m in _run(tx, q.ENTITIES_BY_ID, ids=entity_ids[start:end]):
            out += _fact("entity", m["node"], entity_from)
        for m in _run(tx, q.SOURCES_BY_ID, ids=source_ids[start:end]):
            out += _fact("source", m["source"], source_from)
        for m in _run(tx, hq.RELATIONS_BY_KEY, rows=rel_keys[start:end]):
            out += _fact("relation", m["rel"], relation)
    return out


def _fact(
    kind: FactKind, stored: Mapping[str, Any], read: Callable[[Mapping[str, Any]], Any]
) -> list[tuple[FactKind, str, Any, int]]:
    """``stored`` as a retired fact, or nothing when no load could have written it."""
    try:
        fact = read(stored)
    except (KeyError, TypeError, ValueError):
        return []
    return [(kind, stored["id"], fact, _since(stored))]


def _since(stored: Mapping[str, Any]) -> int:
    return int(stored.get("_added_in") or FIRST_VERSION)


def versions(read: Read) -> list[GraphVersion]:
    return [
        GraphVersion(
            number=int(r["number"]),
            loaded_at=_utc(r["loaded_at"]),
            digest=r["digest"] or None,
            entities=int(r["entities"]),
            relations=int(r["relations"]),
            sources=int(r["sources"]),
        )
        for r in read(hq.VERSIONS, {})
    ]


def _utc(value: Any) -> datetime:
    moment = value.to_native() if hasattr(value, "to_native") else value
    return cast(datetime, moment).astimezone(UTC)


def _live(record: neo4j.Record, relation: RelationFrom) -> list[LiveFact]:
    return [
        *(LiveFact("entity", entity_from(m), _since(m)) for m in record["entities"]),
        *(LiveFact("relation", relation(m), _since(m)) for m in record["relations"]),
        *(LiveFact("source", source_from(m), _since(m)) for m in record["sources"]),
    ]


def _retired(maps: Iterable[Mapping[str, Any]]) -> list[RetiredFact]:
    return [
        RetiredFact(
            kind=m["fact_kind"],
            id=m["fact_id"],
            fact=decode_fact(m["fact_kind"], m["payload"]),
            added_in=int(m["added_in"]),
            retired_in=int(m["retired_in"]),
        )
        for m in maps
    ]


def graph_at(read: Read, types: list[str], version: int, relation: RelationFrom) -> Graph:
    check_version(versions(read), version)
    found = read(hq.GRAPH_AT, {"version": version, "types": types})[0]
    return assemble(_live(found, relation), _retired(found["retired"]), version)


def changes(
    read: Read, types: list[str], since: int, until: int | None, relation: RelationFrom
) -> list[FactChange]:
    known = versions(read)
    end = (known[-1].number if known else 0) if until is None else until
    if end <= since:
        return []
    found = read(hq.CHANGES, {"since": since, "until": end, "types": types})[0]
    live = _live(found, relation)
    retired = _retired(found["retired"])
    added = [(f.added_in, f.kind, f.fact) for f in live]
    added += [(r.added_in, r.kind, r.fact) for r in retired if since < r.added_in <= end]
    return feed(added, [r for r in retired if since < r.retired_in <= end])
