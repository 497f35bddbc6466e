"""Exposure answers for every date: per policy, the dates over which the answer is constant.

An analyst in Bloom types a date; Cypher cannot evaluate the exposure rules
(:mod:`store.exposure`), so the load evaluates them ahead of time, for every date at once,
and a phrase only picks the stored interval that contains the date typed.

**Why the answer is constant between boundaries.** An evaluation on day ``D`` depends on
``D`` only through (1) which rule version governs (:func:`store.rules.governing`: the
versions' ``in_force_from``/``in_force_to``) and (2) which of the relations the store hands
it are valid on ``D`` (:meth:`GraphStore.edges` filters by date; exemptions are tested with
:meth:`Relation.valid_at`). :class:`_Recorder` hands the engine the same relations a store
would, but reads them without a date and notes the dates at which any of them — valid or
not — starts or stops being valid (``valid_from`` and the day after ``valid_to``). If no
noted date lies in ``(D, E]``, every store call of an evaluation on ``E`` returns exactly
what it returned on ``D`` (by induction over the calls: same arguments, same relations,
same validity), so the answer is the same. Only the nearest noted dates on either side of
``D`` bound its interval, so those are all the recorder keeps (:mod:`store.answer_reads`,
which also shares the reads between the evaluations of one load). The sweep evaluates at
the open start, then at the nearest noted date after the current one, and so on: one
evaluation per interval, none per date of the graph that the policy's evaluation never
looks at. Neighbouring intervals with equal answers are merged.

The evaluation is :func:`store.answers.top_exposures`, the very function that computes
today's stored answers, so the rules are stated once; exposures are stored without their
``as_of`` (the date asked is the analyst's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import cast

from ontology.model import Entity, Relation
from ontology.schema import Schema
from store.answer_reads import Bounds, SharedReads, after, tighten
from store.base import Direction, GraphStore
from store.exposure_results import Exposure
from store.rules import read_versions

MAX_EVALUATIONS = 16
"""Evaluations per policy a load spends on the answers of other dates than the load day's
(the curated graph needs 14 at most). Each costs about one evaluation of today's answer;
dense validity dates (the synthetic benchmark graphs) need one per date some inspected fact
starts or ends, so the sweep stops at the budget and the intervals say which dates they
cover (see :func:`sweep`)."""

FULL_BUDGET_RELATIONS = 5_000
"""Up to this many relations a load spends :data:`MAX_EVALUATIONS` per policy (the curated
graph and the imported lists); beyond, the budget shrinks in proportion, down to
:data:`MIN_EVALUATIONS`. A load's answers for today are part of what makes it done, and at
scale a load must stay close to what it costs without dated answers: measured by
``bench.answer_timeline`` on synthetic M (101k relations), the sweep cost 22 times today's
answers at 16 evaluations, 3.5 times at 3 and 1.2 times at 1 (the recording alone), so
graphs past 80,000 relations keep only the interval that holds the load day."""

MIN_EVALUATIONS = 1


def budget_for(relations: int) -> int:
    """Evaluations per policy for a graph of ``relations`` relations."""
    scaled = MAX_EVALUATIONS * FULL_BUDGET_RELATIONS // max(1, relations)
    return max(MIN_EVALUATIONS, min(MAX_EVALUATIONS, scaled))


@dataclass(frozen=True)
class AnswerInterval:
    """A policy's answer on every day ``start <= day < end`` (``None``: open end)."""

    start: date | None
    end: date | None
    exposures: tuple[Exposure, ...]

    def holds(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day < self.end)


class _Recorder:
    """A read-only view of a store that answers :meth:`edges` as the store would on the
    day asked, and notes the nearest validity boundaries around ``day`` of every relation
    it read (see the module docstring), through ``reads`` (shared by the evaluations of
    one load, :mod:`store.answer_reads`). Only the two primitives the engine uses are
    offered."""

    def __init__(self, reads: SharedReads, day: date) -> None:
        self._reads = reads
        self._day = day
        self.bounds: Bounds = (None, None)

    def entities(self, ids: Sequence[str]) -> dict[str, Entity]:
        return self._reads.store.entities(ids)

    def edges(
        self,
        node_ids: Sequence[str],
        types: Sequence[str] | None,
        direction: Direction,
        as_of: date | None,
    ) -> list[Relation]:
        rels, (low, high) = self._reads.read(node_ids, types, direction, as_of, self._day)
        self.bounds = tighten(self.bounds, low, high)
        return rels


def _version_boundaries(store: GraphStore, schema: Schema, policy: str) -> set[date]:
    """Dates on which the governing rule version of ``policy`` may change."""
    out: set[date] = set()
    for version in read_versions(store, schema, policy):
        for bound in (version.in_force_from, after(version.in_force_to)):
            if bound is not None:
                out.add(bound)
    return out


def _undated(exposures: Sequence[Exposure]) -> tuple[Exposure, ...]:
    return tuple(e.on(None) for e in exposures)


def _bounds(found: set[date], day: date, noted: Bounds) -> tuple[date | None, date | None]:
    """The interval around ``day`` that no boundary in ``found`` cuts, nor the nearest
    boundaries ``noted`` around it."""
    before = [b for b in found if b <= day]
    after_ = [b for b in found if b > day]
    return tighten(noted, max(before) if before else None, min(after_) if after_ else None)


def _merge(intervals: list[AnswerInterval]) -> tuple[AnswerInterval, ...]:
    """``intervals`` (oldest first, adjacent) with equal neighbours joined."""
    out: list[AnswerInterval] = []
    for i in intervals:
        if out and out[-1].exposures == i.exposures and out[-1].end == i.start:
            out[-1] = replace(out[-1], end=i.end)
        else:
            out.append(i)
    return tuple(out)


def sweep(
    store: GraphStore,
    schema: Schema,
    policy: str,
    evaluate: Callable[[GraphStore, date], Sequence[Exposure]],
    *,
    around: date,
    budget: int = MAX_EVALUATIONS,
    reads: SharedReads | None = None,
) -> tuple[AnswerInterval, ...]:
    """``policy``'s answers as adjacent intervals, oldest first, neighbours differing:
    the one holding ``around``, then later and earlier ones in turn, at most ``budget``
    evaluations in all (``evaluate(store, day)`` is the evaluation tabulated). The
    intervals cover every date when the first starts and the last ends open; otherwise
    they cover exactly ``[first.start, last.end)`` and nothing is claimed outside.
    ``reads``: the reads of earlier sweeps of the same store, to share (one load's)."""
    static = _version_boundaries(store, schema, policy)
    shared = reads if reads is not None and reads.store is store else SharedReads(store)

    def interval(day: date) -> AnswerInterval:
        recorder = _Recorder(shared, day)
        found = _undated(evaluate(cast(GraphStore, recorder), day))
        start, end = _bounds(static, day, recorder.bounds)
        return AnswerInterval(start, end, found)

    middle = interval(around)
    earlier: list[AnswerInterval] = []
    later: list[AnswerInterval] = []
    for spent in range(1, budget):
        last = later[-1] if later else middle
        first = earlier[-1] if earlier else middle
        forwards = last.end is not None and (spent % 2 == 1 or first.start is None)
        if forwards and last.end is not None:
            later.append(interval(last.end))
        elif first.start is not None and first.start > date.min:
            earlier.append(interval(first.start - timedelta(days=1)))
        else:
            break
    return _merge([*reversed(earlier), middle, *later])


def answer_on(intervals: Sequence[AnswerInterval], day: date) -> tuple[Exposure, ...] | None:
    """The stored answer on ``day``, ``None`` when ``day`` is outside the computed range."""
    for i in intervals:
        if i.holds(day):
            return i.exposures
    return None
