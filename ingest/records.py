"""One input record -> one model object, with every per-record rule checked.

This is the one record validator: curated YAML (:mod:`ingest.validate`), bulk CSV
(:mod:`ingest.bulk`) and the records importers build (:mod:`ingest.importers.common`) all
come here as :class:`~ingest.values.RecordInput`\\ s, so the same record meets the same rules
and the same words (:mod:`ingest.messages`) whatever wrote it.

What can be judged from a record alone is judged here: allowed fields, types, id syntax,
known kinds and relation types, attributes and qualifiers the ontology allows, value lists
and bounds from the shapes, dates, confidence, provenance structure. Rules that need other
records (duplicates, dangling ids, domain and range, cycles, share totals, evidence) are in
:mod:`ingest.checks`. Each record keeps where it came from so later problems can point at it.
"""

from __future__ import annotations

import re
from datetime import date

from ingest import messages as msg
from ingest.fields import FieldReader, suggestion
from ingest.record_model import (
    CITATION_COLUMNS,
    DEFAULT_FIELDS,
    ENTITY_FIELDS,
    FORMER_SOURCE_TYPE,
    NO_DEFAULTS,
    PROVENANCE_FIELDS,
    RELATION_COLUMNS,
    RELATION_FIELDS,
    SOURCE_FIELDS,
    SOURCE_SEPARATOR,
    Citation,
    Defaults,
    EntityRecord,
    Origin,
    RelationRecord,
    SourceRecord,
    default_relation_id,
    origin_of,
    vocabulary,
)
from ingest.rules import Rules
from ingest.values import RecordInput
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

__all__ = [
    "CITATION_COLUMNS",
    "DEFAULT_FIELDS",
    "ENTITY_FIELDS",
    "RELATION_COLUMNS",
    "RELATION_FIELDS",
    "SOURCE_FIELDS",
    "SOURCE_SEPARATOR",
    "Citation",
    "Defaults",
    "EntityRecord",
    "Origin",
    "RelationRecord",
    "SourceRecord",
    "default_relation_id",
    "read_defaults",
    "read_entity",
    "read_relation",
    "read_source",
]
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


def read_source(record: RecordInput, rules: Rules, problems: list[Problem]) -> SourceRecord:
    r = FieldReader(record, problems)
    expected = ", ".join(SOURCE_FIELDS)
    r.unknown_fields(
        (*SOURCE_FIELDS, FORMER_SOURCE_TYPE),
        lambda k: msg.UNKNOWN_SOURCE_FIELD.format(key=k, expected=expected),
    )
    values: dict[str, object] = {"id": r.slug("id", ENTITY_ID_PATTERN, required=True)}
    for key in ("title", "publisher", "url"):
        values[key] = r.text(key)
    values["source_type"] = _source_type(r)
    values["published"] = r.value("published", "date")
    url = values["url"]
    if url is not None and rules.value_problem("url", url) is not None:
        r.problem("url", msg.BAD_URL.format(value=url))
    source = Source.model_validate(values) if r.ok else None
    return SourceRecord(origin_of(record), source, r.ok)


def _source_type(r: FieldReader) -> str | None:
    """``sourceType``, or its former name ``kind`` when only that is written."""
    new, old = r.text("sourceType"), r.text(FORMER_SOURCE_TYPE)
    if new is not None and old is not None and new != old:
        r.problem(FORMER_SOURCE_TYPE, msg.SOURCE_TYPE_TWICE.format(new=new, old=old))
    return new if new is not None else old


def read_entity(
    record: RecordInput, schema: Schema, rules: Rules, problems: list[Problem]
) -> EntityRecord:
    r = FieldReader(record, problems)
    eid = r.slug("id", ENTITY_ID_PATTERN, required=True)
    kind = _kind(r, schema)
    _entity_fields(r, schema, kind)
    name = r.text("name", required=True)
    names = _localized_names(r)
    aliases = _aliases(r)
    wikidata = r.text("wikidata")
    if wikidata is not None and (message := rules.value_problem("wikidata", wikidata)):
        r.problem("wikidata", msg.BAD_WIKIDATA.format(why=message))
    description = r.text("description")
    attributes = _scalars(r, schema.attributes_of(kind) if kind else (), schema, rules)[0]
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
    return EntityRecord(origin_of(record), eid, kind, entity, r.ok)


def _entity_fields(r: FieldReader, schema: Schema, kind: str | None) -> None:
    attributes_allowed = schema.attributes_of(kind) if kind else ()

    def explain(key: str) -> str:
        if key in schema.properties and kind:
            allowed = ", ".join(attributes_allowed) or "none"
            return msg.NOT_AN_ATTRIBUTE.format(key=key, kind=kind, allowed=allowed)
        expected = [*ENTITY_FIELDS, *attributes_allowed]
        return msg.UNKNOWN_FIELD.format(
            key=key, hint=suggestion(key, expected), expected=", ".join(expected)
        )

    # without a kind, only fields no kind could have are surely wrong
    r.unknown_fields(vocabulary(schema).entity_fields(kind), explain)


def _scalars(
    r: FieldReader, keys: tuple[str, ...], schema: Schema, rules: Rules
) -> tuple[dict[str, Scalar], list[tuple[str, str]]]:
    """Attributes or qualifiers: converted, held to the shapes' value rules; and the values
    that name another entity (to check once every record is read)."""
    out: dict[str, Scalar] = {}
    references: list[tuple[str, str]] = []
    for key in keys:
        value = r.value(key, schema.properties[key].datatype)
        if value is None:
            continue
        if (message := rules.value_problem(key, value)) is not None:
            r.problem(key, message)
            continue
        out[key] = value
        if key in rules.references and isinstance(value, str):
            references.append((key, value))
    return out, references


def _kind(r: FieldReader, schema: Schema) -> str | None:
    kind = r.text("kind", required=True)
    if kind is None:
        return None
    if kind not in vocabulary(schema).kinds:
        kinds = schema.concrete_kinds
        what = "is abstract" if kind in schema.classes else "is not a kind of the ontology"
        r.problem(
            "kind",
            msg.NOT_A_KIND.format(
                kind=kind, what=what, hint=suggestion(kind, kinds), expected=", ".join(kinds)
            ),
        )
        return None
    return kind


def _localized_names(r: FieldReader) -> tuple[LocalizedName, ...]:
    value = r.get("names")
    if value is None:
        return ()
    entries = r.entries("names")
    if entries is None:
        r.problem("names", msg.NAMES_NOT_A_MAPPING.format(found=r.describe(value)))
        return ()
    out: list[LocalizedName] = []
    for lang, (text, line) in entries.items():
        key = f"names.{lang}"
        if not _LANG_RE.match(lang) or len(lang) > 16:
            hint = msg.COMMA_IN_FLOW_MAPPING if r.values.absent(text) else ""
            r.problem(key, msg.NOT_A_LANGUAGE_TAG.format(lang=lang, hint=hint), line)
            continue
        converted = r.convert(text, "string", key, line)
        if isinstance(converted, str):
            out.append(LocalizedName(lang=lang, value=converted))
    return tuple(sorted(out, key=lambda n: (n.lang, n.value)))


def _aliases(r: FieldReader) -> tuple[str, ...]:
    value = r.get("aliases")
    if value is None:
        return ()
    items = r.items("aliases")
    if items is None:
        r.problem("aliases", msg.ALIASES_NOT_A_LIST.format(found=r.describe(value)))
        return ()
    out = {
        r.convert(item, "string", f"aliases[{i}]", line)
        for i, (item, line) in enumerate(items, start=1)
    }
    return tuple(sorted(a for a in out if isinstance(a, str)))


def read_defaults(record: RecordInput, problems: list[Problem]) -> Defaults:
    defaults = Defaults()
    r = FieldReader(record, problems, prefix="defaults.")
    expected = ", ".join(DEFAULT_FIELDS)
    r.unknown_fields(
        DEFAULT_FIELDS, lambda k: msg.UNKNOWN_DEFAULT_FIELD.format(key=k, expected=expected)
    )
    for key in DEFAULT_FIELDS:
        if r.get(key) is None:
            continue
        before = r.errors
        if key == "provenance":
            defaults.citations = citations(r)
        else:
            defaults.values[key] = relation_scalar(r, key)
        if r.errors != before:
            defaults.failed.add(key)
    return defaults


def relation_scalar(r: FieldReader, key: str) -> Scalar | None:
    """confidence (a number 0..1 - bounds come from the shapes) or a validity date."""
    return r.value(key, "float" if key == "confidence" else "date")


def citations(r: FieldReader) -> list[Citation] | None:
    """A nested ``provenance`` list; ``None`` when it is not a non-empty list."""
    value = r.get("provenance")
    items = r.items("provenance")
    if value is None or not items:
        found = r.describe(value) if value is not None else "nothing"
        r.problem("provenance", msg.PROVENANCE_NOT_A_LIST.format(found=found))
        return None
    out: list[Citation] = []
    for i, (item, line) in enumerate(items, start=1):
        key = f"provenance[{i}]"
        sub = r.nested(item, line, f"{key}.")
        if sub is None:
            found = r.describe(item)
            r.problem(key, msg.PROVENANCE_ENTRY_NOT_A_MAPPING.format(found=found), line)
            continue
        sub.unknown_fields(PROVENANCE_FIELDS, lambda k: msg.UNKNOWN_PROVENANCE_FIELD.format(key=k))
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


def flat_citations(r: FieldReader) -> list[Citation]:
    """The ``sources`` and ``evidence`` columns of a flat record (a CSV row)."""
    cell = r.text("sources")
    evidence = r.text("evidence")
    ids = [s.strip() for s in (cell or "").split(SOURCE_SEPARATOR) if s.strip()]
    if not ids:
        if cell is not None or r.get("sources") is None:  # else: reported as empty text
            r.problem("sources", msg.MISSING_PROVENANCE.format(where=""))
        return []
    if evidence is not None and len(ids) != 1:
        r.problem("evidence", msg.EVIDENCE_NEEDS_ONE_SOURCE)
    line = r.line("sources")
    valid = [sid for sid in ids if r.check_slug("sources", sid, ENTITY_ID_PATTERN) is not None]
    return [
        Citation(Provenance(source=sid, evidence=evidence), r.file, "sources", line, line)
        for sid in valid
    ]


def read_relation(
    record: RecordInput,
    schema: Schema,
    rules: Rules,
    problems: list[Problem],
    defaults: Defaults = NO_DEFAULTS,
) -> RelationRecord:
    r = FieldReader(record, problems)
    rtype = _relation_type(r, schema)
    rdef = schema.relations.get(rtype) if rtype else None
    _relation_fields(r, schema, rtype)
    source = r.slug("from", ENTITY_ID_PATTERN, required=True)
    target = r.slug("to", ENTITY_ID_PATTERN, required=True)
    explicit = r.get("id") is not None
    rid = r.slug("id", RELATION_ID_PATTERN)
    if not explicit and source and target and rtype:
        rid = default_relation_id(source, rtype, target)
    values, inherited_failure = _relation_values(r, rules, defaults)
    cited, failed = _relation_citations(r, defaults)
    qualifiers = rdef.qualifiers if rdef else ()
    properties, references = _scalars(r, qualifiers, schema, rules)
    for q in rdef.required_qualifiers if rdef else ():
        if r.get(q) is None:
            hint = msg.one_of(rules.allowed_values.get(q, ()))
            r.problem(q, msg.MISSING_QUALIFIER.format(type=rtype, key=q, hint=hint))
    confidence = values.get("confidence")
    valid_from, valid_to = values.get("validFrom"), values.get("validTo")
    relation = None
    ok = r.ok and not (inherited_failure or failed)
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
            provenance=tuple(c.provenance for c in cited),
        )
    return RelationRecord(
        origin=origin_of(record),
        id=rid,
        explicit_id=explicit,
        type=rtype,
        source=source,
        target=target,
        relation=relation,
        citations=cited,
        references=references,
        ok=relation is not None,
    )


def _relation_type(r: FieldReader, schema: Schema) -> str | None:
    rtype = r.text("type", required=True)
    if rtype is None:
        return None
    if rtype not in schema.relations:
        hint = suggestion(rtype, schema.relations)
        expected = ", ".join(schema.relation_types)
        r.problem("type", msg.NOT_A_RELATION_TYPE.format(type=rtype, hint=hint, expected=expected))
        return None
    return rtype


def _relation_fields(r: FieldReader, schema: Schema, rtype: str | None) -> None:
    rdef = schema.relations.get(rtype) if rtype else None
    qualifiers = rdef.qualifiers if rdef else ()
    base = (*RELATION_COLUMNS, *CITATION_COLUMNS) if r.record.flat else RELATION_FIELDS

    def explain(key: str) -> str:
        if key in schema.properties and rdef is not None:
            allowed = ", ".join(qualifiers) or "none"
            return msg.NOT_A_QUALIFIER.format(key=key, type=rtype, allowed=allowed)
        expected = [*base, *qualifiers]
        return msg.UNKNOWN_FIELD.format(
            key=key, hint=suggestion(key, expected), expected=", ".join(expected)
        )

    r.unknown_fields(vocabulary(schema).relation_fields(rtype, r.record.flat), explain)


def _relation_values(
    r: FieldReader, rules: Rules, defaults: Defaults
) -> tuple[dict[str, object], bool]:
    """confidence, validFrom and validTo, each from the record or the file's defaults; and
    whether a default it took had failed (reported once, at the defaults)."""
    inherited_failure = False
    values: dict[str, object] = {}
    for key in ("confidence", "validFrom", "validTo"):
        if r.get(key) is not None:
            values[key] = relation_scalar(r, key)
        elif key in defaults.values:
            values[key] = defaults.values[key]
            inherited_failure |= key in defaults.failed
    confidence = values.get("confidence")
    message = rules.value_problem("confidence", confidence) if confidence is not None else None
    if "confidence" not in values:
        r.problem("confidence", msg.MISSING_CONFIDENCE.format(where=_or_in_defaults(r)))
    elif isinstance(confidence, float) and message:
        r.problem("confidence", message, r.line("confidence") if r.get("confidence") else None)
    valid_from, valid_to = values.get("validFrom"), values.get("validTo")
    if isinstance(valid_from, date) and isinstance(valid_to, date) and valid_to < valid_from:
        key = "validTo" if r.get("validTo") is not None else "validFrom"
        r.problem(key, msg.DATES_OUT_OF_ORDER.format(valid_to=valid_to, valid_from=valid_from))
    return values, inherited_failure


def _relation_citations(r: FieldReader, defaults: Defaults) -> tuple[list[Citation], bool]:
    """The relation's citations, and whether the defaults it inherited them from failed."""
    if r.record.flat:
        return flat_citations(r), False
    if r.get("provenance") is not None:
        return citations(r) or [], False
    if defaults.citations is not None or "provenance" in defaults.failed:
        return list(defaults.citations or []), "provenance" in defaults.failed
    r.problem("provenance", msg.MISSING_PROVENANCE.format(where=_or_in_defaults(r)))
    return [], False


def _or_in_defaults(r: FieldReader) -> str:
    return msg.OR_IN_DEFAULTS if r.record.with_defaults else ""
