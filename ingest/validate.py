"""Fact records -> a validated :class:`~ontology.model.Graph`, or every problem at once.

The pipeline, each step collecting problems rather than stopping at the first:

1. reading the input - :mod:`ingest.reader` for curated YAML (files, encoding, tabs,
   syntax, duplicate and unknown keys), :mod:`ingest.bulk` for CSV, or an importer's own
   records (:mod:`ingest.importers.common`); each hands over
   :class:`~ingest.values.RecordInput`\\ s;
2. :mod:`ingest.records` - each record on its own, against the ontology (kinds, relation
   types, attributes, qualifiers, datatypes) and the value rules of the shapes: one
   validator, one message catalogue (:mod:`ingest.messages`) for every input;
3. :mod:`ingest.checks` - rules across records (unique ids, references, domain and range,
   evidence, cycles, share totals), in :func:`check_records`;
4. :mod:`ingest.shacl` - the SHACL shapes on the RDF rendering of every record that passed
   so far, so a mistake already reported is not reported twice in other words.

Nothing here names a class or relation: kinds, relation types, attributes and qualifiers
come from the :class:`~ontology.schema.Schema`, concept rules from :mod:`ingest.rules`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from rdflib import URIRef

from ingest import default_paths
from ingest import messages as msg
from ingest.checks import (
    Records,
    check_acyclic,
    check_evidence,
    check_references,
    check_totals,
    check_unique_ids,
)
from ingest.rdf import entity_iri, graph_to_rdf, relation_iri, source_iri
from ingest.reader import (
    DEFAULT_MAX_BYTES,
    YamlFile,
    YamlList,
    YamlMap,
    YamlScalar,
    read_yaml_files,
)
from ingest.records import (
    Defaults,
    Origin,
    read_defaults,
    read_entity,
    read_relation,
    read_source,
)
from ingest.rules import Rules, load_rules
from ingest.values import RecordInput, yaml_record
from ontology.errors import Problem, ValidationFailed
from ontology.model import Graph
from ontology.schema import Schema, default_schema

SOURCE_TEXTS_LABEL = "<source texts>"
SECTIONS = ("sources", "entities", "relations")


def build_graph(
    paths: Sequence[Path | str] | None = None,
    schema: Schema | None = None,
    *,
    source_texts: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    run_shacl: bool = True,
) -> Graph:
    """Read and validate fact files (files or folders; ``None``: the shipped curated set).

    ``source_texts`` maps a source id to the full text of that source; evidence citing such a
    source must occur in it verbatim. Raises :class:`ValidationFailed` with every problem.
    """
    graph, problems = collect(
        paths, schema, source_texts=source_texts, max_bytes=max_bytes, run_shacl=run_shacl
    )
    if problems:
        raise ValidationFailed(problems)
    return graph


def collect(
    paths: Sequence[Path | str] | None = None,
    schema: Schema | None = None,
    *,
    source_texts: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    run_shacl: bool = True,
) -> tuple[Graph, list[Problem]]:
    """Like :func:`build_graph` but returns the problems with the graph of what passed."""
    read = read_yaml_files(paths if paths is not None else default_paths(), max_bytes=max_bytes)
    schema = schema if schema is not None else default_schema()
    rules = load_rules()
    problems = list(read.problems)
    records = Records([], [], [])
    for file in read.files:
        read_yaml_records(file, schema, rules, records, problems)
    return check_records(
        records,
        problems,
        schema,
        source_texts=source_texts,
        check_texts=not read.problems,  # a file that could not be read may declare the source
        run_shacl=run_shacl,
    )


def collect_inputs(
    inputs: Iterable[tuple[str, RecordInput]],
    schema: Schema | None = None,
    *,
    source_texts: Mapping[str, str] | None = None,
    run_shacl: bool = True,
) -> tuple[Graph, list[Problem]]:
    """Validate ``(section, record)`` pairs that did not come from a YAML file (an importer's
    records, resolved facts) with exactly the checks of :func:`collect`."""
    schema = schema if schema is not None else default_schema()
    rules = load_rules()
    problems: list[Problem] = []
    records = Records([], [], [])
    for section, record in inputs:
        read_section_record(section, record, schema, rules, records, problems)
    return check_records(records, problems, schema, source_texts=source_texts, run_shacl=run_shacl)


def read_section_record(
    section: str,
    record: RecordInput,
    schema: Schema,
    rules: Rules,
    records: Records,
    problems: list[Problem],
    defaults: Defaults | None = None,
) -> None:
    """Validate one record of ``section`` and keep it in ``records``."""
    if section == "sources":
        records.sources.append(read_source(record, rules, problems))
    elif section == "entities":
        records.entities.append(read_entity(record, schema, rules, problems))
    else:
        rel = read_relation(record, schema, rules, problems, defaults or Defaults())
        records.relations.append(rel)


def read_yaml_records(
    file: YamlFile, schema: Schema, rules: Rules, records: Records, problems: list[Problem]
) -> None:
    """Read one parsed file's sections; defaults first, wherever they are written."""
    top = file.top
    defaults = Defaults()
    defaults_field = top.get("defaults")
    if defaults_field is not None and not _is_null(defaults_field.value):
        node = defaults_field.value
        if isinstance(node, YamlMap):
            defaults = read_defaults(yaml_record(file.name, node), problems)
        else:
            found = msg.DEFAULTS_NOT_A_MAPPING.format(found=node.describe())
            problems.append(Problem(file.name, node.line, "defaults", found))
    for section in SECTIONS:
        f = top.get(section)
        if f is None or _is_null(f.value):
            continue
        if not isinstance(f.value, YamlList):
            problems.append(
                Problem(
                    file.name,
                    f.line,
                    section,
                    f"expected a list of {section}, found {f.value.describe()}",
                )
            )
            continue
        for item in f.value.items:
            if not isinstance(item, YamlMap):
                what = msg.NOT_A_MAPPING.format(what=section[:-1], found=item.describe())
                problems.append(Problem(file.name, item.line, "", what))
                continue
            record = yaml_record(file.name, item)
            read_section_record(section, record, schema, rules, records, problems, defaults)


def _is_null(value: object) -> bool:
    return isinstance(value, YamlScalar) and value.kind == "null"


def check_records(
    records: Records,
    problems: list[Problem],
    schema: Schema,
    *,
    source_texts: Mapping[str, str] | None = None,
    check_texts: bool = True,
    run_shacl: bool = True,
) -> tuple[Graph, list[Problem]]:
    """The rules across records, then SHACL on what passed; the graph of what passed."""
    rules = load_rules()
    check_unique_ids(records, problems)
    check_references(records, schema, rules.references, problems)
    texts = dict(source_texts or {})
    known_sources = {s.source.id for s in records.sources if s.source is not None}
    if check_texts:
        problems.extend(
            Problem(SOURCE_TEXTS_LABEL, 0, sid, "text given for a source no file declares")
            for sid in sorted(set(texts) - known_sources)
        )
    check_evidence(records, texts, problems)
    for acyclic in rules.acyclic:
        check_acyclic(records.relations, acyclic, problems)
    for total in rules.totals:
        check_totals(records.relations, total, problems)

    graph, origins = passed(records, with_origins=run_shacl)
    if run_shacl and (graph.entities or graph.relations or graph.sources):
        from ingest.shacl import shacl_problems  # pyshacl is slow to import; only when asked

        problems.extend(shacl_problems(graph_to_rdf(graph, schema), schema, origins))
    return graph, problems


def passed(records: Records, *, with_origins: bool) -> tuple[Graph, dict[URIRef, Origin]]:
    """The records without problems whose references passed too, and, for SHACL to point
    at, where each came from (only when asked: building the IRIs costs a tenth of a bulk
    read)."""
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
    for rel in records.relations:
        r = rel.relation
        if not rel.ok or r is None or r.id in graph.relations:
            continue
        needed = [r.source, r.target, *(eid for _, eid in rel.references)]
        if all(e in graph.entities for e in needed) and all(
            p.source in graph.sources for p in r.provenance
        ):
            graph.relations[r.id] = r
            if with_origins:
                origins[relation_iri(r.id)] = rel.origin
    return graph, origins
