"""One YAML record -> one model object, with every per-record rule checked.

What can be judged from a record alone is judged here: allowed fields, types, id syntax,
known kinds and relation types, attributes and qualifiers the ontology allows, value lists
and bounds from the shapes, dates, confidence, provenance structure. Rules that need other
records (duplicates, dangling ids, domain and range, cycles, share totals, evidence) are in
:mod:`ingest.checks`. Each record keeps where it came from so later problems can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ingest.fields import FieldReader, as_list, as_map, suggestion
from ingest.reader import YamlMap, YamlScalar, YamlValue
from ingest.rules import Rules
from ontology.errors import Problem
from ontology.model import (
    ENTITY_ID_PATTERN,
    RELATION_ID_PATTERN,
    Entity,
    LocalizedName,
    Provenance,
    Relation,
    Scalar,
    Source,
)
from ontology.schema import Schema

SOURCE_FIELDS = ("id", "title", "publisher", "url", "published", "kind")
ENTITY_FIELDS = ("id", "kind", "name", "names", "aliases", "wikidata", "description")
RELATION_FIELDS = ("type", "from", "to", "id", "confidence", "validFrom", "validTo", "provenance")
DEFAULT_FIELDS = ("confidence", "validFrom", "validTo", "provenance")
PROVENANCE_FIELDS = ("source", "evidence")
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


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


def _origin(file: str, node: YamlMap) -> Origin:
    return Origin(file, node.line, {k: f.line for k, f in node.fields.items()})


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


def default_relation_id(source: str, rel_type: str, target: str) -> str:
    """The id a relation gets when it sets none: ``<from>--<type>--<to>``."""
    return f"{source}--{rel_type}--{target}"


def _not_a_mapping(file: str, value: YamlValue, what: str, problems: list[Problem]) -> None:
    problems.append(
        Problem(file, value.line, "", f"each {what} must be a mapping; found {value.describe()}")
    )


def read_source(
    file: str, node: YamlValue, rules: Rules, problems: list[Problem]
) -> SourceRecord | None:
    if not isinstance(node, YamlMap):
        _not_a_mapping(file, node, "source", problems)
        return None
    r = FieldReader(file, node, problems)
    r.unknown_fields(
        SOURCE_FIELDS, lambda k: f"unknown field {k!r}; a source has {', '.join(SOURCE_FIELDS)}"
    )
    values: dict[str, object] = {"id": r.slug("id", ENTITY_ID_PATTERN, required=True)}
    for key in ("title", "publisher", "url", "kind"):
        values[key] = r.text(key)
    values["published"] = r.value("published", "date")
    url = values["url"]
    if url is not None and rules.value_problem("url", url) is not None:
        r.problem("url", f"must be an http(s) address; found {url!r}")
    source = Source.model_validate(values) if r.ok else None
    return SourceRecord(_origin(file, node), source, r.ok)


def read_entity(
    file: str, node: YamlValue, schema: Schema, rules: Rules, problems: list[Problem]
) -> EntityRecord | None:
    if not isinstance(node, YamlMap):
        _not_a_mapping(file, node, "entity", problems)
        return None
    r = FieldReader(file, node, problems)
    eid = r.slug("id", ENTITY_ID_PATTERN, required=True)
    kind = _kind(r, schema)
    attributes_allowed = schema.attributes_of(kind) if kind else ()

    def explain(key: str) -> str:
        if key in schema.properties and kind:
            allowed = ", ".join(attributes_allowed) or "none"
            return f"{key!r} is not an attribute of {kind} (its attributes: {allowed})"
        expected = ", ".join((*ENTITY_FIELDS, *attributes_allowed))
        return f"unknown field {key!r}{suggestion(key, expected.split(', '))}; expected {expected}"

    if kind is not None:
        r.unknown_fields((*ENTITY_FIELDS, *attributes_allowed), explain)
    else:  # without a kind, only fields no kind could have are surely wrong
        r.unknown_fields((*ENTITY_FIELDS, *schema.properties), explain)
    name = r.text("name", required=True)
    names = _localized_names(r)
    aliases = _aliases(r)
    wikidata = r.text("wikidata")
    if wikidata is not None and (message := rules.value_problem("wikidata", wikidata)):
        r.problem("wikidata", f"expected a Wikidata QID like Q1636958; {message}")
    description = r.text("description")
    attributes: dict[str, Scalar] = {}
    for attr in attributes_allowed:
        value = r.value(attr, schema.properties[attr].datatype)
        if value is None:
            continue
        if (message := rules.value_problem(attr, value)) is not None:
            r.problem(attr, message)
        else:
            attributes[attr] = value
    entity = None
    if r.ok and eid and kind and name:
        entity = Entity(
            id=eid,
            kind=kind,
            name=name,
            names=names,
            aliases=aliases,
            wikidata=wikidata,
            description=description,
            attributes=attributes,
        )
    return EntityRecord(_origin(file, node), eid, kind, entity, r.ok)


def _kind(r: FieldReader, schema: Schema) -> str | None:
    kind = r.text("kind", required=True)
    if kind is None:
        return None
    kinds = schema.concrete_kinds
    if kind not in kinds:
        hint = suggestion(kind, kinds)
        what = "is abstract" if kind in schema.classes else "is not a kind of the ontology"
        r.problem("kind", f"{kind!r} {what}{hint}; expected one of {', '.join(kinds)}")
        return None
    return kind


def _localized_names(r: FieldReader) -> tuple[LocalizedName, ...]:
    value = r.get("names")
    if value is None:
        return ()
    node = as_map(value)
    if node is None:
        r.problem("names", f"expected a mapping of language tag to name, found {value.describe()}")
        return ()
    out: list[LocalizedName] = []
    for lang, f in node.fields.items():
        key = f"names.{lang}"
        if not _LANG_RE.match(lang) or len(lang) > 16:
            hint = ""
            if isinstance(f.value, YamlScalar) and f.value.kind == "null":
                hint = "; a comma inside {...} ends the name before it: quote names with commas"
            r.problem(key, f"{lang!r} is not a language tag such as en, zh, zh-Hans{hint}", f.line)
            continue
        text = r.convert(f.value, "string", key, f.line)
        if isinstance(text, str):
            out.append(LocalizedName(lang=lang, value=text))
    return tuple(sorted(out, key=lambda n: (n.lang, n.value)))


def _aliases(r: FieldReader) -> tuple[str, ...]:
    value = r.get("aliases")
    if value is None:
        return ()
    items = as_list(value)
    if items is None:
        r.problem("aliases", f"expected a list of names, found {value.describe()}")
        return ()
    out = {r.convert(item, "string", f"aliases[{i}]") for i, item in enumerate(items, start=1)}
    return tuple(sorted(a for a in out if isinstance(a, str)))


def read_defaults(file: str, node: YamlValue, problems: list[Problem]) -> Defaults:
    defaults = Defaults()
    if not isinstance(node, YamlMap):
        problems.append(
            Problem(file, node.line, "defaults", f"expected a mapping, found {node.describe()}")
        )
        return defaults
    r = FieldReader(file, node, problems, prefix="defaults.")
    r.unknown_fields(
        DEFAULT_FIELDS,
        lambda k: f"unknown field {k!r}; defaults may set {', '.join(DEFAULT_FIELDS)}",
    )
    for key in DEFAULT_FIELDS:
        if r.get(key) is None:
            continue
        before = r.errors
        if key == "provenance":
            defaults.citations = _citations(r)
        else:
            defaults.values[key] = _relation_scalar(r, key)
        if r.errors != before:
            defaults.failed.add(key)
    return defaults


def _relation_scalar(r: FieldReader, key: str) -> Scalar | None:
    """confidence (a number 0..1 - bounds come from the shapes) or a validity date."""
    return r.value(key, "float" if key == "confidence" else "date")


def _citations(r: FieldReader) -> list[Citation] | None:
    value = r.get("provenance")
    items = as_list(value)
    if value is None or items is None or not items:
        found = value.describe() if value is not None else "nothing"
        r.problem(
            "provenance",
            f"expected a list of at least one {{source, evidence}} entry, found {found}",
        )
        return None
    out: list[Citation] = []
    for i, item in enumerate(items, start=1):
        key = f"provenance[{i}]"
        node = as_map(item)
        if node is None:
            r.problem(
                key,
                f"expected a mapping with source and evidence, found {item.describe()}",
                item.line,
            )
            continue
        sub = FieldReader(r.file, node, r.problems, prefix=f"{r.prefix}{key}.")
        sub.unknown_fields(
            PROVENANCE_FIELDS,
            lambda k: f"unknown field {k!r}; a provenance entry has source and evidence",
        )
        source = sub.slug("source", ENTITY_ID_PATTERN, required=True)
        evidence = sub.text("evidence")
        r.errors += sub.errors
        if source is not None and sub.ok:
            out.append(
                Citation(
                    Provenance(source=source, evidence=evidence),
                    r.file,
                    f"{r.prefix}{key}",
                    source_line=sub.line("source"),
                    evidence_line=sub.line("evidence"),
                )
            )
    return out


def read_relation(
    file: str,
    node: YamlValue,
    schema: Schema,
    rules: Rules,
    defaults: Defaults,
    problems: list[Problem],
) -> RelationRecord | None:
    if not isinstance(node, YamlMap):
        _not_a_mapping(file, node, "relation", problems)
        return None
    r = FieldReader(file, node, problems)
    rtype = _relation_type(r, schema)
    rdef = schema.relations.get(rtype) if rtype else None
    qualifiers = rdef.qualifiers if rdef else ()

    def explain(key: str) -> str:
        if key in schema.properties and rdef is not None:
            allowed = ", ".join(qualifiers) or "none"
            return f"{key!r} is not a qualifier of {rtype} (its qualifiers: {allowed})"
        expected = [*RELATION_FIELDS, *qualifiers]
        return f"unknown field {key!r}{suggestion(key, expected)}; expected {', '.join(expected)}"

    known = (*RELATION_FIELDS, *(qualifiers if rdef else schema.properties))
    r.unknown_fields(known, explain)
    source = r.slug("from", ENTITY_ID_PATTERN, required=True)
    target = r.slug("to", ENTITY_ID_PATTERN, required=True)
    explicit = r.get("id") is not None
    rid = r.slug("id", RELATION_ID_PATTERN)
    if not explicit and source and target and rtype:
        rid = default_relation_id(source, rtype, target)

    inherited_failure = False
    values: dict[str, object] = {}
    for key in ("confidence", "validFrom", "validTo"):
        if r.get(key) is not None:
            values[key] = _relation_scalar(r, key)
        elif key in defaults.values:
            values[key] = defaults.values[key]
            inherited_failure |= key in defaults.failed
    confidence = values.get("confidence")
    if "confidence" not in values:
        r.problem(
            "confidence", "missing; set a confidence from 0 to 1 here or in the file's defaults"
        )
    elif isinstance(confidence, float) and (msg := rules.value_problem("confidence", confidence)):
        r.problem("confidence", msg, r.line("confidence") if r.get("confidence") else None)
    valid_from, valid_to = values.get("validFrom"), values.get("validTo")
    if isinstance(valid_from, date) and isinstance(valid_to, date) and valid_to < valid_from:
        key = "validTo" if r.get("validTo") is not None else "validFrom"
        r.problem(key, f"validTo {valid_to} is before validFrom {valid_from}")

    if r.get("provenance") is not None:
        citations = _citations(r) or []
    elif defaults.citations is not None or "provenance" in defaults.failed:
        citations = list(defaults.citations or [])
        inherited_failure |= "provenance" in defaults.failed
    else:
        r.problem("provenance", "missing; cite at least one source here or in the file's defaults")
        citations = []

    properties: dict[str, Scalar] = {}
    references: list[tuple[str, str]] = []
    for q in qualifiers:
        value = r.value(q, schema.properties[q].datatype)
        if value is None:
            continue
        if (message := rules.value_problem(q, value)) is not None:
            r.problem(q, message)
            continue
        properties[q] = value
        if q in rules.references and isinstance(value, str):
            references.append((q, value))
    for q in rdef.required_qualifiers if rdef else ():
        if r.get(q) is None:
            allowed = rules.allowed_values.get(q)
            hint = f" (one of {', '.join(allowed)})" if allowed else ""
            r.problem(q, f"missing; a {rtype} relation must set {q}{hint}")

    ok = r.ok and not inherited_failure
    relation = None
    if ok and rid and rtype and source and target and isinstance(confidence, float):
        relation = Relation(
            id=rid,
            type=rtype,
            source=source,
            target=target,
            properties=properties,
            confidence=confidence,
            valid_from=valid_from if isinstance(valid_from, date) else None,
            valid_to=valid_to if isinstance(valid_to, date) else None,
            provenance=tuple(c.provenance for c in citations),
        )
    return RelationRecord(
        origin=_origin(file, node),
        id=rid,
        explicit_id=explicit,
        type=rtype,
        source=source,
        target=target,
        relation=relation,
        citations=citations,
        references=references,
        ok=ok and relation is not None,
    )


def _relation_type(r: FieldReader, schema: Schema) -> str | None:
    rtype = r.text("type", required=True)
    if rtype is None:
        return None
    if rtype not in schema.relations:
        r.problem(
            "type",
            f"{rtype!r} is not a relation type of the ontology{suggestion(rtype, schema.relations)}"
            f"; expected one of {', '.join(schema.relation_types)}",
        )
        return None
    return rtype
