"""The Cypher of the Neo4j exposure engine (:mod:`store.neo4j_engine`), and the pure
builders of its parameters.

Three kinds of statement, all with fixed text and parameters only:

- *light* reads (:data:`LIGHT_EDGES`, :data:`KINDS`): what the rule's direct reach needs
  of a relation (id, type, ends, confidence, the ``item`` and ``share`` qualifiers) and of
  an entity (its kind), never provenance or hashes;
- :data:`TIERS`: every supply and ownership tier in one statement. It keeps, tier by tier,
  the best path per organization (fewest tiers, then the shortest path, then the smallest
  sequence of relation ids read from the organization towards the policy: the tie-break of
  :mod:`store.paths`), stops at the tier that fills the page or reaches no one, and returns
  only ids, kinds and the light relations of each new path;
- :data:`HYDRATE`: the full relations (provenance included) of the page's paths only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Final

_VALID: Final = """($day IS NULL OR ((r.valid_from IS NULL OR r.valid_from <= $day)
                         AND (r.valid_to IS NULL OR $day <= r.valid_to)))"""

_LIGHT: Final = (
    "r {.id, .confidence, .item, .share, _type: type(r), "
    "_source: startNode(r).id, _target: endNode(r).id}"
)
# The light edges also carry the kinds of their ends: the evaluation asks for the kinds of
# the organizations it meets, and these answer it without another read. They come back as
# one record holding a list of lists (id, type, source, target, confidence, item, share,
# source kind, target kind): thousands of small records, each its own message with its own
# keys, cost the driver several times as much to decode.
_LIGHT_LIST: Final = (
    "[r.id, type(r), startNode(r).id, endNode(r).id, r.confidence, r.item, r.share, "
    "startNode(r).kind, endNode(r).kind]"
)


def _light_edges(pattern: str) -> str:
    return f"""
UNWIND $ids AS nid
MATCH {pattern}
WHERE {_VALID}
WITH DISTINCT r ORDER BY r.id
RETURN collect({_LIGHT_LIST}) AS rels
"""


LIGHT_EDGES_OUT: Final = _light_edges("(:Entity {id: nid})-[r:$any($types)]->(:Entity)")
LIGHT_EDGES_IN: Final = _light_edges("(:Entity {id: nid})<-[r:$any($types)]-(:Entity)")
LIGHT_EDGES_BOTH: Final = _light_edges("(:Entity {id: nid})-[r:$any($types)]-(:Entity)")

LIGHT_EDGES: Final = {"OUT": LIGHT_EDGES_OUT, "IN": LIGHT_EDGES_IN, "BOTH": LIGHT_EDGES_BOTH}

KINDS: Final = """
UNWIND $ids AS id
MATCH (n:Entity {id: id})
WITH DISTINCT n
RETURN collect([n.id, n.kind]) AS kinds
"""

# One tier: the suppliers (on a supplies fact that carries exposure: no item, an item that
# is not a string, or an item within the rule's reach) and the owners or subsidiaries
# (with a threshold: subsidiaries owned at least that much) of the frontier that are
# organizations not yet taken, ordered by organization, then (length of the whole path, its
# relation ids from the organization's end: the tier relations come first); the first
# candidate of each organization is its best (aggregation is not allowed inside reduce()).
_TIER: Final = f"""COLLECT {{
      UNWIND s.front AS f
      MATCH (fn:Entity {{id: f.id}})
      CALL (fn) {{
        MATCH (fn)<-[r:$any($supply)]-(m:$($organization))
        WHERE {_VALID}
          AND (NOT $has_reach OR r.item IS NULL OR NOT r.item IS :: STRING
               OR r.item IN $reach)
        RETURN m, r, 'supplier' AS kind
        UNION
        MATCH (fn)-[r:$any($ownership)]-(m:$($organization))
        WHERE NOT $has_threshold AND {_VALID}
        RETURN m, r, 'ownership' AS kind
        UNION
        MATCH (fn)<-[r:$any($ownership)]-(m:$($organization))
        WHERE $has_threshold AND {_VALID}
          AND (r.share IS :: INTEGER OR r.share IS :: FLOAT) AND r.share >= $threshold
        RETURN m, r, 'ownership' AS kind
      }}
      WITH m.id AS org, kind, f, {_LIGHT} AS rel
      WHERE NOT org IN s.taken
      WITH org, kind, [rel] + f.chain AS chain, f.root AS root, f.length + 1 AS length
      ORDER BY org, length, [x IN chain | x.id]
      RETURN {{id: org, kind: kind, chain: chain, root: root, length: length, depth: depth}}
    }}"""

# Every tier in one statement. The state is a map: `found` (the organizations settled by
# the tiers, each with its tier), `front` (the last tier), `taken` (settled organizations
# and beneficiaries), `count` (settled ones, the direct ones included). A tier is computed
# once and bound through a one-element list comprehension (reduce() has no WITH); the walk
# stops at the tier that fills the page ($first) or reaches no one.
TIERS: Final = f"""
WITH reduce(s = {{found: [], front: $roots, taken: $taken, count: size($roots)}},
            depth IN range(1, $max_depth) |
  CASE WHEN size(s.front) = 0 OR s.count >= $first THEN s
  ELSE [next IN [[c IN [{_TIER}] | [i IN range(0, size(c) - 1)
                     WHERE i = 0 OR c[i].id <> c[i - 1].id | c[i]]][0]] | {{
    found: s.found + next,
    front: next,
    taken: s.taken + [x IN next | x.id],
    count: s.count + size(next)
  }}][0] END) AS state
RETURN state.found AS found
"""


HYDRATE: Final = """
UNWIND $rels AS x
MATCH (s:Entity {id: x.source})-[r]->(t:Entity {id: x.target})
WHERE r.id = x.id
RETURN r {.*, _type: type(r), _source: s.id, _target: t.id} AS rel
"""


def tier_params(
    *,
    roots: Iterable[tuple[str, int]],
    taken: Iterable[str],
    max_depth: int,
    first: int,
    day: date,
    supply: Sequence[str],
    ownership: Sequence[str],
    threshold: float | None,
    reach: Iterable[str] | None,
    organization: str,
) -> dict[str, Any]:
    """Parameters of :data:`TIERS`; ``roots`` are the organizations exposed directly with
    the length of their path."""
    return {
        "roots": [{"id": org, "chain": [], "root": org, "length": length} for org, length in roots],
        "taken": sorted(set(taken)),
        "max_depth": max_depth,
        "first": first,
        "day": day,
        "supply": list(supply),
        "ownership": list(ownership),
        # Null and empty values are sent as flags beside typed values: the plan cache
        # keys on parameter types, and a replanned statement of this size costs seconds.
        "has_threshold": threshold is not None,
        "threshold": float(threshold) if threshold is not None else 0.0,
        "has_reach": reach is not None,
        "reach": sorted(reach) if reach is not None else [""],
        "organization": organization,
    }


def hydrate_params(rels: Iterable[Mapping[str, str]]) -> dict[str, Any]:
    """Parameters of :data:`HYDRATE`: ``{id, source, target}`` per relation, once each."""
    seen: dict[str, Mapping[str, str]] = {}
    for r in rels:
        seen.setdefault(r["id"], r)
    return {"rels": [dict(seen[k]) for k in sorted(seen)]}
