"""Machine-generated facts as CSV: the same :class:`~ontology.model.Graph`, after the same
checks, at a speed that a million relations need.

The curated path (:mod:`ingest.validate`) is built for hand-edited YAML: it keeps the line
of every field and explains every mistake in a curator's words, and its YAML composition
costs milliseconds per record. Exports of other systems and synthetic graphs
(:mod:`ingest.synth`) are machine-written, flat and huge; for them this module reads CSV:

* ``sources*.csv``: ``id, title, publisher, url, published, kind``;
* ``entities*.csv``: ``id, kind, name, names, aliases, wikidata, description`` and one
  column per attribute the ontology declares (``names`` is a JSON object of language tag to
  name, ``aliases`` a JSON list);
* ``relations*.csv``: ``id, type, from, to, confidence, validFrom, validTo, sources,
  evidence`` and one column per qualifier the ontology declares (``sources`` is one or more
  source ids separated by ``;``; ``evidence`` quotes the single cited source; an empty ``id``
  means ``<from>--<type>--<to>``, as in YAML).

An empty cell is an absent value. The rules are the curated ones: per record, the same
patterns, kinds, relation types, attribute and qualifier lists, and the value rules read
from the SHACL shapes (:class:`ingest.rules.Rules`); across records, the very functions of
:mod:`ingest.checks` (unique ids, references, domain and range, evidence, cycles, share
totals) on the same record objects. Only the conversions are cached per distinct text (a
million relations share a few thousand dates and a dozen confidences). SHACL on the RDF
rendering is optional (``run_shacl``) as in :func:`ingest.validate.build_graph`: every rule
it checks is also checked above, and at this size it would take hours.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from rdflib import URIRef

from ingest.checks import (
    Records,
    check_acyclic,
    check_evidence,
    check_references,
    check_totals,
    check_unique_ids,
)
from ingest.fields import suggestion
from ingest.rdf import entity_iri, graph_to_rdf, relation_iri, source_iri
from ingest.reader import display_name
from ingest.records import (
    ENTITY_FIELDS,
    SOURCE_FIELDS,
    Citation,
    EntityRecord,
    Origin,
    RelationRecord,
    SourceRecord,
    default_relation_id,
)
from ingest.rules import Rules, load_rules
from ontology.errors import Problem, ValidationFailed
from ontology.model import (
    ENTITY_ID_PATTERN,
    RELATION_ID_PATTERN,
    Entity,
    Graph,
    LocalizedName,
    Provenance,
    Relation,
    Scalar,
    Source,
)
from ontology.schema import Schema, default_schema

ROLES = ("sources", "entities", "relations")
RELATION_COLUMNS = ("id", "type", "from", "to", "confidence", "validFrom", "validTo")
CITATION_COLUMNS = ("sources", "evidence")
SOURCE_SEPARATOR = ";"
SOURCE_TEXTS_LABEL = "<source texts>"

_ENTITY_ID = re.compile(ENTITY_ID_PATTERN)
_RELATION_ID = re.compile(RELATION_ID_PATTERN)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")  # as for YAML `names`
_NO_FIELDS: dict[str, int] = {}


class _BadValue(ValueError):
    """A cell that does not convert; the message says what was expected and found."""


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
    reader = _Reader(schema, rules, problems)
    records = Records([], [], [])
    for f in files["sources"]:
        records.sources += reader.sources(f)
    for f in files["entities"]:
        records.entities += reader.entities(f)
    for f in files["relations"]:
        records.relations += reader.relations(f)

    check_unique_ids(records, problems)
    check_references(records, schema, rules.references, problems)
    texts = dict(source_texts or {})
    known = {s.source.id for s in records.sources if s.source is not None}
    problems.extend(
        Problem(SOURCE_TEXTS_LABEL, 0, sid, "text given for a source no file declares")
        for sid in sorted(set(texts) - known)
    )
    check_evidence(records, texts, problems)
    for acyclic in rules.acyclic:
        check_acyclic(records.relations, acyclic, problems)
    for total in rules.totals:
        check_totals(records.relations, total, problems)

    graph, origins = _passed(records, with_origins=run_shacl)
    if run_shacl and (graph.entities or graph.relations or graph.sources):
        from ingest.shacl import shacl_problems  # pyshacl is slow to import; only when asked

        problems.extend(shacl_problems(graph_to_rdf(graph, schema), schema, origins))
    return graph, problems


def _passed(records: Records, *, with_origins: bool) -> tuple[Graph, dict[URIRef, Origin]]:
    """The records without problems whose references passed too (as the YAML path keeps),
    and, for SHACL to point at, where each came from (only when asked: building the IRIs
    costs a tenth of a bulk read)."""
    graph = Graph()
    origins: dict[URIRef, Origin] = {}
    for src in records.sources:
        if src.ok and src.source is not None and src.source.id not in graph.sources:
            graph.sources[src.source.id] = src.source
            if with_origins:
                origins[source_iri(src.source.id)] = src.origin
    for ent in records.entities:
        if ent.ok and ent.entity is not None and ent.entity.id not in graph.entities:
            graph.entities[ent.entity.id] = ent.entity
            if with_origins:
                origins[entity_iri(ent.entity.id)] = ent.origin
    for rec in records.relations:
        r = rec.relation
        if not rec.ok or r is None or r.id in graph.relations:
            continue
        needed = [r.source, r.target, *(eid for _, eid in rec.references)]
        if all(e in graph.entities for e in needed) and all(
            p.source in graph.sources for p in r.provenance
        ):
            graph.relations[r.id] = r
            if with_origins:
                origins[relation_iri(r.id)] = rec.origin
    return graph, origins


class _Row:
    """One CSV row being checked: reports problems at its file and line, counts them."""

    __slots__ = ("errors", "file", "line", "problems")

    def __init__(self, file: str, line: int, problems: list[Problem]) -> None:
        self.file, self.line, self.problems, self.errors = file, line, problems, 0

    def problem(self, column: str, message: str) -> None:
        self.errors += 1
        self.problems.append(Problem(self.file, self.line, column, message))


class _Reader:
    """Per-record rules, with conversions cached per distinct cell text."""

    def __init__(self, schema: Schema, rules: Rules, problems: list[Problem]) -> None:
        self.schema, self.rules, self.problems = schema, rules, problems
        self._converted: dict[tuple[str, str], Scalar] = {}
        self._value_problems: dict[tuple[str, Scalar], str | None] = {}
        self._provenance: dict[tuple[str, str | None], tuple[Provenance, ...]] = {}
        self.attributes = sorted({a for c in schema.classes.values() for a in c.attributes})
        self.qualifiers = sorted({q for r in schema.relations.values() for q in r.qualifiers})

    # -- shared ----------------------------------------------------------------------------

    def _rows(self, path: Path, allowed: Sequence[str]) -> Iterator[tuple[_Row, dict[str, str]]]:
        name = display_name(path)
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                return
            for col in header:
                if col not in allowed:
                    hint = suggestion(col, allowed)
                    self.problems.append(
                        Problem(
                            name,
                            1,
                            col,
                            f"unknown column {col!r}{hint}; expected {', '.join(allowed)}",
                        )
                    )
            if len(set(header)) != len(header):
                self.problems.append(Problem(name, 1, "", "a column appears twice"))
            cols = [(i, c) for i, c in enumerate(header) if c in allowed]
            for line, cells in enumerate(reader, start=2):
                if len(cells) != len(header):
                    self.problems.append(
                        Problem(name, line, "", f"expected {len(header)} cells, found {len(cells)}")
                    )
                    continue
                yield _Row(name, line, self.problems), {c: cells[i] for i, c in cols if cells[i]}

    def convert(self, row: _Row, column: str, text: str, datatype: str) -> Scalar | None:
        """``text`` as the schema datatype (cached), or ``None`` with a problem reported."""
        key = (datatype, text)
        value = self._converted.get(key)
        if value is None:
            try:
                value = _convert(text, datatype)
            except _BadValue as exc:
                row.problem(column, str(exc))
                return None
            self._converted[key] = value
        return value

    def check_value(self, row: _Row, prop: str, value: Scalar) -> bool:
        """The shapes' value rules (lists, bounds, patterns) for one property."""
        key = (prop, value)
        if key not in self._value_problems:
            self._value_problems[key] = self.rules.value_problem(prop, value)
        message = self._value_problems[key]
        if message is not None:
            row.problem(prop, message)
        return message is None

    def slug(
        self, row: _Row, column: str, text: str | None, pattern: re.Pattern[str]
    ) -> str | None:
        if text is None:
            row.problem(column, "missing; expected text")
            return None
        if pattern.match(text) is None:
            row.problem(
                column,
                f"{text!r} is not a valid id; use lower-case letters and digits "
                "joined by single hyphens (kebab-case), e.g. 'made-in-china-2025'",
            )
            return None
        return text

    # -- sources ---------------------------------------------------------------------------

    def sources(self, path: Path) -> list[SourceRecord]:
        out: list[SourceRecord] = []
        for row, cells in self._rows(path, SOURCE_FIELDS):
            values: dict[str, object] = {k: cells.get(k) for k in SOURCE_FIELDS}
            values["id"] = self.slug(row, "id", cells.get("id"), _ENTITY_ID)
            if "published" in cells:
                values["published"] = self.convert(row, "published", cells["published"], "date")
            url = cells.get("url")
            if url is not None and self.rules.value_problem("url", url) is not None:
                row.problem("url", f"must be an http(s) address; found {url!r}")
            ok = row.errors == 0
            source = Source.model_validate(values) if ok else None
            out.append(SourceRecord(Origin(row.file, row.line, _NO_FIELDS), source, ok))
        return out

    # -- entities --------------------------------------------------------------------------

    def entities(self, path: Path) -> list[EntityRecord]:
        out: list[EntityRecord] = []
        schema = self.schema
        kinds = set(schema.concrete_kinds)
        for row, cells in self._rows(path, (*ENTITY_FIELDS, *self.attributes)):
            eid = self.slug(row, "id", cells.get("id"), _ENTITY_ID)
            kind = cells.get("kind")
            if kind is None:
                row.problem("kind", "missing; expected text")
            elif kind not in kinds:
                what = "is abstract" if kind in schema.classes else "is not a kind of the ontology"
                row.problem(
                    "kind",
                    f"{kind!r} {what}{suggestion(kind, kinds)}; expected one "
                    f"of {', '.join(schema.concrete_kinds)}",
                )
                kind = None
            name = cells.get("name")
            if name is None or not name.strip():
                row.problem(
                    "name", "missing; expected text" if name is None else "must not be empty"
                )
            wikidata = cells.get("wikidata")
            if wikidata is not None and (message := self.rules.value_problem("wikidata", wikidata)):
                row.problem("wikidata", f"expected a Wikidata QID like Q1636958; {message}")
            attributes = self._attributes(row, cells, kind)
            names, aliases = self._names(row, cells)
            entity = None
            if row.errors == 0 and eid and kind and name:
                entity = Entity(
                    id=eid,
                    kind=kind,
                    name=name,
                    names=names,
                    aliases=aliases,
                    wikidata=wikidata,
                    description=cells.get("description"),
                    attributes=attributes,
                )
            origin = Origin(row.file, row.line, _NO_FIELDS)
            out.append(EntityRecord(origin, eid, kind, entity, row.errors == 0))
        return out

    def _attributes(self, row: _Row, cells: dict[str, str], kind: str | None) -> dict[str, Scalar]:
        allowed = self.schema.attributes_of(kind) if kind else ()
        out: dict[str, Scalar] = {}
        for attr in self.attributes:
            text = cells.get(attr)
            if text is None:
                continue
            if kind is not None and attr not in allowed:
                row.problem(
                    attr,
                    f"{attr!r} is not an attribute of {kind} (its attributes: "
                    f"{', '.join(allowed) or 'none'})",
                )
                continue
            value = self.convert(row, attr, text, self.schema.properties[attr].datatype)
            if value is not None and self.check_value(row, attr, value):
                out[attr] = value
        return out

    def _names(
        self, row: _Row, cells: dict[str, str]
    ) -> tuple[tuple[LocalizedName, ...], tuple[str, ...]]:
        names: list[LocalizedName] = []
        raw = _json(row, "names", cells.get("names"), dict)
        for lang, value in (raw or {}).items():
            if not _LANG.match(lang) or len(lang) > 16:
                row.problem(f"names.{lang}", f"{lang!r} is not a language tag such as en, zh")
            elif not isinstance(value, str) or not value.strip():
                row.problem(f"names.{lang}", "expected non-empty text")
            else:
                names.append(LocalizedName(lang=lang, value=value))
        aliases = _json(row, "aliases", cells.get("aliases"), list) or []
        if not all(isinstance(a, str) and a.strip() for a in aliases):
            row.problem("aliases", "expected a JSON list of non-empty names")
            aliases = []
        return tuple(sorted(names, key=lambda n: (n.lang, n.value))), tuple(sorted(set(aliases)))

    # -- relations -------------------------------------------------------------------------

    def relations(self, path: Path) -> list[RelationRecord]:
        out: list[RelationRecord] = []
        schema = self.schema
        allowed = (*RELATION_COLUMNS, *CITATION_COLUMNS, *self.qualifiers)
        for row, cells in self._rows(path, allowed):
            rtype = cells.get("type")
            rdef = schema.relations.get(rtype) if rtype else None
            if rtype is None:
                row.problem("type", "missing; expected text")
            elif rdef is None:
                row.problem(
                    "type",
                    f"{rtype!r} is not a relation type of the ontology"
                    f"{suggestion(rtype, schema.relations)}",
                )
            source = self.slug(row, "from", cells.get("from"), _ENTITY_ID)
            target = self.slug(row, "to", cells.get("to"), _ENTITY_ID)
            explicit = "id" in cells
            rid = self.slug(row, "id", cells["id"], _RELATION_ID) if explicit else None
            if not explicit and source and target and rdef:
                rid = default_relation_id(source, rdef.name, target)
            confidence = self._confidence(row, cells.get("confidence"))
            valid_from = self._date(row, "validFrom", cells.get("validFrom"))
            valid_to = self._date(row, "validTo", cells.get("validTo"))
            if valid_from and valid_to and valid_to < valid_from:
                row.problem("validTo", f"validTo {valid_to} is before validFrom {valid_from}")
            citations = self._citations(row, cells)
            properties, references = self._qualifiers(row, cells, rdef)
            relation = None
            if row.errors == 0 and rid and rdef and source and target and confidence is not None:
                relation = Relation(
                    id=rid,
                    type=rdef.name,
                    source=source,
                    target=target,
                    properties=properties,
                    confidence=confidence,
                    valid_from=valid_from,
                    valid_to=valid_to,
                    provenance=tuple(c.provenance for c in citations),
                )
            out.append(
                RelationRecord(
                    origin=Origin(row.file, row.line, _NO_FIELDS),
                    id=rid,
                    explicit_id=explicit,
                    type=rdef.name if rdef else None,
                    source=source,
                    target=target,
                    relation=relation,
                    citations=citations,
                    references=references,
                    ok=relation is not None,
                )
            )
        return out

    def _confidence(self, row: _Row, text: str | None) -> float | None:
        if text is None:
            row.problem("confidence", "missing; set a confidence from 0 to 1")
            return None
        value = self.convert(row, "confidence", text, "float")
        if not isinstance(value, float) or not self.check_value(row, "confidence", value):
            return None
        return value

    def _date(self, row: _Row, column: str, text: str | None) -> date | None:
        value = None if text is None else self.convert(row, column, text, "date")
        return value if isinstance(value, date) else None

    def _citations(self, row: _Row, cells: dict[str, str]) -> list[Citation]:
        key = (cells.get("sources", ""), cells.get("evidence"))
        provenance = self._provenance.get(key)
        if provenance is None:
            before = row.errors
            provenance = self._parse_citations(row, *key)
            if row.errors != before:
                return []
            self._provenance[key] = provenance
        return [
            Citation(
                provenance=p,
                file=row.file,
                field="sources",
                source_line=row.line,
                evidence_line=row.line,
            )
            for p in provenance
        ]

    def _parse_citations(
        self, row: _Row, cell: str, evidence: str | None
    ) -> tuple[Provenance, ...]:
        """A ``sources`` cell (and its evidence) as provenance entries, once per text."""
        ids = [s.strip() for s in cell.split(SOURCE_SEPARATOR) if s.strip()]
        if not ids:
            row.problem("sources", "missing; cite at least one source id")
        elif evidence is not None and len(ids) != 1:
            row.problem("evidence", "evidence needs exactly one cited source")
        valid = [sid for sid in ids if self.slug(row, "sources", sid, _ENTITY_ID) is not None]
        return tuple(Provenance(source=sid, evidence=evidence) for sid in valid)

    def _qualifiers(
        self, row: _Row, cells: dict[str, str], rdef: Any
    ) -> tuple[dict[str, Scalar], list[tuple[str, str]]]:
        properties: dict[str, Scalar] = {}
        references: list[tuple[str, str]] = []
        allowed = rdef.qualifiers if rdef is not None else ()
        for q in self.qualifiers:
            text = cells.get(q)
            if text is None:
                continue
            if rdef is not None and q not in allowed:
                row.problem(
                    q,
                    f"{q!r} is not a qualifier of {rdef.name} (its qualifiers: "
                    f"{', '.join(allowed) or 'none'})",
                )
                continue
            value = self.convert(row, q, text, self.schema.properties[q].datatype)
            if value is None or not self.check_value(row, q, value):
                continue
            properties[q] = value
            if q in self.rules.references and isinstance(value, str):
                references.append((q, value))
        for q in rdef.required_qualifiers if rdef is not None else ():
            if q not in cells:
                values = self.rules.allowed_values.get(q)
                hint = f" (one of {', '.join(values)})" if values else ""
                row.problem(q, f"missing; a {rdef.name} relation must set {q}{hint}")
        return properties, references


def _json(row: _Row, column: str, text: str | None, kind: type) -> Any:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, kind):
        what = "an object of language tag to name" if kind is dict else "a list of names"
        row.problem(column, f"expected JSON: {what}; found {text!r}")
        return None
    return value


def _convert(text: str, datatype: str) -> Scalar:
    """One cell to a schema datatype; raises :class:`_BadValue` saying what was found."""
    if datatype == "string":
        if not text.strip():
            raise _BadValue("must not be empty")
        return text
    if datatype == "date":
        if not _DATE.match(text):
            raise _BadValue(f"expected a date YYYY-MM-DD, found {text!r}")
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise _BadValue(f"{text} is not a real date (check the month and day)") from None
    if datatype == "float":
        try:
            number = float(text)
        except ValueError:
            raise _BadValue(f"expected a number, found {text!r}") from None
        if not math.isfinite(number):
            raise _BadValue(f"expected a finite number, found {text!r}")
        return number
    if datatype == "int":
        try:
            return int(text)
        except ValueError:
            raise _BadValue(f"expected a whole number, found {text!r}") from None
    if datatype == "bool":
        if text.lower() not in ("true", "false"):
            raise _BadValue(f"expected true or false, found {text!r}")
        return text.lower() == "true"
    raise _BadValue(f"unsupported datatype {datatype}")
