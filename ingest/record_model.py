"""The typed record model of fact input: what a record may hold and what reading it gives.

Every input - curated YAML, bulk CSV, an importer's records - is read by the one record
validator (:mod:`ingest.records`) into these types: a :class:`SourceRecord`,
:class:`EntityRecord` or :class:`RelationRecord` (the model object when the record passed,
and its :class:`Origin` so later problems can point at it). The field names of each section
are declared here once; the ontology adds the attributes and qualifiers of each kind and
relation type (:class:`Vocabulary`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.values import RecordInput
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
