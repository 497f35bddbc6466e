"""The export formats, each declared by its own module.

A format module in :mod:`exports` holds a module-level ``EXPORTERS`` tuple of
:class:`Exporter`: its name, the help the CLI shows, its options, the suffix of the files
it writes and the writer itself. :func:`exporters` finds them by walking the package, so a
new format is one module (with its tests and docs): the CLI's ``export --format`` choices,
and the commands of formats that read a store, are built from this registry.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal, TextIO

from ontology.errors import BadRequest
from ontology.model import Graph
from ontology.schema import Schema
from store.base import GraphStore, ProgressCallback

Reads = Literal["graph", "store"]
"""``graph``: a choice of ``techsov export --format`` (from fact files or the store's
snapshot); ``store``: a command of its own that asks the store questions."""


@dataclass(frozen=True)
class ExportOption:
    """One command-line option of a format: ``flag`` (``--max-depth``) is passed to the
    writer as ``options[name]`` (``max_depth``), after ``parse`` when given (a
    ``ValueError`` from it is a usage error naming the flag)."""

    flag: str
    help: str
    default: Any = None
    type: Any = str
    min: int | None = None
    parse: Callable[[Any], Any] | None = None

    @property
    def name(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


@dataclass
class ExportSource:
    """What a writer reads: the schema, the graph (read on first use, so a writer that
    needs only the store never snapshots it) and, for store exporters, the store."""

    schema: Schema
    read_graph: Callable[[], Graph]
    store: GraphStore | None = None
    progress: ProgressCallback | None = None
    _graph: Graph | None = field(default=None, repr=False)

    def graph(self) -> Graph:
        if self._graph is None:
            self._graph = self.read_graph()
        return self._graph

    def need_store(self) -> GraphStore:
        if self.store is None:
            raise BadRequest("this format asks the store questions: export it from a store")
        return self.store


Writer = Callable[[ExportSource, Path, Mapping[str, Any]], list[Path]]
"""Writes into ``out`` (a file for single-file formats, else a folder, created if
missing) and returns the paths written."""

StreamWriter = Callable[[ExportSource, TextIO, Mapping[str, Any]], None]


@dataclass(frozen=True)
class Exporter:
    name: str
    help: str
    suffix: str
    """Suffix of the file written (single-file formats) or of the main file in the folder."""
    writer: Writer
    reads: Reads = "graph"
    folder: bool = False
    """True: ``out`` is a folder the format fills; False: ``out`` is the file written."""
    options: tuple[ExportOption, ...] = ()
    stream: StreamWriter | None = None
    """Writes to an open text stream (standard output when no ``--out`` is given)."""

    def write(
        self, source: ExportSource, out: Path | None, options: Mapping[str, Any] | None = None
    ) -> list[Path]:
        """Write ``source`` to ``out``; ``None`` streams to standard output when the
        format can, else it is a bad request."""
        given = {o.name: o.default for o in self.options} | dict(options or {})
        if out is None:
            if self.stream is None:
                what = "several files: give --out DIR" if self.folder else "a file: give --out"
                raise BadRequest(f"--format {self.name} writes {what}")
            self.stream(source, sys.stdout, given)
            sys.stdout.flush()
            return []
        if self.folder:
            out.mkdir(parents=True, exist_ok=True)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
        return self.writer(source, out, given)


@cache
def exporters() -> Mapping[str, Exporter]:
    """Every format declared in :mod:`exports`, by name (module order, then declaration
    order). Two formats with one name are a programming error, refused here."""
    import exports

    found: dict[str, Exporter] = {}
    for module in sorted(pkgutil.iter_modules(exports.__path__), key=lambda m: m.name):
        declared = getattr(importlib.import_module(f"exports.{module.name}"), "EXPORTERS", ())
        for exporter in declared:
            if exporter.name in found:
                raise ValueError(f"two export formats named {exporter.name!r}")
            found[exporter.name] = exporter
    return found


def exporter(name: str) -> Exporter:
    """The format called ``name``; a bad request naming the known ones otherwise."""
    known = exporters()
    if name not in known:
        raise BadRequest(f"unknown export format {name!r}; known: {', '.join(known)}")
    return known[name]


def reading(reads: Reads) -> list[Exporter]:
    """The formats that read a graph (``export --format``) or a store (own commands)."""
    return [e for e in exporters().values() if e.reads == reads]
