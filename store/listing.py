"""Entity lists with filters, order, paging and a total: the question, and its answer on
the embedded store (the Neo4j store answers it in one statement, see
:mod:`store.neo4j_listing`).

A filter is a conjunction: kinds (subclasses included), attribute equalities, and
relation conditions ("has a ``supplies`` relation to one of these", "is ``names``d by one
of these"), each relation valid at ``as_of`` when given. A condition on outgoing relations
may take the targets' narrower entities too (everything below them through ``broader``),
which is how "produces technology T" includes T's sub-technologies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ontology.model import Entity, Relation, Scalar
from store.base import Direction

KIND_OF = "KindOfRole"
"""The ontology role of the relations a narrower kind points up by (``broader``)."""
MAX_NARROWER_DEPTH = 8
ORDER_KEYS_BUILTIN = ("id", "name", "kind")


@dataclass(frozen=True)
class RelationCondition:
    """The entity has a ``type`` relation to (``OUT``) or from (``IN``) one of ``ids``."""

    type: str
    direction: str  # "OUT" or "IN"
    ids: tuple[str, ...]
    narrower: bool = False  # OUT only: the ids' narrower entities count as well


@dataclass(frozen=True)
class EntityQuery:
    kinds: tuple[str, ...] | None = None  # the kinds and their subclasses (expanded)
    attributes: tuple[tuple[str, Scalar], ...] = ()
    relations: tuple[RelationCondition, ...] = ()
    as_of: date | None = None
    order_by: str = "id"  # "id", "name", "kind" or an attribute
    descending: bool = False
    offset: int = 0
    first: int = 50


@dataclass(frozen=True)
class EntityPage:
    ids: list[str]
    total: int
    extra: dict[str, Any] = field(default_factory=dict)


Edges = Callable[[Sequence[str], Sequence[str] | None, Direction, date | None], list[Relation]]


def narrower_closure(
    edges: Edges, ids: Sequence[str], as_of: date | None, kind_of: Sequence[str]
) -> set[str]:
    """``ids`` and everything below them through the ``kind_of`` relation types (a
    narrower entity is their source)."""
    seen = set(ids)
    frontier = sorted(seen)
    for _ in range(MAX_NARROWER_DEPTH):
        below = {r.source for r in edges(frontier, kind_of, Direction.IN, as_of)} - seen
        if not below:
            break
        seen |= below
        frontier = sorted(below)
    return seen


def _matching(
    edges: Edges, cond: RelationCondition, as_of: date | None, kind_of: Sequence[str]
) -> set[str]:
    wide = narrower_closure(edges, cond.ids, as_of, kind_of) if cond.narrower else set(cond.ids)
    ends = sorted(wide)
    if cond.direction == "OUT":  # entity -[type]-> end: the entity is the source
        return {r.source for r in edges(ends, [cond.type], Direction.IN, as_of)}
    return {r.target for r in edges(ends, [cond.type], Direction.OUT, as_of)}


def sort_key(entity: Entity, order_by: str) -> tuple[int, Any]:
    """Missing values sort last in either direction handled by the caller."""
    value: Any = getattr(entity, order_by) if order_by in ORDER_KEYS_BUILTIN else None
    if order_by not in ORDER_KEYS_BUILTIN:
        value = entity.attributes.get(order_by)
    return (value is None, value if value is not None else "")


def evaluate(
    query: EntityQuery, entities: Mapping[str, Entity], edges: Edges, kind_of: Sequence[str]
) -> EntityPage:
    """The embedded store's answer: relation conditions first (each one traversal from
    the few entities it names), then kinds and attributes on what is left. ``kind_of``:
    the relation types of the ontology's kind-of role, followed down for ``narrower``."""
    candidates: set[str] | None = None
    for cond in query.relations:
        found = _matching(edges, cond, query.as_of, kind_of)
        candidates = found if candidates is None else candidates & found
        if not candidates:
            return EntityPage(ids=[], total=0)
    pool = entities.values() if candidates is None else (entities[i] for i in candidates)
    kinds = None if query.kinds is None else frozenset(query.kinds)
    kept = [
        e
        for e in pool
        if (kinds is None or e.kind in kinds)
        and all(e.attributes.get(k) == v for k, v in query.attributes)
    ]
    with_value = [e for e in kept if sort_key(e, query.order_by)[0] is False]
    without = sorted((e for e in kept if sort_key(e, query.order_by)[0]), key=lambda e: e.id)
    with_value.sort(key=lambda e: e.id)
    with_value.sort(key=lambda e: sort_key(e, query.order_by)[1], reverse=query.descending)
    ordered = [*with_value, *without]
    page = ordered[query.offset : query.offset + max(query.first, 0)]
    return EntityPage(ids=[e.id for e in page], total=len(ordered))
