"""Adjacency reads shared by every evaluation a load makes on one day.

A load evaluates every policy on the same graph and the same day (:mod:`store.answers`),
and the policies read largely the same neighbourhoods: the producers of popular items,
the seats of the same firms, the blocs of the same countries. Read through the store,
each evaluation filters those relations by date and notes their validity boundaries again
(on synthetic L, a quarter of the answers' time). :class:`SharedReads` does that once per
node, side and type set: it keeps, for each node read, the relations valid on the day
asked and the nearest boundary on either side of the evaluated day, so a later read of
the same node costs a dictionary lookup.

Exactness: a read returns what :meth:`GraphStore.edges` returns without a date, filtered
by :meth:`Relation.valid_at` — the same relations, in id order, without duplicates (a
relation between two nodes read together comes out once). The nearest boundaries of a
read are the latest boundary on or before the day and the earliest after it, over every
relation the store returned, valid or not; that is all :func:`store.answer_timeline.sweep`
uses of the boundaries it notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from operator import attrgetter

from ontology.model import Relation
from store.base import Direction, GraphStore

MAX_DAYS = 4
"""Days whose reads are kept at once; the oldest day's are dropped for a new one. A large
graph is evaluated on one day only (its budget is one evaluation per policy); a small
one on several, alternating between neighbouring days."""

Bounds = tuple[date | None, date | None]
"""The latest boundary on or before the evaluated day, the earliest after it."""

_Entry = tuple[list[Relation], date | None, date | None]
_Table = dict[str, _Entry]
_Key = tuple[date, tuple[str, ...] | None, Direction, date | None]
"""(evaluated day, relation types, side, validity date asked) of one table of reads."""
_ID = attrgetter("id")


def after(day: date | None) -> date | None:
    """The first day a fact ending on ``day`` is no longer valid."""
    if day is None or day == date.max:
        return None
    return day + timedelta(days=1)


def nearest(rels: Sequence[Relation], day: date) -> Bounds:
    """The nearest validity boundaries of ``rels`` around ``day``: the latest start or
    end on or before it, the earliest after it."""
    low: date | None = None
    high: date | None = None
    for rel in rels:
        for bound in (rel.valid_from, after(rel.valid_to)):
            if bound is None:
                continue
            if bound <= day:
                if low is None or bound > low:
                    low = bound
            elif high is None or bound < high:
                high = bound
    return low, high


def tighten(bounds: Bounds, low: date | None, high: date | None) -> Bounds:
    """``bounds`` tightened by one more read's nearest boundaries."""
    lo, hi = bounds
    if low is not None and (lo is None or low > lo):
        lo = low
    if high is not None and (hi is None or high < hi):
        hi = high
    return lo, hi


class SharedReads:
    """A store's relations per node, side and type set, kept per evaluated day (see the
    module docstring). Not thread-safe: one per process evaluating."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self._tables: dict[_Key, _Table] = {}
        self._days: list[date] = []

    def read(
        self,
        node_ids: Sequence[str],
        types: Sequence[str] | None,
        direction: Direction,
        as_of: date | None,
        day: date,
    ) -> tuple[list[Relation], Bounds]:
        """The relations of ``node_ids`` (as :meth:`GraphStore.edges` on ``as_of``) and
        the nearest boundaries around ``day`` of every relation read (valid or not)."""
        table = self._table(day, None if types is None else tuple(types), direction, as_of)
        nodes = list(dict.fromkeys(node_ids))
        missing = [n for n in nodes if n not in table]
        if missing:
            self._fill(table, missing, types, direction, as_of, day)
        bounds: Bounds = (None, None)
        if len(nodes) == 1:
            rels, low, high = table[nodes[0]]
            return list(rels), tighten(bounds, low, high)
        merged: list[Relation] = []
        for node in nodes:
            rels, low, high = table[node]
            bounds = tighten(bounds, low, high)
            merged += rels
        if direction is Direction.BOTH:  # a relation between two of the nodes is in both
            merged = list({rel.id: rel for rel in merged}.values())
        # One side only: each relation has one node on it, so there are no duplicates.
        # Each node's list is in id order already, which the sort's run detection uses.
        merged.sort(key=_ID)
        return merged, bounds

    def _table(
        self,
        day: date,
        types: tuple[str, ...] | None,
        direction: Direction,
        as_of: date | None,
    ) -> _Table:
        key = (day, types, direction, as_of)
        table = self._tables.get(key)
        if table is None:
            if day not in self._days:
                self._days.append(day)
                if len(self._days) > MAX_DAYS:
                    dropped = self._days.pop(0)
                    self._tables = {k: v for k, v in self._tables.items() if k[0] != dropped}
            table = self._tables[key] = {}
        return table

    def _fill(
        self,
        table: _Table,
        nodes: list[str],
        types: Sequence[str] | None,
        direction: Direction,
        as_of: date | None,
        day: date,
    ) -> None:
        """Read ``nodes`` in one store call and split the relations by node (each node's
        list stays in id order, as the call returns them)."""
        wanted = set(nodes)
        by_node: dict[str, list[Relation]] = {n: [] for n in nodes}
        for rel in self.store.edges(nodes, types, direction, None):
            if direction is Direction.OUT:
                by_node[rel.source].append(rel)
            elif direction is Direction.IN:
                by_node[rel.target].append(rel)
            else:
                if rel.source in wanted:
                    by_node[rel.source].append(rel)
                if rel.target in wanted and rel.target != rel.source:
                    by_node[rel.target].append(rel)
        for node, rels in by_node.items():
            low, high = nearest(rels, day)
            table[node] = ([r for r in rels if r.valid_at(as_of)], low, high)
