"""Synthetic standards, policies and their machine-readable rules (:mod:`ingest.synth`)."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.synth_base import GeneratorBase, PolicySpec
from ingest.synth_params import (
    AMENDED_SHARE,
    COUNTRIES,
    INVOKING_SHARE,
    LISTED_SHARE,
    country_id,
    zipf,
)


class PolicySteps(GeneratorBase):
    """Standards, then policies of every kind with their targets and listings, then one or
    two rule versions per policy (from a random stream of their own)."""

    def standards_(self) -> None:
        rng = self.rng
        for k in range(max(10, self.n // 100)):
            sid = f"std-{k + 1:05d}"
            self.standards.append(sid)
            self.entity(sid, "Standard", f"{self.name().upper()} {k + 1}")
            self.rel(
                self.types.standard_development,
                rng.choice(self.sdos),
                sid,
                "synth-registry",
                dated=1.0,
            )
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
            issuer = rng.choices(range(len(COUNTRIES)), cum_weights=zipf(len(COUNTRIES), 1.3))[0]
            since = self.day()
            attrs = {"reference": f"SYN-{since[:4]}-{k + 1:05d}"}
            pname = f"{self.name()} {kind} {k + 1}"
            self.entity(pid, kind, pname, attrs)
            self.rel("issuedBy", pid, self.gov[2 * issuer + rng.randint(0, 1)], "synth-gazette")
            where = {issuer} if not restricts else {rng.randrange(len(COUNTRIES)) for _ in range(2)}
            for c in sorted(where):
                self.rel(
                    self.types.target_jurisdiction,
                    pid,
                    country_id(COUNTRIES[c][0]),
                    "synth-gazette",
                )
            level = rng.choices((1, 2, 3, 4), weights=(0.05, 0.35, 0.4, 0.2))[0]
            techs = sorted(set(rng.sample(by_level[level], rng.randint(1, 3))))
            for tech in techs:
                self.rel(
                    self.types.scope, pid, tech, "synth-gazette", {"effect": effect}, dated=1.0
                )
            self.specs.append(
                PolicySpec(
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
            self.rel(self.types.listing, policy, self.fid[firm], "synth-gazette", dated=1.0)
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

    def _rule_direction(self, spec: PolicySpec) -> tuple[str, dict[str, str]]:
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
        spec: PolicySpec,
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
        self.rel(self.types.rule_of, rid, spec.pid, src, rng=rng)
        if amends:
            self.rel(self.types.rule_amends, rid, amends, src, rng=rng)
        issuer = country_id(COUNTRIES[spec.issuer][0])
        self.rel(self.types.rule_imposer, rid, issuer, src, rng=rng)
        for c in spec.where:
            if c != spec.issuer:
                self.rel(
                    self.types.rule_jurisdiction, rid, country_id(COUNTRIES[c][0]), src, rng=rng
                )
        for tech in techs:
            self.rel(self.types.rule_scope, rid, tech, src, {"includeNarrower": "true"}, rng=rng)
        if "invokes" in extra:
            self.rel(self.types.rule_invokes, rid, extra["invokes"], src, rng=rng)
