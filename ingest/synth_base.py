"""The plumbing every step of the synthetic generator shares: its state, the random
streams, and how one entity or relation is written (:mod:`ingest.synth`)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ingest.synth_files import Sink
from ingest.synth_params import (
    CONFIDENCES,
    DAY_INDEX,
    DAYS,
    DOMAINS,
    IN_DOMAIN,
    SPAN_DAYS,
    SYLLABLES,
    firm_id,
    zipf,
)
from ingest.synth_roles import SynthRelations
from ontology.schema import Schema


@dataclass(frozen=True)
class PolicySpec:
    """What the generator stated about a policy, restated by its rule."""

    pid: str
    kind: str
    name: str
    issuer: int  # index into COUNTRIES
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


class GeneratorBase:
    """One generation run's state; the order of the steps (and of every draw) is the format."""

    def __init__(self, firms: int, seed: int, sink: Sink, schema: Schema) -> None:
        if firms < 50:
            raise ValueError("a synthetic graph needs at least 50 firms")
        self.n = firms
        self.rng = random.Random(seed)
        self.sink = sink
        self.schema = schema
        self.types = SynthRelations.of(schema)  # relation types by their ontology role
        self.stats = SynthStats(firms=firms, seed=seed)
        self.fid = [firm_id(i) for i in range(firms)]  # formatted once: used ~10 times each
        self.tier = bytearray(firms)
        self.state_owned = bytearray(firms)
        self.domain = bytearray(firms)  # index into DOMAINS
        self.country = [0] * firms
        self.output = [""] * firms  # what each firm makes: a product or technology id
        self.techs: list[str] = []  # every technology, in taxonomy order
        self.tech_level: list[int] = []
        self.standards: list[str] = []
        self.policies: list[tuple[str, str]] = []  # (id, kind)
        self.specs: list[PolicySpec] = []
        self.listings: list[str] = []
        self.by_level: dict[int, list[str]] = {}
        # Rules draw from their own stream, so adding them left every other fact unchanged.
        self.rule_rng = random.Random(f"rules-{seed}")
        self.gov: list[str] = []  # government bodies, two per country
        self.sdos: list[str] = []

    # -- plumbing ------------------------------------------------------------------------

    def day(self, after: str = "", rng: random.Random | None = None) -> str:
        """A date in the first half of the span, or one at least 30 days after ``after``."""
        start = DAY_INDEX[after] + 30 if after else 0
        return DAYS[start + (rng or self.rng).randrange(SPAN_DAYS // 2)]

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
        conf = f"{rng.choice(CONFIDENCES):g}"
        self.stats.relations[rtype] += 1
        self.sink.relation((rtype, src, dst, quals or {}, conf, vf, vt, source))

    def name(self) -> str:
        rng = self.rng
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()

    def _deep_picker(self, alpha: float) -> Callable[[int], str]:
        """A Zipf draw of a level 3+ technology, from the given domain with probability
        :data:`IN_DOMAIN` (popular technologies end up in many products)."""
        rng = self.rng
        deep = [t for t, lvl in zip(self.techs, self.tech_level, strict=True) if lvl >= 3]
        rng.shuffle(deep)
        pools = [[t for t in deep if t.startswith(f"tech-{d + 1}-")] for d in range(len(DOMAINS))]
        cums = [zipf(len(pool), alpha) for pool in pools]
        every = zipf(len(deep), alpha)

        def pick(domain: int) -> str:
            if rng.random() < IN_DOMAIN:
                return rng.choices(pools[domain], cum_weights=cums[domain])[0]
            return rng.choices(deep, cum_weights=every)[0]

        return pick
