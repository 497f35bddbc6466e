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
relation types that carry a meaning for the analyst questions (supply, production, use,
ownership, kind-of, listing, headquarters, a policy's scope...) are read through their
ontology roles (:mod:`ingest.synth_roles`), the same annotations the exposure rules follow.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ingest.synth_base import SynthStats
from ingest.synth_chains import ChainSteps
from ingest.synth_files import CsvSink, Fanout, Sink, YamlSink
from ingest.synth_params import (
    BLOCS,
    COUNTRIES,
    DOMAINS,
    FORMATS,
    HANZI,
    LISTED_SHARE,
    MANIFEST,
    SECTORS,
    SIZES,
    SOURCES,
    TIER_SHARES,
    TIERS,
    country_id,
    zipf,
)
from ingest.synth_policies import PolicySteps
from ontology.schema import Schema, default_schema

__all__ = ["FORMATS", "LISTED_SHARE", "MANIFEST", "SIZES", "TIERS", "SynthStats", "generate"]


class _Generator(PolicySteps, ChainSteps):
    """One generation run: the steps in order (the order of every draw is the format)."""

    def run(self) -> SynthStats:
        for sid, title, kind in SOURCES:
            self.sink.source(sid, title, kind)
        self.stats.sources = len(SOURCES)
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
        for code, cname in COUNTRIES:
            kind = "Jurisdiction" if code == "tw" else "Country"
            self.entity(country_id(code), kind, cname, aliases=(code.upper(),))
            for office in ("commerce", "industry"):
                gid = f"gov-{code}-{office}"
                self.gov.append(gid)
                self.entity(gid, "GovernmentBody", f"Ministry of {office.title()} of {cname}")
                self.rel(self.types.headquarters, gid, country_id(code), "synth-registry")
        for code, bname, members in BLOCS:
            self.entity(f"bloc-{code}", "Bloc", bname, aliases=(code.upper(),))
            for m in members:
                self.rel(
                    self.types.membership, country_id(m), f"bloc-{code}", "synth-gazette", dated=1.0
                )
        for i in range(8):
            sdo = f"sdo-{i + 1:02d}"
            self.sdos.append(sdo)
            self.entity(sdo, "StandardsBody", f"{self.name()} Standards Organization")

    def taxonomy(self) -> None:
        """Ten domains, then levels 2-4 under each, and a level 5 under some level-4
        technologies: four to five levels, growing with the number of firms."""
        branching = max(2, round((self.n / 25 / len(DOMAINS)) ** 0.25))
        for d, domain in enumerate(DOMAINS, start=1):
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
            self.rel(self.types.kind_of, tid, parent, "synth-taxonomy")

    def firms(self) -> None:
        rng = self.rng
        tiers = rng.choices(range(TIERS), weights=TIER_SHARES, k=self.n)
        countries = rng.choices(
            range(len(COUNTRIES)), cum_weights=zipf(len(COUNTRIES), 1.1), k=self.n
        )
        self.domain[:] = bytes(
            rng.choices(range(len(DOMAINS)), cum_weights=zipf(len(DOMAINS), 0.5), k=self.n)
        )
        for i in range(self.n):
            self.tier[i], self.country[i] = tiers[i], countries[i]
            code = COUNTRIES[countries[i]][0]
            roll = rng.random()
            ownership = (
                "state-owned" if roll < 0.05 else "state-backed" if roll < 0.12 else "private"
            )
            self.state_owned[i] = roll < 0.05
            base = self.name()
            name = f"{base} {rng.choice(SECTORS[tiers[i]])}"
            names = {"zh": "".join(rng.sample(HANZI, 2)) + "科技"} if code in ("cn", "tw") else {}
            aliases = (base.upper()[:4],) if rng.random() < 0.1 else ()
            attrs = {"stateOwnership": ownership, "founded": self.day()}
            self.entity(self.fid[i], "Firm", name, attrs, names, aliases)
            self.rel(self.types.headquarters, self.fid[i], country_id(code), "synth-registry")

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
                self.rel(self.types.production, self.fid[i], pid, "synth-filings", dated=0.5)
                domain = self.domain[i]
                for tech in sorted({pick(domain) for _ in range(rng.randint(1, 3))}):
                    self.rel(self.types.use, pid, tech, "synth-filings")
                self.output[i] = pid
            else:
                tech = pick(self.domain[i])
                quals = {"share": f"{rng.randint(1, 40) / 100:g}"} if rng.random() < 0.2 else {}
                self.rel(
                    self.types.production, self.fid[i], tech, "synth-filings", quals, dated=0.5
                )
                self.output[i] = tech


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
