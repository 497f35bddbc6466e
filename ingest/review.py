"""Data-quality review of a fact set: what a curator should look at next, with figures.

Validation (:mod:`ingest.validate`) says whether facts *may* be loaded; this review says how
far they can be *trusted*: how many relations quote their evidence, how many sources say
what they are and when they were published, which facts rest only on old sources and have
no end date, which policies have outlived the horizon in their own name, and which relations
use a type against its meaning where the ontology or the graph can tell. It reads any fact
folder - the curated set or an import output - and reports by file and overall.

The review reads records one by one, as the validator does, and keeps what parsed: a set
that does not validate can still be reviewed, and each finding names its file and line.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rdflib import RDFS, SKOS

from ingest.checks import Records
from ingest.reader import YamlFile, read_yaml_files
from ingest.records import Origin
from ingest.rules import load_rules
from ingest.validate import read_yaml_records
from ontology.errors import Problem
from ontology.model import Entity, Relation, Source
from ontology.schema import Schema, default_schema

# The curated set must stay at or above these shares; `techsov review --check` and the test
# suite fail below them. Imported data sets are reported against them but not held to them.
THRESHOLDS: dict[str, float] = {
    "relations_with_evidence": 0.95,
    "sources_with_title_and_date": 0.95,
}
DEFAULT_MAX_AGE_DAYS = 3 * 365
# Sources of this kind are not documents: citing one marks a relation as the curators'
# inference (see ingest/FORMAT.md); the review counts such relations.
INFERENCE_SOURCE_TYPE = "analyst-inference"

# Checks, in report order, with the meaning printed in the legend.
CHECKS: dict[str, str] = {
    "no-evidence": "relation cites no evidence excerpt",
    "certain-without-evidence": "confidence 1.0 without any evidence excerpt",
    "source-incomplete": "source without title or publication date",
    "due-for-review": "open-ended fact whose newest source is older than the maximum age",
    "policy-past-horizon": "policy past the year its name sets as horizon, still open",
    "kind-of-across-kinds": "`broader`-like link between kinds that are not kinds of each other",
    "kind-of-also-other": "`broader`-like link whose pair another relation types differently",
    "competitors-without-market": "competitors with no technology or product market in common",
}

# Relation types the competitor heuristic reads: what a firm sells or enters.
_MARKET_RELATIONS = ("produces", "develops", "entersMarket")
_COMPETES = "competesWith"
_USES = "uses"
_POLICY_CLASS = "Policy"
_YEAR = re.compile(r"\b(19|20)\d{2}\b")


@dataclass(frozen=True)
class Finding:
    check: str
    file: str
    line: int
    subject: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "file": self.file,
            "line": self.line,
            "subject": self.subject,
            "message": self.message,
        }


@dataclass
class Figures:
    """Counts for one file or for the whole set."""

    relations: int = 0
    with_evidence: int = 0
    inferred: int = 0
    sources: int = 0
    titled: int = 0
    dated: int = 0
    titled_and_dated: int = 0
    findings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHECKS, 0))

    @property
    def evidence_share(self) -> float | None:
        return self.with_evidence / self.relations if self.relations else None

    @property
    def source_share(self) -> float | None:
        return self.titled_and_dated / self.sources if self.sources else None

    def add(self, other: Figures) -> None:
        self.relations += other.relations
        self.with_evidence += other.with_evidence
        self.inferred += other.inferred
        self.sources += other.sources
        self.titled += other.titled
        self.dated += other.dated
        self.titled_and_dated += other.titled_and_dated
        for k, v in other.findings.items():
            self.findings[k] += v

    def as_dict(self) -> dict[str, Any]:
        return {
            "relations": self.relations,
            "relations_with_evidence": self.with_evidence,
            "relations_with_evidence_share": _round(self.evidence_share),
            "relations_inferred": self.inferred,
            "sources": self.sources,
            "sources_with_title": self.titled,
            "sources_with_date": self.dated,
            "sources_with_title_and_date": self.titled_and_dated,
            "sources_with_title_and_date_share": _round(self.source_share),
            "findings": dict(self.findings),
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


@dataclass
class Review:
    as_of: date
    max_age_days: int
    files: dict[str, Figures]
    overall: Figures
    findings: list[Finding]

    def below_thresholds(self) -> list[str]:
        """Threshold breaches of the whole set, one sentence each (empty: all met)."""
        out: list[str] = []
        shares = {
            "relations_with_evidence": self.overall.evidence_share,
            "sources_with_title_and_date": self.overall.source_share,
        }
        for key, minimum in THRESHOLDS.items():
            share = shares[key]
            if share is not None and share < minimum:
                out.append(f"{key.replace('_', ' ')}: {share:.1%} is below {minimum:.0%}")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "max_age_days": self.max_age_days,
            "thresholds": dict(THRESHOLDS),
            "below_thresholds": self.below_thresholds(),
            "overall": self.overall.as_dict(),
            "files": {name: f.as_dict() for name, f in sorted(self.files.items())},
            "findings": [f.as_dict() for f in self.findings],
        }


@dataclass
class _Facts:
    """What parsed, with the place each item was written."""

    sources: dict[str, tuple[Source, Origin]] = field(default_factory=dict)
    entities: dict[str, tuple[Entity, Origin]] = field(default_factory=dict)
    relations: list[tuple[Relation, Origin]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def review_paths(
    paths: Sequence[Path | str],
    schema: Schema | None = None,
    *,
    as_of: date,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
) -> Review:
    """Review the fact files under ``paths`` as the world stands on ``as_of``."""
    read = read_yaml_files(paths)
    return review_files(read.files, schema, as_of=as_of, max_age_days=max_age_days)


def review_files(
    files: Sequence[YamlFile],
    schema: Schema | None = None,
    *,
    as_of: date,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
) -> Review:
    schema = schema if schema is not None else default_schema()
    facts = _read_facts(files, schema)
    findings: list[Finding] = []
    findings += _evidence_findings(facts)
    findings += _source_findings(facts)
    findings += _age_findings(facts, as_of, max_age_days)
    findings += _horizon_findings(facts, schema, as_of)
    findings += _kind_of_findings(facts, schema)
    findings += _competitor_findings(facts, schema)
    findings.sort(key=lambda f: (f.file, f.line, f.check, f.subject))
    per_file = _figures(facts, findings)
    overall = Figures()
    for fig in per_file.values():
        overall.add(fig)
    return Review(as_of, max_age_days, per_file, overall, findings)


def _figures(facts: _Facts, findings: Sequence[Finding]) -> dict[str, Figures]:
    """Counts per file: relations, their evidence and inferences, sources and findings."""
    per_file = {name: Figures() for name in facts.files}
    inference_sources = {
        sid for sid, (src, _) in facts.sources.items() if src.source_type == INFERENCE_SOURCE_TYPE
    }
    for rel, origin in facts.relations:
        fig = per_file[origin.file]
        fig.relations += 1
        fig.with_evidence += _has_evidence(rel)
        fig.inferred += any(p.source in inference_sources for p in rel.provenance)
    for src, origin in facts.sources.values():
        fig = per_file[origin.file]
        fig.sources += 1
        fig.titled += bool(src.title)
        fig.dated += src.published is not None
        fig.titled_and_dated += bool(src.title) and src.published is not None
    for f in findings:
        per_file[f.file].findings[f.check] += 1
    return per_file


def _read_facts(files: Sequence[YamlFile], schema: Schema) -> _Facts:
    rules = load_rules()
    facts = _Facts()
    ignored: list[Problem] = []  # the validator reports these; the review keeps what parsed
    for file in files:
        facts.files.append(file.name)
        records = Records([], [], [])
        read_yaml_records(file, schema, rules, records, ignored)
        for s in records.sources:
            if s.source is not None:
                facts.sources.setdefault(s.source.id, (s.source, s.origin))
        for e in records.entities:
            if e.entity is not None:
                facts.entities.setdefault(e.entity.id, (e.entity, e.origin))
        facts.relations += [(r.relation, r.origin) for r in records.relations if r.relation]
    return facts


def _has_evidence(rel: Relation) -> bool:
    return any(p.evidence and p.evidence.strip() for p in rel.provenance)


def _evidence_findings(facts: _Facts) -> Iterable[Finding]:
    for rel, origin in facts.relations:
        if _has_evidence(rel):
            continue
        cited = ", ".join(p.source for p in rel.provenance)
        yield Finding("no-evidence", origin.file, origin.line, rel.id, f"cites {cited} only")
        if rel.confidence >= 1.0:
            yield Finding(
                "certain-without-evidence",
                origin.file,
                origin.line,
                rel.id,
                "confidence 1.0 with no excerpt to check it against",
            )


def _source_findings(facts: _Facts) -> Iterable[Finding]:
    for src, origin in facts.sources.values():
        missing = [n for n, v in (("title", src.title), ("date", src.published)) if not v]
        if missing:
            yield Finding(
                "source-incomplete",
                origin.file,
                origin.line,
                src.id,
                "no " + " and no ".join(missing),
            )


def _age_findings(facts: _Facts, as_of: date, max_age_days: int) -> Iterable[Finding]:
    """Open-ended facts whose every source is dated and the newest older than the limit."""
    cutoff = as_of - timedelta(days=max_age_days)
    for rel, origin in facts.relations:
        if rel.valid_to is not None:
            continue
        dates = [
            facts.sources[p.source][0].published
            for p in rel.provenance
            if p.source in facts.sources
        ]
        if not dates or any(d is None for d in dates):
            continue
        newest = max(d for d in dates if d is not None)
        if newest < cutoff:
            yield Finding(
                "due-for-review",
                origin.file,
                origin.line,
                rel.id,
                f"no end date; newest source published {newest.isoformat()}",
            )


def _horizon_findings(facts: _Facts, schema: Schema, as_of: date) -> Iterable[Finding]:
    """A policy whose name holds a year later than its start (``Made in China 2025``) states
    a horizon; past that year, relations of the policy still open are worth a look."""
    by_policy: dict[str, list[Relation]] = defaultdict(list)
    for rel, _ in facts.relations:
        by_policy[rel.source].append(rel)
    for ent, origin in facts.entities.values():
        if not schema.is_a(ent.kind, _POLICY_CLASS):
            continue
        rels = by_policy.get(ent.id, [])
        starts = [r.valid_from.year for r in rels if r.valid_from is not None]
        years = [int(m.group(0)) for m in _YEAR.finditer(ent.name)]
        horizons = [y for y in years if starts and y > min(starts)]
        if not horizons or max(horizons) >= as_of.year:
            continue
        still_open = [r for r in rels if r.valid_to is None]
        if still_open:
            yield Finding(
                "policy-past-horizon",
                origin.file,
                origin.line,
                ent.id,
                f"horizon {max(horizons)} passed; {len(still_open)} relation(s) without an end",
            )


def _kind_of_types(schema: Schema) -> set[str]:
    g = schema.graph
    return {n for n in schema.relations if (schema.iri(n), RDFS.subPropertyOf, SKOS.broader) in g}


def _kinds_related(schema: Schema, a: str, b: str) -> bool:
    return schema.is_a(a, b) or schema.is_a(b, a)


def _kind_of_findings(facts: _Facts, schema: Schema) -> Iterable[Finding]:
    kind_of = _kind_of_types(schema)
    pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for rel, _ in facts.relations:
        pairs[(rel.source, rel.target)].add(rel.type)
        pairs[(rel.target, rel.source)].add(rel.type)
    for rel, origin in facts.relations:
        if rel.type not in kind_of:
            continue
        a = facts.entities.get(rel.source)
        b = facts.entities.get(rel.target)
        if a and b and not _kinds_related(schema, a[0].kind, b[0].kind):
            yield Finding(
                "kind-of-across-kinds",
                origin.file,
                origin.line,
                rel.id,
                f"a {a[0].kind} is not a kind of {b[0].kind}",
            )
        others = pairs[(rel.source, rel.target)] - kind_of
        if others:
            yield Finding(
                "kind-of-also-other",
                origin.file,
                origin.line,
                rel.id,
                f"the same pair is also linked by {', '.join(sorted(others))}",
            )


def _competitor_findings(facts: _Facts, schema: Schema) -> Iterable[Finding]:
    """Firms said to compete share at least one market: a technology or product both
    produce, develop or enter, a technology their products use, or the next wider
    technology of either (DRAM and memory chips meet; etching and lithography do not)."""
    kind_of = _kind_of_types(schema)
    uses: dict[str, set[str]] = defaultdict(set)
    for rel, _ in facts.relations:
        if rel.type == _USES:
            uses[rel.source].add(rel.target)
    parents: dict[str, set[str]] = defaultdict(set)
    for rel, _ in facts.relations:
        if rel.type in kind_of:
            parents[rel.source].add(rel.target)
    markets: dict[str, set[str]] = defaultdict(set)
    for rel, _ in facts.relations:
        if rel.type in _MARKET_RELATIONS:
            direct = {rel.target} | uses.get(rel.target, set())
            markets[rel.source] |= direct.union(*(parents[t] for t in direct))
    for rel, origin in facts.relations:
        if rel.type != _COMPETES:
            continue
        if not markets[rel.source] & markets[rel.target]:
            yield Finding(
                "competitors-without-market",
                origin.file,
                origin.line,
                rel.id,
                f"{rel.source} and {rel.target} produce, develop or enter nothing in common",
            )
