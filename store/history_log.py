"""Known-time history shared by both stores: the bookkeeping of :mod:`store.history`.

The stores differ only in where they keep the log (in memory, or nodes beside the graph);
what a load retires, how the graph as known at a version is put back together, and how a
change is classified are written once here, so both stores answer the same by construction.

Conventions:

- versions are numbered from 1; a live fact with no recorded ``added_in`` was added in
  version 1 (:data:`FIRST_VERSION`), so the first load of a graph writes nothing extra;
- a retired fact keeps the model object it was (:class:`RetiredFact`); stores that cannot
  hold objects keep it as :func:`encode_fact` text, which, unlike a JSON dump, brings
  dates in attributes and qualifiers back as dates (a JSON dump turns them into strings,
  which would make an old graph answer differently from the same graph loaded live).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from threading import Lock
from typing import Any, Generic, TypeVar

from ontology.errors import BadRequest
from ontology.model import Entity, Graph, Relation, Source, normalize
from store.history import ChangeKind, FactChange, FactKind, FactRecord, GraphVersion

FIRST_VERSION = 1
KINDS: tuple[FactKind, ...] = ("entity", "relation", "source")
Fact = Entity | Relation | Source
_MODELS: dict[FactKind, type[Fact]] = {"entity": Entity, "relation": Relation, "source": Source}
_FORMER_SOURCE_TYPE = "kind"
_DATE_TAG = "$date"

_K = TypeVar("_K")
_S = TypeVar("_S")


class UnknownVersion(BadRequest):
    """A known time (version number or timestamp) the store holds no version for."""

    code = "UNKNOWN_VERSION"


def encode_fact(fact: Fact) -> str:
    """Lossless JSON of a fact: dates anywhere are tagged so :func:`decode_fact` restores them."""

    def tag(value: object) -> object:
        if isinstance(value, date):
            return {_DATE_TAG: value.isoformat()}
        raise TypeError(f"cannot encode {type(value).__name__}")

    return json.dumps(fact.model_dump(mode="python"), default=tag, ensure_ascii=False)


def decode_fact(kind: FactKind, text: str) -> Fact:
    def untag(obj: dict[str, Any]) -> object:
        if len(obj) == 1 and _DATE_TAG in obj:
            return date.fromisoformat(obj[_DATE_TAG])
        return obj

    data = json.loads(text, object_hook=untag)
    if kind == "source" and _FORMER_SOURCE_TYPE in data:  # written before its rename
        data["source_type"] = data.pop(_FORMER_SOURCE_TYPE)
    return _MODELS[kind].model_validate(data)


def payload(fact: Fact) -> dict[str, object]:
    """The fact as a feed shows it (JSON types); a source keeps its type under the former
    key ``kind`` as well, as readers of the feed had it before ``source_type``."""
    data = fact.model_dump(mode="json")
    if isinstance(fact, Source):
        data[_FORMER_SOURCE_TYPE] = fact.source_type
    return data


def facts_of(graph: Graph) -> Iterator[tuple[FactKind, Mapping[str, Fact]]]:
    yield "entity", graph.entities
    yield "relation", graph.relations
    yield "source", graph.sources


@dataclass(frozen=True)
class RetiredFact:
    """A fact as it was from ``added_in`` until ``retired_in`` (exclusive)."""

    kind: FactKind
    id: str
    fact: Fact
    added_in: int
    retired_in: int

    def record(self) -> FactRecord:
        return FactRecord(
            kind=self.kind, id=self.id, payload=payload(self.fact),
            added_in=self.added_in, retired_in=self.retired_in,
        )  # fmt: skip


@dataclass(frozen=True)
class LiveFact:
    kind: FactKind
    fact: Fact
    added_in: int


def now_utc() -> datetime:
    return datetime.now(UTC)


def assemble(live: Iterable[LiveFact], retired: Iterable[RetiredFact], version: int) -> Graph:
    """The graph as known at ``version``: live facts added by then, plus retired facts
    that were current then."""
    out: dict[FactKind, dict[str, Any]] = {k: {} for k in KINDS}
    for item in live:
        if item.added_in <= version:
            out[item.kind][item.fact.id] = item.fact
    for old in retired:
        if old.added_in <= version < old.retired_in:
            out[old.kind][old.id] = old.fact
    return Graph(
        entities={k: out["entity"][k] for k in sorted(out["entity"])},
        relations={k: out["relation"][k] for k in sorted(out["relation"])},
        sources={k: out["source"][k] for k in sorted(out["source"])},
    )


def _classify(kind: FactKind, before: Fact | None, after: Fact | None) -> ChangeKind:
    if before is None:
        return "added"
    if after is None:
        return "retracted"
    if (
        isinstance(before, Relation)
        and isinstance(after, Relation)
        and before.valid_to is None
        and after.valid_to is not None
        and before == after.model_copy(update={"valid_to": None})
    ):
        return "ended"
    return "changed"


def _names(entity: Entity) -> set[str]:
    return {normalize(n) for n in entity.all_names()} - {""}


def _resolution(changes: list[FactChange], facts: dict[tuple[int, str], tuple[Any, Any]]) -> None:
    """Re-label entity changes that entity resolution explains, in place.

    Resolution folds an entity into another by giving the survivor the folded one's names
    as aliases (see :mod:`ingest.resolve`): a retracted entity whose name the same version
    added to another entity's names was ``merged`` into it; an added entity whose name the
    same version took away from another entity was ``split`` from it.
    """
    gained: dict[int, dict[str, str]] = {}
    lost: dict[int, dict[str, str]] = {}
    for (version, eid), (before, after) in facts.items():
        if before is not None and after is not None:
            for name in _names(after) - _names(before):
                gained.setdefault(version, {})[name] = eid
            for name in _names(before) - _names(after):
                lost.setdefault(version, {})[name] = eid
    for i, change in enumerate(changes):
        if change.kind != "entity" or change.change not in ("added", "retracted"):
            continue
        before, after = facts[(change.version, change.id)]
        gone = change.change == "retracted"
        own = before if gone else after
        table = (gained if gone else lost).get(change.version, {})
        if any(name in table for name in _names(own)):
            changes[i] = FactChange(
                version=change.version, change="merged" if gone else "split",
                kind=change.kind, id=change.id, before=change.before, after=change.after,
            )  # fmt: skip


def feed(
    added: Iterable[tuple[int, FactKind, Fact]],
    retired: Iterable[RetiredFact],
) -> list[FactChange]:
    """The change feed from the facts each version added and the facts it retired.

    ``added``: ``(version, kind, fact)`` for every fact (live or since retired) added by
    a version in the wanted range; ``retired``: the records retired in that range.
    Ordered by version, then fact kind, then id.
    """
    pairs: dict[tuple[int, FactKind, str], list[Fact | None]] = {}
    for version, kind, fact in added:
        pairs.setdefault((version, kind, fact.id), [None, None])[1] = fact
    for old in retired:
        pairs.setdefault((old.retired_in, old.kind, old.id), [None, None])[0] = old.fact
    changes: list[FactChange] = []
    entities: dict[tuple[int, str], tuple[Any, Any]] = {}
    for (version, kind, fid), (before, after) in sorted(pairs.items()):
        if before == after:
            continue
        changes.append(
            FactChange(
                version=version,
                change=_classify(kind, before, after),
                kind=kind,
                id=fid,
                before=None if before is None else payload(before),
                after=None if after is None else payload(after),
            )
        )
        if kind == "entity":
            entities[(version, fid)] = (before, after)
    _resolution(changes, entities)
    return changes


def version_at(versions: list[GraphVersion], when: datetime) -> int | None:
    """The version known at ``when``: the last one loaded at or before it (None: none yet)."""
    moment = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    known = [v.number for v in versions if v.loaded_at <= moment]
    return known[-1] if known else None


def resolve_known_at(versions: list[GraphVersion], known_at: str | int | None) -> int | None:
    """A ``knownAt`` argument (version number, or ISO timestamp) as a version number;
    ``None`` for the latest. Raises :class:`UnknownVersion` when no version matches."""
    if known_at is None or known_at == "":
        return None
    numbers = {v.number for v in versions}
    text = str(known_at).strip()
    if isinstance(known_at, int) or (text.isascii() and text.isdigit()):
        number = int(text)
        if number not in numbers:
            held = f"{min(numbers)}..{max(numbers)}" if numbers else "none"
            raise UnknownVersion(f"knownAt: no graph version {number} (versions held: {held})")
        return number
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UnknownVersion(
            f"knownAt: {text!r} is neither a version number nor an ISO timestamp"
        ) from exc
    found = version_at(versions, when)
    if found is None:
        raise UnknownVersion(f"knownAt: the graph held no version yet at {text}")
    return found


@dataclass
class VersionReaders(Generic[_K, _S]):
    """The few most recently asked earlier versions, each as a read-only store (LRU)."""

    build: Callable[[_K], _S]
    size: int = 4
    _cache: OrderedDict[_K, _S] = field(default_factory=OrderedDict)
    _lock: Lock = field(default_factory=Lock)

    def get(self, version: _K) -> _S:
        with self._lock:
            found = self._cache.get(version)
            if found is not None:
                self._cache.move_to_end(version)
                return found
        built = self.build(version)  # outside the lock: building may take a while
        with self._lock:
            self._cache[version] = built
            self._cache.move_to_end(version)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return built

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def check_version(versions: list[GraphVersion], version: int) -> None:
    if version not in {v.number for v in versions}:
        raise UnknownVersion(f"no graph version {version}")
