"""The change feed: what changed since a version, and who became exposed because of it.

Analysts ask "what changed since last week?" and, more pointedly, "which suppliers are
newly exposed to this policy, and which facts made them so?". Both are answered from the
store's known-time history (:mod:`store.history`): the facts a version changed come from
:meth:`changes`, and an exposure change is the difference between the policy's exposure
evaluated on the graph as known at ``since`` (:meth:`at_version`) and on the latest graph,
both on the same valid-time date. An exposure change names its *causes*: the changes since
``since`` to the facts on the path that explains it (the new path for a supplier that became
exposed, the old one for a supplier that stopped being) — its relations and the entities
they link — and to the supplier's headquarters and parent (a new headquarters can expose
a firm without being on its path). A supplier none of whose facts changed still appears, with no
causes: the change then lies in the rule's reach (its scope, or another party's facts).

Written over the store interface only, so both stores give the same feed by construction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from ontology.errors import NotFound
from ontology.schema import Schema
from store import analysis
from store.base import GraphStore
from store.exposure_results import Exposure
from store.history import FactChange, GraphVersion
from store.history_log import UnknownVersion, version_at
from store.listing import EntityQuery

POLICY = "Policy"
ExposureShift = Literal["exposed", "unexposed"]
MAX_POLICIES = 1000
"""Policies a watchlist evaluates when it names none (every policy the graph holds)."""


HistoryStore = GraphStore
"""Every store keeps its known-time history (:meth:`GraphStore.versions` and the rest)."""


@dataclass(frozen=True)
class ExposureChange:
    """A supplier that became exposed to ``policy`` or stopped being, and why."""

    policy: str
    supplier: str
    shift: ExposureShift
    exposure: Exposure
    """The exposure after (``exposed``) or before (``unexposed``) the change."""
    causes: list[FactChange]


@dataclass(frozen=True)
class PolicyExposureChanges:
    policy: str
    since: int
    until: int
    as_of: date
    exposed: list[ExposureChange]
    unexposed: list[ExposureChange]

    @property
    def all(self) -> list[ExposureChange]:
        return self.exposed + self.unexposed


@dataclass(frozen=True)
class WatchedEntity:
    """What changed about one watched entity: its own facts and its exposures."""

    entity: str
    changes: list[FactChange]
    exposure_changes: list[ExposureChange]


@dataclass(frozen=True)
class ChangeDigest:
    """Everything a reader of "changes since" wants at once (CLI, mail, webhook)."""

    since: int
    until: int
    versions: list[GraphVersion]
    """The versions after ``since`` up to ``until``."""
    changes: list[FactChange]
    exposures: list[PolicyExposureChanges] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        """``{fact kind: {change kind: n}}`` for the headline."""
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            by_change = out.setdefault(c.kind, {})
            by_change[c.change] = by_change.get(c.change, 0) + 1
        return out


def latest_version(store: HistoryStore) -> int:
    versions = store.versions()
    return versions[-1].number if versions else 0


def resolve_since(store: HistoryStore, since: str) -> int:
    """The version number ``since`` names: a version number, or an ISO date or timestamp
    (the version known then: the last one loaded at or before it; 0 before any load).

    A timestamp without a zone is UTC. A version beyond the latest is
    :class:`UnknownVersion`, and so is text that is neither."""
    text = since.strip()
    versions = store.versions()
    latest = versions[-1].number if versions else 0
    if text.isascii() and text.isdigit():  # "¹" is a digit to isdigit, not to int
        number = int(text)
        if number > latest:
            raise UnknownVersion(f"since: no version {number} (the latest is {latest})")
        return number
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UnknownVersion(
            f"since: {since[:100]!r} is neither a version number nor an ISO timestamp"
        ) from None
    return version_at(versions, moment) or 0


def store_at(store: HistoryStore, version: int, latest: int) -> GraphStore | None:
    """The graph as known at ``version`` (``None`` before the first load)."""
    if version <= 0:
        return None
    return store if version >= latest else store.at_version(version)


def _evaluate(
    store: GraphStore | None,
    schema: Schema,
    policy: str,
    as_of: date,
    max_depth: int,
) -> list[Exposure]:
    """The exposures of ``policy``; none when that graph does not hold the policy."""
    if store is None:
        return []
    try:
        found = analysis.exposure(
            store, schema, policy, max_depth=max_depth, as_of=as_of, first=analysis.UNBOUNDED_FIRST
        )
    except NotFound:
        return []
    return found.exposures


def _index(changes: Iterable[FactChange]) -> dict[tuple[str, str], list[FactChange]]:
    out: dict[tuple[str, str], list[FactChange]] = {}
    for c in changes:
        out.setdefault((c.kind, c.id), []).append(c)
    return out


ByFact = dict[tuple[str, str], list[FactChange]]


HOME_ROLES = ("HeadquartersRole", "OwnershipRole")
"""What the exposure rules read of a supplier off its path: where it (or its parent) is
headquartered decides whether it is foreign to a policy."""


def causes(
    exposure: Exposure,
    by_fact: ByFact,
    feed: Sequence[FactChange] = (),
    home_types: Collection[str] = (),
) -> list[FactChange]:
    """The changes that explain ``exposure`` appearing or going: to its path's relations
    (in path order), to the entities they link (the supplier first), then to the
    supplier's own relations of ``home_types`` in ``feed`` (its headquarters, its parent)."""
    out: list[FactChange] = []
    for r in exposure.path:
        out.extend(by_fact.get(("relation", r.id), ()))
    seen: set[str] = set()
    for entity in [exposure.supplier] + [e for r in exposure.path for e in (r.source, r.target)]:
        if entity not in seen:
            seen.add(entity)
            out.extend(by_fact.get(("entity", entity), ()))
    on_path = {r.id for r in exposure.path}
    out.extend(
        c
        for c in feed
        if c.kind == "relation"
        and c.id not in on_path
        and any(
            p is not None and p.get("source") == exposure.supplier and p.get("type") in home_types
            for p in (c.before, c.after)
        )
    )
    return out


def exposure_changes(
    store: HistoryStore,
    schema: Schema,
    policy: str,
    since: int,
    *,
    as_of: date | None = None,
    max_depth: int = 3,
    feed: Sequence[FactChange] | None = None,
) -> PolicyExposureChanges:
    """Who became exposed to ``policy`` or stopped being between the graph as known at
    ``since`` and the latest graph, both evaluated on ``as_of`` (today by default).

    ``policy`` must be a policy of the latest graph or of the graph at ``since``."""
    latest = latest_version(store)
    day = as_of or date.today()
    old = store_at(store, since, latest)
    _require_policy(schema, policy, [store, old])
    before = _evaluate(old, schema, policy, day, max_depth)
    after = _evaluate(store, schema, policy, day, max_depth) if since < latest else before
    changes = list(feed) if feed is not None else store.changes(since)
    by_fact = _index(changes)
    home = frozenset(schema.with_role(*HOME_ROLES))
    was = {e.supplier for e in before}
    now = {e.supplier for e in after}
    return PolicyExposureChanges(
        policy=policy,
        since=since,
        until=latest,
        as_of=day,
        exposed=[
            ExposureChange(policy, e.supplier, "exposed", e, causes(e, by_fact, changes, home))
            for e in after
            if e.supplier not in was
        ],
        unexposed=[
            ExposureChange(policy, e.supplier, "unexposed", e, causes(e, by_fact, changes, home))
            for e in before
            if e.supplier not in now
        ],
    )


def _require_policy(schema: Schema, policy: str, stores: Sequence[GraphStore | None]) -> None:
    for s in stores:
        if s is None:
            continue
        found = s.entities([policy]).get(policy)
        if found is not None:
            if not schema.is_a(found.kind, POLICY):
                raise NotFound(f"{policy!r} is a {found.kind}, not a {POLICY}")
            return
    raise NotFound(f"no entity with id {policy!r}")


def touches(change: FactChange, entity: str) -> bool:
    """Whether ``change`` is about ``entity`` or a relation of it (before or after)."""
    if change.kind == "entity":
        return change.id == entity
    if change.kind != "relation":
        return False
    return any(
        payload is not None and entity in (payload.get("source"), payload.get("target"))
        for payload in (change.before, change.after)
    )


def all_policies(store: GraphStore, schema: Schema) -> list[str]:
    """Every policy the graph holds (of any policy class), by id."""
    kinds = tuple(schema.subclasses(POLICY))
    page = store.list_entities(EntityQuery(kinds=kinds, first=MAX_POLICIES))
    return list(page.ids)


def watchlist(
    store: HistoryStore,
    schema: Schema,
    entities: Sequence[str],
    since: int,
    *,
    policies: Sequence[str] | None = None,
    as_of: date | None = None,
    max_depth: int = 3,
) -> list[WatchedEntity]:
    """Per watched entity (in the given order): the changes since ``since`` touching it,
    and its exposure changes under ``policies`` (every policy of the graph by default).

    An entity neither the latest graph holds nor any change since mentions is
    :class:`NotFound` (a typo would otherwise read as "nothing changed")."""
    feed = store.changes(since)
    held = store.entities(list(entities))
    unknown = [e for e in entities if e not in held and not any(touches(c, e) for c in feed)]
    if unknown:
        raise NotFound(f"no entity with id {unknown[0]!r}")
    chosen = list(policies) if policies is not None else all_policies(store, schema)
    shifts = [
        exposure_changes(store, schema, p, since, as_of=as_of, max_depth=max_depth, feed=feed)
        for p in chosen
    ]
    return watch(entities, feed, shifts)


def watch(
    entities: Sequence[str],
    feed: Sequence[FactChange],
    shifts: Sequence[PolicyExposureChanges],
) -> list[WatchedEntity]:
    """Per entity, the changes of ``feed`` touching it and its exposure ``shifts``."""
    return [
        WatchedEntity(
            entity=e,
            changes=[c for c in feed if touches(c, e)],
            exposure_changes=[x for s in shifts for x in s.all if x.supplier == e],
        )
        for e in entities
    ]


def digest(
    store: HistoryStore,
    schema: Schema,
    since: int,
    *,
    policies: Sequence[str] = (),
    as_of: date | None = None,
    max_depth: int = 3,
) -> ChangeDigest:
    """The changes since ``since`` and, for each of ``policies``, its exposure changes."""
    feed = store.changes(since)
    versions = [v for v in store.versions() if v.number > since]
    return ChangeDigest(
        since=since,
        until=latest_version(store),
        versions=versions,
        changes=feed,
        exposures=[
            exposure_changes(store, schema, p, since, as_of=as_of, max_depth=max_depth, feed=feed)
            for p in policies
        ],
    )
