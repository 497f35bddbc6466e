"""The standards questions, written once over the store primitives.

Like :mod:`store.analysis`, every step is a :meth:`GraphStore.edges` or
:meth:`GraphStore.entities` call, so both stores answer identically and a request costs a
number of round trips bounded by constants and the depth of the part-of and taxonomy
hierarchies, never by the size of its answer.

**A standard's scope.** A question about a standard covers the standard and its parts
(``partOf`` followed inwards: 5G NR and its 3GPP releases; the Chinese EV standards and
GB 38031-2020). Every path below is read from the reached entity towards the anchor.

**Influence** (:func:`standard_influence`): the bodies that develop or publish the
standard, their partners and committees (``memberOf``/``committeeOf`` of another body);
the other actors that develop or promote it or hold a seat in one of its bodies; the
declared essential-patent holders, each with its headquarters; the shares of declared
families summed by jurisdiction *within each study* (studies count differently, so shares
are never added across studies); and where it is mandatory (``mandatoryIn``, or a policy
that ``mandates`` it and ``appliesTo`` a jurisdiction).

**Must implement.** A product must implement a standard mandatory in a jurisdiction when
it implements the standard already, or when it uses a technology the standard governs
(or a narrower one, ``broader`` followed downwards) — and its maker is headquartered in
or ``entersMarket`` that jurisdiction. Its maker (``produces``/``develops``) must too.

**Foreign essential patents.** An implementer of a standard (directly, or through a
product) depends on patents sitting mostly elsewhere when, in a study, the jurisdiction
with the largest summed share is not the implementer's own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ontology.errors import NotFound
from ontology.model import Relation
from ontology.schema import Schema
from store.base import Direction, GraphStore

PART_OF, PUBLISHER, PROMOTION = "StandardPartRole", "PublisherRole", "PromotionRole"
MEMBERSHIP, COMMITTEE, ESSENTIAL_PATENTS = "MembershipRole", "CommitteeRole", "EssentialPatentRole"
MANDATORY_IN, MANDATE = "MandatoryInRole", "MandateRole"
IMPLEMENTATION, GOVERNANCE, KIND_OF = "ImplementationRole", "GovernanceRole", "KindOfRole"
PRODUCTION, USE, TARGET_JURISDICTION = "ProductionRole", "UseRole", "TargetJurisdictionRole"
OWNERSHIP, ASSEMBLY = "OwnershipRole", "AssemblyRole"
HEADQUARTERS, MARKET_ENTRY = "HeadquartersRole", "MarketEntryRole"
"""Relation roles (``ts:relationRole``): the relation types are read from the ontology."""
STANDARD, STANDARDS_BODY, ORGANIZATION = "Standard", "StandardsBody", "Organization"
POLICY, PRODUCT, JURISDICTION, TECHNOLOGY = "Policy", "Product", "Jurisdiction", "Technology"

Path = tuple[Relation, ...]
"""A chain of facts; each answer carries the one that explains it."""


def path_key(path: Path) -> tuple[int, tuple[str, ...]]:
    """Ties between paths: shortest first, then the smallest sequence of relation ids, as
    every analyst question breaks them, so both stores choose the same path."""
    return (len(path), tuple(r.id for r in path))


def between(schema: Schema, role: str, source: str, target: str) -> tuple[str, ...]:
    """Relation types of ``role`` that may link a ``source`` entity to a ``target`` one by
    their domain and range: production of a standard is ``develops``, not ``produces``."""
    return tuple(
        t
        for t in schema.with_role(role)
        if schema.is_any(source, schema.relations[t].domain)
        and schema.is_any(target, schema.relations[t].range)
    )


MAX_LEVELS = 16
"""Guard on part-of and taxonomy walks; validation already rejects taxonomy cycles."""


@dataclass(frozen=True)
class Role:
    """An actor's part in a standard (or a standard's part in a firm's life)."""

    entity: str
    role: str
    path: Path


@dataclass(frozen=True)
class SepHolder:
    holder: str
    jurisdiction: str | None
    share: float | None
    rank: int | None
    year: int | None
    counts: str
    path: Path  # the declaration, then the holder's headquarters when known


@dataclass(frozen=True)
class JurisdictionShare:
    """The share of declared families one study gives a jurisdiction's declarants."""

    counts: str
    year: int | None
    jurisdiction: str | None  # None: declarants whose headquarters are not known
    share: float
    holders: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Mandate:
    jurisdiction: str
    standard: str
    scope: str | None
    path: Path  # mandatoryIn, or mandates then appliesTo


@dataclass(frozen=True)
class StandardInfluence:
    standard: str
    parts: list[str]
    bodies: list[Role]
    contributors: list[Role]
    sep_holders: list[SepHolder]
    shares_by_jurisdiction: list[JurisdictionShare]
    mandates: list[Mandate]


@dataclass(frozen=True)
class Exposure:
    entity: str
    basis: str  # why it is exposed: must-implement | foreign-essential-patents
    standard: str
    jurisdiction: str  # where mandatory, or where the leading share of patents sits
    path: Path
    study: str | None = None  # foreign-essential-patents: what the study counts, and its year
    share: float | None = None  # foreign-essential-patents: the leading jurisdiction's share


def _best(cands: Iterable[tuple[str, Path]]) -> dict[str, Path]:
    best: dict[str, Path] = {}
    for node, path in cands:
        if node not in best or path_key(path) < path_key(best[node]):
            best[node] = path
    return best


def _kinds(store: GraphStore, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    return {k: e.kind for k, e in store.entities(wanted).items()} if wanted else {}


def _require(store: GraphStore, schema: Schema, entity_id: str, cls: str) -> None:
    found = store.entities([entity_id]).get(entity_id)
    if found is None:
        raise NotFound(f"no entity with id {entity_id!r}")
    if not schema.is_a(found.kind, cls):
        raise NotFound(f"{entity_id!r} is a {found.kind}, not a {cls}")


def standard_scope(
    store: GraphStore, schema: Schema, standard: str, as_of: date | None
) -> dict[str, Path]:
    """The standard and its parts, each with its ``partOf`` chain to the standard."""
    scope: dict[str, Path] = {standard: ()}
    frontier = [standard]
    for _ in range(MAX_LEVELS):
        if not frontier:
            break
        rels = store.edges(frontier, schema.with_role(PART_OF), Direction.IN, as_of)
        new = _best((r.source, (r, *scope[r.target])) for r in rels if r.source not in scope)
        scope.update(new)
        frontier = sorted(new)
    return scope


Step = tuple[str, Direction]
"""A relation type and the direction to follow it in."""


def wider_steps(schema: Schema) -> list[Step]:
    """From a technology to those a standard governing it may be written for: the wider
    technologies it belongs to, and its parts (a battery's standard binds the EV): the
    assembly role, not the inputs consumed in making it."""
    steps: list[Step] = [(t, Direction.OUT) for t in schema.with_role(KIND_OF)]
    return steps + [(t, Direction.IN) for t in schema.with_role(ASSEMBLY)]


def within_steps(schema: Schema) -> list[Step]:
    """The reverse of :func:`wider_steps`: from a governed technology to the narrower
    technologies and the wholes that contain it."""
    steps: list[Step] = [(t, Direction.IN) for t in schema.with_role(KIND_OF)]
    return steps + [(t, Direction.OUT) for t in schema.with_role(ASSEMBLY)]


def expand(
    store: GraphStore,
    roots: dict[tuple[str, str], Path],
    steps: list[Step],
    as_of: date | None,
    *,
    append: bool,
) -> dict[tuple[str, str], Path]:
    """Follow ``steps`` from ``roots`` (keyed by node and a label carried along, such as
    the standard a governed technology came from), one round trip per level. Paths grow
    at the end (``append``: read outwards) or at the front (read towards the root)."""
    found = dict(roots)
    frontier = dict(roots)
    types = sorted({t for t, _ in steps})
    for _ in range(MAX_LEVELS):
        if not frontier:
            break
        nodes = sorted({n for n, _ in frontier})
        rels = store.edges(nodes, types, Direction.BOTH, as_of)
        cands: list[tuple[tuple[str, str], Path]] = []
        for (node, label), path in frontier.items():
            for r in rels:
                for t, d in steps:
                    prev, nxt = (r.target, r.source) if d is Direction.IN else (r.source, r.target)
                    if r.type == t and prev == node and (nxt, label) not in found:
                        cands.append(((nxt, label), (*path, r) if append else (r, *path)))
        new: dict[tuple[str, str], Path] = {}
        for key, path in cands:
            if key not in new or path_key(path) < path_key(new[key]):
                new[key] = path
        found.update(new)
        frontier = new
    return found


def mandates_of(
    store: GraphStore, schema: Schema, scope: dict[str, Path], as_of: date | None
) -> list[Mandate]:
    """Where the standards of ``scope`` are mandatory: directly or through a policy."""
    direct = store.edges(sorted(scope), schema.with_role(MANDATORY_IN), Direction.OUT, as_of)
    out = [Mandate(r.target, r.source, _scope_text(r), (r, *scope[r.source])) for r in direct]
    by_policy = store.edges(sorted(scope), schema.with_role(MANDATE), Direction.IN, as_of)
    if by_policy:
        policies = sorted({r.source for r in by_policy})
        applies_to = between(schema, TARGET_JURISDICTION, POLICY, JURISDICTION)
        applies = store.edges(policies, applies_to, Direction.OUT, as_of)
        out += [
            Mandate(a.target, m.target, _scope_text(m), (m, a, *scope[m.target]))
            for m in by_policy
            for a in applies
            if a.source == m.source
        ]
    best: dict[tuple[str, str], Mandate] = {}
    for m in out:
        key = (m.jurisdiction, m.standard)
        if key not in best or path_key(m.path) < path_key(best[key].path):
            best[key] = m
    return sorted(best.values(), key=lambda m: (m.jurisdiction, m.standard))


def _scope_text(rel: Relation) -> str | None:
    value = rel.properties.get("scope")
    return None if value is None else str(value)


def _hq(
    store: GraphStore, schema: Schema, orgs: Iterable[str], as_of: date | None
) -> dict[str, Relation]:
    """Each organization's headquarters relation (smallest id when several)."""
    wanted = sorted(set(orgs))
    seats = schema.with_role(HEADQUARTERS)
    out: dict[str, Relation] = {}
    for r in store.edges(wanted, seats, Direction.OUT, as_of) if wanted else []:
        out.setdefault(r.source, r)
    return out


def sep_holders(
    store: GraphStore, schema: Schema, scope: dict[str, Path], as_of: date | None
) -> list[SepHolder]:
    """Declared essential-patent holders of the standards in ``scope``; one entry per
    declaration (each study is its own fact), ordered by study year (newest first), then
    share (largest first), then holder."""
    decl = store.edges(sorted(scope), schema.with_role(ESSENTIAL_PATENTS), Direction.IN, as_of)
    kinds = _kinds(store, (r.source for r in decl))
    hq = _hq(
        store,
        schema,
        (r.source for r in decl if schema.is_a(kinds.get(r.source, ""), ORGANIZATION)),
        as_of,
    )
    out = []
    for r in decl:
        seat = r.source if schema.is_a(kinds.get(r.source, ""), JURISDICTION) else None
        head = hq.get(r.source)
        base = (r, *scope[r.target])
        p = r.properties
        out.append(
            SepHolder(
                holder=r.source,
                jurisdiction=seat or (head.target if head else None),
                share=_float(p.get("share")),
                rank=_int(p.get("rank")),
                year=_int(p.get("year")),
                counts=str(p.get("counts", "")),
                path=((head, *base) if head and not seat else base),
            )
        )
    out.sort(key=lambda h: (-(h.year or 0), h.counts, -(h.share or 0.0), h.holder))
    return out


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _declaration(holder: SepHolder) -> Relation:
    """The holder's last fact on its path: its headquarters come before the declaration,
    the standard's part-of chain (facts of standards) after it (:func:`sep_holders`)."""
    return next(r for r in reversed(holder.path) if r.source == holder.holder)


def shares_by_jurisdiction(holders: list[SepHolder]) -> list[JurisdictionShare]:
    """Shares summed per jurisdiction within each study (``counts``, ``year``); holders
    with no published share (a rank only) are left out of the sums."""
    groups: dict[tuple[str, int | None, str | None], list[SepHolder]] = {}
    for h in holders:
        if h.share is not None:
            groups.setdefault((h.counts, h.year, h.jurisdiction), []).append(h)
    out = [
        JurisdictionShare(
            counts=counts,
            year=year,
            jurisdiction=seat,
            share=round(sum(h.share or 0.0 for h in members), 6),
            holders=tuple(sorted(h.holder for h in members)),
            sources=tuple(sorted({p.source for h in members for p in _declaration(h).provenance})),
        )
        for (counts, year, seat), members in groups.items()
    ]
    out.sort(key=lambda s: (-(s.year or 0), s.counts, -s.share, s.jurisdiction or "~"))
    return out


def _bodies_and_contributors(
    store: GraphStore, schema: Schema, scope: dict[str, Path], as_of: date | None
) -> tuple[list[Role], list[Role]]:
    """Bodies that write or publish the standard (and their partner bodies and parent
    bodies); other actors that develop, promote or sit in one of those bodies."""
    writes = (*between(schema, PRODUCTION, ORGANIZATION, STANDARD), *schema.with_role(PROMOTION))
    made = store.edges(sorted(scope), writes, Direction.IN, as_of)
    pub = store.edges(sorted(scope), schema.with_role(PUBLISHER), Direction.OUT, as_of)
    actors = [(r.source, r.type, (r, *scope[r.target])) for r in made]
    actors += [(r.target, "publishes", (r, *scope[r.source])) for r in pub]
    kinds = _kinds(store, (a for a, _, _ in actors))
    bodies = _best((a, p) for a, _, p in actors if schema.is_a(kinds.get(a, ""), STANDARDS_BODY))
    roles = {a: role for a, role, _ in sorted(actors, key=lambda x: path_key(x[2]))}
    body_roles = [Role(b, roles[b], p) for b, p in bodies.items()]
    committee = schema.with_role(COMMITTEE)
    seats = (*schema.with_role(MEMBERSHIP), *committee)
    around = store.edges(sorted(bodies), seats, Direction.BOTH, as_of)
    seated = [
        (r.source, r, r.target) for r in around if r.target in bodies and r.source not in bodies
    ] + [(r.target, r, r.source) for r in around if r.type in committee and r.source in bodies]
    near_kinds = _kinds(store, (n for n, _, _ in seated))
    others = _best((a, p) for a, _, p in actors if a not in bodies)
    contributors = [Role(a, roles[a], p) for a, p in others.items()]
    for node, rel, via in seated:
        entry = Role(node, _seat_role(rel, node, committee), (rel, *bodies[via]))
        if schema.is_a(near_kinds.get(node, ""), STANDARDS_BODY) and node not in bodies:
            body_roles.append(entry)
        elif node not in bodies:
            contributors.append(entry)
    return _dedupe(body_roles), _dedupe(contributors)


def _seat_role(rel: Relation, node: str, committee: tuple[str, ...]) -> str:
    if rel.type in committee:
        return "committee" if node == rel.source else "parent body"
    role = rel.properties.get("membershipRole")
    return f"member ({role})" if role else "member"


def _dedupe(roles: list[Role]) -> list[Role]:
    best: dict[str, Role] = {}
    for r in roles:
        if r.entity not in best or path_key(r.path) < path_key(best[r.entity].path):
            best[r.entity] = r
    return sorted(best.values(), key=lambda r: (len(r.path), r.entity))


def standard_influence(
    store: GraphStore, schema: Schema, standard: str, *, as_of: date | None = None
) -> StandardInfluence:
    """Who shapes a standard: bodies, contributors, essential-patent holders by
    jurisdiction within each study, and where it is mandatory."""
    _require(store, schema, standard, STANDARD)
    scope = standard_scope(store, schema, standard, as_of)
    bodies, contributors = _bodies_and_contributors(store, schema, scope, as_of)
    holders = sep_holders(store, schema, scope, as_of)
    return StandardInfluence(
        standard=standard,
        parts=sorted(s for s in scope if s != standard),
        bodies=bodies,
        contributors=contributors,
        sep_holders=holders,
        shares_by_jurisdiction=shares_by_jurisdiction(holders),
        mandates=mandates_of(store, schema, scope, as_of),
    )


def _markets(
    store: GraphStore, schema: Schema, orgs: Iterable[str], as_of: date | None
) -> dict[str, list[Relation]]:
    """Where each organization sells: its headquarters and the markets it enters."""
    wanted = sorted(set(orgs))
    types = schema.with_role(HEADQUARTERS, MARKET_ENTRY)
    out: dict[str, list[Relation]] = {}
    for r in store.edges(wanted, types, Direction.OUT, as_of) if wanted else []:
        out.setdefault(r.source, []).append(r)
    return out
