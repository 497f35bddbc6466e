"""The standards in a firm's life: what it implements, declares essential patents in,
develops, promotes, helps write through a body, and must implement where it sells.

Written over the store primitives like :mod:`store.standards` (whose module docstring
states the rules); paths here are read from the firm outwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ontology.schema import Schema
from store.base import Direction, GraphStore
from store.exposure import PRODUCTION
from store.standards import (
    ESSENTIAL_PATENTS,
    GOVERNANCE,
    IMPLEMENTATION,
    MEMBERSHIP,
    ORGANIZATION,
    OWNERSHIP,
    PRODUCT,
    PROMOTION,
    PUBLISHER,
    STANDARD,
    STANDARDS_BODY,
    TECHNOLOGY,
    USE,
    Path,
    _best,
    _kinds,
    _markets,
    _require,
    between,
    expand,
    mandates_of,
    path_key,
    wider_steps,
)


@dataclass(frozen=True)
class FirmStandard:
    """A standard in a firm's life: what the firm (or a subsidiary) does with it."""

    standard: str
    role: str  # implements | product-implements | declares-essential-patents | develops |
    #            promotes | member-of-body | must-implement
    path: Path  # from the firm outwards
    jurisdiction: str | None = None  # must-implement: where the standard is mandatory


_ROLE_NAMES = {
    IMPLEMENTATION: "implements",
    ESSENTIAL_PATENTS: "declares-essential-patents",
    PRODUCTION: "develops",
    PROMOTION: "promotes",
}
"""What a firm's relation of each ontology role to a standard is called in the answer."""


def _roles_of_types(schema: Schema) -> dict[str, str]:
    """Relation type from a firm to a standard -> its name in the answer."""
    return {
        t: name
        for role, name in _ROLE_NAMES.items()
        for t in between(schema, role, ORGANIZATION, STANDARD)
    }


def _group(store: GraphStore, schema: Schema, firm: str, as_of: date | None) -> dict[str, Path]:
    """The firm and its direct subsidiaries, each with the path from the firm."""
    subs = store.edges([firm], schema.with_role(OWNERSHIP), Direction.IN, as_of)
    return {firm: (), **_best((r.source, (r,)) for r in subs if r.source != firm)}


def standards_of(
    store: GraphStore, schema: Schema, firm: str, *, as_of: date | None = None
) -> list[FirmStandard]:
    """What a firm (with its direct subsidiaries) implements, declares essential patents
    in, develops, promotes, helps write through a body, and must implement where it
    sells. Order: standard id, then role, then path."""
    _require(store, schema, firm, ORGANIZATION)
    orgs = _group(store, schema, firm, as_of)
    production, member_of = schema.with_role(PRODUCTION), schema.with_role(MEMBERSHIP)
    role_of_type = _roles_of_types(schema)
    types = sorted({*role_of_type, *member_of, *production})
    out_rels = store.edges(sorted(orgs), types, Direction.OUT, as_of)
    kinds = _kinds(store, (r.target for r in out_rels))
    found: list[FirmStandard] = []
    body_paths: list[tuple[str, Path]] = []
    product_paths: list[tuple[str, Path]] = []
    for r in out_rels:
        kind, path = kinds.get(r.target, ""), (*orgs[r.source], r)
        if schema.is_a(kind, STANDARD) and r.type in role_of_type:
            found.append(FirmStandard(r.target, role_of_type[r.type], path))
        elif r.type in member_of and schema.is_a(kind, STANDARDS_BODY):
            body_paths.append((r.target, path))
        elif r.type in production and schema.is_a(kind, PRODUCT):
            product_paths.append((r.target, path))
    bodies, products = _best(body_paths), _best(product_paths)
    found += _through_bodies(store, schema, bodies, as_of)
    if products:
        implements = schema.with_role(IMPLEMENTATION)
        made = store.edges(sorted(products), implements, Direction.OUT, as_of)
        found += [
            FirmStandard(r.target, "product-implements", (*products[r.source], r)) for r in made
        ]
        found += _must_implement(store, schema, orgs, products, as_of)
    return _unique(found)


def _through_bodies(
    store: GraphStore, schema: Schema, bodies: dict[str, Path], as_of: date | None
) -> list[FirmStandard]:
    if not bodies:
        return []
    develops = between(schema, PRODUCTION, ORGANIZATION, STANDARD)
    types = (*develops, *schema.with_role(PUBLISHER))
    rels = store.edges(sorted(bodies), types, Direction.BOTH, as_of)
    out = []
    for r in rels:
        body, std = (r.source, r.target) if r.type in develops else (r.target, r.source)
        if body in bodies:
            out.append(FirmStandard(std, "member-of-body", (*bodies[body], r)))
    return out


def _unique(items: list[FirmStandard]) -> list[FirmStandard]:
    """One entry per (standard, role, jurisdiction), the best path; every declaration
    stays (each study is a fact of its own)."""
    best: dict[tuple[str, str, str | None, str], FirmStandard] = {}
    for f in items:
        tag = f.path[-1].id if f.role == "declares-essential-patents" else ""
        key = (f.standard, f.role, f.jurisdiction, tag)
        if key not in best or path_key(f.path) < path_key(best[key].path):
            best[key] = f
    return sorted(
        best.values(), key=lambda f: (f.standard, f.role, f.jurisdiction or "", path_key(f.path))
    )


def _governing(
    store: GraphStore, schema: Schema, techs: dict[str, Path], as_of: date | None
) -> list[tuple[str, Path]]:
    """Standards that govern one of ``techs``, each with the tech's path then governs."""
    if not techs:
        return []
    rels = store.edges(sorted(techs), schema.with_role(GOVERNANCE), Direction.IN, as_of)
    return [(r.source, (*techs[r.target], r)) for r in rels]


def _must_implement(
    store: GraphStore,
    schema: Schema,
    orgs: dict[str, Path],
    products: dict[str, Path],
    as_of: date | None,
) -> list[FirmStandard]:
    """Mandatory standards that govern what the group's products use, where it sells."""
    uses = between(schema, USE, PRODUCT, TECHNOLOGY)
    used = store.edges(sorted(products), uses, Direction.OUT, as_of)
    techs = _best((r.target, (*products[r.source], r)) for r in used)
    seeds = {(t, ""): p for t, p in techs.items()}
    wider = expand(store, seeds, wider_steps(schema), as_of, append=True)
    governed = _best(_governing(store, schema, {t: p for (t, _), p in wider.items()}, as_of))
    if not governed:
        return []
    mandates = mandates_of(store, schema, dict.fromkeys(governed, ()), as_of)
    markets = _markets(store, schema, orgs, as_of)
    production = schema.with_role(PRODUCTION)
    out = []
    for m in mandates:
        chain = governed[m.standard]
        maker = next((r.source for r in chain if r.type in production), "")
        sells = markets.get(maker) or [r for o in sorted(orgs) for r in markets.get(o, [])]
        for market in sells:
            if market.target == m.jurisdiction:
                path = (*chain, *m.path, market)
                out.append(FirmStandard(m.standard, "must-implement", path, m.jurisdiction))
    return out
