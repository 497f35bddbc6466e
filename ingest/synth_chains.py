"""Synthetic supply chains, ownership trees and the remaining firm activities
(:mod:`ingest.synth`)."""

from __future__ import annotations

from collections.abc import Callable

from ingest.synth_base import GeneratorBase
from ingest.synth_params import COUNTRIES, DOMAINS, IN_DOMAIN, TIERS, country_id, zipf


class ChainSteps(GeneratorBase):
    """Supply between tiers, ownership, and the rarer relation types."""

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
            cums[key] = zipf(len(pools[key]), 0.95)
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
                    self.types.supply,
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
        cums = {d: zipf(len(group), 0.6) for d, group in by_domain.items()}
        every = zipf(len(parents), 0.6)
        has_share: set[int] = set()

        def stake(child: int, parent: int) -> None:
            quals = {}
            if parent not in has_share:
                has_share.add(parent)
                quals["share"] = f"{rng.randint(51, 100) / 100:g}"
            self.rel(
                self.types.parent,
                self.fid[child],
                self.fid[parent],
                "synth-filings",
                quals,
                dated=0.5,
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
                    self.types.state_owner,
                    self.fid[i],
                    country_id(COUNTRIES[self.country[i]][0]),
                    "synth-registry",
                )

    def activities(self) -> None:
        """The remaining relation types, each for a small share of firms."""
        rng, types = self.rng, self.types
        policy_ids = [p for p, _ in self.policies]
        countries = [country_id(code) for code, _ in COUNTRIES]
        pick = self._deep_picker(0.7)
        firm = 0  # the firm whose steps run; read by the pickers below

        def tech() -> str:
            return pick(self.domain[firm])

        steps: list[tuple[float, str, Callable[[], str], str, float]] = [
            *((0.3, t, tech, "synth-filings", 0.0) for t in types.development),
            (0.1, types.dependence, tech, "synth-filings", 0.0),
            (0.15, "implements", lambda: rng.choice(self.standards), "synth-registry", 0.0),
            (0.05, types.body_membership, lambda: rng.choice(self.sdos), "synth-registry", 1.0),
            (0.05, types.market_entry, lambda: rng.choice(countries), "synth-filings", 1.0),
            (0.05, types.benefit, lambda: rng.choice(policy_ids), "synth-filings", 0.0),
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
        for code, _ in COUNTRIES:
            for d in sorted(rng.sample(range(1, len(DOMAINS) + 1), 2)):
                self.rel(types.dependence, country_id(code), f"tech-{d}", "synth-gazette")

    def _compete(self, i: int, seen: set[tuple[int, int]]) -> None:
        j = self.rng.randrange(self.n)
        pair = (min(i, j), max(i, j))
        if i != j and pair not in seen:
            seen.add(pair)
            self.rel("competesWith", self.fid[pair[0]], self.fid[pair[1]], "synth-registry")
