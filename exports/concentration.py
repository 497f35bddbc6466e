"""Where supply concentrates: chokepoint technologies (HHI) and broker firms (betweenness).

**Items** are technologies. Products are left out on purpose: a branded product (a
phone, a car, a chip model) has one producer by definition, so its "concentration" says
nothing about a dependency; the technologies it uses carry that information.

**Suppliers of an item.** The suppliers of a technology X are the organizations that
*produce* X (``produces``); that *supply* X to someone (``supplies`` with ``item`` = X)
who does not produce X itself (a firm selling X's parts to X's maker, as Zeiss optics to
ASML, is upstream of that maker, not an alternative to it); and that produce a technology
below X in the taxonomy (``broader`` followed downwards: whoever makes EUV lithography
supplies lithography). Developing (``develops``) is research, not supply, and is not
counted.

**Shares** (fractions of X's market):

1. a share stated on a ``produces`` or ``supplies`` fact about X is used as given; a firm
   with several stated shares for X keeps the largest (they describe the same market);
   shares stated for a narrower technology are not carried up to X;
2. suppliers without a stated share split equally what the stated shares leave
   (1 - sum); if nothing is left, each gets the smallest stated share;
3. if the shares then add up to more than 1 they are scaled down to add up to 1;
4. market not covered by any supplier in the graph (stated shares adding up to less than
   1 and no supplier without a share) is treated as perfectly fragmented: it adds nothing,
   so the index is then a lower bound.

With no stated share at all, n suppliers get 1/n each.

**Herfindahl-Hirschman index** = sum of squared shares in percent (0 to 10,000), over
firms and over countries (a firm's share counted for the jurisdiction it is headquartered
in; a firm with no known headquarters counts as a country of its own, so missing data never
creates concentration). An item is **concentrated** when either index reaches
:data:`HIGHLY_CONCENTRATED` (2,500: "highly concentrated" in the US DOJ/FTC 2010
Horizontal Merger Guidelines). The indices describe the suppliers the graph knows about,
not the world market: an item with one curated producer scores 10,000. So an item is a
**chokepoint** only when it is concentrated on data that can show it: stated shares cover
at least half its market, or the graph knows at least :data:`MIN_KNOWN_SUPPLIERS`
suppliers of it. Otherwise it is flagged as **too little data** (thin). Items are ranked by
country index, then firm index, then by how much of the market stated shares cover (a
concentration the sources state outranks one that follows from sparse data), then by
number of suppliers.

**Betweenness** is computed on the directed supply network (organizations linked by
``supplies``, supplier to customer): a firm with high betweenness sits on many shortest
supply routes between other firms, so its disruption cuts the most chains.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import networkx as nx

from ontology.model import Graph, Relation
from ontology.schema import Schema
from store import analysis
from store.chokepoints import market_production, stated_share

HIGHLY_CONCENTRATED = 2500.0
MIN_KNOWN_SUPPLIERS = 4
"""With fewer known suppliers than this and no stated shares for half the market, any
index reaches 2,500 by arithmetic alone (n equal shares give 10,000 / n)."""
ENOUGH_STATED = 0.5
SHARE, ITEM = "share", "item"
"""Qualifiers (``ts:qualifier``) the method reads: a stated market share, the item supplied."""
UNKNOWN_COUNTRY = "?"


@dataclass(frozen=True)
class _Roles:
    """The relation types the method follows, read from the ontology's relation roles
    (``ts:relationRole``): supply, headquarters and kind-of by their roles; production as
    :func:`store.chokepoints.market_production` reads it (production that can state a
    market share: ``develops`` states none, and research is not supply)."""

    produces: frozenset[str]
    supplies: frozenset[str]
    kind_of: frozenset[str]
    headquarters: frozenset[str]

    @classmethod
    def of(cls, schema: Schema) -> _Roles:
        return cls(
            produces=frozenset(market_production(schema)),
            supplies=frozenset(schema.with_role("SupplyRole")),
            kind_of=frozenset(schema.with_role("KindOfRole")),
            headquarters=frozenset(schema.with_role("HeadquartersRole")),
        )


@dataclass(frozen=True)
class SupplierShare:
    supplier: str
    share: float  # after the rules above, as a fraction
    stated: bool  # True when the graph states this firm's share of the item
    country: str | None  # headquarters jurisdiction id, if known
    via: tuple[Relation, ...]  # the facts that make it a supplier of the item


@dataclass(frozen=True)
class Chokepoint:
    item: str
    suppliers: tuple[SupplierShare, ...]  # largest share first
    hhi_firms: float
    hhi_countries: float
    country_shares: tuple[tuple[str, float], ...]  # (country id or "?supplier", share)

    @property
    def stated_coverage(self) -> float:
        """The part of the market (0 to 1) that shares stated in the sources account for."""
        return min(1.0, sum(s.share for s in self.suppliers if s.stated))

    @property
    def known_suppliers(self) -> int:
        return len(self.suppliers)

    @property
    def concentrated(self) -> bool:
        """Either index reaches the "highly concentrated" threshold."""
        return max(self.hhi_firms, self.hhi_countries) >= HIGHLY_CONCENTRATED

    @property
    def thin_data(self) -> bool:
        """Too little data to call it a chokepoint: few known suppliers and no stated shares
        for half the market, so a high index only says how few suppliers the graph knows."""
        return self.stated_coverage < ENOUGH_STATED and self.known_suppliers < MIN_KNOWN_SUPPLIERS

    @property
    def is_chokepoint(self) -> bool:
        """Concentrated, on data that can show it (see :attr:`thin_data`)."""
        return self.concentrated and not self.thin_data


def hhi(shares: list[float]) -> float:
    """Herfindahl-Hirschman index of fractional shares, on the 0-10,000 scale."""
    return round(sum((100.0 * s) ** 2 for s in shares), 1)


def _valid(graph: Graph, as_of: date | None) -> list[Relation]:
    return [r for r in graph.relations.values() if r.valid_at(as_of)]


def _narrower(relations: list[Relation], roles: _Roles) -> dict[str, set[str]]:
    """For every technology, the technologies below it (transitively, itself excluded)."""
    children: dict[str, set[str]] = defaultdict(set)
    for r in relations:
        if r.type in roles.kind_of:
            children[r.target].add(r.source)
    below: dict[str, set[str]] = {}

    def walk(node: str, seen: frozenset[str]) -> set[str]:
        if node in below:
            return below[node]
        out: set[str] = set()
        for child in children.get(node, ()):
            if child not in seen:
                out |= {child, *walk(child, seen | {child})}
        below[node] = out
        return out

    for node in list(children):
        walk(node, frozenset({node}))
    return below


def _allocate(stated: dict[str, float], unstated: list[str]) -> dict[str, float]:
    """Rules 2 and 3 of the module docstring."""
    shares = dict(stated)
    if unstated:
        left = 1.0 - sum(stated.values())
        each = left / len(unstated) if left > 1e-9 else min(stated.values(), default=1.0)
        shares.update(dict.fromkeys(unstated, each))
    total = sum(shares.values())
    if total > 1.0 + 1e-9:
        shares = {k: v / total for k, v in shares.items()}
    return shares


Direct = dict[str, dict[str, list[Relation]]]
"""item -> supplier -> the facts that make it a supplier of the item."""


def _direct_suppliers(relations: list[Relation], roles: _Roles) -> Direct:
    """Producers of each item, and those supplying it to a firm that does not make it."""
    direct: Direct = defaultdict(lambda: defaultdict(list))
    for r in relations:
        if r.type in roles.produces:
            direct[r.target][r.source].append(r)
    makers = {item: set(orgs) for item, orgs in direct.items()}
    for r in relations:
        item = r.properties.get(ITEM)
        supplied = isinstance(item, str) and r.target not in makers.get(item, ())
        if r.type in roles.supplies and supplied:
            direct[str(item)][r.source].append(r)
    return direct


def _chokepoint(
    item: str,
    direct: Direct,
    below: set[str],
    hq: dict[str, str],
    roles: _Roles,
) -> Chokepoint | None:
    """The concentration of ``item``'s known suppliers (``None``: it has none)."""
    via: dict[str, list[Relation]] = defaultdict(list)
    stated: dict[str, float] = {}
    for org, rels in direct.get(item, {}).items():
        via[org].extend(rels)
        given = [x for r in rels if (x := stated_share(r)) is not None]
        if given:
            stated[org] = max(given)
    for narrower in sorted(below):
        for org, rels in direct.get(narrower, {}).items():
            via[org].extend(r for r in rels if r.type in roles.produces)
    via = {org: rels for org, rels in via.items() if rels}
    if not via:
        return None
    shares = _allocate(stated, sorted(set(via) - set(stated)))
    suppliers = tuple(
        sorted(
            (
                SupplierShare(
                    supplier=org,
                    share=shares[org],
                    stated=org in stated,
                    country=hq.get(org),
                    via=tuple(sorted(via[org], key=lambda r: r.id)),
                )
                for org in via
            ),
            key=lambda s: (-s.share, s.supplier),
        )
    )
    by_country: dict[str, float] = defaultdict(float)
    for s in suppliers:
        by_country[s.country or f"{UNKNOWN_COUNTRY}{s.supplier}"] += s.share
    country_shares = tuple(sorted(by_country.items(), key=lambda kv: (-kv[1], kv[0])))
    return Chokepoint(
        item=item,
        suppliers=suppliers,
        hhi_firms=hhi([s.share for s in suppliers]),
        hhi_countries=hhi([v for _, v in country_shares]),
        country_shares=country_shares,
    )


def chokepoints(graph: Graph, schema: Schema, *, as_of: date | None = None) -> list[Chokepoint]:
    """Concentration of every technology that has a known supplier, most concentrated
    first (ranking in the module docstring)."""
    roles = _Roles.of(schema)
    relations = _valid(graph, as_of)
    hq: dict[str, str] = {}
    for r in sorted(relations, key=lambda r: r.id):
        if r.type in roles.headquarters:
            hq.setdefault(r.source, r.target)
    direct = _direct_suppliers(relations, roles)
    below = _narrower(relations, roles)
    items = {e.id for e in graph.entities.values() if schema.is_a(e.kind, analysis.TECHNOLOGY)}
    found = (_chokepoint(item, direct, below.get(item, set()), hq, roles) for item in sorted(items))
    out = [c for c in found if c is not None]
    out.sort(
        key=lambda c: (
            -c.hhi_countries,
            -c.hhi_firms,
            -round(c.stated_coverage, 6),
            -len(c.suppliers),
            c.item,
        )
    )
    return out


def supply_network(graph: Graph, schema: Schema, *, as_of: date | None = None) -> nx.DiGraph:
    """Organizations linked supplier -> customer by the valid supply facts (the
    ontology's supply role)."""
    supplies = set(schema.with_role("SupplyRole"))
    g = nx.DiGraph()
    for r in _valid(graph, as_of):
        if r.type in supplies:
            g.add_edge(r.source, r.target)
    return g


def firm_betweenness(
    graph: Graph, schema: Schema, *, as_of: date | None = None
) -> dict[str, float]:
    """Normalised betweenness centrality of the organizations in the supply network (the
    classes a supply relation links, per the ontology), by id."""
    network = supply_network(graph, schema, as_of=as_of)
    if network.number_of_nodes() == 0:
        return {}
    centrality = nx.betweenness_centrality(network, normalized=True)
    ends = {k for t in schema.with_role("SupplyRole") for k in schema.relations[t].domain}
    return {
        node: round(value, 6)
        for node, value in sorted(centrality.items())
        if node in graph.entities and schema.is_any(graph.entities[node].kind, ends)
    }
