"""Curated YAML files -> a validated :class:`~ontology.model.Graph`, or every problem at once.

The pipeline, each step collecting problems rather than stopping at the first:

1. :mod:`ingest.reader` - files, encoding, tabs, YAML syntax, duplicate and unknown keys;
2. :mod:`ingest.records` - each record on its own, against the ontology (kinds, relation
   types, attributes, qualifiers, datatypes) and the value rules of the shapes;
3. :mod:`ingest.checks` - rules across records (unique ids, references, domain and range,
   evidence, cycles, share totals);
4. :mod:`ingest.shacl` - the SHACL shapes on the RDF rendering of every record that passed
   so far, so a mistake already reported is not reported twice in other words.

Nothing here names a class or relation: kinds, relation types, attributes and qualifiers
come from the :class:`~ontology.schema.Schema`, concept rules from :mod:`ingest.rules`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from rdflib import URIRef

from ingest import default_paths
from ingest.checks import (
    Records,
    check_acyclic,
    check_evidence,
    check_references,
    check_totals,
    check_unique_ids,
)
from ingest.fields import as_list
from ingest.rdf import entity_iri, graph_to_rdf, relation_iri, source_iri
from ingest.reader import DEFAULT_MAX_BYTES, YamlFile, YamlScalar, YamlValue, read_yaml_files
from ingest.records import (
    Defaults,
    Origin,
    read_defaults,
    read_entity,
    read_relation,
    read_source,
)
from ingest.rules import Rules, load_rules
from ingest.shacl import shacl_problems
from ontology.errors import Problem, ValidationFailed
from ontology.model import Graph
from ontology.schema import Schema, default_schema

SOURCE_TEXTS_LABEL = "<source texts>"


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
    return _collect_files(
        read.files, read.problems, schema, source_texts=source_texts, run_shacl=run_shacl
    )


def collect_parsed(
    files: Sequence[YamlFile],
    schema: Schema | None = None,
    *,
    source_texts: Mapping[str, str] | None = None,
    run_shacl: bool = True,
) -> tuple[Graph, list[Problem]]:
    """Validate fact files that are already YAML trees, e.g. records an importer built in
    memory, with exactly the checks of :func:`collect` (whose file reading they skip).

    Importers hand their records here so that imported facts pass the very rules curated
    facts pass, and problems point at the data-set file and row each record came from.
    """
    return _collect_files(files, [], schema, source_texts=source_texts, run_shacl=run_shacl)


def _collect_files(
    files: Sequence[YamlFile],
    read_problems: Sequence[Problem],
    schema: Schema | None,
    *,
    source_texts: Mapping[str, str] | None,
    run_shacl: bool,
) -> tuple[Graph, list[Problem]]:
    schema = schema if schema is not None else default_schema()
    rules = load_rules()
    problems = list(read_problems)
    records = Records([], [], [])
    for file in files:
        _read_file(file, schema, rules, records, problems)

    check_unique_ids(records, problems)
    check_references(records, schema, rules.references, problems)
    texts = dict(source_texts or {})
    known_sources = {s.source.id for s in records.sources if s.source is not None}
    if not read_problems:  # a file that could not be read may declare the source
        problems.extend(
            Problem(SOURCE_TEXTS_LABEL, 0, sid, "text given for a source no file declares")
            for sid in sorted(set(texts) - known_sources)
        )
    check_evidence(records, texts, problems)
    for acyclic in rules.acyclic:
        check_acyclic(records.relations, acyclic, problems)
    for total in rules.totals:
        check_totals(records.relations, total, problems)

    graph, origins = _passed(records)
    if run_shacl and (graph.entities or graph.relations or graph.sources):
        problems.extend(shacl_problems(graph_to_rdf(graph, schema), schema, origins))
    return graph, problems


def _read_file(
    file: YamlFile, schema: Schema, rules: Rules, records: Records, problems: list[Problem]
) -> None:
    """Read one file's sections; defaults first, wherever they are written in the file."""
    top = file.top
    defaults = Defaults()
    defaults_field = top.get("defaults")
    if defaults_field is not None and not _is_null(defaults_field.value):
        defaults = read_defaults(file.name, defaults_field.value, problems)
    for section in ("sources", "entities", "relations"):
        f = top.get(section)
        if f is None or _is_null(f.value):
            continue
        items = as_list(f.value)
        if items is None:
            problems.append(
                Problem(
                    file.name,
                    f.line,
                    section,
                    f"expected a list of {section}, found {f.value.describe()}",
                )
            )
            continue
        for item in items:
            if section == "sources":
                src = read_source(file.name, item, rules, problems)
                if src is not None:
                    records.sources.append(src)
            elif section == "entities":
                ent = read_entity(file.name, item, schema, rules, problems)
                if ent is not None:
                    records.entities.append(ent)
            else:
                rel = read_relation(file.name, item, schema, rules, defaults, problems)
                if rel is not None:
                    records.relations.append(rel)


def _is_null(value: YamlValue) -> bool:
    return isinstance(value, YamlScalar) and value.kind == "null"


def _passed(records: Records) -> tuple[Graph, dict[URIRef, Origin]]:
    """The graph of records without problems, whose references all passed too."""
    graph = Graph()
    origins: dict[URIRef, Origin] = {}
    for src in records.sources:
        if src.ok and src.source is not None and src.source.id not in graph.sources:
            graph.sources[src.source.id] = src.source
            origins[source_iri(src.source.id)] = src.origin
    for ent in records.entities:
        if ent.ok and ent.entity is not None and ent.entity.id not in graph.entities:
            graph.entities[ent.entity.id] = ent.entity
            origins[entity_iri(ent.entity.id)] = ent.origin
    for rel in records.relations:
        r = rel.relation
        if not rel.ok or r is None or r.id in graph.relations:
            continue
        needed = [r.source, r.target, *(eid for _, eid in rel.references)]
        if not all(eid in graph.entities for eid in needed):
            continue
        if not all(p.source in graph.sources for p in r.provenance):
            continue
        graph.relations[r.id] = r
        origins[relation_iri(r.id)] = rel.origin
    return graph, origins
