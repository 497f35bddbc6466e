"""Who must follow a standard, and who depends on one whose patents sit elsewhere.

Written over the store primitives like :mod:`store.standards` (whose module docstring
states the rules): a bounded number of :meth:`GraphStore.edges` calls per request, the
same answer from both stores. Paths are read from the exposed entity towards the
mandate (or the patent holder).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ontology.errors import BadRequest
from ontology.schema import Schema
from store.base import Direction, GraphStore
from store.exposure import PRODUCTION
from store.standards import (
    GOVERNANCE,
    IMPLEMENTATION,
    JURISDICTION,
    MANDATE,
    MANDATORY_IN,
    MEMBERSHIP,
    ORGANIZATION,
    POLICY,
    PRODUCT,
    STANDARD,
    TARGET_JURISDICTION,
    TECHNOLOGY,
    USE,
    Exposure,
    JurisdictionShare,
    Mandate,
    Path,
    _best,
    _hq,
    _kinds,
    _markets,
    _require,
    between,
    expand,
    mandates_of,
    path_key,
    sep_holders,
    shares_by_jurisdiction,
    standard_scope,
    wider_steps,
    within_steps,
)

FOREIGN_PATENTS, MUST_IMPLEMENT = "foreign-essential-patents", "must-implement"
BLOC = "Bloc"


def _applies_to(schema: Schema) -> tuple[str, ...]:
    """Where a policy (not a rule version) applies: its target jurisdictions."""
    return between(schema, TARGET_JURISDICTION, POLICY, JURISDICTION)


def _policy_mandates(
    store: GraphStore, schema: Schema, policy: str, as_of: date | None
) -> list[Mandate]:
    mandates, applies_to = schema.with_role(MANDATE), _applies_to(schema)
    rels = store.edges([policy], (*mandates, *applies_to), Direction.OUT, as_of)
    return sorted(
        (
            Mandate(a.target, m.target, _text(m.properties.get("scope")), (m, a))
            for m in rels
            if m.type in mandates
            for a in rels
            if a.type in applies_to
        ),
        key=lambda m: (m.jurisdiction, m.standard),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


Reach = dict[tuple[str, str], Path]
"""(entity, standard) -> the path from the entity to the standard."""


def _within(
    store: GraphStore, schema: Schema, standards: dict[str, Path], as_of: date | None
) -> Reach:
    """Products and organizations within each standard's reach: those that implement it,
    products that use a technology it governs (a narrower one, or a whole containing
    it), and the makers of those products."""
    impl = store.edges(sorted(standards), schema.with_role(IMPLEMENTATION), Direction.IN, as_of)
    cands = [((r.source, r.target), (r, *standards[r.target])) for r in impl]
    gov = store.edges(sorted(standards), schema.with_role(GOVERNANCE), Direction.OUT, as_of)
    seeds = _best_keyed(((r.target, r.source), (r, *standards[r.source])) for r in gov)
    techs = expand(store, seeds, within_steps(schema), as_of, append=False)
    if techs:
        nodes = sorted({t for t, _ in techs})
        uses = between(schema, USE, PRODUCT, TECHNOLOGY)
        for r in store.edges(nodes, uses, Direction.IN, as_of):
            cands += [((r.source, std), (r, *p)) for (t, std), p in techs.items() if t == r.target]
    reached = _best_keyed(cands)
    kinds = _kinds(store, (n for n, _ in reached))
    products = sorted({n for n, _ in reached if schema.is_a(kinds.get(n, ""), PRODUCT)})
    if products:
        made = store.edges(products, list(schema.with_role(PRODUCTION)), Direction.IN, as_of)
        cands += [
            ((r.source, std), (r, *p))
            for (n, std), p in reached.items()
            for r in made
            if r.target == n
        ]
    return _best_keyed(cands)


def _best_keyed(cands: Iterable[tuple[tuple[str, str], Path]]) -> Reach:
    best: Reach = {}
    for key, path in cands:
        if key not in best or path_key(path) < path_key(best[key]):
            best[key] = path
    return best


def _must_implement(
    store: GraphStore, schema: Schema, mandates: list[Mandate], as_of: date | None
) -> list[Exposure]:
    """Who is within reach of a standard mandatory where it sells: an organization
    headquartered in or entering the jurisdiction, a product whose maker does."""
    if not mandates:
        return []
    standards = _best((m.standard, m.path) for m in mandates)
    reached = _within(store, schema, standards, as_of)
    kinds = _kinds(store, (n for n, _ in reached))
    orgs = sorted({n for n, _ in reached if schema.is_a(kinds.get(n, ""), ORGANIZATION)})
    markets = _markets(store, schema, orgs, as_of)
    production = schema.with_role(PRODUCTION)
    makers: dict[tuple[str, str], list[str]] = {}
    for (node, std), path in sorted(reached.items()):
        if path[0].type in production:
            makers.setdefault((path[0].target, std), []).append(node)
    out = []
    for m in mandates:
        tail = len(standards[m.standard])
        for node, std in sorted(reached):
            if std != m.standard:
                continue
            for seller in [node] if node in markets else makers.get((node, std), []):
                sells = markets.get(seller, [])
                market = next((r for r in sells if r.target == m.jurisdiction), None)
                if market is not None:
                    chain = reached[(seller, std)]
                    full = (market, *chain[: len(chain) - tail], *m.path)
                    out.append(Exposure(node, MUST_IMPLEMENT, std, m.jurisdiction, full))
                    break
    return out


def _foreign_patents(
    store: GraphStore, schema: Schema, scope: dict[str, Path], as_of: date | None
) -> list[Exposure]:
    """Implementers whose jurisdiction is neither the one leading a study of the
    standard's declared essential patents nor in a bloc with it; one entry per implementer
    and study."""
    holders = sep_holders(store, schema, scope, as_of)
    leaders = _leaders(shares_by_jurisdiction(holders))
    if not leaders:
        return []
    reached = _within(store, schema, scope, as_of)
    kinds = _kinds(store, (n for n, _ in reached))
    orgs = _best(
        (n, p) for (n, _), p in reached.items() if schema.is_a(kinds.get(n, ""), ORGANIZATION)
    )
    seats = _hq(store, schema, orgs, as_of)
    blocs = _blocs(store, schema, {s.target for s in seats.values()} | _seats(leaders), as_of)
    out = []
    for org, path in sorted(orgs.items()):
        seat = seats.get(org)
        for lead in leaders:
            if seat is None or _same_bloc(seat.target, lead.jurisdiction, blocs):
                continue
            top = next(
                h
                for h in holders
                if (h.counts, h.year, h.jurisdiction) == (lead.counts, lead.year, lead.jurisdiction)
            )
            full = (seat, *path, *reversed(top.path))
            study = f"{lead.counts}, {lead.year}" if lead.year else lead.counts
            std, where = path[-1].target, lead.jurisdiction or ""
            out.append(Exposure(org, FOREIGN_PATENTS, std, where, full, study, lead.share))
    return out


def _seats(leaders: Iterable[JurisdictionShare]) -> set[str]:
    return {s.jurisdiction for s in leaders if s.jurisdiction is not None}


def _blocs(
    store: GraphStore, schema: Schema, places: set[str], as_of: date | None
) -> dict[str, set[str]]:
    """Each jurisdiction with the blocs it belongs to (``memberOf`` a Bloc), itself
    included: patents held in another member of one's own bloc are not foreign."""
    found = {p: {p} for p in places}
    member_of = schema.with_role(MEMBERSHIP)
    rels = store.edges(sorted(places), member_of, Direction.OUT, as_of) if places else []
    kinds = _kinds(store, (r.target for r in rels))
    for r in rels:
        if schema.is_a(kinds.get(r.target, ""), BLOC):
            found[r.source].add(r.target)
    return found


def _same_bloc(a: str, b: str | None, blocs: dict[str, set[str]]) -> bool:
    return b is not None and bool(blocs.get(a, {a}) & blocs.get(b, {b}))


def _leaders(shares: Iterable[JurisdictionShare]) -> list[JurisdictionShare]:
    """The jurisdiction with the largest summed share in each study (known seats only)."""
    best: dict[tuple[str, int | None], JurisdictionShare] = {}
    for s in shares:
        key = (s.counts, s.year)
        if s.jurisdiction is not None and (key not in best or s.share > best[key].share):
            best[key] = s
    return sorted(best.values(), key=lambda s: (-(s.year or 0), s.counts))


def standard_exposure(
    store: GraphStore,
    schema: Schema,
    *,
    policy: str | None = None,
    standard: str | None = None,
    as_of: date | None = None,
) -> list[Exposure]:
    """Products and firms that must implement a mandated standard where they sell, and
    (for a standard) implementers that depend on essential patents held mostly in
    another jurisdiction. Give exactly one of ``policy`` and ``standard``. Order:
    basis, jurisdiction, entity, standard."""
    if (policy is None) == (standard is None):
        raise BadRequest("give exactly one of policy and standard")
    if policy is not None:
        _require(store, schema, policy, POLICY)
        out = _must_implement(store, schema, _policy_mandates(store, schema, policy, as_of), as_of)
    else:
        assert standard is not None
        _require(store, schema, standard, STANDARD)
        scope = standard_scope(store, schema, standard, as_of)
        out = _must_implement(store, schema, mandates_of(store, schema, scope, as_of), as_of)
        out += _foreign_patents(store, schema, scope, as_of)
    order = {MUST_IMPLEMENT: 0, FOREIGN_PATENTS: 1}
    return sorted(out, key=lambda e: (order[e.basis], e.jurisdiction, e.entity, e.standard))


@dataclass(frozen=True)
class MandatoryStandard:
    standard: str
    jurisdiction: str
    scope: str | None
    technology: str | None  # the technology (or its wider/narrower one) it governs
    path: Path


def mandatory_standards(
    store: GraphStore,
    schema: Schema,
    jurisdiction: str,
    *,
    technology: str | None = None,
    as_of: date | None = None,
) -> list[MandatoryStandard]:
    """Standards mandatory in a jurisdiction (directly or through a policy applying
    there); with ``technology``, only those governing it, a wider technology it belongs
    to, or a narrower one (the battery of an EV). Order: standard id."""
    _require(store, schema, jurisdiction, "Jurisdiction")
    mandatory_in, applies_to = schema.with_role(MANDATORY_IN), _applies_to(schema)
    direct = store.edges([jurisdiction], (*mandatory_in, *applies_to), Direction.IN, as_of)
    found = [
        MandatoryStandard(r.source, jurisdiction, _text(r.properties.get("scope")), None, (r,))
        for r in direct
        if r.type in mandatory_in
    ]
    policies = {r.source: r for r in direct if r.type in applies_to}
    if policies:
        rels = store.edges(sorted(policies), schema.with_role(MANDATE), Direction.OUT, as_of)
        found += [
            MandatoryStandard(
                m.target,
                jurisdiction,
                _text(m.properties.get("scope")),
                None,
                (m, policies[m.source]),
            )
            for m in rels
        ]
    if technology is not None:
        found = _governing_technology(store, schema, found, technology, as_of)
    best: dict[str, MandatoryStandard] = {}
    for f in found:
        if f.standard not in best or path_key(f.path) < path_key(best[f.standard].path):
            best[f.standard] = f
    return [best[k] for k in sorted(best)]


def _governing_technology(
    store: GraphStore,
    schema: Schema,
    found: list[MandatoryStandard],
    technology: str,
    as_of: date | None,
) -> list[MandatoryStandard]:
    _require(store, schema, technology, TECHNOLOGY)
    wider = expand(store, {(technology, ""): ()}, wider_steps(schema), as_of, append=True)
    related = {t: p for (t, _), p in wider.items()}
    if not found:
        return []
    governs = schema.with_role(GOVERNANCE)
    gov = store.edges(sorted({f.standard for f in found}), governs, Direction.OUT, as_of)
    out = []
    for f in found:
        for g in gov:
            if g.source == f.standard and g.target in related:
                out.append(
                    MandatoryStandard(
                        f.standard,
                        f.jurisdiction,
                        f.scope,
                        g.target,
                        (*f.path, g, *related[g.target]),
                    )
                )
    return out
