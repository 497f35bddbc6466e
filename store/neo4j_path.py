"""The shortest path between two entities on Neo4j, without listing every shortest path.

Why: the tie-break of :func:`store.analysis.shortest_path` (the smallest sequence of
relation ids read from the start) was applied to Neo4j's ``ALL SHORTEST`` paths, and
between two firms of a large graph the shortest paths through hubs (a country, a broad
technology) number in the tens of thousands: a pair took seconds. The answer needs far
less:

1. :data:`LAYERS` reads, in one statement, the relations around the start up to
   ``ceil(n/2)`` steps and around the end up to ``floor(n/2)`` steps (``n`` the longest
   path asked for), as light records (id, type, ends);
2. :func:`lexicographic_shortest` (pure) finds the length ``L`` where the two searches
   meet, the nodes at each position of some shortest path, and walks from the start
   taking at each step the smallest relation id that stays on a shortest path — the
   smallest sequence of ids among all shortest paths, i.e. exactly the analysis' answer;
3. the ``L`` relations are read in full (:data:`store.neo4j_exposure.HYDRATE`).

Each relation type is followed ``forward``, ``backward`` or ``both`` ways (``ways``), as
in the analysis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from ontology.errors import NotFound, StoreUnavailable
from ontology.model import Relation
from store.neo4j_exposure import HYDRATE

_VALID: Final = """($day IS NULL OR ((r.valid_from IS NULL OR r.valid_from <= $day)
                             AND (r.valid_to IS NULL OR $day <= r.valid_to)))"""


def _around(node: str, levels: str) -> str:
    """The relations within ``levels`` steps of ``node`` (any direction: the pure part
    applies the ways), level by level; a node is expanded once."""
    return f"""reduce(s = {{seen: [{node}], front: [{node}], rels: []}},
        level IN range(1, {levels}) |
        CASE WHEN size(s.front) = 0 THEN s ELSE
        [step IN [[
            COLLECT {{
                UNWIND s.front AS n
                MATCH (n)-[r:$any($types)]-(:Entity)
                WHERE {_VALID}
                RETURN DISTINCT r {{.id, _type: type(r), _source: startNode(r).id,
                                   _target: endNode(r).id}} AS rel
            }},
            COLLECT {{
                UNWIND s.front AS n
                MATCH (n)-[r:$any($types)]-(m:Entity)
                WHERE {_VALID} AND NOT m IN s.seen
                RETURN DISTINCT m
            }}
        ]] | {{seen: s.seen + step[1], front: step[1], rels: s.rels + step[0]}}][0]
        END).rels"""


LAYERS: Final = f"""
OPTIONAL MATCH (a:Entity {{id: $start}})
OPTIONAL MATCH (b:Entity {{id: $end}})
RETURN a IS NOT NULL AS has_start, b IS NOT NULL AS has_end,
    CASE WHEN a IS NULL OR b IS NULL THEN [] ELSE {_around("a", "$forward_levels")} END
        AS forward,
    CASE WHEN a IS NULL OR b IS NULL THEN [] ELSE {_around("b", "$backward_levels")} END
        AS backward
"""


def layer_params(
    start: str, end: str, *, max_length: int, types: list[str], day: Any
) -> dict[str, Any]:
    """Parameters of :data:`LAYERS`."""
    return {
        "start": start,
        "end": end,
        "types": types,
        "day": day,
        "forward_levels": (max_length + 1) // 2,
        "backward_levels": max_length // 2,
    }


@dataclass(frozen=True)
class _Rel:
    id: str
    type: str
    source: str
    target: str


def _may_leave(rel: _Rel, node: str, ways: Mapping[str, str]) -> bool:
    way = ways.get(rel.type)
    if way is None:
        return False
    if way == "both":
        return True
    return node == (rel.source if way == "forward" else rel.target)


def _other(rel: _Rel, node: str) -> str:
    return rel.target if rel.source == node else rel.source


def _distances(
    root: str, adjacent: Mapping[str, list[_Rel]], levels: int, step: Any
) -> dict[str, int]:
    dist = {root: 0}
    front = [root]
    for level in range(1, levels + 1):
        nxt = []
        for n in front:
            for r in adjacent.get(n, ()):
                m = _other(r, n)
                if m not in dist and step(r, n, m):
                    dist[m] = level
                    nxt.append(m)
        front = nxt
    return dist


def _adjacency(rels: Iterable[Mapping[str, str]]) -> dict[str, list[_Rel]]:
    """Each node's relations (either end), each relation once however often it is listed."""
    adjacent: dict[str, list[_Rel]] = {}
    seen: set[str] = set()
    for m in rels:
        if m["id"] in seen:
            continue
        seen.add(m["id"])
        r = _Rel(m["id"], m["_type"], m["_source"], m["_target"])
        for n in {r.source, r.target}:
            adjacent.setdefault(n, []).append(r)
    return adjacent


def lexicographic_shortest(
    start: str,
    end: str,
    rels: Iterable[Mapping[str, str]],
    *,
    max_length: int,
    ways: Mapping[str, str],
) -> list[str] | None:
    """The ids of the shortest path from ``start`` to ``end`` whose sequence of relation
    ids is smallest, over ``rels`` (the union of :data:`LAYERS`' two lists, whose ``_type``
    keys ``ways``); ``None`` when none is at most ``max_length`` long."""
    adjacent = _adjacency(rels)
    forward, backward = (max_length + 1) // 2, max_length // 2
    dist_a = _distances(start, adjacent, forward, lambda r, n, m: _may_leave(r, n, ways))
    dist_b = _distances(end, adjacent, backward, lambda r, n, m: _may_leave(r, m, ways))
    meet = [dist_a[n] + dist_b[n] for n in dist_a.keys() & dist_b.keys()]
    if not meet or min(meet) > max_length:
        return None
    length = min(meet)
    on: dict[int, set[str]] = {k: set() for k in range(length + 1)}
    for n in dist_a.keys() & dist_b.keys():
        if dist_a[n] + dist_b[n] == length:
            on[dist_a[n]].add(n)
    for k in range(length - backward - 1, -1, -1):  # before the searches meet
        on[k] |= {
            n
            for n, d in dist_a.items()
            if d == k
            and any(
                _may_leave(r, n, ways) and _other(r, n) in on[k + 1] for r in adjacent.get(n, ())
            )
        }
    for k in range(forward + 1, length + 1):  # after
        on[k] |= {
            n
            for n, d in dist_b.items()
            if d == length - k
            and any(
                _may_leave(r, _other(r, n), ways) and _other(r, n) in on[k - 1]
                for r in adjacent.get(n, ())
            )
        }
    path: list[str] = []
    node = start
    for k in range(1, length + 1):
        best = min(
            (
                r
                for r in adjacent.get(node, ())
                if _may_leave(r, node, ways) and _other(r, node) in on[k]
            ),
            key=lambda r: r.id,
        )
        path.append(best.id)
        node = _other(best, node)
    return path


def shortest_path(
    read: Callable[[str, Mapping[str, Any]], list[Any]],
    relation: Callable[[Mapping[str, Any]], Relation],
    start: str,
    end: str,
    *,
    max_length: int,
    ways: Mapping[str, str],
    day: date | None,
) -> list[Relation] | None:
    """The path, in two reads (see the module docstring); ``ways`` keyed by Neo4j type."""
    params = layer_params(start, end, max_length=max_length, types=sorted(ways), day=day)
    record = read(LAYERS, params)[0]
    for node, present in ((start, record["has_start"]), (end, record["has_end"])):
        if not present:
            raise NotFound(f"no entity with id {node!r}")
    rels = {m["id"]: m for m in (*record["forward"], *record["backward"])}
    ids = lexicographic_shortest(start, end, rels.values(), max_length=max_length, ways=ways)
    if ids is None:
        return None
    ends = [{"id": i, "source": rels[i]["_source"], "target": rels[i]["_target"]} for i in ids]
    full = {r.id: r for r in (relation(x["rel"]) for x in read(HYDRATE, {"rels": ends}))}
    if set(ids) - set(full):
        raise StoreUnavailable("the graph changed while the path was read; ask again")
    return [full[i] for i in ids]
