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


def _valid(r: str) -> str:
    """Whether relation ``r`` is valid on ``$day`` (any day when it is null)."""
    return f"""($day IS NULL OR (({r}.valid_from IS NULL OR {r}.valid_from <= $day)
                         AND ({r}.valid_to IS NULL OR $day <= {r}.valid_to)))"""


_VALID: Final = _valid("r")

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


def _light_edges(pattern: str, also: str = "true") -> str:
    return f"""
UNWIND $ids AS nid
MATCH {pattern}
WHERE {_VALID} AND {also}
WITH DISTINCT r ORDER BY r.id
RETURN collect({_LIGHT_LIST}) AS rels
"""


LIGHT_EDGES_OUT: Final = _light_edges("(:Entity {id: nid})-[r:$any($types)]->(:Entity)")
LIGHT_EDGES_IN: Final = _light_edges("(:Entity {id: nid})<-[r:$any($types)]-(:Entity)")
LIGHT_EDGES_BOTH: Final = _light_edges("(:Entity {id: nid})-[r:$any($types)]-(:Entity)")

LIGHT_EDGES: Final = {"OUT": LIGHT_EDGES_OUT, "IN": LIGHT_EDGES_IN, "BOTH": LIGHT_EDGES_BOTH}

# The jurisdictions an organization belongs to (:meth:`store.exposure._Evaluator.places`):
# its seats or, when it has none, its owners' seats, and the blocs a seat is a member of
# (one step), every fact valid on the day. ``{o}`` is a bound node.
_PLACES: Final = """[pl_seats IN [[pl_own IN [COLLECT {{
        MATCH ({o})-[pl_r:$any($seat)]->(pl_j:Entity) WHERE {valid_r} RETURN pl_j
      }}] | CASE WHEN size(pl_own) > 0 THEN pl_own ELSE COLLECT {{
        MATCH ({o})-[pl_r:$any($ownership)]->(:Entity)-[pl_h:$any($seat)]->(pl_j:Entity)
        WHERE {valid_r} AND {valid_h} RETURN pl_j
      }} END][0]] |
    [pl_j IN pl_seats | pl_j.id] + COLLECT {{
      UNWIND pl_seats AS pl_j
      MATCH (pl_j)-[pl_b:$any($membership)]->(pl_bloc:Entity) WHERE {valid_b}
      RETURN pl_bloc.id
    }}][0]"""


def _places(node: str) -> str:
    """The expression of :data:`_PLACES` for the bound node ``node`` (its variables start
    with ``pl_``: a subquery sees the enclosing statement's, and must not rebind them)."""
    return _PLACES.format(
        o=node, valid_r=_valid("pl_r"), valid_h=_valid("pl_h"), valid_b=_valid("pl_b")
    )


PLACES: Final = f"""
UNWIND $ids AS oid
MATCH (o:Entity {{id: oid}})
RETURN collect([o.id, {_places("o")}]) AS places
"""

# Whether an organization (bound node ``{o}``) is in a rule's target jurisdictions (with
# none named: placed, and outside the imposing ones): only such users are cut off.
_IN_TARGET: Final = """CASE WHEN $has_targets THEN any(pl_p IN {places} WHERE pl_p IN $targets)
  ELSE [pl_ps IN [{places}] | size(pl_ps) > 0 AND none(pl_p IN pl_ps WHERE pl_p IN $imposers)][0]
  END"""


def _in_target(node: str) -> str:
    return _IN_TARGET.format(places=_places(node))


# The supplies facts of producers that name an item the seller makes (``$made``: the
# items of each producer) to organizations in the target jurisdictions: the rest cannot
# make their buyer a user cut off, so they stay on the server.
# Each buyer is placed once, however many facts name it.
LIGHT_SALES: Final = f"""
UNWIND $ids AS nid
MATCH (seller:Entity {{id: nid}})-[r:$any($types)]->(buyer:$($organization))
WHERE {_VALID} AND r.item IN $made[seller.id]
WITH buyer, collect(r) AS sales
WHERE {_in_target("buyer")}
UNWIND sales AS r
WITH DISTINCT r ORDER BY r.id
RETURN collect({_LIGHT_LIST}) AS rels
"""

# The uses of items by products, and by organizations in the target jurisdictions (the
# users a rule cuts off; an organization elsewhere is not one).
LIGHT_USES_CUT_OFF: Final = _light_edges(
    "(:Entity {id: nid})<-[r:$any($types)]-(user:Entity)",
    f"($product IN labels(user) OR ($organization IN labels(user) AND {_in_target('user')}))",
)

# The uses of items by products (a rule that cuts no users off needs no dependent firm).
LIGHT_USES_BY_PRODUCTS: Final = _light_edges("(:Entity {id: nid})<-[r:$any($types)]-(:$($product))")

# The producers of items, with the places of each producer (see :data:`_PLACES`): every
# rule reads both, and one statement saves sending the producers back as parameters.
PRODUCERS: Final = f"""
UNWIND $ids AS nid
MATCH (:Entity {{id: nid}})<-[r:$any($types)]-(:Entity)
WHERE {_VALID}
WITH DISTINCT r ORDER BY r.id
WITH collect(r) AS rs
RETURN [r IN rs | {_LIGHT_LIST}] AS rels, COLLECT {{
  UNWIND rs AS r
  WITH DISTINCT startNode(r) AS o
  RETURN [o.id, {_places("o")}]
}} AS places
"""

KINDS: Final = """
UNWIND $ids AS id
MATCH (n:Entity {id: id})
WITH DISTINCT n
RETURN collect([n.id, n.kind]) AS kinds
"""

# One tier: the suppliers (on a supplies fact that carries exposure: no item, an item that
# is not a string, or an item within the rule's reach) and the owners or subsidiaries
# (with a threshold: subsidiaries owned at least that much) of the frontier that are
# organizations not yet taken (and, on the way from a cut-off user, `$cut_roots`, not
# placed in an imposing jurisdiction, `$shield`: store.tier_borders), ordered by
# organization, then (length of the whole path, its relation ids from the organization's
# end: the tier relations come first); the first candidate of each organization is its
# best (aggregation is not allowed inside reduce()).
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
      WITH m, r, kind, f
      WHERE NOT (CASE WHEN f.root IN $cut_roots
                      THEN any(pl_p IN {_places("m")} WHERE pl_p IN $shield) ELSE false END)
      WITH m.id AS org, kind, f, {_LIGHT} AS rel
      WHERE NOT org IN s.taken
      WITH org, kind, [rel] + f.chain AS chain, f.root AS root, f.length + 1 AS length
      ORDER BY org, length, [x IN chain | x.id]
      RETURN {{id: org, kind: kind, chain: chain, root: root, length: length, depth: depth}}
    }}"""

# Whether an organization of a tier (``x``) is at home in a policy promoting domestic
# capability: one of its places (see :data:`_PLACES`) is an imposer or a target. Such an
# organization is a beneficiary, neither exposed nor expanded (rule 5).
_HOME: Final = f"""CASE WHEN $domestic THEN COLLECT {{
      MATCH (o:Entity {{id: x.id}})
      RETURN any(pl_p IN {_places("o")} WHERE pl_p IN $home) AS home
    }}[0] ELSE false END"""

# Every tier in one statement. The state is a map: `found` (the organizations settled by
# the tiers, each with its tier), `home` (the domestic beneficiaries the tiers met),
# `front` (the last tier), `taken` (settled organizations and beneficiaries), `count`
# (settled ones, the direct ones included). A tier is computed once and bound through a
# one-element list comprehension (reduce() has no WITH); the walk stops at the tier that
# fills the page ($first) or reaches no one.
TIERS: Final = f"""
WITH reduce(s = {{found: [], home: [], front: $roots, taken: $taken, count: size($roots)}},
            depth IN range(1, $max_depth) |
  CASE WHEN size(s.front) = 0 OR s.count >= $first THEN s
  ELSE [next IN [[c IN [{_TIER}] | [x IN [i IN range(0, size(c) - 1)
                     WHERE i = 0 OR c[i].id <> c[i - 1].id | c[i]]
                   | x {{.id, .kind, .chain, .root, .length, .depth, home: {_HOME}}}]][0]]
  | [away IN [[x IN next WHERE NOT x.home]] | {{
    found: s.found + away,
    home: s.home + [x IN next WHERE x.home],
    front: away,
    taken: s.taken + [x IN next | x.id],
    count: s.count + size(away)
  }}][0]][0] END) AS state
RETURN state.found AS found, state.home AS home
"""


HYDRATE: Final = """
UNWIND $rels AS x
MATCH (s:Entity {id: x.source}), (t:Entity {id: x.target})
CALL (s, t, x) {
    MATCH (s)-[r]->(t)
    WHERE r.id = x.id
    RETURN r
}
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
    places: Mapping[str, Sequence[str]],
    home: Iterable[str] | None = None,
    cut_roots: Iterable[str] = (),
    shield: Iterable[str] = (),
) -> dict[str, Any]:
    """Parameters of :data:`TIERS`; ``roots`` are the organizations exposed directly with
    the length of their path; ``places`` as :func:`places_params`; ``home``: the
    jurisdictions whose organizations a domestic-promotion rule benefits (None: any other
    rule); ``cut_roots``: the roots whose tiers stop at the borders of ``shield``, the
    imposing jurisdictions (see :func:`store.tier_borders.cut_off_roots`)."""
    return {
        **places,
        "cut_roots": sorted(set(cut_roots)) or [""],
        "shield": sorted(set(shield)) or [""],
        "domestic": home is not None,
        "home": sorted(home) if home is not None else [""],
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


def places_params(
    *, seat: Sequence[str], ownership: Sequence[str], membership: Sequence[str]
) -> dict[str, Any]:
    """The relation types :data:`PLACES` (and the tiers' home check) follow."""
    return {"seat": list(seat), "ownership": list(ownership), "membership": list(membership)}


def hydrate_params(rels: Iterable[Mapping[str, str]]) -> dict[str, Any]:
    """Parameters of :data:`HYDRATE`: ``{id, source, target}`` per relation, once each."""
    seen: dict[str, Mapping[str, str]] = {}
    for r in rels:
        seen.setdefault(r["id"], r)
    return {"rels": [dict(seen[k]) for k in sorted(seen)]}
