"""Listing periods from the rounds of a list.

Lists such as DoD's Section 1260H list are published in rounds. A round either
republishes the whole list (the 2025 and 2026 1260H notices) or only adds entries (the
2022 and 2024 updates as OpenSanctions records them). A listing opens at the first round
that names an entity and ends on the date of the first *complete* round that no longer
names it (``validTo`` is the day before: the last day it held) or on the end date the list
itself records; an entity named again later opens a new period. An additions-only round
closes nothing: absence from it says nothing.

A round counts as complete when it names again at least :data:`COMPLETE_SHARE` of the
entities listed just before it: republications repeat nearly all of them, addition
rounds almost none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

COMPLETE_SHARE = 0.5


@dataclass(frozen=True)
class RoundEntry:
    """One row of a round: ``key`` is the listed entity, ``row`` the caller's handle on the
    row (carried into the period), ``ended`` an end date the list records for it."""

    key: str
    round: date
    row: int
    ended: date | None = None


@dataclass
class Period:
    key: str
    start: date
    end: date | None = None
    rows: list[int] = field(default_factory=list)
    rounds: list[date] = field(default_factory=list)


def complete_rounds(entries: Sequence[RoundEntry]) -> set[date]:
    """The rounds that republish the list (see the module docstring)."""
    by_round: dict[date, set[str]] = {}
    for e in entries:
        by_round.setdefault(e.round, set()).add(e.key)
    complete: set[date] = set()
    listed: set[str] = set()
    for when in sorted(by_round):
        named = by_round[when]
        if listed and len(named & listed) >= COMPLETE_SHARE * len(listed):
            complete.add(when)
            listed = set(named)
        else:
            listed |= named
    return complete


def listing_periods(entries: Iterable[RoundEntry]) -> list[Period]:
    """Every entity's listing periods, oldest first per entity."""
    rows = sorted(entries, key=lambda e: (e.round, e.key, e.row))
    complete = complete_rounds(rows)
    by_round: dict[date, list[RoundEntry]] = {}
    for e in rows:
        by_round.setdefault(e.round, []).append(e)
    open_: dict[str, Period] = {}
    done: list[Period] = []
    for when in sorted(by_round):
        named = {e.key for e in by_round[when]}
        if when in complete:
            for key in sorted(set(open_) - named):
                closed = open_.pop(key)
                closed.end = max(closed.start, when - timedelta(days=1))
                done.append(closed)
        for e in by_round[when]:
            period = open_.get(e.key) or open_.setdefault(e.key, Period(e.key, when))
            period.rows.append(e.row)
            if when not in period.rounds:
                period.rounds.append(when)
            if e.ended is not None:
                period.end = max(period.start, e.ended)
                done.append(open_.pop(e.key))
    done += open_.values()
    done.sort(key=lambda p: (p.key, p.start))
    return done
