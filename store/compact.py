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

Shared are immutable parts (strings, numbers, dates, frozen models and their tuples),
the field-name sets, which a frozen model never changes, and the equal ``properties`` and
``attributes`` dicts: a stored fact's dicts are read and never written (the models are
frozen, every change makes a new model object with new dicts; tests/test_compact.py
checks a shared dict is unchanged after loads and questions). In the synthetic L graph,
half the relations have no properties and 205,905 entities have 18,238 distinct attribute
sets.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Iterable
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel

from ontology.model import Graph, Relation

_T = TypeVar("_T", bound=Hashable)

_SHARED_FIELDS = {
    "Entity": ("kind", "names", "aliases", "wikidata"),
    "Source": ("publisher", "published", "source_type"),
}


class _Pool:
    """Canonical objects by value, per pool."""

    def __init__(self) -> None:
        self._items: dict[Any, Any] = {}
        self._field_sets: dict[frozenset[str], set[str]] = {}
        self._dicts: dict[tuple[Any, ...], dict[str, Any]] = {}

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

    def mapping(self, value: dict[str, Any]) -> dict[str, Any]:
        """The one dict equal to ``value`` item by item, in order and in the values' types
        (``{"share": 1}`` and ``{"share": 1.0}`` stay apart), its values shared too."""
        key = tuple((k, type(v), v) for k, v in value.items())
        found = self._dicts.get(key)
        if found is None:
            found = {sys.intern(k): self.one(v) for k, v in value.items()}
            self._dicts[key] = found
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
    _share_all(pool, graph.entities.values(), "Entity")
    _share_all(pool, graph.sources.values(), "Source")
    _share_relations(pool, graph.relations.values(), {key: key for key in graph.entities})
    return graph


def _share_all(pool: _Pool, objects: Iterable[BaseModel], kind: str) -> None:
    names = _SHARED_FIELDS[kind]
    for obj in objects:
        pool.fields_of(obj)
        values = obj.__dict__
        for name in names:
            value = values.get(name)
            if value is not None:
                values[name] = pool.one(value)
        if isinstance(values.get("attributes"), dict):
            values["attributes"] = pool.mapping(values["attributes"])


def _share_relations(pool: _Pool, relations: Iterable[Relation], ids: dict[str, str]) -> None:
    """:func:`_share_all` for relations, written out: a graph holds millions of them.
    Endpoints become the entities' own id strings; each value kind has its own table, so
    no two values of different types (``1`` and ``1.0``) can meet in one."""
    intern, ids_get, mapping = sys.intern, ids.get, pool.mapping
    floats: dict[float, float] = {}
    dates: dict[date, date] = {}
    provenance: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    last_fields: set[str] | None = None
    for rel in relations:
        mine = rel.__pydantic_fields_set__
        if mine != last_fields:
            pool.fields_of(rel)
            last_fields = rel.__pydantic_fields_set__
        elif mine is not last_fields:
            object.__setattr__(rel, "__pydantic_fields_set__", last_fields)
        values = rel.__dict__
        values["type"] = intern(values["type"])
        values["properties"] = mapping(values["properties"])
        source, target = values["source"], values["target"]
        values["source"] = ids_get(source, source)
        values["target"] = ids_get(target, target)
        values["confidence"] = floats.setdefault(values["confidence"], values["confidence"])
        for name in ("valid_from", "valid_to"):
            when = values[name]
            if when is not None:
                values[name] = dates.setdefault(when, when)
        cited = values["provenance"]
        found = provenance.get(cited)
        if found is None:
            provenance[cited] = found = pool.one(cited)
        values["provenance"] = found
