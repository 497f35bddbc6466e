"""The importer protocol and the registry of importers.

An importer module declares itself with one :class:`Importer` bound to the name
``IMPORTER``: the data set's name (its source id in staged and resolved files), the help of
its ``techsov import <name>`` command, any further options that command takes, its place in
resolution (which record gives a merged entity its name and kind) and whether its aliases are
as good as names. Everything else - the pipeline, entity resolution, the CLI - asks this
registry, so adding a data set touches its own module, its tests and its docs only.

Importer modules are found by walking the :mod:`ingest.importers` package: a module with
an ``IMPORTER`` is an importer; shared helpers (``common``, ``files``...) have none.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from ingest.importers.common import SourceImport

CURATED = "curated"
"""The curated set: first in every priority, its aliases always trusted."""


@dataclass(frozen=True)
class ImporterOption:
    """A further option of the importer's command, passed to ``read`` as ``name=<text>``."""

    name: str
    help: str
    default: str | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True)
class Importer:
    """One data set's importer, as its module declares it.

    ``priority``: lower wins when records of several data sets merge into one entity (the
    curated record always wins). ``trusted_aliases``: the data set's aliases are as good as
    names for matching (full names of a short name) rather than trade names, former names
    or front companies that need the countries to agree. ``refs_by_spelling``: its entries
    are keyed by their listed name, so the decisions file may also name an entry by another
    spelling a list round gave it. ``other_names``: further ``techsov import`` commands.
    """

    name: str
    help: str
    read: Callable[..., SourceImport]
    """``read(folder, *, version=None, released=None, **options) -> SourceImport``."""
    priority: int
    trusted_aliases: bool = False
    near_misses: bool = False
    refs_by_spelling: bool = True
    other_names: tuple[tuple[str, str], ...] = ()
    """(command name, help) of other names for the same import."""
    options: tuple[ImporterOption, ...] = ()

    def run(
        self,
        folder: Path,
        *,
        version: str | None = None,
        released: date | None = None,
        options: Mapping[str, str] | None = None,
    ) -> SourceImport:
        given = {k: v for k, v in (options or {}).items() if v is not None}
        return self.read(folder, version=version, released=released, **given)


@cache
def importers() -> dict[str, Importer]:
    """Every importer of the package, by name, in priority order."""
    import ingest.importers as package

    found: list[Importer] = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        declared = getattr(module, "IMPORTER", None)
        if isinstance(declared, Importer):
            found.append(declared)
    found.sort(key=lambda i: (i.priority, i.name))
    names = [i.name for i in found]
    if len(set(names)) != len(names) or CURATED in names:
        raise RuntimeError(f"importer names must be unique and not {CURATED!r}: {names}")
    return {i.name: i for i in found}


def importer(name: str) -> Importer:
    """The importer called ``name``; ``KeyError`` naming the known ones otherwise."""
    found = importers().get(name)
    if found is None:
        raise KeyError(f"no importer {name!r}; known: {', '.join(importers())}")
    return found


def priority_order() -> tuple[str, ...]:
    """Source names, highest priority first: the curated set, then the importers."""
    return (CURATED, *importers())


def priority_of(source: str) -> int:
    """A source's rank in :func:`priority_order`; unknown sources come last."""
    order = priority_order()
    return order.index(source) if source in order else len(order)


@cache
def trusted_alias_sources() -> frozenset[str]:
    """Sources whose aliases count as names in matching."""
    return frozenset({CURATED, *(n for n, i in importers().items() if i.trusted_aliases)})


def near_miss_sources() -> set[str]:
    """Sources whose entities are proposed for review on a near-miss name."""
    return {CURATED, *(n for n, i in importers().items() if i.near_misses)}


def refs_by_spelling(source: str) -> bool:
    """Whether ``source``'s entries may be named by the other spellings lists gave them."""
    found = importers().get(source)
    return found is not None and found.refs_by_spelling
