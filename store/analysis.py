"""The analyst questions, written once over the store primitives.

Every question here is a breadth-first search whose steps are :meth:`GraphStore.edges`
calls (one round trip each), so both stores answer identically and a request costs a
number of round trips bounded by its depth parameters and the taxonomy depth, never by
the size of its answer. The relation types each question follows are read from their roles
in the ontology (``ts:relationRole``), not named here.

**Dates.** Every question is asked for one date, ``as_of``, today when not given: facts
not valid on that date never count, and exposure answers say the date they were computed
for and the rule version that produced them.

**Paths and ties.** Each reached entity keeps one explaining path: the one reached in
the fewest steps of the search (tiers for exposures and dependencies, relations for
``path``), then the shortest, then the one whose sequence of relation ids is smallest in
lexicographic order, read from the reached entity towards the anchor for exposures, and
from the anchor (the firm, the start) outwards for dependencies and ``path``.

**Exposure to a policy** is the evaluation of the policy's rule version in force on the
date (:mod:`store.rules` picks it, :mod:`store.exposure` evaluates it; the rules are in its
docstring and in the README). A policy without a rule in force that day exposes nobody.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, runtime_checkable

from ontology.errors import BadRequest, NotFound
from ontology.model import Relation
from ontology.schema import Schema
from store.base import Direction, GraphStore
from store.exposure import evaluate
from store.exposure_results import Beneficiary, Evaluation, Exposure
from store.paths import Path, path_key, settle
from store.rules import RuleVersion, governing, read_versions, version_by_id

__all__ = [
    "Beneficiary",
    "Dependency",
    "Evaluation",
    "Exposure",
    "ExposureDiff",
    "Path",
    "PolicyImpact",
    "dependencies",
    "exposure",
    "exposure_diff",
    "path_key",
    "policy_impact",
    "shortest_path",
    "suppliers_exposed_to",
    "what_if",
]

ORGANIZATION, POLICY, TECHNOLOGY = "Organization", "Policy", "Technology"
SUPPLY, PRODUCTION, USE, HEADQUARTERS = (
    "SupplyRole",
    "ProductionRole",
    "UseRole",
    "HeadquartersRole",
)
UNBOUNDED_FIRST = 1_000_000


@runtime_checkable
class ExposureEngine(Protocol):
    """A store that evaluates rule versions itself (see :mod:`store.neo4j_engine`): exactly
    :func:`store.exposure.evaluate`'s answer, at fewer round trips; its rule versions
    read once per graph version."""

    def evaluate_exposure(
        self,
        rule: RuleVersion | None,
        day: date,
        *,
        policy: str | None,
        max_depth: int,
        first: int,
        exposures_only: bool = False,
    ) -> Evaluation: ...

    def rule_versions(self, policy: str) -> list[RuleVersion]: ...


@runtime_checkable
class DependencyEngine(Protocol):
    """A store that answers :func:`dependencies` itself (see :mod:`store.neo4j_dependencies`):
    exactly this module's answer, in a fixed number of round trips."""

    def firm_dependencies(self, firm: str, *, max_depth: int, day: date) -> list[Dependency]: ...


def _versions(store: GraphStore, schema: Schema, policy: str) -> list[RuleVersion]:
    if isinstance(store, ExposureEngine):
        return store.rule_versions(policy)
    return read_versions(store, schema, policy)


def _evaluate(
    store: GraphStore,
    schema: Schema,
    rule: RuleVersion | None,
    day: date,
    *,
    policy: str | None,
    max_depth: int,
    first: int,
    exposures_only: bool = False,
) -> Evaluation:
    if isinstance(store, ExposureEngine):
        return store.evaluate_exposure(rule, day, policy=policy, max_depth=max_depth, first=first,
                                       exposures_only=exposures_only)  # fmt: skip
    return evaluate(store, schema, rule, day, policy=policy, max_depth=max_depth, first=first,
                    exposures_only=exposures_only)  # fmt: skip


@dataclass(frozen=True)
class Dependency:
    entity: str
    category: str  # what the entity is to the firm: supplier | technology | country
    depth: int
    path: Path


@dataclass(frozen=True)
class PolicyImpact:
    policy: str
    technologies: list[str]
    named_entities: list[str]
    firms: list[str]
    jurisdictions: list[str]
    as_of: date | None = None
    rule_version: str | None = None
    in_force: bool = False
    beneficiaries: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ExposureDiff:
    """How a policy's exposures changed between two evaluations."""

    before: Evaluation
    after: Evaluation
    became_exposed: list[Exposure]
    stopped: list[Exposure]
    changed: list[tuple[Exposure, Exposure]]  # (before, after): kind, depth or path differ


def _require(store: GraphStore, schema: Schema, entity_id: str, cls: str) -> None:
    found = store.entities([entity_id]).get(entity_id)
    if found is None:
        raise NotFound(f"no entity with id {entity_id!r}")
    if not schema.is_a(found.kind, cls):
        raise NotFound(f"{entity_id!r} is a {found.kind}, not a {cls}")


def _day(as_of: date | None) -> date:
    return as_of if as_of is not None else date.today()


def exposure(
    store: GraphStore,
    schema: Schema,
    policy: str,
    *,
    max_depth: int,
    as_of: date | None = None,
    first: int = 100,
    version: str | None = None,
    exposures_only: bool = False,
) -> Evaluation:
    """Who ``policy`` exposes on ``as_of`` (today by default), under the rule version that
    governs that day, or under ``version`` when one is named. ``exposures_only``: the
    caller reads the exposures only, so the walk may stop at the tier that fills the page
    and the beneficiaries are left out."""
    _require(store, schema, policy, POLICY)
    day = _day(as_of)
    versions = _versions(store, schema, policy)
    rule = version_by_id(versions, version) if version else governing(versions, day)
    return _evaluate(store, schema, rule, day, policy=policy, max_depth=max_depth, first=first,
                     exposures_only=exposures_only)  # fmt: skip


def suppliers_exposed_to(
    store: GraphStore,
    schema: Schema,
    policy: str,
    *,
    max_depth: int,
    as_of: date | None = None,
    first: int = 100,
    version: str | None = None,
) -> list[Exposure]:
    """Organizations exposed to ``policy`` (see :func:`exposure`)."""
    found = exposure(store, schema, policy, max_depth=max_depth, as_of=as_of, first=first,
                     version=version, exposures_only=True)  # fmt: skip
    return found.exposures


def policy_impact(
    store: GraphStore, schema: Schema, policy: str, *, as_of: date | None = None
) -> PolicyImpact:
    """What a policy reaches directly on ``as_of``: the items in its rule's scope, the
    parties it names, the firms it exposes directly, its target jurisdictions and its
    beneficiaries."""
    found = exposure(store, schema, policy, max_depth=0, as_of=as_of, first=UNBOUNDED_FIRST)
    return PolicyImpact(
        policy=policy,
        technologies=found.scope,
        named_entities=found.named,
        firms=sorted(e.supplier for e in found.exposures),
        jurisdictions=found.jurisdictions,
        as_of=found.as_of,
        rule_version=found.rule_version,
        in_force=found.in_force,
        beneficiaries=[b.entity for b in found.beneficiaries],
    )


def exposure_diff(
    store: GraphStore,
    schema: Schema,
    policy: str,
    *,
    from_date: date | None,
    to_date: date | None,
    max_depth: int,
    from_version: str | None = None,
    to_version: str | None = None,
) -> ExposureDiff:
    """Who became exposed, who stopped and whose exposure changed (kind, depth or path)
    between two evaluations of ``policy``: two dates, two rule versions, or both."""
    before, after = (
        exposure(
            store, schema, policy, max_depth=max_depth, as_of=d, first=UNBOUNDED_FIRST, version=v
        )
        for d, v in ((from_date, from_version), (to_date, to_version))
    )
    return diff_evaluations(before, after)


def diff_evaluations(before: Evaluation, after: Evaluation) -> ExposureDiff:
    old = {e.supplier: e for e in before.exposures}
    new = {e.supplier: e for e in after.exposures}

    def ids(e: Exposure) -> tuple[str, int, tuple[str, ...]]:
        return (e.basis, e.depth, tuple(r.id for r in e.path))

    return ExposureDiff(
        before=before,
        after=after,
        became_exposed=[e for e in after.exposures if e.supplier not in old],
        stopped=[e for e in before.exposures if e.supplier not in new],
        changed=[
            (old[e.supplier], e)
            for e in after.exposures
            if e.supplier in old and ids(old[e.supplier]) != ids(e)
        ],
    )


def what_if(
    store: GraphStore,
    schema: Schema,
    rule: RuleVersion,
    *,
    max_depth: int,
    as_of: date | None = None,
    first: int = 100,
) -> Evaluation:
    """Evaluate a hypothetical rule against the graph, writing nothing. Ids it names must
    exist (unknown ones are a bad request, all named at once)."""
    named = {c.item for c in rule.covers} | set(rule.excludes) | set(rule.imposers)
    named |= set(rule.targets) | {i for i, _ in rule.invokes} | {i for i, _ in rule.exempts}
    if rule.policy is not None:
        named.add(rule.policy)
    found = store.entities(sorted(named))
    missing = sorted(named - set(found))
    if missing:
        raise BadRequest(f"unknown id(s) in the rule: {', '.join(missing)}")
    if rule.policy is not None and not schema.is_a(found[rule.policy].kind, POLICY):
        raise BadRequest(f"{rule.policy!r} is a {found[rule.policy].kind}, not a Policy")
    day = _day(as_of)
    return _evaluate(store, schema, rule, day, policy=rule.policy, max_depth=max_depth, first=first)


def current_rule(
    store: GraphStore, schema: Schema, policy: str, as_of: date | None = None
) -> RuleVersion | None:
    """The version governing ``policy`` on ``as_of`` (today by default), if any."""
    _require(store, schema, policy, POLICY)
    return governing(_versions(store, schema, policy), _day(as_of))


def _supplier_tiers(
    store: GraphStore, schema: Schema, firm: str, max_depth: int, day: date
) -> tuple[dict[str, Path], dict[str, int]]:
    """``firm`` and its suppliers up to ``max_depth`` tiers: each one's path (from
    ``firm``'s end) and tier, ``firm`` itself at tier 0."""
    orgs: dict[str, Path] = {firm: ()}
    depth_of = {firm: 0}
    frontier = [firm]
    for depth in range(1, max_depth + 1):
        if not frontier:
            break
        rels = store.edges(frontier, schema.with_role(SUPPLY), Direction.IN, day)
        new = settle(((r.source, (*orgs[r.target], r)) for r in rels), orgs)
        depth_of.update(dict.fromkeys(new, depth))
        frontier = sorted(new)
    return orgs, depth_of


def _by_depth_then_path(cands: Iterable[tuple[str, Path, int]]) -> dict[str, tuple[Path, int]]:
    """Each node's best candidate: the smallest depth, then the smallest path."""
    best: dict[str, tuple[Path, int]] = {}
    for node, path, depth in cands:
        key = (depth, *path_key(path))
        if node not in best or key < (best[node][1], *path_key(best[node][0])):
            best[node] = (path, depth)
    return best


def dependencies(
    store: GraphStore,
    schema: Schema,
    firm: str,
    *,
    max_depth: int,
    as_of: date | None = None,
) -> list[Dependency]:
    """What ``firm`` depends on upstream on ``as_of`` (today by default): suppliers up to
    ``max_depth`` tiers, the technologies it and those suppliers produce (directly or
    through products), and the jurisdictions where they are headquartered. Paths start at
    ``firm``'s end. Order: suppliers, technologies, countries; each by depth, then id.
    """
    day = _day(as_of)
    if isinstance(store, DependencyEngine):
        return store.firm_dependencies(firm, max_depth=max_depth, day=day)
    _require(store, schema, firm, ORGANIZATION)
    orgs, depth_of = _supplier_tiers(store, schema, firm, max_depth, day)
    org_ids = sorted(orgs)
    made = store.edges(org_ids, schema.with_role(PRODUCTION), Direction.OUT, day)
    products = _by_depth_then_path(
        (r.target, (*orgs[r.source], r), depth_of[r.source]) for r in made
    )
    used = (
        store.edges(sorted(products), schema.with_role(USE), Direction.OUT, day) if products else []
    )
    found = store.entities(sorted({r.target for r in (*made, *used)}))
    tech_cands = [
        (r.target, (*orgs[r.source], r), depth_of[r.source])
        for r in made
        if r.target in found and schema.is_a(found[r.target].kind, TECHNOLOGY)
    ]
    tech_cands += [
        (r.target, (*products[r.source][0], r), products[r.source][1])
        for r in used
        if r.source in products
        and r.target in found
        and schema.is_a(found[r.target].kind, TECHNOLOGY)
    ]
    techs = _by_depth_then_path(tech_cands)
    hq = store.edges(org_ids, schema.with_role(HEADQUARTERS), Direction.OUT, day)
    countries = _by_depth_then_path(
        (r.target, (*orgs[r.source], r), depth_of[r.source]) for r in hq
    )
    out = [
        Dependency(entity=n, category="supplier", depth=depth_of[n], path=orgs[n])
        for n in org_ids
        if n != firm
    ]
    out.sort(key=lambda d: (d.depth, d.entity))
    for category, table in (("technology", techs), ("country", countries)):
        out += sorted(
            (
                Dependency(entity=n, category=category, depth=d, path=p)
                for n, (p, d) in table.items()
            ),
            key=lambda d: (d.depth, d.entity),
        )
    return out


def shortest_path(
    store: GraphStore,
    start: str,
    end: str,
    *,
    max_length: int,
    schema: Schema | None = None,
    directed: bool = False,
    types: Sequence[str] | None = None,
    as_of: date | None = None,
) -> list[Relation] | None:
    """The shortest chain of relations from ``start`` to ``end`` (ties: smallest sequence
    of relation ids from ``start``); ``None`` if none is at most ``max_length`` long.
    Unknown ids raise :class:`NotFound`.

    Undirected (the default here): any relation (or any of ``types``), followed in either
    direction, valid at any time unless ``as_of`` is given. Directed (``schema``
    required): only relations of ``types`` (default: every type whose role says how
    explanations read it, ``ts:explains``), each followed the way its role reads
    (supply, production, use, kind-of and component forwards, listing and scope
    backwards, ownership both ways), valid on ``as_of`` (today by default) — so the
    chain reads from an affected organization towards a policy, and hubs (headquarters,
    competitors) are left out.
    """
    found = store.entities(sorted({start, end}))
    for node in (start, end):
        if node not in found:
            raise NotFound(f"no entity with id {node!r}")
    if start == end:
        return []
    ways: dict[str, str] | None = None
    day = as_of
    if directed:
        if schema is None:
            raise ValueError("a directed path needs the schema")
        ways = _explanation_ways(schema, types)
        day = _day(as_of)
    elif types is not None:
        ways = dict.fromkeys(types, "both")
    wanted = sorted(ways) if ways is not None else None
    settled: dict[str, Path] = {start: ()}
    frontier = [start]
    for _ in range(max_length):
        if not frontier or wanted == []:
            break
        front = set(frontier)
        rels = store.edges(frontier, wanted, Direction.BOTH, day)
        cands = [
            (r.other(n), (*settled[n], r))
            for r in rels
            for n in _ends(r)
            if n in front and (ways is None or _may_leave(r, n, ways[r.type]))
        ]
        new = settle(cands, settled)
        if end in new:
            return list(new[end])
        frontier = sorted(new)
    return None


def _explanation_ways(schema: Schema, types: Sequence[str] | None) -> dict[str, str]:
    """Relation type -> forward | backward | both, for the directed path."""
    if types is not None:
        unknown = sorted(set(types) - set(schema.relations))
        if unknown:
            raise BadRequest(f"unknown relation type(s): {', '.join(unknown)}")
    ways: dict[str, str] = {}
    for name in types if types is not None else schema.relation_types:
        way = schema.explanation_direction(name)
        if way is None and types is not None:
            way = "forward"  # a type asked for explicitly is followed as stated
        if way is not None:
            ways[name] = way
    return ways


def _may_leave(rel: Relation, node: str, way: str) -> bool:
    if way == "both":
        return True
    return node == (rel.source if way == "forward" else rel.target)


def _ends(rel: Relation) -> Sequence[str]:
    return (rel.source,) if rel.source == rel.target else (rel.source, rel.target)
