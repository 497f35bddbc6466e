"""Bulk tabular exports: CSV for ``neo4j-admin database import full``, and Parquet.

**neo4j-admin CSV.** The files reproduce the Neo4j store's storage model property for
property (:mod:`store.neo4j_store`), including ``search_keys``, ``search_text`` and
``hash``, so a database built offline with the import tool is served by the API exactly
like one written by ``techsov load``, and a later load into it finds every fact unchanged.
Header conventions follow the Neo4j Operations Manual ("Import", CSV header format):
``id:ID(Entity)`` / ``:START_ID(Entity)`` / ``:END_ID(Entity)`` in an ID space per node
kind (entity and source ids are both slugs and could collide), ``:LABEL`` holding the
kind and all its ancestors, typed columns ``name:type`` and ``name:type[]``.

- Floats are declared ``double``, not ``float``: the import tool's ``float`` is 32-bit,
  which would turn a confidence of 0.9 into 0.899999976 and break equality with the store.
- Every string is quoted (``""`` for an empty string) and a missing value is an empty
  unquoted field, which the tool reads as "no property"; values may span lines, hence
  ``--multiline-fields=true``.
- The tool stores no property for an empty array field, even a quoted one, so a single
  provenance without evidence (``prov_evidence = [""]``) arrives without ``prov_evidence``;
  readers treat a missing list as "no evidence for any source". Longer arrays keep their
  empty elements.
- Array elements cannot be quoted, so the array delimiter is chosen per export as the
  first of :data:`ARRAY_DELIMITERS` that occurs in no array element, and written into the
  command line next to the files (``import-command.txt``, run from the export folder with
  the database stopped). The store creates its constraints and indexes on its next start.

**Parquet.** Three tables (entities, relations, sources) with the column types of
:mod:`exports.rows` plus the convenience columns ``labels`` and ``neo4j_type``; lists stay
lists, dates stay dates.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from exports import rows
from exports.registry import Exporter, ExportOption
from ontology.model import Entity, Graph, Relation, Source
from ontology.schema import Schema
from store.neo4j_queries import ENTITY_LABEL, SOURCE_LABEL
from store.neo4j_records import content_hash, search_keys
from store.neo4j_search import search_properties

ENTITIES_CSV, RELATIONS_CSV, SOURCES_CSV = "entities.csv", "relations.csv", "sources.csv"
COMMAND_FILE = "import-command.txt"
ENTITIES_PARQUET, RELATIONS_PARQUET, SOURCES_PARQUET = (
    "entities.parquet",
    "relations.parquet",
    "sources.parquet",
)

ARRAY_DELIMITERS = (";", "|", "¦", "§", "\u241e")
"""Candidates for ``--array-delimiter``, the usual one first."""

DEFAULT_DATABASE = "neo4j"

# Import tool type names for the column datatypes of exports.rows.
_ADMIN_TYPE = {
    rows.STRING: "string",
    rows.DATE: "date",
    rows.FLOAT: "double",
    rows.INT: "long",
    rows.BOOL: "boolean",
}
_HEADER = re.compile(
    r"^(?P<name>[^:]*)(?::(?P<type>[A-Za-z_]+)(?P<array>\[\])?(?:\((?P<space>[^)]*)\))?)?$"
)


# --------------------------------------------------------------------- neo4j-admin CSV


def _admin_header(col: rows.Column) -> str:
    if col.dtype == rows.STRING_LIST:
        return f"{col.name}:string[]"
    return f"{col.name}:{_ADMIN_TYPE[col.dtype]}"


def _cell(value: Any, array_delimiter: str) -> str:
    """One field: ``None`` and ``[]`` unquoted empty (no property; the store reads a missing
    list as empty), everything else quoted with doubled quotes, so ``[""]`` stays ``""``."""
    if value is None or (isinstance(value, list | tuple) and not value):
        return ""
    if isinstance(value, list | tuple):
        text = array_delimiter.join(str(v) for v in value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = repr(value)
    else:
        text = str(value) if not hasattr(value, "isoformat") else value.isoformat()
    return '"' + text.replace('"', '""') + '"'


def _write_rows(path: Path, header: Sequence[str], records: Iterable[Sequence[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(",".join(header) + "\n")
        for row in records:
            f.write(",".join(row) + "\n")


def choose_array_delimiter(values: Iterable[str]) -> str:
    """The first candidate delimiter that no array element contains (the import tool
    splits ``:LABEL`` values on the same character; labels are identifiers, so never)."""
    seen: set[str] = set()
    for v in values:
        seen.update(v)
    for cand in ARRAY_DELIMITERS:
        if cand not in seen:
            return cand
    raise ValueError("every candidate array delimiter occurs in some array element")


def _array_elements(
    entity_rows: list[dict[str, Any]], relation_rows: list[dict[str, Any]]
) -> list[str]:
    out: list[str] = []
    for row in (*entity_rows, *relation_rows):
        for value in row.values():
            if isinstance(value, list):
                out.extend(str(v) for v in value)
    return out


def import_command(
    array_delimiter: str, database: str = DEFAULT_DATABASE, files: Sequence[str] = ()
) -> str:
    """The ``neo4j-admin database import full`` command line for the exported files."""
    files = files or (ENTITIES_CSV, SOURCES_CSV, RELATIONS_CSV)
    nodes = [f for f in files if f != RELATIONS_CSV]
    args = [
        "neo4j-admin",
        "database",
        "import",
        "full",
        *(f"--nodes={f}" for f in nodes),
        f"--relationships={RELATIONS_CSV}",
        "--delimiter=,",
        f"--array-delimiter={array_delimiter}",
        '--quote="',
        "--multiline-fields=true",
        "--overwrite-destination=true",
        database,
    ]
    return " ".join(shlex.quote(a) for a in args)


Row = dict[str, Any]


def _store_rows(graph: Graph, schema: Schema) -> tuple[list[Row], list[Row], list[Row]]:
    """The rows of :func:`exports.rows.graph_rows` with the properties the Neo4j store
    adds when it writes (search inputs and content hashes)."""
    ent_rows, rel_rows, src_rows = rows.graph_rows(graph, schema)
    for row in ent_rows:
        entity = graph.entities[row["id"]]
        row["search_keys"] = search_keys(entity)
        row["search_text"] = "\n".join(dict.fromkeys([*entity.all_names(), *row["search_keys"]]))
        row.update(search_properties(entity))
        row["hash"] = content_hash(entity)
    for row in rel_rows:
        row["hash"] = content_hash(graph.relations[row["id"]])
    for row in src_rows:
        row["hash"] = content_hash(graph.sources[row["id"]])
    return ent_rows, rel_rows, src_rows


def write_neo4j_admin_csv(
    graph: Graph, schema: Schema, out: Path, *, database: str = DEFAULT_DATABASE
) -> list[Path]:
    """Write the import CSVs and ``import-command.txt`` into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    ent_rows, rel_rows, src_rows = _store_rows(graph, schema)
    delim = choose_array_delimiter(_array_elements(ent_rows, rel_rows))

    ent_cols = _entity_csv_columns(schema)
    _write_rows(
        out / ENTITIES_CSV,
        [f"id:ID({ENTITY_LABEL})", ":LABEL", *(_admin_header(c) for c in ent_cols)],
        (
            [
                _cell(row["id"], delim),
                _cell(delim.join(schema.labels(row["kind"])), delim),
                *(_cell(row[c.name], delim) for c in ent_cols),
            ]
            for row in ent_rows
        ),
    )
    src_cols = _source_csv_columns()
    _write_rows(
        out / SOURCES_CSV,
        [f"id:ID({SOURCE_LABEL})", ":LABEL", *(_admin_header(c) for c in src_cols)],
        (
            [_cell(row["id"], delim), _cell(SOURCE_LABEL, delim)]
            + [_cell(row[c.name], delim) for c in src_cols]
            for row in src_rows
        ),
    )
    rel_cols = _relation_csv_columns(schema)
    _write_rows(
        out / RELATIONS_CSV,
        [
            f":START_ID({ENTITY_LABEL})",
            f":END_ID({ENTITY_LABEL})",
            ":TYPE",
            *(_admin_header(c) for c in rel_cols),
        ],
        (
            [
                _cell(row["source"], delim),
                _cell(row["target"], delim),
                _cell(schema.relations[row["type"]].neo4j_type, delim),
                *(_cell(row[c.name], delim) for c in rel_cols),
            ]
            for row in rel_rows
        ),
    )
    (out / COMMAND_FILE).write_text(import_command(delim, database) + "\n", encoding="utf-8")
    return [out / ENTITIES_CSV, out / SOURCES_CSV, out / RELATIONS_CSV, out / COMMAND_FILE]


def _entity_csv_columns(schema: Schema) -> list[rows.Column]:
    """Entity properties after ``id`` (which is the ID column), in storage-model order."""
    return [*rows.entity_columns(schema)[1:], *rows.STORE_INTERNAL_ENTITY]


def _source_csv_columns() -> list[rows.Column]:
    return [*rows.SOURCE_COLUMNS[1:], rows.STORE_HASH]


def _relation_csv_columns(schema: Schema) -> list[rows.Column]:
    skip = {"type", "source", "target"}  # the :TYPE, :START_ID and :END_ID columns
    return [*(c for c in rows.relation_columns(schema) if c.name not in skip), rows.STORE_HASH]


def _split_fields(text: str) -> list[list[tuple[str, bool]]]:
    """RFC 4180 records as ``(value, was_quoted)`` fields.

    The standard library's reader cannot tell ``""`` (an empty string) from an empty field
    (no value); the import tool can, and so must a faithful reader.
    """
    records: list[list[tuple[str, bool]]] = []
    record: list[tuple[str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == '"':
            j, buf = i + 1, []
            while True:
                k = text.index('"', j)
                buf.append(text[j:k])
                if k + 1 < n and text[k + 1] == '"':
                    buf.append('"')
                    j = k + 2
                    continue
                i = k + 1
                break
            record.append(("".join(buf), True))
        else:
            j = i
            while j < n and text[j] not in ",\n":
                j += 1
            record.append((text[i:j].rstrip("\r"), False))
            i = j
        if i < n and text[i] == "\r":
            i += 1
        if i >= n or text[i] == "\n":
            records.append(record)
            record = []
            i += 1
        elif text[i] == ",":
            i += 1
            if i >= n:  # a trailing comma at the very end: one last empty field
                record.append(("", False))
                records.append(record)
        else:
            raise ValueError(f"unexpected {text[i]!r} after a quoted CSV field")
    return records


def _parse_header(field: str) -> tuple[str, str]:
    """``name:type[](Space)`` -> (name, dtype); special columns keep their ``:`` name."""
    m = _HEADER.fullmatch(field)
    if m is None:
        raise ValueError(f"unreadable CSV header field {field!r}")
    name, typ, array = m["name"], (m["type"] or "string"), m["array"]
    if not name:
        return ":" + typ, rows.STRING
    if typ in ("ID", "START_ID", "END_ID"):
        return name, rows.STRING
    if array:
        return name, rows.STRING_LIST
    reverse = {v: k for k, v in _ADMIN_TYPE.items()}
    return name, reverse[typ]


def _read_csv(path: Path, array_delimiter: str) -> list[dict[str, Any]]:
    records = _split_fields(path.read_text(encoding="utf-8"))
    header = [_parse_header(f) for f, _ in records[0]]
    out: list[dict[str, Any]] = []
    for record in records[1:]:
        if len(record) != len(header):
            raise ValueError(f"{path.name}: a record has {len(record)} fields, not {len(header)}")
        row: dict[str, Any] = {}
        for (name, dtype), (text, quoted) in zip(header, record, strict=True):
            if not text and (not quoted or dtype == rows.STRING_LIST):
                row[name] = None  # what the import tool stores for an empty array, too
            elif dtype == rows.STRING_LIST:
                row[name] = text.split(array_delimiter)
            else:
                row[name] = rows.parse_scalar(text, dtype)
        out.append(row)
    return out


def read_neo4j_admin_csv(directory: Path, schema: Schema) -> Graph:
    """Rebuild the graph from an export of :func:`write_neo4j_admin_csv`."""
    command = shlex.split((directory / COMMAND_FILE).read_text(encoding="utf-8"))
    delim = next(a.split("=", 1)[1] for a in command if a.startswith("--array-delimiter="))
    entities: list[Entity] = []
    for row in _read_csv(directory / ENTITIES_CSV, delim):
        entities.append(rows.entity_from_row(row, schema))
    relations: list[Relation] = []
    for row in _read_csv(directory / RELATIONS_CSV, delim):
        row["source"], row["target"] = row.pop(":START_ID"), row.pop(":END_ID")
        row["type"] = schema.relation_by_neo4j_type(row.pop(":TYPE")).name
        relations.append(rows.relation_from_row(row, schema))
    sources: list[Source] = [
        rows.source_from_row(row) for row in _read_csv(directory / SOURCES_CSV, delim)
    ]
    return Graph.of(entities, relations, sources)


# --------------------------------------------------------------------- Parquet

_ARROW_TYPE: dict[str, pa.DataType] = {
    rows.STRING: pa.string(),
    rows.DATE: pa.date32(),
    rows.FLOAT: pa.float64(),
    rows.INT: pa.int64(),
    rows.BOOL: pa.bool_(),
    rows.STRING_LIST: pa.list_(pa.string()),
}


def _arrow_schema(columns: Sequence[rows.Column]) -> pa.Schema:
    return pa.schema([pa.field(c.name, _ARROW_TYPE[c.dtype]) for c in columns])


def entity_table_columns(schema: Schema) -> list[rows.Column]:
    cols = rows.entity_columns(schema)
    return [*cols[:2], rows.Column("labels", rows.STRING_LIST), *cols[2:]]


def relation_table_columns(schema: Schema) -> list[rows.Column]:
    cols = rows.relation_columns(schema)
    return [*cols[:2], rows.Column("neo4j_type", rows.STRING), *cols[2:]]


def graph_tables(graph: Graph, schema: Schema) -> tuple[pa.Table, pa.Table, pa.Table]:
    """(entities, relations, sources) as Arrow tables, rows ordered by id."""
    ent_rows, rel_rows, src_rows = rows.graph_rows(graph, schema)
    for row in ent_rows:
        row["labels"] = schema.labels(row["kind"])
    for row in rel_rows:
        row["neo4j_type"] = schema.relations[row["type"]].neo4j_type
    return (
        pa.Table.from_pylist(ent_rows, schema=_arrow_schema(entity_table_columns(schema))),
        pa.Table.from_pylist(rel_rows, schema=_arrow_schema(relation_table_columns(schema))),
        pa.Table.from_pylist(src_rows, schema=_arrow_schema(rows.SOURCE_COLUMNS)),
    )


def write_parquet(graph: Graph, schema: Schema, out: Path) -> list[Path]:
    """Write ``entities``, ``relations`` and ``sources`` Parquet files into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / ENTITIES_PARQUET, out / RELATIONS_PARQUET, out / SOURCES_PARQUET]
    for table, path in zip(graph_tables(graph, schema), paths, strict=True):
        pq.write_table(table, path)
    return paths


def read_parquet(directory: Path, schema: Schema) -> Graph:
    """Rebuild the graph from an export of :func:`write_parquet`."""
    ents = pq.read_table(directory / ENTITIES_PARQUET).to_pylist()
    rels = pq.read_table(directory / RELATIONS_PARQUET).to_pylist()
    srcs = pq.read_table(directory / SOURCES_PARQUET).to_pylist()
    return Graph.of(
        (rows.entity_from_row(r, schema) for r in ents),
        (rows.relation_from_row(r, schema) for r in rels),
        (rows.source_from_row(r) for r in srcs),
    )


EXPORTERS = (
    Exporter(
        "csv",
        "neo4j-admin CSV (a folder: the files and import-command.txt)",
        ".csv",
        lambda source, out, options: write_neo4j_admin_csv(
            source.graph(), source.schema, out, database=options["database"]
        ),
        folder=True,
        options=(
            ExportOption(
                "--database",
                "csv: the database import-command.txt imports into.",
                default=DEFAULT_DATABASE,
            ),
        ),
    ),
    Exporter(
        "parquet",
        "Parquet (a folder: entities, relations, sources)",
        ".parquet",
        lambda source, out, _: write_parquet(source.graph(), source.schema, out),
        folder=True,
    ),
)
