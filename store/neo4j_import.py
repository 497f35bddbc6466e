"""A whole graph as the CSV files of ``neo4j-admin database import full``: the pure part
of a bulk load (no Cypher, no I/O beyond the files written).

The files hold exactly the properties a transactional load writes
(:func:`store.neo4j_records.entity_props`, :func:`~store.neo4j_records.relation_props`,
:func:`~store.neo4j_records.source_props`, labels from :meth:`ontology.schema.Schema.labels`),
so a database built by the import tool reads back, property for property, as one written
by :meth:`store.neo4j_store.Neo4jStore.load`. Nothing is typed twice: the columns are the
union of the property names those functions return, and each column's import type is read
off its values (``str`` → ``string``, ``float`` → ``double``, lists → ``string[]`` ...).

The tool's conventions (Neo4j Operations Manual, "Import"):

- ``id:ID(Entity)`` / ``:START_ID(Entity)`` / ``:END_ID(Entity)`` in an ID space per node
  label (entity and source ids could collide), ``:LABEL`` and ``:TYPE`` columns;
- floats are ``double`` (the tool's ``float`` is 32-bit, 0.9 would come back 0.899999976);
- every string is quoted, a missing value is an empty unquoted field ("no property");
  an empty list is stored as no property, which the store's readers take as empty, and a
  list of one empty string likewise (``prov_evidence = [""]``);
- array elements cannot be quoted, so the array delimiter is the first of
  :data:`ARRAY_DELIMITERS` that no element contains;
- fields may hold line breaks (``search_text`` always does), so the tool is told to read
  multi-line fields when a file holds one.

``added_in`` carries the known-time history's marks (see :mod:`store.neo4j_history`):
the version each fact was added in, written as the ``_added_in`` property where given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ontology.model import Graph
from ontology.schema import Schema
from store.neo4j_queries import ENTITY_LABEL, SOURCE_LABEL
from store.neo4j_records import content_hash, entity_props, relation_props, source_props

ARRAY_DELIMITERS = (";", "|", "¦", "§", "\u241e")
"""Candidates for ``--array-delimiter``, the usual one first."""

ADDED_IN = "_added_in"
"""The history's mark on a live fact (see :mod:`store.neo4j_history_queries`)."""

ENTITIES_FILE, SOURCES_FILE, RELATIONS_FILE = "entities.csv", "sources.csv", "relations.csv"

Row = dict[str, Any]
Progress = Callable[[str, int, int], None]

# Import-tool type of a Python value, most specific first (a bool is an int, too).
_SCALAR_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (int, "long"),
    (float, "double"),
    (str, "string"),
)


@dataclass(frozen=True)
class AddedIn:
    """The version each live fact was added in, by kind and id (absent: the first)."""

    entities: Mapping[str, int] = field(default_factory=dict)
    relations: Mapping[str, int] = field(default_factory=dict)
    sources: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportFiles:
    """The written files and what the import tool must be told to read them."""

    nodes: tuple[Path, ...]
    relationships: tuple[Path, ...]
    array_delimiter: str
    multiline: tuple[Path, ...]

    def arguments(self) -> list[str]:
        """The arguments of ``neo4j-admin database import full`` before the database name."""
        args = [f"--nodes={p}" for p in self.nodes]
        args += [f"--relationships={p}" for p in self.relationships]
        args += ["--delimiter=,", f"--array-delimiter={self.array_delimiter}", '--quote="']
        if self.multiline:
            # Not the v2 format naming only these files: at L it fails at a read-buffer
            # boundary ("found CR outside a text cell") on input v1 reads correctly.
            args += ["--multiline-fields=true"]
        return args


def column_type(values: Sequence[Any]) -> str:
    """The import type of a column holding ``values`` (``None`` and empty lists skipped):
    ``string`` for a column with no value at all; ``long`` and ``double`` together make
    ``double``. Any other mix is a bug in the storage model, and raises."""
    classes = {type(v) for v in values}
    classes.discard(type(None))
    names = {_scalar_type(c) for c in classes if c not in (list, tuple)}
    if classes & {list, tuple}:
        inner = {type(v[0]) for v in values if isinstance(v, list | tuple) and v}
        names |= {_scalar_type(c) + "[]" for c in inner}
    for wide, narrow in (("double", "long"), ("double[]", "long[]")):
        if wide in names:
            names.discard(narrow)
    if len(names) > 1:
        raise ValueError(f"a column mixes types: {sorted(names)}")
    return names.pop() if names else "string"


def _scalar_type(cls: type) -> str:
    if issubclass(cls, datetime):
        raise ValueError("date-times are not part of the storage model")
    if issubclass(cls, date):
        return "date"
    for base, name in _SCALAR_TYPES:
        if issubclass(cls, base):
            return name
    raise ValueError(f"no import type for {cls.__name__} values")


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def formatter(import_type: str, array_delimiter: str) -> Callable[[Any], str]:
    """How a value of a column of ``import_type`` is written: ``None`` and ``[]`` as an
    empty unquoted field (no property), strings and arrays quoted with doubled quotes."""
    scalar = import_type.removesuffix("[]")
    texts: dict[str, Callable[[Any], str]] = {
        "string": str,
        "boolean": lambda v: "true" if v else "false",
        "double": lambda v: repr(float(v)),
        "long": str,
        "date": lambda v: v.isoformat(),
    }
    text = texts[scalar]
    if import_type.endswith("[]"):
        join = array_delimiter.join
        return lambda v: _quoted(join(map(text, v))) if v else ""
    if scalar == "string":
        return lambda v: "" if v is None else _quoted(v)
    return lambda v: "" if v is None else text(v)


def choose_array_delimiter(rows: Iterable[Row]) -> str:
    """The first candidate that no array element (nor label) of ``rows`` contains."""
    elements = "\0".join(
        "\0".join(map(str, value))
        for row in rows
        for value in row.values()
        if isinstance(value, list | tuple)
    )
    for candidate in ARRAY_DELIMITERS:
        if candidate not in elements:
            return candidate
    raise ValueError("every candidate array delimiter occurs in some array element")


def graph_rows(
    graph: Graph, schema: Schema, added_in: AddedIn, progress: Progress | None = None
) -> tuple[list[Row], list[Row], list[Row]]:
    """The node and relationship rows of ``graph``: the import tool's ``:LABEL``,
    ``:START_ID``, ``:END_ID``, ``:TYPE`` fields beside the load's own properties."""
    entities: list[Row] = []
    types = {name: r.neo4j_type for name, r in schema.relations.items()}
    total = len(graph.entities)
    for i, (eid, entity) in enumerate(graph.entities.items(), 1):
        props = entity_props(entity, content_hash(entity))
        entities.append(
            {":LABEL": schema.labels(entity.kind), **_marked(props, added_in.entities.get(eid))}
        )
        if progress and (i % 5000 == 0 or i == total):
            progress("csv-entities", i, total)
    sources = [
        {
            ":LABEL": [SOURCE_LABEL],
            **_marked(source_props(s, content_hash(s)), added_in.sources.get(sid)),
        }
        for sid, s in graph.sources.items()
    ]
    relations: list[Row] = []
    total = len(graph.relations)
    for i, (rid, rel) in enumerate(graph.relations.items(), 1):
        props = relation_props(rel, content_hash(rel))
        relations.append(
            {
                ":START_ID": rel.source,
                ":END_ID": rel.target,
                ":TYPE": types[rel.type],
                **_marked(props, added_in.relations.get(rid)),
            }
        )
        if progress and (i % 20000 == 0 or i == total):
            progress("csv-relations", i, total)
    return entities, relations, sources


def _marked(props: Row, version: int | None) -> Row:
    if version is not None:
        props[ADDED_IN] = version
    return props


def _column(
    name: str, rows: Sequence[Row], id_space: str | None, delimiter: str
) -> tuple[str, Callable[[Any], str]]:
    """The typed header of column ``name`` and how its values are written; a node
    table's ``id`` is its ID column, the endpoints are ids of entities."""
    if name == "id" and id_space is not None:
        return f"id:ID({id_space})", formatter("string", delimiter)
    if name in (":START_ID", ":END_ID"):
        return f"{name}({ENTITY_LABEL})", formatter("string", delimiter)
    if name == ":TYPE":
        return name, formatter("string", delimiter)
    if name == ":LABEL":
        return name, formatter("string[]", delimiter)
    kind = column_type([r.get(name) for r in rows])
    return f"{name}:{kind}", formatter(kind, delimiter)


def write_table(path: Path, rows: Sequence[Row], id_space: str | None, delimiter: str) -> bool:
    """Write ``rows`` with a typed header; ``id_space`` names the node ID space of the
    ``id`` column (``None`` for relationships). Returns whether a field spans lines."""
    empty = ["id"] if id_space is not None else [":START_ID", ":END_ID", ":TYPE"]
    names = list(dict.fromkeys(k for r in rows for k in r)) or empty
    columns = [_column(n, rows, id_space, delimiter) for n in names]
    writers = [(n, w) for n, (_, w) in zip(names, columns, strict=True)]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(h for h, _ in columns) + "\n")
        text = "\n".join(",".join([w(row.get(n)) for n, w in writers]) for row in rows)
        out.write(text + "\n" if rows else "")
    # a field spans lines when the text holds more line breaks than rows end with
    return text.count("\n") + 1 != len(rows) or "\r" in text if rows else False


def write_csv(
    graph: Graph,
    schema: Schema,
    out: Path,
    *,
    added_in: AddedIn | None = None,
    progress: Progress | None = None,
) -> ImportFiles:
    """Write the import files of ``graph`` into ``out`` (created if need be)."""
    out.mkdir(parents=True, exist_ok=True)
    entities, relations, sources = graph_rows(graph, schema, added_in or AddedIn(), progress)
    delimiter = choose_array_delimiter([*entities, *sources, *relations])
    tables = (
        (out / ENTITIES_FILE, entities, ENTITY_LABEL),
        (out / SOURCES_FILE, sources, SOURCE_LABEL),
        (out / RELATIONS_FILE, relations, None),
    )
    multiline: list[Path] = []
    for path, rows, space in tables:
        if write_table(path, rows, space, delimiter):
            multiline.append(path)
        if progress:
            progress("csv-write", len(rows), len(rows))
    nodes = (out / ENTITIES_FILE, out / SOURCES_FILE) if sources else (out / ENTITIES_FILE,)
    return ImportFiles(
        nodes=nodes,
        relationships=(out / RELATIONS_FILE,),
        array_delimiter=delimiter,
        multiline=tuple(multiline),
    )
