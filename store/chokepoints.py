"""Chokepoints: who produces a technology, with what share, from where, how concentrated.

Written over the store primitives like :mod:`store.analysis` (three round trips, whatever
the answer's size), so both stores answer alike. Shares are the ``share`` qualifier of
the production facts (``produces``: the production-role types that state a market share,
:func:`market_production`; a fraction of world production, as the source states it) and of a
country's ``hostsProductionOf``. The Herfindahl-Hirschman index sums squared percentage
shares; over stated shares only it is a lower bound of the true index, which is why the
answer carries the supplier count and the share covered next to it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from ontology.errors import NotFound
from ontology.model import Relation
from ontology.schema import Schema
from store.base import Direction, GraphStore

SHARE = "share"
HOSTS_PRODUCTION_OF = "hostsProductionOf"
COMPLETE_COVERAGE = 0.95
HIGHLY_CONCENTRATED = 1800.0
MODERATELY_CONCENTRATED = 1000.0


@dataclass(frozen=True)
class SupplierShare:
    supplier: str
    share: float | None
    relation: Relation
    countries: tuple[str, ...]


@dataclass(frozen=True)
class CountryShare:
    country: str
    share: float | None
    suppliers: int
    basis: str  # "hostsProductionOf" or "suppliers"


@dataclass(frozen=True)
class Chokepoint:
    technology: str
    as_of: date | None
    suppliers: list[SupplierShare]
    countries: list[CountryShare]
    share_covered: float | None
    hhi: float | None
    country_hhi: float | None
    concentration: str

    @property
    def known_suppliers(self) -> int:
        return len(self.suppliers)

    @property
    def suppliers_with_share(self) -> int:
        return sum(1 for s in self.suppliers if s.share is not None)


def stated_share(rel: Relation) -> float | None:
    """The market share a fact states (its ``share`` qualifier), if any."""
    value = rel.properties.get(SHARE)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def hhi(shares: list[float]) -> float | None:
    """Sum of squared percentage shares (0-10,000); None without any share."""
    return round(sum((100 * s) ** 2 for s in shares), 1) if shares else None


def concentration(suppliers: int, shares: list[float]) -> str:
    if suppliers == 1 and sum(shares) < COMPLETE_COVERAGE:
        return "single known supplier"  # a stated ~100% share is a monopoly, not this
    index = hhi(shares)
    if index is None:
        return "unknown"
    if index > HIGHLY_CONCENTRATED:
        return "highly concentrated"
    if sum(shares) < COMPLETE_COVERAGE:
        return "undetermined"
    return "moderately concentrated" if index >= MODERATELY_CONCENTRATED else "unconcentrated"


def market_production(schema: Schema) -> tuple[str, ...]:
    """The relation types that make an organization a seller on an item's market: those
    playing the production role (``ts:relationRole``) that can state a market share
    (``ts:share``). ``develops`` states none: research and development is not supply."""
    return tuple(
        t for t in schema.with_role("ProductionRole") if SHARE in schema.relations[t].qualifiers
    )


def chokepoint(
    store: GraphStore, technology: str, *, as_of: date | None = None, schema: Schema
) -> Chokepoint:
    """The producers of ``technology`` valid at ``as_of``, by share (unknown last), then id.

    A producer with several production facts (several sources or years) keeps the one with
    the largest stated share (the newest ``year`` first on a tie). Production and
    headquarters are the relation types of the ontology's roles (:func:`market_production`).
    """
    if technology not in store.entities([technology]):
        raise NotFound(f"no entity with id {technology!r}")
    best: dict[str, Relation] = {}
    for rel in store.edges([technology], market_production(schema), Direction.IN, as_of):
        if rel.target != technology:
            continue
        held = best.get(rel.source)
        if held is None or _rank(rel) > _rank(held):
            best[rel.source] = rel
    hq: dict[str, list[str]] = defaultdict(list)
    seats = schema.with_role("HeadquartersRole")
    for rel in store.edges(sorted(best), seats, Direction.OUT, as_of):
        if rel.source in best and rel.target not in hq[rel.source]:
            hq[rel.source].append(rel.target)
    suppliers = [
        SupplierShare(s, stated_share(r), r, tuple(sorted(hq.get(s, ())))) for s, r in best.items()
    ]
    suppliers.sort(key=lambda s: (s.share is None, -(s.share or 0.0), s.supplier))
    shares = [s.share for s in suppliers if s.share is not None]
    countries = _countries(store, technology, suppliers, as_of)
    # One basis for the country index: stated country shares when a source gives any.
    basis = (
        HOSTS_PRODUCTION_OF
        if any(c.basis == HOSTS_PRODUCTION_OF and c.share is not None for c in countries)
        else "suppliers"
    )
    country_shares = [c.share for c in countries if c.share is not None and c.basis == basis]
    return Chokepoint(
        technology=technology,
        as_of=as_of,
        suppliers=suppliers,
        countries=countries,
        share_covered=round(sum(shares), 4) if shares else None,
        hhi=hhi(shares),
        country_hhi=hhi(country_shares),
        concentration=concentration(len(suppliers), shares),
    )


def _rank(rel: Relation) -> tuple[float, int, str]:
    year = rel.properties.get("year")
    return (stated_share(rel) or -1.0, year if isinstance(year, int) else 0, rel.id)


def _countries(
    store: GraphStore, technology: str, suppliers: list[SupplierShare], as_of: date | None
) -> list[CountryShare]:
    """Stated country shares where a source gives them, else summed supplier shares."""
    counts: dict[str, int] = defaultdict(int)
    summed: dict[str, float] = defaultdict(float)
    for s in suppliers:
        for c in s.countries:
            counts[c] += 1
            if s.share is not None:
                summed[c] += s.share / len(s.countries)
    stated: dict[str, float | None] = {}
    for rel in store.edges([technology], [HOSTS_PRODUCTION_OF], Direction.IN, as_of):
        if rel.target == technology:
            share = stated_share(rel)
            if share is not None or rel.source not in stated:
                stated[rel.source] = share
    out = [
        CountryShare(c, share, counts.get(c, 0), HOSTS_PRODUCTION_OF) for c, share in stated.items()
    ]
    out += [
        CountryShare(c, round(summed[c], 4) if c in summed else None, n, "suppliers")
        for c, n in counts.items()
        if c not in stated
    ]
    out.sort(key=lambda c: (c.share is None, -(c.share or 0.0), c.country))
    return out
