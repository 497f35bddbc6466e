"""One object for every equal part of a graph's facts: what lets a million relations fit.

A validated graph holds each relation as its own model object, and each model object its
own copy of parts that are equal across millions of them: the set of field names pydantic
keeps per instance (``__pydantic_fields_set__``, 700 bytes for a relation's nine fields),
the provenance tuple (a handful of distinct sources and excerpts in a bulk graph), the
endpoints' id strings, relation type names, confidences and dates. :func:`share` makes
every equal part one object, in place: no value changes, so every comparison, hash, dump
and answer stays the same, while the memory of a relation falls to its own id and
``__dict__``. Pickling keeps the sharing (pickle writes a shared object once), so a
cached graph is also smaller on disk and quicker to read back.

Only immutable parts are shared (strings, numbers, dates, frozen models and their tuples)
and the field-name sets, which a frozen model never changes; mutable containers
(``properties``, ``attributes``) stay each object's own.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Iterable
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel

from ontology.model import Graph

_T = TypeVar("_T", bound=Hashable)

_SHARED_FIELDS = {
    "Relation": ("type", "source", "target", "confidence", "valid_from", "valid_to", "provenance"),
    "Entity": ("kind", "names", "aliases", "wikidata"),
    "Source": ("publisher", "published", "kind"),
}


class _Pool:
    """Canonical objects by value, per pool."""

    def __init__(self) -> None:
        self._items: dict[Any, Any] = {}
        self._field_sets: dict[frozenset[str], set[str]] = {}

    def one(self, value: Any) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            return sys.intern(value) if len(value) <= 64 else self._pooled(value)
        if isinstance(value, (int, float, date)):
            return self._pooled(value)
        if isinstance(value, tuple):
            return self._pooled(tuple(self.model(v) for v in value))
        return value

    def _pooled(self, value: _T) -> _T:
        # Keyed by type too: 1 == 1.0 == True, and a float must stay a float.
        key = (type(value), value)
        found = self._items.get(key)
        if found is None:
            self._items[key] = found = value
        return found

    def model(self, value: Any) -> Any:
        """A frozen model object (a localized name, a provenance entry) shared by value."""
        if not isinstance(value, BaseModel):
            return self.one(value)
        self.fields_of(value)
        return self._pooled(value)

    def fields_of(self, obj: BaseModel) -> None:
        """Give ``obj`` the one field-name set equal to its own."""
        mine = obj.__pydantic_fields_set__
        shared = self._field_sets.setdefault(frozenset(mine), mine)
        if shared is not mine:
            object.__setattr__(obj, "__pydantic_fields_set__", shared)


def share(graph: Graph) -> Graph:
    """``graph`` itself, its objects' equal parts made one (see the module docstring)."""
    pool = _Pool()
    ids = {key: key for key in graph.entities}  # endpoints become the entities' own keys
    _share_all(pool, graph.entities.values(), "Entity", {})
    _share_all(pool, graph.sources.values(), "Source", {})
    _share_all(pool, graph.relations.values(), "Relation", ids)
    return graph


def _share_all(pool: _Pool, objects: Iterable[BaseModel], kind: str, ids: dict[str, str]) -> None:
    names = _SHARED_FIELDS[kind]
    for obj in objects:
        pool.fields_of(obj)
        values = obj.__dict__
        for name in names:
            value = values.get(name)
            if value is None:
                continue
            if name in ("source", "target") and value in ids:
                values[name] = ids[value]
            else:
                values[name] = pool.one(value)
