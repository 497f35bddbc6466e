"""The typed record model of fact input: what a record may hold and what reading it gives.

Every input - curated YAML, bulk CSV, an importer's records - is read by the one record
validator (:mod:`ingest.records`) into these types: a :class:`SourceRecord`,
:class:`EntityRecord` or :class:`RelationRecord` (the model object when the record passed,
and its :class:`Origin` so later problems can point at it). The field names of each section
are declared here once; the ontology adds the attributes and qualifiers of each kind and
relation type (:class:`Vocabulary`). What an importer builds is typed too
(:class:`SourceInput`, :class:`EntityInput`, :class:`RelationInput`): :func:`typed_record`
hands one to the validator under the field names declared here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ingest.values import RecordInput, native_record
from ontology.model import Entity, Provenance, Relation, Source
from ontology.schema import Schema

SOURCE_FIELDS = ("id", "title", "publisher", "url", "published", "sourceType")
FORMER_SOURCE_TYPE = "kind"
"""The former name of ``sourceType``, still read (a differing value in both is an error)."""
SOURCE_FIELD_NAMES = {"source_type": "sourceType"}
"""The record field of each :class:`~ontology.model.Source` attribute named otherwise."""
ENTITY_FIELDS = ("id", "kind", "name", "names", "aliases", "wikidata", "description")
RELATION_FIELDS = ("type", "from", "to", "id", "confidence", "validFrom", "validTo", "provenance")
RELATION_COLUMNS = ("id", "type", "from", "to", "confidence", "validFrom", "validTo")
CITATION_COLUMNS = ("sources", "evidence")
"""A flat record (a CSV row) cites in these two columns instead of a ``provenance`` list:
one or more source ids separated by ``;``, and the evidence quoting the single one cited."""
SOURCE_SEPARATOR = ";"
DEFAULT_FIELDS = ("confidence", "validFrom", "validTo", "provenance")
PROVENANCE_FIELDS = ("source", "evidence")


@dataclass(frozen=True)
class Origin:
    """Where a record was written: its file, the line it starts on, and each field's line."""

    file: str
    line: int
    fields: dict[str, int] = field(default_factory=dict)

    def at(self, key: str) -> int:
        return self.fields.get(key, self.line)

    def where(self) -> str:
        return f"{self.file}:{self.line}"


_NO_FIELDS: dict[str, int] = {}


def origin_of(record: RecordInput) -> Origin:
    """Field lines are kept only when they differ from the record's (YAML, not CSV rows)."""
    lines = {k: line for k, (_, line) in record.fields.items() if line != record.line}
    return Origin(record.file, record.line, lines or _NO_FIELDS)


@dataclass
class Citation:
    """One provenance entry with the place it was written (relation or file defaults)."""

    provenance: Provenance
    file: str
    field: str
    source_line: int
    evidence_line: int


@dataclass
class SourceRecord:
    origin: Origin
    source: Source | None
    ok: bool


@dataclass
class EntityRecord:
    origin: Origin
    id: str | None
    kind: str | None
    entity: Entity | None
    ok: bool


@dataclass
class RelationRecord:
    origin: Origin
    id: str | None
    explicit_id: bool
    type: str | None
    source: str | None
    target: str | None
    relation: Relation | None
    citations: list[Citation]
    references: list[tuple[str, str]]  # (qualifier, entity id) to resolve
    ok: bool


@dataclass
class Defaults:
    """A file's ``defaults`` block, converted once so its problems are reported once."""

    values: dict[str, object] = field(default_factory=dict)
    citations: list[Citation] | None = None
    failed: set[str] = field(default_factory=set)


NO_DEFAULTS = Defaults()


class Vocabulary:
    """The field names each kind and relation type allows, computed once per schema: a
    bulk read asks for them a million times."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.kinds = frozenset(schema.concrete_kinds)
        self._entity: dict[str | None, frozenset[str]] = {}
        self._relation: dict[tuple[str | None, bool], frozenset[str]] = {}

    def entity_fields(self, kind: str | None) -> frozenset[str]:
        found = self._entity.get(kind)
        if found is None:
            extra = self.schema.attributes_of(kind) if kind else self.schema.properties
            found = self._entity[kind] = frozenset((*ENTITY_FIELDS, *extra))
        return found

    def relation_fields(self, rtype: str | None, flat: bool) -> frozenset[str]:
        found = self._relation.get((rtype, flat))
        if found is None:
            rdef = self.schema.relations.get(rtype) if rtype else None
            base = (*RELATION_COLUMNS, *CITATION_COLUMNS) if flat else RELATION_FIELDS
            extra = rdef.qualifiers if rdef else tuple(self.schema.properties)
            found = self._relation[(rtype, flat)] = frozenset((*base, *extra))
        return found


_VOCABULARIES: dict[int, Vocabulary] = {}


def vocabulary(schema: Schema) -> Vocabulary:
    found = _VOCABULARIES.get(id(schema))
    if found is None or found.schema is not schema:
        found = _VOCABULARIES[id(schema)] = Vocabulary(schema)
    return found


def default_relation_id(source: str, rel_type: str, target: str) -> str:
    """The id a relation gets when it sets none: ``<from>--<type>--<to>``."""
    return f"{source}--{rel_type}--{target}"


# ---------------------------------------------------------------- typed input records
# What an importer builds, field by field, instead of a tree shaped like the YAML format:
# :meth:`fields` names each value as the formats do (``from``, ``validFrom``, a
# ``provenance`` list), in one place, so the one record validator reads a typed record as it
# reads a YAML mapping or a CSV row, and a staged or resolved file is written from it.


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _present(fields: dict[str, object]) -> dict[str, object]:
    """Leave out what a record does not state (``None``, an empty list or mapping)."""
    return {k: v for k, v in fields.items() if v is not None and v != [] and v != {}}


@dataclass
class SourceInput:
    id: str
    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    published: date | None = None
    source_type: str | None = None

    def fields(self) -> dict[str, object]:
        return _present(
            {
                "id": self.id,
                "title": self.title,
                "publisher": self.publisher,
                "published": _iso(self.published),
                "sourceType": self.source_type,
                "url": self.url,
            }
        )

    @classmethod
    def from_fields(cls, f: Mapping[str, Any]) -> SourceInput:
        kind = f.get("sourceType", f.get(FORMER_SOURCE_TYPE))
        return cls(f["id"], f.get("title"), f.get("publisher"), f.get("url"),
                   _day(f.get("published")), kind)  # fmt: skip


@dataclass
class EntityInput:
    id: str
    kind: str
    name: str
    aliases: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    wikidata: str | None = None
    description: str | None = None
    attributes: dict[str, object] = field(default_factory=dict)
    """Values as the data set gives them (text, numbers, dates): the validator converts
    them to each attribute's datatype."""

    def fields(self) -> dict[str, object]:
        core = {"id": self.id, "kind": self.kind, "name": self.name, "names": self.names,
                "aliases": self.aliases, "wikidata": self.wikidata,
                "description": self.description}  # fmt: skip
        return _present({**core, **self.attributes})

    @classmethod
    def from_fields(cls, f: Mapping[str, Any]) -> EntityInput:
        rest = {k: v for k, v in f.items() if k not in ENTITY_FIELDS}
        return cls(f["id"], f["kind"], f["name"], list(f.get("aliases", ())),
                   dict(f.get("names", {})), f.get("wikidata"), f.get("description"),
                   rest)  # fmt: skip


@dataclass(frozen=True)
class CitationInput:
    """One entry of a relation's provenance: the source cited, and the evidence copied."""

    source: str
    evidence: str | None = None

    def fields(self) -> dict[str, object]:
        return _present({"source": self.source, "evidence": self.evidence})


@dataclass
class RelationInput:
    type: str
    source: str
    target: str
    id: str = ""
    qualifiers: dict[str, object] = field(default_factory=dict)
    confidence: float | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    provenance: list[CitationInput] = field(default_factory=list)

    def fields(self) -> dict[str, object]:
        core = {"type": self.type, "from": self.source, "to": self.target,
                "id": self.id or None}  # fmt: skip
        timed = {"confidence": self.confidence, "validFrom": _iso(self.valid_from),
                 "validTo": _iso(self.valid_to)}  # fmt: skip
        cited = [c.fields() for c in self.provenance]
        return _present({**core, **self.qualifiers, **timed, "provenance": cited})

    @classmethod
    def from_fields(cls, f: Mapping[str, Any]) -> RelationInput:
        rest = {k: v for k, v in f.items() if k not in RELATION_FIELDS}
        cited = [CitationInput(c["source"], c.get("evidence")) for c in f.get("provenance", ())]
        return cls(f["type"], f["from"], f["to"], f.get("id", ""), rest, f.get("confidence"),
                   _day(f.get("validFrom")), _day(f.get("validTo")), cited)  # fmt: skip


TypedInput = SourceInput | EntityInput | RelationInput


def typed_record(file: str, line: int, record: TypedInput) -> RecordInput:
    """A typed record as the one validator reads it, every field at ``file:line``."""
    return native_record(file, line, record.fields())
