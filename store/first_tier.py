"""The first tier of an exposure evaluation (:mod:`store.exposure`): what a rule reaches
directly, and the page of a domestic-promotion rule whose first tier fills it, found
while reading the seats of as few organizations as the page needs.

Kept apart from the evaluation's walk so that each reads on its own; the rules are those
of :mod:`store.exposure`, whose evaluator this module only calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from store.exposure_results import Beneficiary
from store.paths import Candidate, Path, best_candidates, score

if TYPE_CHECKING:
    from store.exposure import _Evaluator


@dataclass(frozen=True)
class Reach:
    """What an evaluation reports the rule reaching: its scope, the parties it names and
    the jurisdictions it targets."""

    scope: list[str]
    named: list[str]
    jurisdictions: list[str]


@dataclass(frozen=True)
class Found:
    """What a rule reaches directly, before the seats of anyone are read."""

    producers: list[tuple[str, Path]]
    users: list[tuple[str, Path]]
    named: list[tuple[str, Path]]
    affiliates: list[tuple[str, Path]]
    benefit: dict[str, Beneficiary]
    reach: Reach


def domestic_page(ev: _Evaluator, found: Found, first: int) -> dict[str, tuple[str, Path]] | None:
    """The exposures of a ``promotes-domestic`` rule's first tier that make its page of
    ``first``, with the seats of only the organizations ranked into it; ``None`` when
    that tier does not fill the page (then the whole tier is placed, as usual).

    Why this is :func:`store.exposure._classify`'s answer cut to the page: under this
    direction an organization of the first tier is left out only when it is a beneficiary
    (named as one, or a producer seated at home), and otherwise all its candidates count,
    so its best path and score do not depend on the seats. Ranking every organization by
    that score and reading seats down the ranking until ``first`` are kept gives the same
    page. A broad domestic-promotion rule reaches tens of thousands of producers; the page
    needs the seats of a few hundred. (The answer depends only on the reads made, so the
    dates it holds over, :mod:`store.answer_timeline`, stay exact.)"""
    if first <= 0:
        return {}
    suffix = ev.suffix
    candidates: list[Candidate] = [(o, "technology", p + suffix) for o, p in found.producers]
    candidates += [(o, "named", p) for o, p in found.named]
    candidates += [(o, "affiliate", p) for o, p in found.affiliates]
    best = best_candidates(candidates, set(found.benefit))
    ranked = [org for _, org in sorted((-score(p, 0), org) for org, (_, p) in best.items())]
    made = {o for o, _ in found.producers}
    home = set(ev.rule.imposers) | set(ev.rule.targets)
    kept: dict[str, tuple[str, Path]] = {}
    start = 0
    while start < len(ranked) and len(kept) < first:
        chunk = ranked[start : start + first - len(kept)]
        start += len(chunk)
        orgs = ev.organizations(chunk)
        places = ev.places([o for o in chunk if o in orgs and o in made])
        for org in chunk:
            if org in orgs and not (org in made and places[org] & home):
                kept[org] = best[org]
    return kept if len(kept) >= first else None
