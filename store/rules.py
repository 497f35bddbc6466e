"""Policy rules: the versions of a policy's rule, read from the graph, and which one governs
a policy on a given date.

A rule version is an entity of the ontology class ``PolicyRule`` with relations to what it
covers, excludes, who imposes it, where it applies, which lists it invokes, whom it exempts
and which version it amends; the relation types are found through their roles in the
ontology (``ts:relationRole``), so this module names no relation type. A hypothetical rule
(``whatIf``) is the same :class:`RuleVersion` built from a request instead of the graph;
it has no relations of its own, so the paths explaining its answers stop at the covered item
or the invoked list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from ontology.errors import BadRequest
from ontology.model import Entity, Relation
from ontology.schema import Schema
from store.base import Direction, GraphStore

POLICY_RULE = "PolicyRule"

DIRECTIONS = (
    "restricts-exporters",
    "cuts-off-users",
    "both",
    "promotes-domestic",
    "grants",
    "lists",
)
ACTIONS = ("enacts", "amends", "suspends", "rescinds")
REACHES = ("imposer", "worldwide")
NOT_IN_FORCE_ACTIONS = frozenset({"suspends", "rescinds"})
"""A governing version with one of these actions means the policy binds nobody that day."""

# The role each structural relation of a rule plays (ontology/techsov.ttl, ts:relationRole).
RULE_OF, SCOPE, EXCLUSION = "RuleOfRole", "ScopeRole", "ExclusionRole"
IMPOSER, TARGET, INVOKED, AMENDMENT, EXEMPTION = (
    "ImposerRole",
    "TargetJurisdictionRole",
    "InvokedListRole",
    "AmendmentRole",
    "ExemptionRole",
)
_STRUCTURE = (SCOPE, EXCLUSION, IMPOSER, TARGET, INVOKED, AMENDMENT, EXEMPTION)


@dataclass(frozen=True)
class Coverage:
    """One covered item and how far the rule's scope extends from it."""

    item: str
    include_narrower: bool = True
    include_components: bool = False
    relation: Relation | None = None  # the ``covers`` fact, when the rule is in the graph


@dataclass(frozen=True)
class RuleVersion:
    """One version of a policy's rule (see ``ts:PolicyRule``)."""

    id: str | None  # None for a hypothetical rule
    policy: str | None
    direction: str
    action: str = "enacts"
    in_force_from: date | None = None
    in_force_to: date | None = None
    ownership_threshold: float | None = None
    reach: str = "imposer"
    max_tiers: int | None = None  # tiers beyond those reached directly; None: any
    covers: tuple[Coverage, ...] = ()
    excludes: tuple[str, ...] = ()
    imposers: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    invokes: tuple[tuple[str, Relation | None], ...] = ()
    exempts: tuple[tuple[str, Relation | None], ...] = ()
    amends: str | None = None
    rule_of: Relation | None = field(default=None, compare=False)

    def in_force_on(self, day: date) -> bool:
        if self.in_force_from is not None and day < self.in_force_from:
            return False
        return not (self.in_force_to is not None and day > self.in_force_to)

    def depth(self, asked: int) -> int:
        """The tiers an evaluation asked for ``asked`` walks: no more than the rule's
        exposure travels (``ts:maxTiers``)."""
        return asked if self.max_tiers is None else min(asked, self.max_tiers)

    @property
    def binds(self) -> bool:
        """False for a suspension or rescission: nobody is exposed while it governs."""
        return self.action not in NOT_IN_FORCE_ACTIONS


def _attribute(entity: Entity, name: str) -> object:
    return entity.attributes.get(name)


def _as_date(value: object) -> date | None:
    return value if isinstance(value, date) else None


def read_versions(store: GraphStore, schema: Schema, policy: str) -> list[RuleVersion]:
    """Every version of ``policy``'s rule, oldest first (by start, then id). Three round
    trips: the versions, their entities, their structural relations."""
    rule_of = store.edges([policy], schema.with_role(RULE_OF), Direction.IN, None)
    ids = sorted({r.source for r in rule_of})
    if not ids:
        return []
    entities = store.entities(ids)
    rels = store.edges(ids, schema.with_role(*_STRUCTURE), Direction.OUT, None)
    by_rule: dict[str, list[Relation]] = {i: [] for i in ids}
    for r in rels:
        if r.source in by_rule:
            by_rule[r.source].append(r)
    own = {r.source: r for r in rule_of}
    versions = [
        _version(schema, entities[i], policy, own[i], by_rule[i])
        for i in ids
        if i in entities and schema.is_a(entities[i].kind, POLICY_RULE)
    ]
    versions.sort(key=lambda v: (v.in_force_from or date.min, v.id or ""))
    return versions


def _version(
    schema: Schema, entity: Entity, policy: str, rule_of: Relation, rels: list[Relation]
) -> RuleVersion:
    def role(rel: Relation) -> str | None:
        rdef = schema.relations.get(rel.type)
        return rdef.role if rdef else None

    def flag(rel: Relation, name: str, default: bool) -> bool:
        value = rel.properties.get(name)
        return value if isinstance(value, bool) else default

    threshold = _attribute(entity, "ownershipThreshold")
    tiers = _attribute(entity, "maxTiers")
    amends = [r.target for r in rels if role(r) == AMENDMENT]
    return RuleVersion(
        id=entity.id,
        policy=policy,
        direction=str(_attribute(entity, "ruleDirection") or "lists"),
        action=str(_attribute(entity, "ruleAction") or "enacts"),
        in_force_from=_as_date(_attribute(entity, "inForceFrom")),
        in_force_to=_as_date(_attribute(entity, "inForceTo")),
        ownership_threshold=float(threshold) if isinstance(threshold, int | float) else None,
        reach=str(_attribute(entity, "reach") or "imposer"),
        max_tiers=tiers if isinstance(tiers, int) and not isinstance(tiers, bool) else None,
        covers=tuple(
            Coverage(
                r.target,
                flag(r, "includeNarrower", True),
                flag(r, "includeComponents", False),
                r,
            )
            for r in rels
            if role(r) == SCOPE
        ),
        excludes=tuple(sorted(r.target for r in rels if role(r) == EXCLUSION)),
        imposers=tuple(sorted(r.target for r in rels if role(r) == IMPOSER)),
        targets=tuple(sorted(r.target for r in rels if role(r) == TARGET)),
        invokes=tuple((r.target, r) for r in rels if role(r) == INVOKED),
        exempts=tuple((r.target, r) for r in rels if role(r) == EXEMPTION),
        amends=amends[0] if amends else None,
        rule_of=rule_of,
    )


def governing(versions: Sequence[RuleVersion], day: date) -> RuleVersion | None:
    """The version that governs on ``day``: among the versions in force that day, the one
    that starts last (ties: the one that amends the other, then the larger id). ``None``
    when none is in force (before enactment, or after every version ended)."""
    live = [v for v in versions if v.in_force_on(day)]
    if not live:
        return None
    amended = {v.amends for v in live if v.amends}
    return max(
        live,
        key=lambda v: (v.in_force_from or date.min, v.id not in amended, v.id or ""),
    )


def version_by_id(versions: Sequence[RuleVersion], version_id: str) -> RuleVersion:
    for v in versions:
        if v.id == version_id:
            return v
    known = ", ".join(v.id or "" for v in versions) or "none"
    raise BadRequest(f"no rule version {version_id!r} for this policy (versions: {known})")


def hypothetical(base: RuleVersion | None, policy: str | None, **changes: object) -> RuleVersion:
    """A rule built from a request: ``base``'s fields (a real version) overridden by the
    ``changes`` that are not ``None``. The result has no id and no relations of its own."""
    start = base or RuleVersion(id=None, policy=policy, direction="both")
    wanted = {k: v for k, v in changes.items() if v is not None}
    direction = wanted.get("direction", start.direction)
    if direction not in DIRECTIONS:
        raise BadRequest(f"direction must be one of {', '.join(DIRECTIONS)}")
    reach = wanted.get("reach", start.reach)
    if reach not in REACHES:
        raise BadRequest(f"reach must be one of {', '.join(REACHES)}")
    threshold = wanted.get("ownership_threshold", start.ownership_threshold)
    if isinstance(threshold, int | float) and not 0 <= threshold <= 1:
        raise BadRequest("ownershipThreshold must be between 0 and 1 (0.5 for 50%)")
    tiers = wanted.get("max_tiers", start.max_tiers)
    if isinstance(tiers, int) and tiers < 0:
        raise BadRequest("maxTiers must be 0 or more (0: only those the rule reaches directly)")
    rule = replace(
        start,
        id=None,
        policy=policy if policy is not None else start.policy,
        action="enacts",
        in_force_from=None,
        in_force_to=None,
        amends=None,
        rule_of=None,
        covers=tuple(replace(c, relation=None) for c in start.covers),
        invokes=tuple((i, None) for i, _ in start.invokes),
        exempts=tuple((i, None) for i, _ in start.exempts),
    )
    return replace(rule, **wanted)  # type: ignore[arg-type]
