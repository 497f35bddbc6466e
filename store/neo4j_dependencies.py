"""A firm's upstream dependencies on Neo4j in two statements instead of one per step.

Why: evaluated over :meth:`GraphStore.edges`, :func:`store.analysis.dependencies` made a
round trip per supplier tier, then one each for production, use, the targets' kinds and
headquarters, every one shipping whole relations, provenance included. Here:

1. :data:`DEPENDENCY_EDGES` reads, in one statement, every relation the analysis will ask
   for, as light records (id, type, ends and their kinds, confidence): the supply
   relations into each supplier tier (the tiers are breadth-first layers, which do not
   depend on the tie-break), the production relations out of every organization reached,
   the use relations out of what they produce, and their headquarters;
2. the analysis' own code runs over those records (:class:`PrefetchedReader` answers its
   ``edges`` and ``entities`` calls from memory), so the answer, its order and its
   tie-breaks are the analysis' by construction;
3. the relations on the answer's paths are read in full, provenance included, in one
   more statement (:data:`store.neo4j_exposure.HYDRATE`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any, Final, cast

from ontology.errors import StoreUnavailable
from ontology.model import Entity, Relation
from ontology.schema import Schema
from store import analysis
from store.base import Direction, GraphStore
from store.neo4j_engine import light_relation
from store.neo4j_exposure import HYDRATE, hydrate_params

Read = Callable[[str, Mapping[str, Any]], list[Any]]
Types = Callable[[Sequence[str] | None], list[str]]


def _valid(r: str) -> str:
    return f"""(({r}.valid_from IS NULL OR {r}.valid_from <= $day)
               AND ({r}.valid_to IS NULL OR $day <= {r}.valid_to))"""


def _light(r: str) -> str:
    return (
        f"{r} {{.id, .confidence, .item, .share, _type: type({r}), "
        f"_source: startNode({r}).id, _target: endNode({r}).id, "
        f"_source_kind: startNode({r}).kind, _target_kind: endNode({r}).kind}}"
    )


# The supplier tiers as breadth-first layers: each level reads the supply relations into
# the last layer and takes their sources not seen before as the next layer.
_TIERS: Final = f"""reduce(s = {{seen: [f], front: [f], rels: []}},
        level IN range(1, $max_depth) |
        CASE WHEN size(s.front) = 0 THEN s ELSE
        [step IN [[
            COLLECT {{
                UNWIND s.front AS n
                MATCH (n)<-[r:$any($supply)]-(:Entity)
                WHERE {_valid("r")}
                RETURN DISTINCT {_light("r")} AS rel
            }},
            COLLECT {{
                UNWIND s.front AS n
                MATCH (n)<-[r:$any($supply)]-(m:Entity)
                WHERE {_valid("r")} AND NOT m IN s.seen
                RETURN DISTINCT m
            }}
        ]] | {{seen: s.seen + step[1], front: step[1], rels: s.rels + step[0]}}][0]
        END)"""

DEPENDENCY_EDGES: Final = f"""
MATCH (f:Entity {{id: $firm}})
WITH f, {_TIERS} AS s
RETURN f.kind AS kind, s.rels AS supply,
    COLLECT {{
        UNWIND s.seen AS o
        MATCH (o)-[r:$any($production)]->(:Entity)
        WHERE {_valid("r")}
        RETURN DISTINCT {_light("r")} AS rel
    }} AS made,
    COLLECT {{
        UNWIND s.seen AS o
        MATCH (o)-[p:$any($production)]->(t:Entity)
        WHERE {_valid("p")}
        WITH DISTINCT t
        MATCH (t)-[r:$any($use)]->(:Entity)
        WHERE {_valid("r")}
        RETURN DISTINCT {_light("r")} AS rel
    }} AS used,
    COLLECT {{
        UNWIND s.seen AS o
        MATCH (o)-[r:$any($headquarters)]->(:Entity)
        WHERE {_valid("r")}
        RETURN DISTINCT {_light("r")} AS rel
    }} AS hq
"""


class PrefetchedReader:
    """The primitives :func:`store.analysis.dependencies` reads, answered from the light
    records of :data:`DEPENDENCY_EDGES`: every ``edges`` call it makes asks for relations
    of types and ends the statement read completely, so filtering them gives exactly the
    store's answer."""

    engine = "neo4j"

    def __init__(
        self, record: Mapping[str, Any] | None, firm: str, names: Mapping[str, str]
    ) -> None:
        self._kinds: dict[str, str] = {}
        self._rels: dict[str, Relation] = {}
        if record is None:  # no entity with that id
            return
        self._kinds[firm] = record["kind"]
        for key in ("supply", "made", "used", "hq"):
            for m in record[key]:
                self._kinds[m["_source"]] = m["_source_kind"]
                self._kinds[m["_target"]] = m["_target_kind"]
                self._rels.setdefault(m["id"], light_relation(m, names))

    def edges(
        self,
        node_ids: Sequence[str],
        types: Sequence[str] | None,
        direction: Direction,
        as_of: date | None,
    ) -> list[Relation]:
        ids, wanted = set(node_ids), None if types is None else set(types)
        out = direction in (Direction.OUT, Direction.BOTH)
        into = direction in (Direction.IN, Direction.BOTH)
        return [
            r
            for r in self._rels.values()
            if (wanted is None or r.type in wanted)
            and ((out and r.source in ids) or (into and r.target in ids))
        ]

    def entities(self, ids: Sequence[str]) -> dict[str, Entity]:
        return {
            i: Entity.model_construct(id=i, kind=self._kinds[i], name=i)
            for i in ids
            if i in self._kinds
        }


def dependencies(
    read: Read,
    schema: Schema,
    types: Types,
    relation: Callable[[Mapping[str, Any]], Relation],
    firm: str,
    *,
    max_depth: int,
    day: date,
) -> list[analysis.Dependency]:
    """:func:`store.analysis.dependencies` in two reads (see the module docstring)."""
    params = {
        "firm": firm,
        "max_depth": max_depth,
        "day": day,
        **{
            key: types(schema.with_role(role))
            for key, role in (
                ("supply", analysis.SUPPLY),
                ("production", analysis.PRODUCTION),
                ("use", analysis.USE),
                ("headquarters", analysis.HEADQUARTERS),
            )
        },
    }
    records = read(DEPENDENCY_EDGES, params)
    names = {schema.relations[n].neo4j_type: n for n in schema.relations}
    reader = PrefetchedReader(records[0] if records else None, firm, names)
    found = analysis.dependencies(
        cast(GraphStore, reader), schema, firm, max_depth=max_depth, as_of=day
    )
    return _hydrate(read, relation, found)


def _hydrate(
    read: Read, relation: Callable[[Mapping[str, Any]], Relation], found: list[Any]
) -> list[Any]:
    """The answer with its paths' relations read in full, in one statement."""
    light = {r.id: {"id": r.id, "source": r.source, "target": r.target}
             for d in found for r in d.path}  # fmt: skip
    if not light:
        return found
    records = read(HYDRATE, hydrate_params(light.values()))
    full = {r.id: r for r in (relation(rec["rel"]) for rec in records)}
    missing = sorted(set(light) - set(full))
    if missing:
        raise StoreUnavailable(
            f"the graph changed while the answer was read (relation {missing[0]} is gone);"
            " ask again"
        )
    return [
        analysis.Dependency(d.entity, d.category, d.depth, tuple(full[r.id] for r in d.path))
        for d in found
    ]
