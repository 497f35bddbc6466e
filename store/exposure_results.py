"""What an exposure evaluation returns (:mod:`store.exposure` computes it, on either
store): the exposed organizations with the path that explains each, the beneficiaries,
and how a page of them is cut."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from store.paths import Path, score
from store.rules import RuleVersion


@dataclass(frozen=True)
class Exposure:
    supplier: str
    basis: str  # how it is exposed: named | affiliate | restricted | cut-off | technology |
    #             supplier | ownership
    depth: int
    score: float
    path: Path
    rule_version: str | None = None
    as_of: date | None = None

    def on(self, day: date | None) -> Exposure:
        """This exposure stated for ``day`` (``None``: for no date in particular).
        ``dataclasses.replace`` gives the same, at several times the cost: a load restates
        every stored exposure twice."""
        return Exposure(
            self.supplier, self.basis, self.depth, self.score, self.path, self.rule_version, day
        )


@dataclass(frozen=True)
class Beneficiary:
    entity: str
    reason: str  # benefits-from | exempted | granted | domestic
    path: Path


@dataclass(frozen=True)
class Evaluation:
    """The answer to "who is exposed to this policy on this date", with what explains it."""

    policy: str | None
    as_of: date
    rule: RuleVersion | None  # the governing version; None when no version is in force
    exposures: list[Exposure]
    beneficiaries: list[Beneficiary]
    scope: list[str]
    named: list[str]
    jurisdictions: list[str]

    @property
    def in_force(self) -> bool:
        return self.rule is not None and self.rule.binds

    @property
    def rule_version(self) -> str | None:
        return self.rule.id if self.rule is not None else None


def page(
    settled: dict[str, tuple[str, Path]],
    depth_of: dict[str, int],
    first: int,
    rule_version: str | None,
    day: date,
) -> list[Exposure]:
    """The first ``first`` exposures of the ``settled`` organizations, by depth, then
    score, then id. Ranked first and built for the page only (an organization is settled
    once, so the key never ties): the first tier alone may settle many times the page."""
    ranked = sorted(
        (depth_of[org], -score(path, depth_of[org]), org) for org, (_, path) in settled.items()
    )
    return [
        Exposure(org, settled[org][0], depth, -negated, settled[org][1], rule_version, day)
        for depth, negated, org in ranked[:first]
    ]
