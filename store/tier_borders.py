"""Where a cut-off user's tiers stop (rule 4 of :mod:`store.exposure`): at the borders of
the jurisdictions that impose the rule.

A control on what leaves a country binds its exporters and cuts off users abroad; at home,
its own firms still buy. So an organization placed in an imposing jurisdiction (its seat,
or its parent's when unknown, and the blocs of that seat) is not exposed as the supplier,
owner or subsidiary of a cut-off user, nor expanded from there. It may still be exposed
through a restricted exporter, whose suppliers at home the control does bind: the check is
per candidate path, by the directly exposed organization the path starts from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from store.paths import Candidate, Path
from store.rules import RuleVersion

if TYPE_CHECKING:
    from store.exposure import _Evaluator

CUTS_OFF = frozenset({"cuts-off-users", "both"})


def cut_off_roots(rule: RuleVersion, settled: dict[str, tuple[str, Path]]) -> set[str]:
    """The organizations exposed directly as cut-off users whose tiers stop at the
    imposers' borders (rule 4): those of a rule that cuts users off and names who imposes it."""
    if rule.direction not in CUTS_OFF or not rule.imposers:
        return set()
    return {org for org, (kind, _) in settled.items() if kind == "cut-off"}


def via(candidate: Candidate) -> str:
    """The organization of the previous tier a candidate is reached from: the other end
    of the first relation of its path."""
    org, _, path = candidate
    return path[0].other(org)


def shielded(
    ev: _Evaluator, out: list[Candidate], root_of: dict[str, str], cut_roots: set[str]
) -> list[Candidate]:
    """``out`` without the candidates reached from a cut-off user that are seated in an
    imposing jurisdiction: the control leaves its own market open to them."""
    if not cut_roots:
        return out
    from_cut = {c[0] for c in out if root_of[via(c)] in cut_roots}
    if not from_cut:
        return out
    places = ev.places(ev.organizations(from_cut))
    imposers = set(ev.rule.imposers)
    return [
        c
        for c in out
        if not (root_of[via(c)] in cut_roots and places.get(c[0], frozenset()) & imposers)
    ]
