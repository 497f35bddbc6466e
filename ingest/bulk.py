"""Machine-generated facts as CSV: the same :class:`~ontology.model.Graph`, after the same
checks, at a speed that a million relations need.

The curated path (:mod:`ingest.validate`) reads hand-edited YAML, whose composition costs
milliseconds per record. Exports of other systems and synthetic graphs (:mod:`ingest.synth`)
are machine-written, flat and huge; for them this module reads CSV:

* ``sources*.csv``: ``id, title, publisher, url, published, kind``;
* ``entities*.csv``: ``id, kind, name, names, aliases, wikidata, description`` and one
  column per attribute the ontology declares (``names`` is a JSON object of language tag to
  name, ``aliases`` a JSON list);
* ``relations*.csv``: ``id, type, from, to, confidence, validFrom, validTo, sources,
  evidence`` and one column per qualifier the ontology declares (``sources`` is one or more
  source ids separated by ``;``; ``evidence`` quotes the single cited source; an empty ``id``
  means ``<from>--<type>--<to>``, as in YAML).

An empty cell is an absent value. Only the reading is this module's: each row becomes a
:class:`~ingest.values.RecordInput` whose cells read as text (:class:`~ingest.values.TextValues`,
conversions cached per distinct text - a million relations share a few thousand dates and a
dozen confidences), and goes through the one record validator (:mod:`ingest.records`) and
the cross-record checks (:func:`ingest.validate.check_records`) that curated YAML meets.
SHACL on the RDF rendering is optional (``run_shacl``): every rule it checks is also checked
record by record, and at this size it would take hours.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from ingest.checks import Records
from ingest.fields import suggestion
from ingest.reader import display_name
from ingest.records import (
    CITATION_COLUMNS,
    ENTITY_FIELDS,
    FORMER_SOURCE_TYPE,
    RELATION_COLUMNS,
    SOURCE_FIELDS,
    SOURCE_SEPARATOR,
)
from ingest.rules import load_rules
from ingest.validate import SOURCE_TEXTS_LABEL, check_records, read_section_record
from ingest.values import RecordInput, TextValues
from ontology.errors import Problem, ValidationFailed
from ontology.model import Graph
from ontology.schema import Schema, default_schema

__all__ = [
    "CITATION_COLUMNS",
    "RELATION_COLUMNS",
    "ROLES",
    "SOURCE_SEPARATOR",
    "SOURCE_TEXTS_LABEL",
    "build_bulk_graph",
    "collect_bulk",
    "find_csv_files",
    "is_bulk_input",
]

ROLES = ("sources", "entities", "relations")


def find_csv_files(paths: Sequence[Path | str]) -> tuple[dict[str, list[Path]], list[Problem]]:
    """Bulk files under ``paths`` by role (the name starts with the role), sorted."""
    found: dict[str, list[Path]] = {role: [] for role in ROLES}
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        files = sorted(path.glob("*.csv")) if path.is_dir() else [path] if path.is_file() else []
        if not path.exists():
            problems.append(Problem(str(path), 0, "", "no such file or folder"))
        for f in files:
            role = next((r for r in ROLES if f.name.startswith(r)), None)
            if role is not None:
                found[role].append(f)
            elif path.is_file():
                problems.append(
                    Problem(
                        str(f), 0, "", f"a bulk file's name starts with one of {', '.join(ROLES)}"
                    )
                )
    if not any(found.values()) and not problems:
        problems.append(Problem(", ".join(map(str, paths)), 0, "", "no bulk CSV files found"))
    return found, problems


def is_bulk_input(paths: Sequence[Path | str]) -> bool:
    """Whether ``paths`` hold bulk CSV files (a folder with ``relations*.csv`` or the like)."""
    found, _ = find_csv_files(paths)
    return any(found.values())


def build_bulk_graph(
    paths: Sequence[Path | str],
    schema: Schema | None = None,
    *,
    source_texts: Mapping[str, str] | None = None,
    run_shacl: bool = False,
) -> Graph:
    """Read and validate bulk CSV files; raises :class:`ValidationFailed` with every
    problem, like :func:`ingest.validate.build_graph`."""
    graph, problems = collect_bulk(paths, schema, source_texts=source_texts, run_shacl=run_shacl)
    if problems:
        raise ValidationFailed(problems)
    return graph


def collect_bulk(
    paths: Sequence[Path | str],
    schema: Schema | None = None,
    *,
    source_texts: Mapping[str, str] | None = None,
    run_shacl: bool = False,
) -> tuple[Graph, list[Problem]]:
    """The graph of what passed, and the problems (see :func:`build_bulk_graph`)."""
    schema = schema if schema is not None else default_schema()
    rules = load_rules()
    files, problems = find_csv_files(paths)
    records = Records([], [], [])
    values = TextValues()
    for role in ROLES:
        columns = _columns(role, schema)
        for f in files[role]:
            for record in _rows(f, columns, values, problems):
                read_section_record(role, record, schema, rules, records, problems)
    return check_records(records, problems, schema, source_texts=source_texts, run_shacl=run_shacl)


def _columns(role: str, schema: Schema) -> tuple[str, ...]:
    """The columns a file of ``role`` may have: the record fields and, for entities and
    relations, every attribute or qualifier the ontology declares (which ones a row may set
    depends on its kind or type: the record validator judges that)."""
    if role == "sources":
        return (*SOURCE_FIELDS, FORMER_SOURCE_TYPE)
    if role == "entities":
        attributes = sorted({a for c in schema.classes.values() for a in c.attributes})
        return (*ENTITY_FIELDS, *attributes)
    qualifiers = sorted({q for r in schema.relations.values() for q in r.qualifiers})
    return (*RELATION_COLUMNS, *CITATION_COLUMNS, *qualifiers)


def _rows(
    path: Path, allowed: Sequence[str], values: TextValues, problems: list[Problem]
) -> Iterator[RecordInput]:
    """Each row as a record of its non-empty cells in known columns, at its line."""
    name = display_name(path)
    flat = path.name.startswith("relations")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        problems.extend(_header_problems(name, header, allowed))
        cols = [(i, c) for i, c in enumerate(header) if c in allowed]
        for line, cells in enumerate(reader, start=2):
            if len(cells) != len(header):
                found = f"expected {len(header)} cells, found {len(cells)}"
                problems.append(Problem(name, line, "", found))
                continue
            fields = {c: (cells[i], line) for i, c in cols if cells[i]}
            yield RecordInput(name, line, fields, values, flat)


def _header_problems(name: str, header: Sequence[str], allowed: Sequence[str]) -> list[Problem]:
    out = [
        Problem(
            name,
            1,
            col,
            f"unknown column {col!r}{suggestion(col, allowed)}; expected {', '.join(allowed)}",
        )
        for col in header
        if col not in allowed
    ]
    if len(set(header)) != len(header):
        out.append(Problem(name, 1, "", "a column appears twice"))
    return out
