"""Today's exposure answers, computed once per load and looked up per request.

An analyst's usual question is "who is exposed to this policy now?", asked again and again
of a graph that changes only when it is loaded. So each load also computes, for every
policy, the answer at the deepest depth the API allows (:data:`ANSWER_DEPTH`) and the
largest page (:data:`ANSWER_FIRST`), and stores it next to the graph it was computed from
(the embedded store in memory, Neo4j as nodes written in the load's own transaction), so
readers see the old graph with its answers or the new one with its answers, never a mix.

**Why one stored answer serves every smaller depth and page.** Exposures are ordered by
depth first, and the search is tier by tier: the organizations exposed within depth
``d`` are exactly those of any deeper search whose depth is at most ``d``, with the same
paths and scores. So the first ``first`` exposures at depth ``d`` are the stored top list
restricted to depth ``<= d``, cut at ``first`` — as long as ``first`` is at most the
stored page. For the same reason the computation may stop at the first tier that fills
the page or adds no one (:func:`top_exposures`): deeper tiers could not change the list.

The answers are computed by :func:`store.analysis.suppliers_exposed_to` itself, so the
semantics live in one place; a stored answer is only used for requests without ``as_of``
on the day it was computed (:meth:`ExposureAnswers.lookup`), every other request is
evaluated live.

**Other dates.** The same computation also tabulates each policy's answers over time
(:mod:`store.answer_timeline`: date intervals over which the answer is constant, found by
the engine itself), which is what the dated Bloom phrase reads on Neo4j; today's answer is
the interval holding today, so it costs no extra evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from types import MappingProxyType

from ontology.schema import Schema
from store import analysis
from store.analysis import Exposure
from store.answer_reads import SharedReads
from store.answer_timeline import AnswerInterval, answer_on, budget_for, sweep
from store.base import GraphStore
from store.embedded_image import collector_paused

ANSWER_DEPTH = 6
"""The deepest ``maxDepth`` the API allows by default: answers hold for any depth up to it."""

ANSWER_FIRST = 500
"""The largest page the API allows by default: answers hold for any ``first`` up to it."""

Today = Callable[[], date]

POLICY = "Policy"


def top_exposures(
    reader: GraphStore,
    schema: Schema,
    policy: str,
    *,
    max_depth: int = ANSWER_DEPTH,
    first: int = ANSWER_FIRST,
    as_of: date | None = None,
) -> tuple[Exposure, ...]:
    """The first ``first`` exposures to ``policy`` at ``max_depth`` on ``as_of`` (today
    by default).

    One evaluation for the exposures alone: the engine walks one tier deeper at a time and
    stops after the tier that fills the page or reaches no one new (see the module
    docstring: the list cannot change after that). That is the answer, and the reads, of
    evaluating at depth 0, 1, 2, ... in turn and stopping at that tier: each of those
    evaluations reads a prefix of what the deepest one reads, so the dates the answer
    depends on (:mod:`store.answer_timeline`) are the same as well."""
    found = analysis.suppliers_exposed_to(
        reader, schema, policy, max_depth=max_depth, first=first, as_of=as_of
    )
    return tuple(found)


def evaluate_on(
    store: GraphStore, day: date, *, schema: Schema, policy: str
) -> tuple[Exposure, ...]:
    """:func:`top_exposures` on ``day``: what the stored answers tabulate over time."""
    return top_exposures(store, schema, policy, as_of=day)


def policies_of(schema: Schema, kinds: Mapping[str, str]) -> list[str]:
    """Ids of the entities (``id -> kind``) that are policies, in id order."""
    return sorted(i for i, kind in kinds.items() if schema.is_a(kind, POLICY))


@dataclass(frozen=True)
class ExposureAnswers:
    """One graph version's stored answers: every policy's top exposures."""

    computed_on: date
    by_policy: Mapping[str, tuple[Exposure, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    max_depth: int = ANSWER_DEPTH
    first: int = ANSWER_FIRST

    timelines: Mapping[str, tuple[AnswerInterval, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    """Each policy's answers on other dates, as intervals (see :mod:`store.answer_timeline`)."""

    @classmethod
    def compute(
        cls,
        reader: GraphStore,
        schema: Schema,
        policies: Iterable[str],
        today: date,
        progress: Callable[[int, int], None] | None = None,
        budget: int | None = None,
        reads: SharedReads | None = None,
    ) -> ExposureAnswers:
        """Answers for ``policies`` on ``reader`` (a store holding the graph to serve):
        today's, and those of other dates within ``budget`` evaluations per policy (the
        first of which is today's answer; by default :func:`budget_for` the graph).
        ``reads``: the shared reads of earlier calls on ``reader`` (one worker's)."""
        wanted = list(policies)
        if budget is None:
            budget = budget_for(reader.counts()["relations"])
        out: dict[str, tuple[Exposure, ...]] = {}
        timelines: dict[str, tuple[AnswerInterval, ...]] = {}
        day = date.today()  # the date the engine answers for when asked without one
        if reads is None or reads.store is not reader:
            reads = SharedReads(reader)  # the policies read largely the same neighbourhoods
        # The graph read is large and long-lived, and the evaluations allocate millions of
        # short-lived paths: each automatic collection would walk the whole graph again
        # (on synthetic L, a third of the time). Nothing here makes reference cycles.
        with collector_paused():
            for done, policy in enumerate(wanted, start=1):
                timelines[policy] = sweep(
                    reader,
                    schema,
                    policy,
                    partial(evaluate_on, schema=schema, policy=policy),
                    around=day,
                    budget=budget,
                    reads=reads,
                )
                found = answer_on(timelines[policy], day) or ()
                out[policy] = tuple(e.on(day) for e in found)
                if progress is not None:
                    progress(done, len(wanted))
        return cls(
            computed_on=today,
            by_policy=MappingProxyType(out),
            timelines=MappingProxyType(timelines),
        )

    def on(self, policy: str, day: date) -> tuple[Exposure, ...] | None:
        """The stored answer for ``policy`` on ``day`` at :data:`ANSWER_DEPTH` (exposures
        without their ``as_of``), ``None`` outside the dates computed."""
        intervals = self.timelines.get(policy)
        return None if intervals is None else answer_on(intervals, day)

    def lookup(
        self, policy: str, *, max_depth: int, first: int, as_of: date | None, today: date
    ) -> list[Exposure] | None:
        """The exact answer when these stored answers hold it, else ``None`` (evaluate
        live): only for today's default question, within the stored depth and page."""
        if as_of is not None or today != self.computed_on:
            return None
        if max_depth > self.max_depth or first > self.first:
            return None
        stored = self.by_policy.get(policy)
        if stored is None:
            return None
        return cut(stored, max_depth, first)


def cut(stored: Iterable[Exposure], max_depth: int, first: int) -> list[Exposure]:
    """The answer for a smaller depth and page out of a stored top list."""
    out: list[Exposure] = []
    for exposure in stored:
        if len(out) >= first or exposure.depth > max_depth:
            break
        out.append(exposure)
    return out
