"""The difference between two versions of the whole graph, and what it does to exposure.

Written over the store interface only (:meth:`graph_at`, :meth:`at_version`), so it gives
the same answer on both stores. The fact changes are the net difference between the two
graphs as known then (a fact changed twice in between is one change), classified as the
change feed classifies them (:func:`store.history_log.feed`); the exposure changes are,
for each policy, :func:`store.analysis.diff_evaluations` of its exposure evaluated on the
two graphs on the same valid-time day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from ontology.errors import TechsovError
from ontology.model import Graph
from ontology.schema import Schema
from store import analysis
from store.analysis import ExposureDiff
from store.answers import policies_of
from store.base import GraphStore
from store.history import FactChange
from store.history_log import RetiredFact, check_version, facts_of, feed


@dataclass(frozen=True)
class PolicyShift:
    """How one policy's exposure list differs between the two versions."""

    policy: str
    became_exposed: list[str]
    stopped: list[str]
    changed: list[str]
    """Suppliers exposed in both, with another kind, depth or path."""


@dataclass
class GraphDiff:
    """Two versions of the graph compared."""

    old: int
    new: int
    changes: list[FactChange]
    by_kind: Counter[tuple[str, str]] = field(default_factory=Counter)
    """``(fact kind, change) -> count``."""
    by_relation_type: Counter[tuple[str, str]] = field(default_factory=Counter)
    """``(relation type, change) -> count``."""
    exposure: list[PolicyShift] = field(default_factory=list)
    """Policies whose exposure list changed (the others are left out)."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Policies that could not be evaluated on one side, and why."""


def fact_changes(old: Graph, new: Graph, new_version: int) -> list[FactChange]:
    """Every fact that differs between ``old`` and ``new``, as changes made by ``new_version``."""
    added = [
        (new_version, kind, fact)
        for (kind, now), (_, before) in zip(facts_of(new), facts_of(old), strict=True)
        for fid, fact in now.items()
        if before.get(fid) != fact
    ]
    gone = [
        RetiredFact(kind=kind, id=fid, fact=fact, added_in=0, retired_in=new_version)
        for (kind, before), (_, now) in zip(facts_of(old), facts_of(new), strict=True)
        for fid, fact in before.items()
        if now.get(fid) != fact
    ]
    return feed(added, gone)


def diff_versions(
    store: GraphStore,
    schema: Schema,
    old: int,
    new: int,
    *,
    policies: Sequence[str] = (),
    as_of: date | None = None,
    max_depth: int = 2,
) -> GraphDiff:
    """Compare versions ``old`` and ``new``; exposure for ``policies`` (every policy either
    version holds when empty) on ``as_of`` (today by default)."""
    known = store.versions()
    for number in (old, new):
        check_version(known, number)
    before_graph, after_graph = store.graph_at(old), store.graph_at(new)
    found = GraphDiff(old=old, new=new, changes=fact_changes(before_graph, after_graph, new))
    for change in found.changes:
        found.by_kind[(change.kind, change.change)] += 1
        if change.kind == "relation":
            fact = change.after if change.after is not None else change.before
            found.by_relation_type[(str((fact or {}).get("type")), change.change)] += 1
    kinds = {i: e.kind for g in (before_graph, after_graph) for i, e in g.entities.items()}
    wanted = list(policies) or policies_of(schema, kinds)
    readers = store.at_version(old), store.at_version(new)
    for policy in wanted:
        try:
            shift = _exposure_shift(readers, schema, policy, as_of, max_depth)
        except TechsovError as exc:
            found.skipped[policy] = str(exc)
            continue
        if shift.became_exposed or shift.stopped or shift.changed:
            found.exposure.append(shift)
    return found


def _exposure_shift(
    readers: tuple[GraphStore, GraphStore],
    schema: Schema,
    policy: str,
    as_of: date | None,
    max_depth: int,
) -> PolicyShift:
    before, after = (
        analysis.exposure(
            store,
            schema,
            policy,
            max_depth=max_depth,
            as_of=as_of,
            first=analysis.UNBOUNDED_FIRST,
        )
        for store in readers
    )
    diff: ExposureDiff = analysis.diff_evaluations(before, after)
    return PolicyShift(
        policy=policy,
        became_exposed=[e.supplier for e in diff.became_exposed],
        stopped=[e.supplier for e in diff.stopped],
        changed=[b.supplier for b, _ in diff.changed],
    )
