"""The embedded store's known-time history: an immutable log published with each state.

A load builds the next :class:`History` off to the side, together with the new graph, and
the store publishes both in one assignment, so readers see a history that matches the
graph they read and a failed load leaves both as they were. The log is held in memory
only: it lives as long as the process (``techsov serve`` makes a version per reload that
changes the graph); the graph cache keeps validated inputs, not store states.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ontology.model import Graph
from store.history import FactChange, FactKind, GraphVersion
from store.history_log import (
    FIRST_VERSION,
    Fact,
    LiveFact,
    RetiredFact,
    assemble,
    check_version,
    facts_of,
    feed,
    now_utc,
)

_Key = tuple[FactKind, str]


@dataclass(frozen=True)
class History:
    """Versions, when each live fact was added (only those added after the first version:
    the rest were added in it) and the retired facts, in retirement order."""

    versions: tuple[GraphVersion, ...] = ()
    added: Mapping[_Key, int] = field(default_factory=lambda: MappingProxyType({}))
    retired: tuple[RetiredFact, ...] = ()

    @property
    def latest(self) -> int:
        return self.versions[-1].number if self.versions else 0

    def advance(self, old: Graph, new: Graph, digest: str | None) -> History:
        """The history after replacing ``old`` with ``new``; itself when nothing changed."""
        number = self.latest + 1
        added = dict(self.added)
        retired: list[RetiredFact] = []
        changed = False
        for (kind, before), (_, after) in zip(facts_of(old), facts_of(new), strict=True):
            if not before and number == FIRST_VERSION:
                changed = changed or bool(after)  # all new, and they hold no entry
                continue
            for fid, fact in after.items():
                previous = before.get(fid)
                if previous == fact:
                    continue
                if previous is not None:
                    retired.append(self._retire(kind, fid, previous, number))
                changed = True
                if number != FIRST_VERSION:  # facts of the first version hold no entry
                    added[(kind, fid)] = number
            for fid in before.keys() - after.keys():
                retired.append(self._retire(kind, fid, before[fid], number))
                added.pop((kind, fid), None)
        if not changed and not retired:
            return self
        version = GraphVersion(
            number=number, loaded_at=now_utc(), digest=digest,
            entities=len(new.entities), relations=len(new.relations), sources=len(new.sources),
        )  # fmt: skip
        return History(
            versions=(*self.versions, version),
            added=MappingProxyType(added),
            retired=(*self.retired, *sorted(retired, key=lambda r: (r.kind, r.id))),
        )

    def _retire(self, kind: FactKind, fid: str, fact: Fact, number: int) -> RetiredFact:
        since = self.added.get((kind, fid), FIRST_VERSION)
        return RetiredFact(kind=kind, id=fid, fact=fact, added_in=since, retired_in=number)

    def graph_at(self, live: Graph, version: int) -> Graph:
        check_version(list(self.versions), version)
        return assemble(self._live(live), self.retired, version)

    def _live(self, live: Graph) -> list[LiveFact]:
        added = self.added
        return [
            LiveFact(kind, fact, added.get((kind, fid), FIRST_VERSION))
            for kind, facts in facts_of(live)
            for fid, fact in facts.items()
        ]

    def changes(self, live: Graph, since: int, until: int | None) -> list[FactChange]:
        end = self.latest if until is None else until
        new: list[tuple[int, FactKind, Any]] = []
        if since < FIRST_VERSION <= end:  # facts added in the first version hold no entry
            new += [
                (FIRST_VERSION, kind, fact)
                for kind, facts in facts_of(live)
                for fid, fact in facts.items()
                if (kind, fid) not in self.added
            ]
        tables = dict(facts_of(live))
        for (kind, fid), number in self.added.items():
            if since < number <= end:
                new.append((number, kind, tables[kind][fid]))
        for old in self.retired:
            if since < old.added_in <= end:
                new.append((old.added_in, old.kind, old.fact))
        gone = [r for r in self.retired if since < r.retired_in <= end]
        return feed(new, gone)
