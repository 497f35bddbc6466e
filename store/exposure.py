"""Exposure to a policy: the evaluation of one rule version on one date.

Written once over the store primitives (:meth:`GraphStore.edges` and
:meth:`GraphStore.entities`), so both stores answer identically; a request costs a number of
round trips bounded by its depth and the taxonomy's depth. Every relation type it follows is
found through its role in the ontology (``ts:relationRole``). The rules, in the order the
evaluation applies them (README, "What exposed to a policy means"):

1. *Scope.* The covered items, their narrower kinds (``KindOfRole``, followed downwards)
   unless a coverage says otherwise, their components and inputs (``ComponentRole``,
   downwards) only where a coverage includes them; minus the excluded items and their
   narrower kinds. Products that use an item in scope (``UseRole``) are in scope, unless they
   use an excluded one too.
2. *Producers* (``ProductionRole``) of items in scope, and *users*: organizations that
   depend on an item in scope (``UseRole``), buy one (a ``supplies`` fact whose ``item``
   is in scope, from a producer), or make something an item in scope goes into
   (``ComponentRole`` followed upwards, any number of steps).
3. *Direction.* ``restricted``: producers under the imposer's reach (headquartered in an
   imposing jurisdiction, one of its members, or owned by such a firm when their own seat
   is unknown; any producer with ``reach: worldwide``) and outside the target
   jurisdictions. ``cut-off``: users in the target jurisdictions (a producer there is a
   competitor of the restricted exporters, not their customer) (with none
   named: known to be outside the imposing ones). ``technology``: for a policy promoting
   domestic capability, producers that are not domestic; domestic ones are beneficiaries.
   ``named``: named by the policy or a list the rule invokes; ``affiliate``: owned at least
   ``ownershipThreshold`` by a named party.
4. *Tiers.* Suppliers (``supplier``) and owners or subsidiaries (``ownership``; with a
   threshold, only subsidiaries owned at least that much) of exposed organizations, up to
   ``max_depth`` and no further than the rule's ``maxTiers`` (0 for a measure that binds
   only those it reaches directly, as a ban on investing in listed firms does). A
   ``supplies`` fact that names its ``item`` carries exposure only when that item is
   within the rule's reach: in scope, a product using an item in scope, what an item in
   scope goes into, or a broader kind of an item in scope (which may contain it). A
   battery maker is not exposed to a chip measure because it sells batteries to a chip
   designer. A fact without an item carries exposure (what flows is unknown), and so does
   every fact of a rule without a scope (a list bars all trade with those it names).
   The tiers of a cut-off user stop at the imposers' borders: an organization placed in
   an imposing jurisdiction is not reached from it (the control governs what leaves the
   country; at home it still buys), though it may be from a restricted exporter.
5. *Beneficiaries* (``benefitsFrom`` facts, organizations the rule exempts, everything a
   grant names, domestic firms of a domestic-promotion policy at any depth) are never
   exposed and are not expanded.

Only facts valid on the date count. Paths read from the exposed organization towards the
policy and end with the rule's own relations (``covers`` or ``invokes``, then ``ruleOf``)
when the rule is in the graph; ties are broken as in :mod:`store.analysis`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ontology.model import Relation
from ontology.schema import Schema
from store.base import Direction, GraphStore
from store.exposure_results import Beneficiary, Evaluation, page
from store.first_tier import Found, Reach, domestic_page
from store.paths import Candidate, Path, best_candidates, path_key, settle
from store.rules import RuleVersion
from store.sales import made_by, sales_of
from store.tier_borders import CUTS_OFF, cut_off_roots, shielded, via

MAX_LEVELS = 64
"""Guard against a malformed taxonomy; validation already rejects cycles."""

ORGANIZATION, PRODUCT = "Organization", "Product"
SUPPLY, PRODUCTION, USE, OWNERSHIP = "SupplyRole", "ProductionRole", "UseRole", "OwnershipRole"
KIND_OF, COMPONENT, BENEFIT, LISTING = "KindOfRole", "ComponentRole", "BenefitRole", "ListingRole"
HEADQUARTERS, MEMBERSHIP = "HeadquartersRole", "MembershipRole"
RESTRICTS = frozenset({"restricts-exporters", "both"})
DOMESTIC = frozenset({"promotes-domestic", "grants"})


@dataclass(frozen=True)
class _Flags:
    narrower: bool
    components: bool


def _targets(rels: Iterable[Relation]) -> dict[str, set[str]]:
    """The targets of ``rels`` by source."""
    out: dict[str, set[str]] = {}
    for r in rels:
        out.setdefault(r.source, set()).add(r.target)
    return out


class _Evaluator:
    """One evaluation's state: the store, the date, the rule and a cache of seats."""

    def __init__(self, store: GraphStore, schema: Schema, rule: RuleVersion, day: date) -> None:
        self.store, self.schema, self.rule, self.day = store, schema, rule, day
        self.suffix: Path = (rule.rule_of,) if rule.rule_of is not None else ()
        self._places: dict[str, frozenset[str]] = {}
        self._reach: tuple[dict[str, Path], dict[str, Path], set[str]] | None = None
        self._reach_items: frozenset[str] | None = None
        self._consumers: dict[str, Path] | None = None

    def reach_from(
        self, items: dict[str, Path], scope: dict[str, Path], excluded: set[str]
    ) -> None:
        """What :attr:`reach_items` is made of, read only when a tier asks (a walk that the
        first tier ends never does; the answer is the same either way)."""
        self._reach = (items, scope, excluded)

    @property
    def reach_items(self) -> frozenset[str] | None:
        """Items a ``supplies`` fact may name and still carry exposure; ``None``: any."""
        if self._reach is not None and self._reach_items is None:
            items, scope, excluded = self._reach
            consumers = self.consumers(scope, excluded)
            self._reach_items = (
                frozenset(items) | frozenset(consumers) | frozenset(self.broader(scope))
            )
        return self._reach_items

    def carries(self, supply: Relation) -> bool:
        """Whether a ``supplies`` fact carries exposure to its supplier (rule 4)."""
        item = supply.properties.get("item")
        if not isinstance(item, str):
            return True
        reach = self.reach_items
        return reach is None or item in reach

    def edges(
        self, nodes: Iterable[str], roles: tuple[str, ...], direction: Direction
    ) -> list[Relation]:
        ids = sorted(set(nodes))
        if not ids:
            return []
        return self.store.edges(ids, self.schema.with_role(*roles), direction, self.day)

    # ------------------------------------------------------------ scope
    def expand(self, roots: dict[str, tuple[Path, _Flags]], blocked: set[str]) -> dict[str, Path]:
        """Items below ``roots``: narrower kinds and components/inputs as each one's flags
        allow, never through ``blocked``; each with its best path up to a root."""
        flags = {i: f for i, (_, f) in roots.items() if i not in blocked}
        settled = {i: p for i, (p, _) in roots.items() if i not in blocked}
        frontier = sorted(settled)
        kind_of = set(self.schema.with_role(KIND_OF))
        for _ in range(MAX_LEVELS):
            if not frontier:
                break
            rels = self.edges(frontier, (KIND_OF, COMPONENT), Direction.IN)
            found: list[tuple[str, Path]] = []
            grown: set[str] = set()
            for r in rels:
                f = flags[r.target]
                if r.source in blocked or not (f.narrower if r.type in kind_of else f.components):
                    continue
                found.append((r.source, (r,) + settled[r.target]))
                old = flags.get(r.source, _Flags(False, False))
                new = _Flags(old.narrower or f.narrower, old.components or f.components)
                if new != old:
                    flags[r.source] = new
                    grown.add(r.source)
            settle(found, settled)
            frontier = sorted(grown)
        return settled

    def scope(self) -> tuple[dict[str, Path], set[str]]:
        """(technologies and products in scope with their paths, excluded items)."""
        excluded = set(
            self.expand({i: ((), _Flags(True, False)) for i in self.rule.excludes}, set())
        )
        roots: dict[str, tuple[Path, _Flags]] = {}
        for c in sorted(self.rule.covers, key=lambda c: c.item):
            path: Path = (c.relation,) if c.relation is not None else ()
            if c.item not in roots or path_key(path) < path_key(roots[c.item][0]):
                roots[c.item] = (path, _Flags(c.include_narrower, c.include_components))
        return self.expand(roots, excluded), excluded

    def uses(self, items: Iterable[str], dependents: bool) -> list[Relation]:
        """The ``UseRole`` facts into ``items``; without ``dependents`` only those from
        products are needed (a store may leave the organizations' out)."""
        return self.edges(items, (USE,), Direction.IN)

    def with_products(
        self, items: dict[str, Path], excluded: set[str], dependents: bool = False
    ) -> tuple[dict[str, Path], list[tuple[str, Path]]]:
        """``items`` plus the products that use one of them (and no excluded item), and
        (with ``dependents``) the organizations that depend on one of them (``UseRole``
        from an organization)."""
        uses = self.uses(items, dependents)
        kinds = self.store.entities(sorted({r.source for r in uses}))
        products = {i for i, e in kinds.items() if self._is(e.kind, PRODUCT)}
        if excluded and products:
            out = self.edges(products, (USE,), Direction.OUT)
            products -= {r.source for r in out if r.target in excluded}
        full = dict(items)
        settle(((r.source, (r,) + items[r.target]) for r in uses if r.source in products), full)
        if not dependents:
            return full, []
        orgs = {i for i, e in kinds.items() if self._is(e.kind, ORGANIZATION)}
        return full, [(r.source, (r,) + items[r.target]) for r in uses if r.source in orgs]

    def broader(self, items: Iterable[str]) -> set[str]:
        """The broader kinds of ``items``, any number of steps up (``KindOfRole``)."""
        seen: set[str] = set()
        frontier = sorted(set(items))
        for _ in range(MAX_LEVELS):
            if not frontier:
                break
            rels = self.edges(frontier, (KIND_OF,), Direction.OUT)
            frontier = sorted({r.target for r in rels} - seen)
            seen.update(frontier)
        return seen

    def consumers(self, scope: dict[str, Path], excluded: set[str]) -> dict[str, Path]:
        """What items in scope go into, any number of steps up (``ComponentRole``
        followed upwards), with their narrower kinds and the products that use them.
        Read once per evaluation (the users and the reach both need them)."""
        if self._consumers is not None:
            return self._consumers
        settled: dict[str, Path] = {}
        frontier = sorted(scope)
        known = dict(scope)
        for _ in range(MAX_LEVELS):
            if not frontier:
                break
            rels = self.edges(frontier, (COMPONENT,), Direction.OUT)
            new = settle(
                ((r.target, (r,) + known[r.source]) for r in rels if r.target not in excluded),
                known,
            )
            settled.update(new)
            frontier = sorted(new)
        roots = {i: (p, _Flags(True, False)) for i, p in settled.items()}
        expanded = {i: p for i, p in self.expand(roots, excluded | set(scope)).items()}
        self._consumers = self.with_products(expanded, excluded)[0] if expanded else {}
        return self._consumers

    # ------------------------------------------------------------ who
    def producers(self, items: dict[str, Path]) -> list[tuple[str, Path]]:
        made = self.edges(items, (PRODUCTION,), Direction.IN)
        return [(r.source, (r,) + items[r.target]) for r in made]

    def buyers(
        self, producers: list[tuple[str, Path]], items: dict[str, Path]
    ) -> list[tuple[str, Path]]:
        """Customers of producers, on ``supplies`` facts whose ``item`` is in scope."""
        made = made_by(producers)
        sold = self.edges({o for o, _ in producers}, (SUPPLY,), Direction.OUT)
        return sales_of(sold, made)

    def places(self, orgs: Iterable[str]) -> dict[str, frozenset[str]]:
        """Jurisdictions each organization belongs to: its seat (or, when unknown, its
        parent's) and the blocs that seat is a member of. Cached per evaluation."""
        todo = sorted(set(orgs) - set(self._places))
        if todo:
            hq = self.edges(todo, (HEADQUARTERS,), Direction.OUT)
            seat: dict[str, set[str]] = {o: set() for o in todo}
            for r in hq:
                seat[r.source].add(r.target)
            unknown = [o for o in todo if not seat[o]]
            parents = self.edges(unknown, (OWNERSHIP,), Direction.OUT)
            parent_hq = _targets(
                self.edges({r.target for r in parents}, (HEADQUARTERS,), Direction.OUT)
            )
            for r in parents:
                seat[r.source].update(parent_hq.get(r.target, ()))
            blocs = _targets(
                self.edges({j for s in seat.values() for j in s}, (MEMBERSHIP,), Direction.OUT)
            )
            for o, js in seat.items():
                # One step: the blocs a seat is a member of (not the blocs of those blocs).
                self._places[o] = frozenset(js.union(*(blocs.get(j, ()) for j in js)))
        return {o: self._places.get(o, frozenset()) for o in orgs}

    def organizations(self, ids: Iterable[str]) -> set[str]:
        found = self.store.entities(sorted(set(ids)))
        return {i for i, e in found.items() if self._is(e.kind, ORGANIZATION)}

    def _is(self, kind: str, cls: str) -> bool:
        return self.schema.is_a(kind, cls)

    # ------------------------------------------------------------ named parties
    def named(self, policy: str | None) -> list[tuple[str, Path]]:
        """Parties the policy names (the path is that one fact: it ends at the policy), and
        those named by the lists the rule invokes (through ``invokes`` and ``ruleOf``)."""
        out: list[tuple[str, Path]] = []
        if policy is not None:
            out += [(r.target, (r,)) for r in self.edges([policy], (LISTING,), Direction.OUT)]
        lists = dict(self.rule.invokes)
        for r in self.edges(lists, (LISTING,), Direction.OUT):
            via = lists[r.source]
            out.append((r.target, (r, *((via,) if via is not None else ()), *self.suffix)))
        return out

    def meets_threshold(self, rel: Relation) -> bool:
        """An ownership fact reaches the rule's threshold only with a stated share."""
        share = rel.properties.get("share")
        threshold = self.rule.ownership_threshold
        return threshold is not None and isinstance(share, int | float) and share >= threshold

    def affiliates(self, named: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
        """Organizations owned at least the threshold by a named party."""
        if self.rule.ownership_threshold is None or not named:
            return []
        owners: dict[str, Path] = {}
        settle(named, owners)
        owned = self.edges(owners, (OWNERSHIP,), Direction.IN)
        return [(r.source, (r,) + owners[r.target]) for r in owned if self.meets_threshold(r)]

    def beneficiaries(self, policy: str | None) -> dict[str, Beneficiary]:
        """``benefitsFrom`` facts and the organizations the rule exempts (valid that day)."""
        out: dict[str, Beneficiary] = {}
        if policy is not None:
            for r in self.edges([policy], (BENEFIT,), Direction.IN):
                out.setdefault(r.source, Beneficiary(r.source, "benefits-from", (r,)))
        for org, rel in sorted(self.rule.exempts, key=lambda e: e[0]):
            if rel is None:
                out.setdefault(org, Beneficiary(org, "exempted", ()))
            elif rel.valid_at(self.day):
                out.setdefault(org, Beneficiary(org, "exempted", (rel, *self.suffix)))
        return out


def _reached(ev: _Evaluator, policy: str | None) -> Found:
    """Rule 1 and 2: the scope, its producers and users, the named parties and their
    affiliates, and the beneficiaries named as such."""
    rule = ev.rule
    scope, excluded = ev.scope()
    cuts_off = rule.direction in CUTS_OFF
    items, dependents = ev.with_products(scope, excluded, cuts_off) if scope else ({}, [])
    # Producers are exposed, or beneficiaries, under every direction but a list's.
    producers = ev.producers(items) if rule.direction != "lists" else []
    users: list[tuple[str, Path]] = []
    if scope:
        ev.reach_from(items, scope, excluded)
        if rule.direction in CUTS_OFF:
            consumers = ev.consumers(scope, excluded)
            users = [*dependents, *ev.buyers(producers, items), *ev.producers(consumers)]
    named = ev.named(policy)
    reach = Reach(
        scope=sorted(scope),
        named=sorted({o for o, _ in named}) if rule.direction != "grants" else [],
        jurisdictions=sorted(set(rule.targets)),
    )
    return Found(producers, users, named, ev.affiliates(named), ev.beneficiaries(policy), reach)


def _direct(
    ev: _Evaluator, policy: str | None
) -> tuple[list[Candidate], dict[str, Beneficiary], Reach]:
    """Depth-0 candidates, the beneficiaries, and what the rule reaches directly."""
    found = _reached(ev, policy)
    out, benefit = _classify(ev, found)
    return out, benefit, found.reach


def _classify(ev: _Evaluator, found: Found) -> tuple[list[Candidate], dict[str, Beneficiary]]:
    """Rule 3 on what the rule reaches directly: the depth-0 candidates, and the
    beneficiaries among the organizations reached."""
    rule, suffix = ev.rule, ev.suffix
    producers, users, named, affiliates = (
        found.producers,
        found.users,
        found.named,
        found.affiliates,
    )
    benefit = dict(found.benefit)
    orgs = ev.organizations(
        {o for o, _ in (*producers, *users, *named, *affiliates)} | set(benefit)
    )
    places = ev.places(orgs)
    imposers, targets = set(rule.imposers), set(rule.targets)

    def in_target(o: str) -> bool:
        return (
            bool(places[o] & targets) if targets else bool(places[o]) and not places[o] & imposers
        )

    out: list[Candidate] = []
    if rule.direction in RESTRICTS:
        out += [
            (o, "restricted", p + suffix)
            for o, p in producers
            if o in orgs
            and not in_target(o)
            and (rule.reach == "worldwide" or places[o] & imposers)
        ]
    if rule.direction in CUTS_OFF:
        out += [(o, "cut-off", p + suffix) for o, p in users if o in orgs and in_target(o)]
    if rule.direction in DOMESTIC:
        for o, p in producers:
            if o in orgs and places[o] & (imposers | targets):
                benefit.setdefault(o, Beneficiary(o, "domestic", p + suffix))
            elif o in orgs and rule.direction == "promotes-domestic":
                out.append((o, "technology", p + suffix))
    if rule.direction == "grants":
        for o, p in named:
            benefit.setdefault(o, Beneficiary(o, "granted", p))
    else:
        out += [(o, "named", p) for o, p in named if o in orgs]
        out += [(o, "affiliate", p) for o, p in affiliates if o in orgs]
    return out, {o: b for o, b in benefit.items() if o in orgs}


def _tier(
    ev: _Evaluator,
    frontier: list[str],
    settled: dict[str, tuple[str, Path]],
    benefit: dict[str, Beneficiary],
    root_of: dict[str, str],
    cut_roots: set[str],
) -> list[Candidate]:
    """Candidates one tier further: suppliers of, and owners or subsidiaries of (with a
    threshold: subsidiaries owned at least that much), the frontier; none at home in an
    imposing jurisdiction on the way from a cut-off user (``root_of``: each settled
    organization's directly exposed one; ``cut_roots``: :func:`cut_off_roots`)."""
    front = set(frontier)
    out: list[Candidate] = [
        (r.source, "supplier", (r,) + settled[r.target][1])
        for r in ev.edges(frontier, (SUPPLY,), Direction.IN)
        if ev.carries(r)
    ]
    if ev.rule.ownership_threshold is None:
        for r in ev.edges(frontier, (OWNERSHIP,), Direction.BOTH):
            for n in {r.source, r.target} & front:
                out.append((r.other(n), "ownership", (r,) + settled[n][1]))
    else:
        out += [
            (r.source, "ownership", (r,) + settled[r.target][1])
            for r in ev.edges(frontier, (OWNERSHIP,), Direction.IN)
            if ev.meets_threshold(r)
        ]
    fresh = [c for c in out if c[0] not in settled and c[0] not in benefit]
    fresh = shielded(ev, fresh, root_of, cut_roots)
    orgs = ev.organizations(c[0] for c in fresh)
    fresh = [c for c in fresh if c[0] in orgs]
    if ev.rule.direction == "promotes-domestic" and fresh:
        home = set(ev.rule.imposers) | set(ev.rule.targets)
        places = ev.places(orgs)
        for org, _, path in sorted(fresh, key=lambda c: path_key(c[2])):
            if places[org] & home:
                benefit.setdefault(org, Beneficiary(org, "domestic", path))
        fresh = [c for c in fresh if c[0] not in benefit]
    return fresh


def evaluate(
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
    """Who ``rule`` exposes on ``day`` (nobody when no rule binds that day). With
    ``exposures_only`` the walk stops at the tier that fills the page (exposures are
    ordered by depth first) and the beneficiaries are left out (the caller reads the
    exposures alone, and deeper tiers could add beneficiaries)."""
    if rule is None or not rule.binds:
        return Evaluation(policy, day, rule, [], [], [], [], [])
    ev = _Evaluator(store, schema, rule, day)
    max_depth = rule.depth(max_depth)
    found = _reached(ev, policy)
    reach = found.reach
    if exposures_only and rule.direction == "promotes-domestic":
        kept = domestic_page(ev, found, first)
        if kept is not None:
            exposures = page(kept, dict.fromkeys(kept, 0), first, rule.id, day)
            return Evaluation(policy, day, rule, exposures, [], reach.scope, reach.named,
                              reach.jurisdictions)  # fmt: skip
    candidates, benefit = _classify(ev, found)
    settled = best_candidates(candidates, set(benefit))
    depth_of = dict.fromkeys(settled, 0)
    root_of = {org: org for org in settled}
    cut_roots = cut_off_roots(rule, settled)
    frontier = sorted(settled)
    for depth in range(1, max_depth + 1):
        if not frontier or (exposures_only and len(settled) >= first):
            break
        reached = _tier(ev, frontier, settled, benefit, root_of, cut_roots)
        new = best_candidates(reached, set(settled) | set(benefit))
        for org, (kind, path) in new.items():
            root_of[org] = root_of[via((org, kind, path))]
        settled.update(new)
        depth_of.update(dict.fromkeys(new, depth))
        frontier = sorted(new)
    exposures = page(settled, depth_of, first, rule.id, day)
    return Evaluation(
        policy=policy,
        as_of=day,
        rule=rule,
        exposures=exposures,
        beneficiaries=[] if exposures_only else sorted(benefit.values(), key=lambda b: b.entity),
        scope=reach.scope,
        named=reach.named,
        jurisdictions=reach.jurisdictions,
    )
