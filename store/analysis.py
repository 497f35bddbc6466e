"""The analyst questions, written once over the store primitives.

Every question here is a breadth-first search whose steps are :meth:`GraphStore.edges`
calls (one round trip each), so both stores answer identically and a request costs a
number of round trips bounded by its depth parameters and the taxonomy depth, never by
the size of its answer.

**Paths and ties.** Each reached entity keeps one explaining path: the one reached in
the fewest steps of the search (tiers for exposures and dependencies, relations for
``path``), then the shortest, then the one whose sequence of relation ids is smallest in
lexicographic order, read from the reached entity towards the anchor for exposures, and
from the anchor (the firm, the start) outwards for dependencies and ``path``.
Breadth-first order makes that choice deterministic and identical in every store.

**Exposure to a policy** (``suppliers_exposed_to``). An organization is exposed

* ``named`` (depth 0) when the policy names it (``names``);
* ``technology`` (depth 0) when it produces or develops a targeted technology, a
  technology below a targeted one in the taxonomy (``broader`` followed downwards), a
  targeted product, or a product that uses such a technology. For policies whose effect
  is ``promotes-domestic`` or ``requires-transfer`` only organizations *not*
  headquartered in a jurisdiction the policy applies to are exposed: domestic firms are
  the beneficiaries of substitution, foreign suppliers are the ones exposed. For
  ``restricts-trade`` every producer is exposed (the control restricts trade in what it
  makes, whichever side of the border it is on). An organization with no known
  headquarters counts as domestic when its parent (``subsidiaryOf``, ``ownedBy``) is;
* ``supplier`` (depth d + 1) when it supplies an organization exposed at depth d, and
  ``ownership`` (depth d + 1) when it is the parent or subsidiary (``subsidiaryOf``,
  ``ownedBy``) of one, up to ``max_depth``.

The score is the product of the confidences along the path times ``0.5 ** depth``.
Results are ordered by depth, then score (highest first), then supplier id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from ontology.errors import NotFound
from ontology.model import Relation
from ontology.schema import Schema
from store.base import Direction, GraphStore

Path = tuple[Relation, ...]

DEPTH_DECAY = 0.5
"""Each supply or ownership tier halves an exposure's score."""

DOMESTIC_EFFECTS = frozenset({"promotes-domestic", "requires-transfer"})
"""Effects that reach only organizations outside the policy's jurisdictions."""

MAX_TAXONOMY_LEVELS = 64
"""Guard against a malformed taxonomy; validation already rejects cycles."""

# The ontology relation names these questions follow. They name concepts of the
# questions themselves (what a supply chain or a taxonomy is), not a list of types.
TARGETS, NAMES, APPLIES_TO, BROADER, USES = "targets", "names", "appliesTo", "broader", "uses"
PRODUCTION = ("produces", "develops")
SUPPLIES = "supplies"
OWNERSHIP = ("subsidiaryOf", "ownedBy")
HEADQUARTERS = "headquarteredIn"
ORGANIZATION, POLICY, TECHNOLOGY = "Organization", "Policy", "Technology"


@dataclass(frozen=True)
class Exposure:
    supplier: str
    kind: str  # named | technology | supplier | ownership
    depth: int
    score: float
    path: Path


@dataclass(frozen=True)
class Dependency:
    entity: str
    kind: str  # supplier | technology | country
    depth: int
    path: Path


@dataclass(frozen=True)
class PolicyImpact:
    policy: str
    technologies: list[str]
    named_entities: list[str]
    firms: list[str]
    jurisdictions: list[str]


def path_key(path: Path) -> tuple[int, tuple[str, ...]]:
    """Shortest first, then smallest sequence of relation ids."""
    return (len(path), tuple(r.id for r in path))


def _settle(
    candidates: Iterable[tuple[str, Path]],
    settled: dict[str, Path],
) -> dict[str, Path]:
    """Best new path per entity not settled yet; returns (and records) the new ones."""
    best: dict[str, Path] = {}
    for node, path in candidates:
        if node in settled:
            continue
        if node not in best or path_key(path) < path_key(best[node]):
            best[node] = path
    settled.update(best)
    return best


def _score(path: Path, depth: int) -> float:
    score = 1.0
    for rel in path:
        score *= rel.confidence
    return round(score * DEPTH_DECAY**depth, 9)


def _require(store: GraphStore, schema: Schema, entity_id: str, cls: str) -> None:
    found = store.entities([entity_id]).get(entity_id)
    if found is None:
        raise NotFound(f"no entity with id {entity_id!r}")
    if not schema.is_a(found.kind, cls):
        raise NotFound(f"{entity_id!r} is a {found.kind}, not a {cls}")


def _expand_taxonomy(
    store: GraphStore, roots: dict[str, Path], as_of: date | None
) -> dict[str, Path]:
    """Everything below ``roots`` in the taxonomy, each with its best path to a root."""
    settled = dict(roots)
    frontier = sorted(roots)
    for _ in range(MAX_TAXONOMY_LEVELS):
        if not frontier:
            break
        rels = store.edges(frontier, [BROADER], Direction.IN, as_of)
        new = _settle(((r.source, (r, *settled[r.target])) for r in rels), settled)
        frontier = sorted(new)
    return settled


def _targeted(
    store: GraphStore, policy: str, as_of: date | None
) -> tuple[dict[str, Path], list[Relation], list[str]]:
    """(targeted items with taxonomy expansion, names relations, jurisdictions)."""
    rels = store.edges([policy], [TARGETS, NAMES, APPLIES_TO], Direction.OUT, as_of)
    roots = _settle(((r.target, (r,)) for r in rels if r.type == TARGETS), {})
    named = [r for r in rels if r.type == NAMES]
    jurisdictions = sorted({r.target for r in rels if r.type == APPLIES_TO})
    return _expand_taxonomy(store, roots, as_of), named, jurisdictions


def _domestic(
    store: GraphStore, orgs: set[str], jurisdictions: set[str], as_of: date | None
) -> set[str]:
    """Organizations headquartered in ``jurisdictions``; one with no known headquarters
    takes its parent's (``subsidiaryOf``/``ownedBy``), so a domestic group's subsidiaries
    are not mistaken for foreign suppliers. Three round trips at most."""
    hq = store.edges(sorted(orgs), [HEADQUARTERS], Direction.OUT, as_of)
    located = {r.source for r in hq}
    domestic = {r.source for r in hq if r.target in jurisdictions}
    unknown = sorted(orgs - located)
    if not unknown:
        return domestic
    parents = store.edges(unknown, list(OWNERSHIP), Direction.OUT, as_of)
    if not parents:
        return domestic
    parent_hq = store.edges(
        sorted({r.target for r in parents}), [HEADQUARTERS], Direction.OUT, as_of
    )
    domestic_parents = {r.source for r in parent_hq if r.target in jurisdictions}
    return domestic | {r.source for r in parents if r.target in domestic_parents}


@dataclass(frozen=True)
class _Reach:
    """What a policy reaches directly, with the paths that explain it."""

    exposed: dict[str, Path]  # depth-0 exposures
    targeted: dict[str, Path]  # targeted technologies/products, taxonomy-expanded
    named: list[Relation]
    jurisdictions: list[str]


def _direct_reach(store: GraphStore, policy: str, as_of: date | None) -> _Reach:
    targeted, named, jurisdictions = _targeted(store, policy, as_of)
    items = dict(targeted)
    if targeted:
        uses = store.edges(sorted(targeted), [USES], Direction.IN, as_of)
        _settle(((r.source, (r, *targeted[r.target])) for r in uses), items)
    producers: list[tuple[str, Path]] = []
    if items:
        made = store.edges(sorted(items), list(PRODUCTION), Direction.IN, as_of)
        producers = [(r.source, (r, *items[r.target])) for r in made]
    if jurisdictions and producers:
        domestic = _domestic(store, {n for n, _ in producers}, set(jurisdictions), as_of)
        producers = [
            (n, p)
            for n, p in producers
            if not (n in domestic and p[-1].properties.get("effect") in DOMESTIC_EFFECTS)
        ]
    exposed: dict[str, Path] = {}
    _settle([*((r.target, (r,)) for r in named), *producers], exposed)
    return _Reach(exposed, targeted, named, jurisdictions)


def suppliers_exposed_to(
    store: GraphStore,
    schema: Schema,
    policy: str,
    *,
    max_depth: int,
    as_of: date | None = None,
    first: int = 100,
) -> list[Exposure]:
    """Organizations exposed to ``policy`` (see the module docstring for the rules)."""
    _require(store, schema, policy, POLICY)
    direct = _direct_reach(store, policy, as_of).exposed
    settled = dict(direct)
    depth_of = dict.fromkeys(direct, 0)
    frontier = sorted(direct)
    for depth in range(1, max_depth + 1):
        if not frontier:
            break
        supply = store.edges(frontier, [SUPPLIES], Direction.IN, as_of)
        owned = store.edges(frontier, list(OWNERSHIP), Direction.BOTH, as_of)
        front = set(frontier)
        candidates = [(r.source, (r, *settled[r.target])) for r in supply]
        ownership = [
            (r.other(n), (r, *settled[n]))
            for r in owned
            for n in (r.source, r.target)
            if n in front and r.other(n) not in settled
        ]
        if ownership:
            found = store.entities(sorted({n for n, _ in ownership}))
            candidates += [
                (n, p)
                for n, p in ownership
                if n in found and schema.is_a(found[n].kind, ORGANIZATION)
            ]
        new = _settle(candidates, settled)
        depth_of.update(dict.fromkeys(new, depth))
        frontier = sorted(new)
    results = [
        Exposure(
            supplier=node,
            kind=_exposure_kind(path, depth_of[node]),
            depth=depth_of[node],
            score=_score(path, depth_of[node]),
            path=path,
        )
        for node, path in settled.items()
    ]
    results.sort(key=lambda e: (e.depth, -e.score, e.supplier))
    return results[:first]


def _exposure_kind(path: Path, depth: int) -> str:
    if depth > 0:
        return "supplier" if path[0].type == SUPPLIES else "ownership"
    return "named" if path[0].type == NAMES else "technology"


def policy_impact(
    store: GraphStore, schema: Schema, policy: str, *, as_of: date | None = None
) -> PolicyImpact:
    """What a policy reaches directly: technologies, named entities, firms, jurisdictions."""
    _require(store, schema, policy, POLICY)
    reach = _direct_reach(store, policy, as_of)
    return PolicyImpact(
        policy=policy,
        technologies=sorted(reach.targeted),
        named_entities=sorted({r.target for r in reach.named}),
        firms=sorted(reach.exposed),
        jurisdictions=reach.jurisdictions,
    )


def dependencies(
    store: GraphStore,
    schema: Schema,
    firm: str,
    *,
    max_depth: int,
    as_of: date | None = None,
) -> list[Dependency]:
    """What ``firm`` depends on upstream: suppliers up to ``max_depth`` tiers, the
    technologies it and those suppliers produce (directly or through products), and the
    jurisdictions where they are headquartered. Paths start at ``firm``'s end.
    Order: suppliers, technologies, countries; each by depth, then id.
    """
    _require(store, schema, firm, ORGANIZATION)
    orgs: dict[str, Path] = {firm: ()}
    depth_of = {firm: 0}
    frontier = [firm]
    for depth in range(1, max_depth + 1):
        if not frontier:
            break
        rels = store.edges(frontier, [SUPPLIES], Direction.IN, as_of)
        new = _settle(((r.source, (*orgs[r.target], r)) for r in rels), orgs)
        depth_of.update(dict.fromkeys(new, depth))
        frontier = sorted(new)
    org_ids = sorted(orgs)

    def by_depth_then_path(cands: Iterable[tuple[str, Path, int]]) -> dict[str, tuple[Path, int]]:
        best: dict[str, tuple[Path, int]] = {}
        for node, path, depth in cands:
            key = (depth, *path_key(path))
            if node not in best or key < (best[node][1], *path_key(best[node][0])):
                best[node] = (path, depth)
        return best

    made = store.edges(org_ids, list(PRODUCTION), Direction.OUT, as_of)
    products = by_depth_then_path(
        (r.target, (*orgs[r.source], r), depth_of[r.source]) for r in made
    )
    used = store.edges(sorted(products), [USES], Direction.OUT, as_of) if products else []
    found = store.entities(sorted({r.target for r in made}))
    tech_cands = [
        (r.target, (*orgs[r.source], r), depth_of[r.source])
        for r in made
        if r.target in found and schema.is_a(found[r.target].kind, TECHNOLOGY)
    ]
    tech_cands += [(r.target, (*products[r.source][0], r), products[r.source][1]) for r in used]
    techs = by_depth_then_path(tech_cands)
    hq = store.edges(org_ids, [HEADQUARTERS], Direction.OUT, as_of)
    countries = by_depth_then_path((r.target, (*orgs[r.source], r), depth_of[r.source]) for r in hq)
    out = [
        Dependency(entity=n, kind="supplier", depth=depth_of[n], path=orgs[n])
        for n in org_ids
        if n != firm
    ]
    out.sort(key=lambda d: (d.depth, d.entity))
    for kind, table in (("technology", techs), ("country", countries)):
        out += sorted(
            (Dependency(entity=n, kind=kind, depth=d, path=p) for n, (p, d) in table.items()),
            key=lambda d: (d.depth, d.entity),
        )
    return out


def shortest_path(
    store: GraphStore, start: str, end: str, *, max_length: int
) -> list[Relation] | None:
    """The shortest chain of relations, followed in either direction, from ``start`` to
    ``end`` (ties: smallest sequence of relation ids from ``start``); ``None`` if none is
    at most ``max_length`` long. Unknown ids raise :class:`NotFound`.
    """
    found = store.entities(sorted({start, end}))
    for node in (start, end):
        if node not in found:
            raise NotFound(f"no entity with id {node!r}")
    if start == end:
        return []
    settled: dict[str, Path] = {start: ()}
    frontier = [start]
    for _ in range(max_length):
        if not frontier:
            break
        front = set(frontier)
        rels = store.edges(frontier, None, Direction.BOTH, None)
        cands = [(r.other(n), (*settled[n], r)) for r in rels for n in _ends(r) if n in front]
        new = _settle(cands, settled)
        if end in new:
            return list(new[end])
        frontier = sorted(new)
    return None


def _ends(rel: Relation) -> Sequence[str]:
    return (rel.source,) if rel.source == rel.target else (rel.source, rel.target)
