"""Synthetic, ontology-valid graphs at any size, written in the loader's own input formats.

Curated facts number in the hundreds; questions about scale (how fast a load is, how a
query grows with the graph) need graphs of a hundred thousand or a million relations whose
*shape* resembles the real thing, because traversal costs depend on shape far more than on
size. So the generator imitates what supply-chain data looks like:

* firms sit in one of six supply tiers; a firm buys from the tier above it (sometimes two
  above), so supply chains run up to six tiers deep and never loop;
* suppliers are picked with Zipf weights, so a few hub suppliers serve a large share of
  their tier (heavy-tailed out-degrees) while most serve a handful of buyers;
* firms belong to ownership trees (group parents, holdings above some of them), are spread
  over countries with Zipf weights, and state-owned ones are owned by their country;
* technologies form a taxonomy four to five levels deep; products use technologies, firms
  produce products or technologies;
* every policy kind of the ontology issues policies that target technology subtrees (or
  products), and the listings among them name about 1% of the firms;
* every policy carries a machine-readable rule (``PolicyRule``) that states the same scope:
  the targeted subtrees (narrower kinds included), the issuing country as imposer, the
  countries it applies to, a direction by policy kind, an in-force date; a share of the
  policies has a second, amending version from a later date;
* relations carry validity dates, confidences and a cited source.

The output is plain files: ``entities.csv``/``relations.csv``/``sources.csv`` for the bulk
reader (:mod:`ingest.bulk`) and/or chunked YAML files for the curated-file validator, plus
``manifest.json`` with the counts. Everything derives from one :class:`random.Random`
seeded by the caller and the ontology, so one seed gives byte-identical files. Rows are
written as they are generated: memory holds a few small arrays per firm, never the graph.
Kinds, relation types and columns come from the :class:`~ontology.schema.Schema`; the
concept names used here (tiers, supplies, ownership...) are the ones
:mod:`store.analysis` reasons about.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate
from pathlib import Path
from typing import Any

from ingest.synth_files import CsvSink, Fanout, Sink, YamlSink
from ontology.schema import Schema, default_schema

SIZES: dict[str, int] = {"S": 1_300, "M": 13_000, "L": 130_000}
"""Firm counts of the three standard sizes: about 10k, 100k and 1M relations."""

FORMATS = ("csv", "yaml")
TIERS = 6
TIER_SHARES = (0.06, 0.13, 0.19, 0.22, 0.22, 0.18)
"""Share of firms per tier, final assemblers (tier 0) to raw materials (tier 5)."""

IN_DOMAIN = 0.9
"""Chance that a supplier, a product's technology or a firm's output is from the firm's own
technology domain: battery makers buy from battery suppliers, and exposure to a policy
spreads through a domain's supply chain first, leaking into others through the rest."""

LISTED_SHARE = 0.01
"""Share of firms that listings (and sanctions) name."""

AMENDED_SHARE = 0.25
"""Share of policies whose rule has a second, amending version (one more covered subtree)."""

INVOKING_SHARE = 0.3
"""Share of export controls whose rule also applies to the parties a listing names."""

MANIFEST = "manifest.json"
_EPOCH = date(2005, 1, 1).toordinal()
_SPAN_DAYS = date(2024, 12, 31).toordinal() - _EPOCH
_DAYS = [date.fromordinal(_EPOCH + k).isoformat() for k in range(_SPAN_DAYS + 31)]
_DAY_INDEX = {day: k for k, day in enumerate(_DAYS)}  # formatting dates once, not per relation
_CONFIDENCES = (0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
# fmt: off
_COUNTRIES = (
    ("cn", "China"), ("us", "United States"), ("jp", "Japan"), ("kr", "South Korea"),
    ("tw", "Taiwan"), ("de", "Germany"), ("nl", "Netherlands"), ("fr", "France"),
    ("gb", "United Kingdom"), ("in", "India"), ("sg", "Singapore"), ("my", "Malaysia"),
    ("vn", "Vietnam"), ("il", "Israel"), ("ca", "Canada"), ("se", "Sweden"),
    ("fi", "Finland"), ("it", "Italy"), ("es", "Spain"), ("pl", "Poland"),
    ("ch", "Switzerland"), ("ie", "Ireland"), ("be", "Belgium"), ("at", "Austria"),
    ("cz", "Czechia"), ("au", "Australia"), ("br", "Brazil"), ("mx", "Mexico"),
    ("th", "Thailand"), ("id", "Indonesia"), ("ph", "Philippines"), ("tr", "Türkiye"),
)
_BLOCS = (
    ("eu", "European Union",
     ("de", "nl", "fr", "it", "es", "pl", "se", "fi", "ie", "be", "at", "cz")),
    ("asean", "ASEAN", ("sg", "my", "vn", "th", "id", "ph")),
)
_DOMAINS = (
    "Semiconductors", "Telecommunications", "Artificial intelligence", "Batteries",
    "Advanced materials", "Aerospace", "Biotechnology", "Quantum technologies",
    "Operating systems", "Automotive electronics",
)
_SYLLABLES = ("ka", "no", "ri", "ven", "tal", "mo", "zu", "lex", "sa", "tor", "qui", "dra")
_SECTORS = (
    ("Motors", "Devices", "Systems"), ("Electronics", "Modules", "Integration"),
    ("Semiconductor", "Components", "Precision"), ("Wafer", "Optics", "Equipment"),
    ("Chemicals", "Materials", "Gases"), ("Mining", "Minerals", "Metals"),
)
# fmt: on
_HANZI = "华芯中科海光新泰宏远星辰达信"
_SOURCES = (
    ("synth-registry", "Synthetic company registry", "dataset"),
    ("synth-customs", "Synthetic customs records", "dataset"),
    ("synth-filings", "Synthetic company filings", "company-filing"),
    ("synth-gazette", "Synthetic official gazette", "government-notice"),
    ("synth-taxonomy", "Synthetic technology taxonomy", "taxonomy"),
)


@dataclass(frozen=True)
class _PolicySpec:
    """What the generator stated about a policy, restated by its rule."""

    pid: str
    kind: str
    name: str
    issuer: int  # index into _COUNTRIES
    where: tuple[int, ...]  # the countries it applies to
    techs: tuple[str, ...]  # the roots of the targeted subtrees
    level: int  # their taxonomy level
    since: str  # first day in force


@dataclass
class SynthStats:
    """What one run generated: counts by kind and type, and the files written."""

    firms: int
    seed: int
    entities: Counter[str] = field(default_factory=Counter)
    relations: Counter[str] = field(default_factory=Counter)
    sources: int = 0
    files: list[str] = field(default_factory=list)

    def manifest(self) -> dict[str, Any]:
        return {
            "firms": self.firms,
            "seed": self.seed,
            "entities": sum(self.entities.values()),
            "relations": sum(self.relations.values()),
            "sources": self.sources,
            "entity_kinds": dict(sorted(self.entities.items())),
            "relation_types": dict(sorted(self.relations.items())),
            "files": sorted(self.files),
        }


def _zipf(n: int, alpha: float) -> list[float]:
    """Cumulative Zipf weights for ranks 1..n (what ``random.choices`` bisects)."""
    return list(accumulate(1.0 / (rank**alpha) for rank in range(1, n + 1)))


def firm_id(i: int) -> str:
    return f"firm-{i:06d}"


def country_id(code: str) -> str:
    return f"country-{code}"


class _Generator:
    """One generation run; the order of the steps (and of every draw) is the format."""

    def __init__(self, firms: int, seed: int, sink: Sink, schema: Schema) -> None:
        if firms < 50:
            raise ValueError("a synthetic graph needs at least 50 firms")
        self.n = firms
        self.rng = random.Random(seed)
        self.sink = sink
        self.schema = schema
        self.stats = SynthStats(firms=firms, seed=seed)
        self.fid = [firm_id(i) for i in range(firms)]  # formatted once: used ~10 times each
        self.tier = bytearray(firms)
        self.state_owned = bytearray(firms)
        self.domain = bytearray(firms)  # index into _DOMAINS
        self.country = [0] * firms
        self.output = [""] * firms  # what each firm makes: a product or technology id
        self.techs: list[str] = []  # every technology, in taxonomy order
        self.tech_level: list[int] = []
        self.standards: list[str] = []
        self.policies: list[tuple[str, str]] = []  # (id, kind)
        self.specs: list[_PolicySpec] = []
        self.listings: list[str] = []
        self.by_level: dict[int, list[str]] = {}
        # Rules draw from their own stream, so adding them left every other fact unchanged.
        self.rule_rng = random.Random(f"rules-{seed}")
        self.gov: list[str] = []  # government bodies, two per country
        self.sdos: list[str] = []

    # -- plumbing ------------------------------------------------------------------------

    def day(self, after: str = "", rng: random.Random | None = None) -> str:
        """A date in the first half of the span, or one at least 30 days after ``after``."""
        start = _DAY_INDEX[after] + 30 if after else 0
        return _DAYS[start + (rng or self.rng).randrange(_SPAN_DAYS // 2)]

    def entity(
        self,
        eid: str,
        kind: str,
        name: str,
        attrs: dict[str, str] | None = None,
        names: dict[str, str] | None = None,
        aliases: tuple[str, ...] = (),
    ) -> None:
        self.stats.entities[kind] += 1
        self.sink.entity((eid, kind, name, attrs or {}, names or {}, aliases))

    def rel(
        self,
        rtype: str,
        src: str,
        dst: str,
        source: str,
        quals: dict[str, str] | None = None,
        dated: float = 0.0,
        ending: float = 0.0,
        rng: random.Random | None = None,
    ) -> None:
        """One relation; ``dated``/``ending`` are the chances of validFrom/validTo."""
        rng = rng or self.rng
        vf = self.day() if dated and rng.random() < dated else ""
        vt = self.day(vf) if vf and ending and rng.random() < ending else ""
        conf = f"{rng.choice(_CONFIDENCES):g}"
        self.stats.relations[rtype] += 1
        self.sink.relation((rtype, src, dst, quals or {}, conf, vf, vt, source))

    def name(self) -> str:
        rng = self.rng
        return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()

    # -- steps ---------------------------------------------------------------------------

    def run(self) -> SynthStats:
        for sid, title, kind in _SOURCES:
            self.sink.source(sid, title, kind)
        self.stats.sources = len(_SOURCES)
        self.jurisdictions()
        self.taxonomy()
        self.firms()
        self.products()
        self.standards_()
        self.policies_()
        self.supply()
        self.ownership()
        self.activities()
        self.rules_()
        return self.stats

    def jurisdictions(self) -> None:
        for code, cname in _COUNTRIES:
            kind = "Jurisdiction" if code == "tw" else "Country"
            self.entity(country_id(code), kind, cname, aliases=(code.upper(),))
            for office in ("commerce", "industry"):
                gid = f"gov-{code}-{office}"
                self.gov.append(gid)
                self.entity(gid, "GovernmentBody", f"Ministry of {office.title()} of {cname}")
                self.rel("headquarteredIn", gid, country_id(code), "synth-registry")
        for code, bname, members in _BLOCS:
            self.entity(f"bloc-{code}", "Bloc", bname, aliases=(code.upper(),))
            for m in members:
                self.rel("memberOf", country_id(m), f"bloc-{code}", "synth-gazette", dated=1.0)
        for i in range(8):
            sdo = f"sdo-{i + 1:02d}"
            self.sdos.append(sdo)
            self.entity(sdo, "StandardsBody", f"{self.name()} Standards Organization")

    def taxonomy(self) -> None:
        """Ten domains, then levels 2-4 under each, and a level 5 under some level-4
        technologies: four to five levels, growing with the number of firms."""
        branching = max(2, round((self.n / 25 / len(_DOMAINS)) ** 0.25))
        for d, domain in enumerate(_DOMAINS, start=1):
            self._tech(f"tech-{d}", domain, 1, None)
            level = [f"tech-{d}"]
            for depth in range(2, 6):
                below: list[str] = []
                for parent in level:
                    if depth == 5 and self.rng.random() < 0.5:
                        continue
                    for k in range(1, branching + 1):
                        tid = f"{parent}-{k}"
                        tname = f"{domain} {tid[5:].replace('-', '.')}"
                        self._tech(tid, tname, depth, parent)
                        below.append(tid)
                level = below

    def _tech(self, tid: str, name: str, level: int, parent: str | None) -> None:
        self.techs.append(tid)
        self.tech_level.append(level)
        self.entity(tid, "Technology", name)
        if parent is not None:
            self.rel("broader", tid, parent, "synth-taxonomy")

    def firms(self) -> None:
        rng = self.rng
        tiers = rng.choices(range(TIERS), weights=TIER_SHARES, k=self.n)
        countries = rng.choices(
            range(len(_COUNTRIES)), cum_weights=_zipf(len(_COUNTRIES), 1.1), k=self.n
        )
        self.domain[:] = bytes(
            rng.choices(range(len(_DOMAINS)), cum_weights=_zipf(len(_DOMAINS), 0.5), k=self.n)
        )
        for i in range(self.n):
            self.tier[i], self.country[i] = tiers[i], countries[i]
            code = _COUNTRIES[countries[i]][0]
            roll = rng.random()
            ownership = (
                "state-owned" if roll < 0.05 else "state-backed" if roll < 0.12 else "private"
            )
            self.state_owned[i] = roll < 0.05
            base = self.name()
            name = f"{base} {rng.choice(_SECTORS[tiers[i]])}"
            names = {"zh": "".join(rng.sample(_HANZI, 2)) + "科技"} if code in ("cn", "tw") else {}
            aliases = (base.upper()[:4],) if rng.random() < 0.1 else ()
            attrs = {"stateOwnership": ownership, "founded": self.day()}
            self.entity(self.fid[i], "Firm", name, attrs, names, aliases)
            self.rel("headquarteredIn", self.fid[i], country_id(code), "synth-registry")

    def products(self) -> None:
        """Half of the firms make a product that uses 1-3 technologies; the others
        produce a technology. Popular technologies (Zipf) end up in many products."""
        rng = self.rng
        pick = self._deep_picker(0.9)
        kinds = {0: ("Vehicle", "Product", "OperatingSystem"), 1: ("Chip", "Product"), 2: ("Chip",)}
        count = 0
        for i in range(self.n):
            if rng.random() < 0.5:
                count += 1
                pid = f"prod-{count:06d}"
                kind = rng.choice(kinds.get(self.tier[i], ("Product",)))
                self.entity(pid, kind, f"{self.name()} {kind} {count}", {"launched": self.day()})
                self.rel("produces", self.fid[i], pid, "synth-filings", dated=0.5)
                domain = self.domain[i]
                for tech in sorted({pick(domain) for _ in range(rng.randint(1, 3))}):
                    self.rel("uses", pid, tech, "synth-filings")
                self.output[i] = pid
            else:
                tech = pick(self.domain[i])
                quals = {"share": f"{rng.randint(1, 40) / 100:g}"} if rng.random() < 0.2 else {}
                self.rel("produces", self.fid[i], tech, "synth-filings", quals, dated=0.5)
                self.output[i] = tech

    def _deep_picker(self, alpha: float) -> Callable[[int], str]:
        """A Zipf draw of a level 3+ technology, from the given domain with probability
        :data:`IN_DOMAIN` (popular technologies end up in many products)."""
        rng = self.rng
        deep = [t for t, lvl in zip(self.techs, self.tech_level, strict=True) if lvl >= 3]
        rng.shuffle(deep)
        pools = [[t for t in deep if t.startswith(f"tech-{d + 1}-")] for d in range(len(_DOMAINS))]
        cums = [_zipf(len(pool), alpha) for pool in pools]
        every = _zipf(len(deep), alpha)

        def pick(domain: int) -> str:
            if rng.random() < IN_DOMAIN:
                return rng.choices(pools[domain], cum_weights=cums[domain])[0]
            return rng.choices(deep, cum_weights=every)[0]

        return pick

    def standards_(self) -> None:
        rng = self.rng
        for k in range(max(10, self.n // 100)):
            sid = f"std-{k + 1:05d}"
            self.standards.append(sid)
            self.entity(sid, "Standard", f"{self.name().upper()} {k + 1}")
            self.rel("develops", rng.choice(self.sdos), sid, "synth-registry", dated=1.0)
            for tech in sorted(rng.sample(self.techs, 2)):
                self.rel("governs", sid, tech, "synth-registry")

    def policies_(self) -> None:
        """Every policy kind of the ontology, round robin; each targets technology
        subtrees rooted at levels 1-4, so some reach a few firms and some thousands."""
        rng, schema = self.rng, self.schema
        kinds = [k for k in schema.subclasses("Policy")]
        total = max(2 * len(kinds), self.n // 60)
        by_level: dict[int, list[str]] = {}
        for tech, lvl in zip(self.techs, self.tech_level, strict=True):
            by_level.setdefault(lvl, []).append(tech)
        listing_ids: list[str] = []
        for k in range(total):
            kind = kinds[k % len(kinds)]
            pid = f"policy-{k + 1:05d}"
            self.policies.append((pid, kind))
            restricts = schema.is_a(kind, "ExportControl") or schema.is_a(kind, "Sanction")
            effect = (
                "restricts-trade"
                if restricts
                else "requires-transfer"
                if schema.is_a(kind, "TechnologyTransferRequirement")
                else "promotes-domestic"
            )
            issuer = rng.choices(range(len(_COUNTRIES)), cum_weights=_zipf(len(_COUNTRIES), 1.3))[0]
            since = self.day()
            attrs = {"reference": f"SYN-{since[:4]}-{k + 1:05d}"}
            pname = f"{self.name()} {kind} {k + 1}"
            self.entity(pid, kind, pname, attrs)
            self.rel("issuedBy", pid, self.gov[2 * issuer + rng.randint(0, 1)], "synth-gazette")
            where = (
                {issuer} if not restricts else {rng.randrange(len(_COUNTRIES)) for _ in range(2)}
            )
            for c in sorted(where):
                self.rel("appliesTo", pid, country_id(_COUNTRIES[c][0]), "synth-gazette")
            level = rng.choices((1, 2, 3, 4), weights=(0.05, 0.35, 0.4, 0.2))[0]
            techs = sorted(set(rng.sample(by_level[level], rng.randint(1, 3))))
            for tech in techs:
                self.rel("targets", pid, tech, "synth-gazette", {"effect": effect}, dated=1.0)
            self.specs.append(
                _PolicySpec(
                    pid, kind, pname, issuer, tuple(sorted(where)), tuple(techs), level, since
                )
            )
            if effect == "promotes-domestic" and self.standards and rng.random() < 0.3:
                self.rel("promotes", pid, rng.choice(self.standards), "synth-gazette")
            if schema.is_a(kind, "EntityListing") or schema.is_a(kind, "Sanction"):
                listing_ids.append(pid)
        self.listings = listing_ids
        self.by_level = by_level
        named = rng.sample(range(self.n), max(1, round(self.n * LISTED_SHARE)))
        for j, firm in enumerate(sorted(named)):
            policy = listing_ids[j % len(listing_ids)]
            self.rel("names", policy, self.fid[firm], "synth-gazette", dated=1.0)
            if rng.random() < 0.5:
                self.rel("harmedBy", self.fid[firm], policy, "synth-filings")

    def rules_(self) -> None:
        """One rule version per policy, restating what the policy's facts say (targeted
        subtrees, issuer, countries), and for :data:`AMENDED_SHARE` of them an amending
        version from a later date that covers one more subtree. Every date falls before
        2025, so the rules are in force today."""
        rng = self.rule_rng
        for spec in self.specs:
            direction, extra = self._rule_direction(spec)
            first = f"rule-{spec.pid}"
            self._rule_version(first, spec, direction, extra, spec.techs, spec.since, None)
            if rng.random() < AMENDED_SHARE:
                pool = [t for t in self.by_level[spec.level] if t not in spec.techs]
                techs = tuple(sorted((*spec.techs, rng.choice(pool)))) if pool else spec.techs
                since = self.day(spec.since, rng)
                self._rule_version(f"{first}-v2", spec, direction, extra, techs, since, first)

    def _rule_direction(self, spec: _PolicySpec) -> tuple[str, dict[str, str]]:
        """Whom the rule restricts, by policy kind: export controls both sides of the trade
        (some only exporters or only users, some also the parties a listing names),
        sanctions both sides, listings only the parties they name (half of them with the
        50% affiliates rule), every other kind promotes domestic capability."""
        rng, schema = self.rule_rng, self.schema
        extra: dict[str, str] = {}
        if schema.is_a(spec.kind, "EntityListing"):  # a kind of export control: checked first
            if rng.random() < 0.5:
                extra["ownershipThreshold"] = "0.5"
            return "lists", extra
        if schema.is_a(spec.kind, "ExportControl"):
            roll = rng.random()
            direction = (
                "both" if roll < 0.6 else "restricts-exporters" if roll < 0.8 else "cuts-off-users"
            )
            if self.listings and rng.random() < INVOKING_SHARE:
                extra["invokes"] = rng.choice(self.listings)
            return direction, extra
        if schema.is_a(spec.kind, "Sanction"):
            return "both", extra
        return "promotes-domestic", extra

    def _rule_version(
        self,
        rid: str,
        spec: _PolicySpec,
        direction: str,
        extra: dict[str, str],
        techs: Sequence[str],
        since: str,
        amends: str | None,
    ) -> None:
        rng = self.rule_rng
        attrs = {
            "ruleDirection": direction,
            "ruleAction": "amends" if amends else "enacts",
            "inForceFrom": since,
        }
        if "ownershipThreshold" in extra:
            attrs["ownershipThreshold"] = extra["ownershipThreshold"]
        label = f"{spec.name} rule" + (f" (amended {since})" if amends else "")
        self.entity(rid, "PolicyRule", label, attrs)
        src = "synth-gazette"
        self.rel("ruleOf", rid, spec.pid, src, rng=rng)
        if amends:
            self.rel("amends", rid, amends, src, rng=rng)
        issuer = country_id(_COUNTRIES[spec.issuer][0])
        self.rel("imposedBy", rid, issuer, src, rng=rng)
        for c in spec.where:
            if c != spec.issuer:
                self.rel("appliesIn", rid, country_id(_COUNTRIES[c][0]), src, rng=rng)
        for tech in techs:
            self.rel("covers", rid, tech, src, {"includeNarrower": "true"}, rng=rng)
        if "invokes" in extra:
            self.rel("invokes", rid, extra["invokes"], src, rng=rng)

    def supply(self) -> None:
        """Buyers in tiers 0-4 each pick about five suppliers from the next tier (one in
        ten from two tiers up), mostly in their own domain, Zipf-weighted: the first firms
        of a shuffled tier (and of each domain in it) are its hubs."""
        rng = self.rng
        pools: dict[tuple[int, int], list[int]] = {}  # (tier, domain or -1 for any)
        for i in range(self.n):
            pools.setdefault((self.tier[i], self.domain[i]), []).append(i)
            pools.setdefault((self.tier[i], -1), []).append(i)
        cums: dict[tuple[int, int], list[float]] = {}
        for key in sorted(pools):
            rng.shuffle(pools[key])
            cums[key] = _zipf(len(pools[key]), 0.95)
        for buyer in range(self.n):
            t = self.tier[buyer]
            if t == TIERS - 1:
                continue
            picks: set[int] = set()
            for _ in range(min(12, 1 + int(rng.expovariate(0.25)))):
                up = t + 2 if t + 2 < TIERS and rng.random() < 0.1 else t + 1
                key = (up, self.domain[buyer] if rng.random() < IN_DOMAIN else -1)
                if key not in pools:
                    key = (up, -1)
                if key in pools:
                    picks.add(rng.choices(pools[key], cum_weights=cums[key])[0])
            for supplier in sorted(picks):
                quals = {"item": self.output[supplier]}
                if rng.random() < 0.3:
                    quals["share"] = f"{rng.randint(5, 60) / 100:g}"
                self.rel(
                    "supplies",
                    self.fid[supplier],
                    self.fid[buyer],
                    "synth-customs",
                    quals,
                    dated=0.7,
                    ending=0.2,
                )

    def ownership(self) -> None:
        """Group parents (5% of firms) own subsidiaries (a fifth of the other firms), mostly
        in their own domain; some parents sit under an earlier parent (a holding), so trees
        are up to three levels and never loop. Only the first stake into each parent
        carries a share, which keeps the ownership share totals within 1. State-owned
        firms are owned by their country."""
        rng = self.rng
        parents = sorted(rng.sample(range(self.n), max(2, self.n // 20)))
        is_parent = set(parents)
        by_domain: dict[int, list[int]] = {}
        for parent in parents:
            by_domain.setdefault(self.domain[parent], []).append(parent)
        cums = {d: _zipf(len(group), 0.6) for d, group in by_domain.items()}
        every = _zipf(len(parents), 0.6)
        has_share: set[int] = set()

        def stake(child: int, parent: int) -> None:
            quals = {}
            if parent not in has_share:
                has_share.add(parent)
                quals["share"] = f"{rng.randint(51, 100) / 100:g}"
            self.rel(
                "subsidiaryOf", self.fid[child], self.fid[parent], "synth-filings", quals, dated=0.5
            )

        for j, parent in enumerate(parents[1:], start=1):
            if rng.random() < 0.2:
                stake(parent, parents[rng.randrange(j)])
        for i in range(self.n):
            if i in is_parent or rng.random() >= 0.2:
                continue
            domain = self.domain[i]
            if domain in by_domain and rng.random() < IN_DOMAIN:
                stake(i, rng.choices(by_domain[domain], cum_weights=cums[domain])[0])
            else:
                stake(i, rng.choices(parents, cum_weights=every)[0])
        for i in range(self.n):
            if self.state_owned[i]:
                self.rel(
                    "ownedBy",
                    self.fid[i],
                    country_id(_COUNTRIES[self.country[i]][0]),
                    "synth-registry",
                )

    def activities(self) -> None:
        """The remaining relation types, each for a small share of firms."""
        rng = self.rng
        policy_ids = [p for p, _ in self.policies]
        countries = [country_id(code) for code, _ in _COUNTRIES]
        pick = self._deep_picker(0.7)
        firm = 0  # the firm whose steps run; read by the pickers below

        def tech() -> str:
            return pick(self.domain[firm])

        steps: list[tuple[float, str, Callable[[], str], str, float]] = [
            (0.3, "develops", tech, "synth-filings", 0.0),
            (0.1, "dependsOn", tech, "synth-filings", 0.0),
            (0.15, "implements", lambda: rng.choice(self.standards), "synth-registry", 0.0),
            (0.05, "memberOf", lambda: rng.choice(self.sdos), "synth-registry", 1.0),
            (0.05, "entersMarket", lambda: rng.choice(countries), "synth-filings", 1.0),
            (0.05, "benefitsFrom", lambda: rng.choice(policy_ids), "synth-filings", 0.0),
            (0.03, "alignedWith", lambda: rng.choice(policy_ids), "synth-filings", 0.0),
            (0.02, "promotes", lambda: rng.choice(self.standards), "synth-registry", 0.0),
        ]
        competing: set[tuple[int, int]] = set()
        for firm in range(self.n):
            for chance, rtype, target, source, dated in steps:
                if rng.random() < chance:
                    self.rel(rtype, self.fid[firm], target(), source, dated=dated)
            if rng.random() < 0.2:
                self._compete(firm, competing)
        for code, _ in _COUNTRIES:
            for d in sorted(rng.sample(range(1, len(_DOMAINS) + 1), 2)):
                self.rel("dependsOn", country_id(code), f"tech-{d}", "synth-gazette")

    def _compete(self, i: int, seen: set[tuple[int, int]]) -> None:
        j = self.rng.randrange(self.n)
        pair = (min(i, j), max(i, j))
        if i != j and pair not in seen:
            seen.add(pair)
            self.rel("competesWith", self.fid[pair[0]], self.fid[pair[1]], "synth-registry")


def generate(
    out: Path,
    firms: int,
    seed: int,
    *,
    formats: Sequence[str] = ("csv",),
    schema: Schema | None = None,
) -> SynthStats:
    """Write a synthetic graph of ``firms`` firms to ``out`` (created if missing) in the
    given formats (``csv`` for :mod:`ingest.bulk`, ``yaml`` for the curated validator),
    plus ``manifest.json``. The same arguments always write the same bytes."""
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise ValueError(f"formats must be among {', '.join(FORMATS)}; got {list(formats)}")
    schema = schema if schema is not None else default_schema()
    out.mkdir(parents=True, exist_ok=True)
    plain = frozenset(
        p for p, d in schema.properties.items() if d.datatype in ("float", "date", "bool")
    )
    sinks: list[Sink] = []
    if "csv" in formats:
        sinks.append(CsvSink(out, schema))
    if "yaml" in formats:
        sinks.append(YamlSink(out, plain))
    sink: Sink = sinks[0] if len(sinks) == 1 else Fanout(sinks)
    try:
        stats = _Generator(firms, seed, sink, schema).run()
    except BaseException:
        sink.close()
        raise
    stats.files = sink.close()
    (out / MANIFEST).write_text(json.dumps(stats.manifest(), indent=2) + "\n", encoding="utf-8")
    return stats
