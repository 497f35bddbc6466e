"""The shortest path between two entities on Neo4j, without listing every shortest path
and without shipping the neighbourhoods of hubs.

Why: the tie-break of :func:`store.analysis.shortest_path` (the smallest sequence of
relation ids read from the start) applied to Neo4j's ``ALL SHORTEST`` paths lists every
shortest path, and between two firms of a large graph those through hubs (a country, a
broad technology) number in the tens of thousands. Reading every relation within two steps
of both ends instead shipped the hubs' whole neighbourhoods. Here a two-sided breadth-first
search (:func:`search`, pure) asks the store for two kinds of read:

- :data:`AROUND`: the relations of some nodes (the two ends first), as light records;
- :data:`MEET`: only the relations that join the two searches' last layers — directly
  (a path one step longer than the layers) or through a middle node (two steps longer).
  Neo4j scans the hubs' relations itself and returns the few that connect.

For a question of length 4 or less that is two reads, whatever the hubs; longer questions
expand the smaller side fully between meetings. From the layers, the nodes at each
position of some shortest path are known, and the walk from the start takes at each step
the smallest relation id that stays on a shortest path — the smallest sequence of ids
among all shortest paths, i.e. exactly the analysis' answer. The path's relations are then
read in full (:data:`store.neo4j_exposure.HYDRATE`).

Each relation type is followed ``forward``, ``backward`` or ``both`` ways (``ways``), as
in the analysis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Protocol

from ontology.errors import NotFound, StoreUnavailable
from ontology.model import Relation
from ontology.schema import Schema
from store.neo4j_exposure import HYDRATE

Read = Callable[[str, Mapping[str, Any]], list[Any]]

_VALID: Final = """($day IS NULL OR ((r.valid_from IS NULL OR r.valid_from <= $day)
                             AND (r.valid_to IS NULL OR $day <= r.valid_to)))"""
_LIGHT: Final = "{.id, _type: type(r), _source: startNode(r).id, _target: endNode(r).id}"


def _leaves(r: str, n: str) -> str:
    """``r`` may be followed away from ``n`` (the ways, as three lists of types)."""
    return f"""(type({r}) IN $both OR (type({r}) IN $forward AND startNode({r}) = {n})
                OR (type({r}) IN $backward AND endNode({r}) = {n}))"""


def _valid(r: str) -> str:
    return _VALID.replace("r.", f"{r}.")


AROUND: Final = f"""
UNWIND $ids AS nid
MATCH (n:Entity {{id: nid}})
RETURN nid AS id, COLLECT {{
    MATCH (n)-[r:$any($types)]-(:Entity)
    WHERE {_VALID}
    RETURN r {_LIGHT} AS rel
}} AS rels
"""

MEET: Final = f"""
CALL () {{
    MATCH (x:Entity) WHERE x.id IN $front_a
    MATCH (y:Entity) WHERE y.id IN $front_b
    CALL (x, y) {{
        MATCH (x)-[r:$any($types)]-(y)
        WHERE {_VALID} AND {_leaves("r", "x")}
        RETURN r
    }}
    RETURN collect(DISTINCT r {_LIGHT}) AS edges
}}
CALL () {{
    MATCH (x:Entity) WHERE $middle AND x.id IN $front_a
    MATCH (y:Entity) WHERE y.id IN $front_b
    WITH x, y, COUNT {{ (x)--() }} <= COUNT {{ (y)--() }} AS from_x
    CALL (x, y, from_x) {{
        WITH x, y WHERE from_x
        MATCH (x)-[r1:$any($types)]-(m:Entity)
        WHERE {_valid("r1")} AND {_leaves("r1", "x")}
        CALL (m, y, r1) {{
            MATCH (m)-[r2:$any($types)]-(y)
            WHERE r2 <> r1 AND {_valid("r2")} AND {_leaves("r2", "m")}
            RETURN r2
        }}
        RETURN r1, r2
      UNION
        WITH x, y WHERE NOT from_x
        MATCH (y)-[r2:$any($types)]-(m:Entity)
        WHERE {_valid("r2")} AND {_leaves("r2", "m")}
        CALL (m, x, r2) {{
            MATCH (x)-[r1:$any($types)]-(m)
            WHERE r1 <> r2 AND {_valid("r1")} AND {_leaves("r1", "x")}
            RETURN r1
        }}
        RETURN r1, r2
    }}
    WITH DISTINCT r1, r2
    RETURN collect(DISTINCT r1 {{.id, _type: type(r1), _source: startNode(r1).id,
                                _target: endNode(r1).id}}) AS firsts,
           collect(DISTINCT r2 {{.id, _type: type(r2), _source: startNode(r2).id,
                                _target: endNode(r2).id}}) AS seconds
}}
RETURN edges, firsts, seconds
"""
"""Each pair of front nodes is joined by expanding the one with fewer relations and
checking the other end with an expand into (which reads the smaller side): a country or
a broad technology in one front is never expanded when its partner is small. Joining
the two fronts' expansions on the middle node instead expanded every hub in them (on L,
a country's 40,705 relations, twice: 73-474 ms per question)."""


@dataclass(frozen=True)
class Step:
    id: str
    type: str
    source: str
    target: str


def _rel(m: Mapping[str, str]) -> Step:
    return Step(m["id"], m["_type"], m["_source"], m["_target"])


def _other(rel: Step, node: str) -> str:
    return rel.target if rel.source == node else rel.source


Records = Sequence[Mapping[str, str]]


class Fetch(Protocol):
    """The two reads :func:`search` makes (light records: ``id, _type, _source, _target``)."""

    def around(self, ids: Sequence[str]) -> Mapping[str, Records]:
        """Each existing node's relations (of the searched types, valid on the day)."""

    def meet(
        self, front_a: Sequence[str], front_b: Sequence[str], middle: bool
    ) -> tuple[Records, Records, Records]:
        """``(edges, firsts, seconds)``: the relations leaving ``front_a`` into
        ``front_b``; with ``middle``, those of every two-step chain ``front_a -> m ->
        front_b`` (first steps, second steps)."""


@dataclass
class _Side:
    """One side's breadth-first layers: ``dist`` of every node reached, the last layer."""

    dist: dict[str, int]
    front: list[str]
    level: int = 0


class _Search:
    def __init__(self, ways: Mapping[str, str]) -> None:
        self.ways = ways
        self.adjacent: dict[str, dict[str, Step]] = {}

    def add(self, rels: Iterable[Mapping[str, str]]) -> None:
        for m in rels:
            r = _rel(m)
            for n in (r.source, r.target):
                self.adjacent.setdefault(n, {})[r.id] = r

    def leaves(self, r: Step, node: str) -> bool:
        way = self.ways.get(r.type)
        if way is None:
            return False
        return way == "both" or node == (r.source if way == "forward" else r.target)

    def step(self, r: Step, node: str, backwards: bool) -> str | None:
        """The node ``r`` leads to from ``node`` (read towards the end when ``backwards``
        is false, from the end when true), or ``None`` when its way forbids it."""
        other = _other(r, node)
        return other if self.leaves(r, other if backwards else node) else None

    def expand(self, side: _Side, backwards: bool) -> None:
        """Grow ``side`` by one layer over the (now complete) relations of its front."""
        nxt: list[str] = []
        for n in side.front:
            for r in self.adjacent.get(n, {}).values():
                m = self.step(r, n, backwards)
                if m is not None and m not in side.dist:
                    side.dist[m] = side.level + 1
                    nxt.append(m)
        side.level += 1
        side.front = sorted(set(nxt))


def search(
    start: str, end: str, *, max_length: int, ways: Mapping[str, str], fetch: Fetch
) -> list[Step] | None:
    """The relations of the shortest path from ``start`` to ``end`` (``start != end``)
    whose sequence of ids is smallest; ``None`` when none is at most ``max_length`` long.
    Unknown ends raise :class:`NotFound`."""
    s = _Search(ways)
    found = fetch.around([start, end])
    for node in (start, end):
        if node not in found:
            raise NotFound(f"no entity with id {node!r}")
    s.add(r for rels in found.values() for r in rels)
    a, b = _Side({start: 0}, [start]), _Side({end: 0}, [end])
    s.expand(a, False)
    s.expand(b, True)
    if end in a.dist:  # one step
        return _walk(s, start, 1, {0: {start}, 1: {end}})
    if max_length >= 2 and a.dist.keys() & b.dist.keys():
        return _walk(s, start, 2, _layers(s, a, b, 2, a.dist.keys() & b.dist.keys()))
    tested = 2  # no path is this short or shorter
    while tested < max_length and a.front and b.front:
        length = a.level + b.level + 1
        middle = length + 1 <= max_length
        edges, firsts, seconds = fetch.meet(a.front, b.front, middle)
        if edges and length > tested:
            s.add(edges)
            on = {n for r in map(_rel, edges) for n in (r.source, r.target) if n in b.dist}
            return _walk(s, start, length, _layers(s, a, b, length, on))
        if middle and firsts:
            s.add((*firsts, *seconds))
            on = {n for r in map(_rel, firsts) for n in (r.source, r.target)}
            on -= a.dist.keys()
            return _walk(s, start, length + 1, _layers(s, a, b, length + 1, on, middle=True))
        tested = length + 1
        if tested >= max_length:
            break
        side, backwards = (a, False) if len(a.front) <= len(b.front) else (b, True)
        grown = fetch.around(side.front)
        s.add(r for rels in grown.values() for r in rels)
        s.expand(side, backwards)
    return None


def _layers(
    s: _Search, a: _Side, b: _Side, length: int, on_b: set[str], *, middle: bool = False
) -> dict[int, set[str]]:
    """The nodes at each position of some shortest path of ``length``, given the nodes
    where the searches meet: ``on_b`` at position ``length - b.level`` (or, with
    ``middle``, the middle nodes one position before it)."""
    k0 = length - b.level - (1 if middle else 0)
    on: dict[int, set[str]] = {k: set() for k in range(length + 1)}
    on[k0] = set(on_b)
    for k in range(k0 - 1, -1, -1):  # towards the start
        on[k] = {
            n
            for n, d in a.dist.items()
            if d == k
            and any(s.step(r, n, False) in on[k + 1] for r in s.adjacent.get(n, {}).values())
        }
    for k in range(k0 + 1, length + 1):  # towards the end
        on[k] = {
            n
            for n, d in b.dist.items()
            if d == length - k
            and any(s.step(r, n, True) in on[k - 1] for r in s.adjacent.get(n, {}).values())
        }
    return on


def _walk(s: _Search, start: str, length: int, on: Mapping[int, set[str]]) -> list[Step]:
    """From the start, the smallest relation id that stays on a shortest path, per step."""
    path: list[Step] = []
    node = start
    for k in range(1, length + 1):
        best = min(
            (r for r in s.adjacent.get(node, {}).values() if s.step(r, node, False) in on[k]),
            key=lambda r: r.id,
        )
        path.append(best)
        node = _other(best, node)
    return path


def neo4j_ways(schema: Schema, ways: Mapping[str, str] | None) -> dict[str, str]:
    """Ontology relation names -> way, as Neo4j types (``None``: every type, both ways)."""
    if ways is None:
        return {r.neo4j_type: "both" for r in schema.relations.values()}
    return {schema.relations[n].neo4j_type: w for n, w in ways.items() if n in schema.relations}


class Neo4jFetch:
    """:class:`Fetch` over one database: :data:`AROUND` and :data:`MEET`."""

    def __init__(self, read: Read, ways: Mapping[str, str], day: date | None) -> None:
        self._read = read
        self._params: dict[str, Any] = {"types": sorted(ways), "day": day}
        for way in ("forward", "backward", "both"):
            self._params[way] = sorted(t for t, w in ways.items() if w == way)

    def around(self, ids: Sequence[str]) -> dict[str, list[Mapping[str, str]]]:
        records = self._read(AROUND, {**self._params, "ids": list(ids)})
        return {r["id"]: r["rels"] for r in records}

    def meet(
        self, front_a: Sequence[str], front_b: Sequence[str], middle: bool
    ) -> tuple[list[Mapping[str, str]], list[Mapping[str, str]], list[Mapping[str, str]]]:
        params = {**self._params, "front_a": list(front_a), "front_b": list(front_b)}
        record = self._read(MEET, {**params, "middle": middle})[0]
        return record["edges"], record["firsts"], record["seconds"]


def shortest_path(
    read: Read,
    relation: Callable[[Mapping[str, Any]], Relation],
    schema: Schema,
    start: str,
    end: str,
    *,
    max_length: int,
    ways: Mapping[str, str] | None,
    day: date | None,
) -> list[Relation] | None:
    """The path (see the module docstring); ``ways`` keyed by ontology relation name."""
    neo_ways = neo4j_ways(schema, ways)
    fetch = Neo4jFetch(read, neo_ways, day)
    steps = search(start, end, max_length=max_length, ways=neo_ways, fetch=fetch)
    if steps is None:
        return None
    ids = [r.id for r in steps]
    ends = [{"id": r.id, "source": r.source, "target": r.target} for r in steps]
    full = {r.id: r for r in (relation(x["rel"]) for x in read(HYDRATE, {"rels": ends}))}
    if set(ids) - set(full):
        raise StoreUnavailable("the graph changed while the path was read; ask again")
    return [full[i] for i in ids]
