"""Rules that need more than one record: uniqueness, references, domain and range, evidence,
cycles and share totals.

Each check appends problems and marks the records involved as not ``ok``, so the SHACL pass
(which runs on the records that passed) does not report the same mistake a second time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import networkx as nx

from ingest.fields import suggestion
from ingest.records import EntityRecord, RelationRecord, SourceRecord
from ingest.rules import AcyclicRule, TotalRule
from ontology.errors import Problem
from ontology.schema import Schema

_LOOSE = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


@dataclass
class Records:
    """Every record read from every file, in file order."""

    sources: list[SourceRecord]
    entities: list[EntityRecord]
    relations: list[RelationRecord]


def _sort_key(rec: RelationRecord) -> tuple[str, int]:
    return rec.origin.file, rec.origin.line


def _places(recs: Iterable[RelationRecord]) -> str:
    return ", ".join(r.origin.where() for r in sorted(recs, key=_sort_key))


def check_unique_ids(records: Records, problems: list[Problem]) -> None:
    """Ids are unique across files; the first record keeps the id, later ones are reported."""
    first_source: dict[str, SourceRecord] = {}
    for src in records.sources:
        sid = src.source.id if src.source else None
        if sid is None:
            continue
        if sid in first_source:
            src.ok = False
            problems.append(
                Problem(
                    src.origin.file,
                    src.origin.at("id"),
                    "id",
                    f"duplicate source id {sid!r} (first at {first_source[sid].origin.where()})",
                )
            )
        else:
            first_source[sid] = src
    first_entity: dict[str, EntityRecord] = {}
    for ent in records.entities:
        if ent.id is None:
            continue
        if ent.id in first_entity:
            ent.ok = False
            problems.append(
                Problem(
                    ent.origin.file,
                    ent.origin.at("id"),
                    "id",
                    f"duplicate entity id {ent.id!r} "
                    f"(first at {first_entity[ent.id].origin.where()}); ids are unique "
                    "across all files",
                )
            )
        else:
            first_entity[ent.id] = ent
    first_relation: dict[str, RelationRecord] = {}
    for rel in records.relations:
        if rel.id is None:
            continue
        first = first_relation.get(rel.id)
        if first is None:
            first_relation[rel.id] = rel
            continue
        rel.ok = False
        where = first.origin.where()
        if rel.explicit_id:
            message = f"duplicate relation id {rel.id!r} (first at {where}); choose another id"
        else:
            message = (
                f"relation id {rel.id!r} (from <from>--<type>--<to>) is already used at {where}; "
                f"set `id` on this relation to tell them apart, e.g. {rel.id}--2"
            )
        problems.append(Problem(rel.origin.file, rel.origin.at("id"), "id", message))


def entity_index(records: Records) -> dict[str, EntityRecord]:
    """Entity records by id (the first of duplicates), including records with problems."""
    index: dict[str, EntityRecord] = {}
    for ent in records.entities:
        if ent.id is not None:
            index.setdefault(ent.id, ent)
    return index


def check_references(
    records: Records, schema: Schema, references: Mapping[str, str], problems: list[Problem]
) -> None:
    """Endpoints, entity-valued qualifiers and cited sources exist; domain and range hold."""
    entities = entity_index(records)
    source_ids = {s.source.id for s in records.sources if s.source is not None}
    for rel in records.relations:
        for key, eid in (("from", rel.source), ("to", rel.target)):
            if eid is not None and eid not in entities:
                rel.ok = False
                problems.append(
                    Problem(
                        rel.origin.file,
                        rel.origin.at(key),
                        key,
                        f"no entity has id {eid!r}{suggestion(eid, entities)}",
                    )
                )
        for qualifier, eid in rel.references:
            cls = references.get(qualifier, "")
            target = entities.get(eid)
            if target is None:
                message = f"no entity has id {eid!r}{suggestion(eid, entities)}"
            elif target.kind is not None and cls and not schema.is_a(target.kind, cls):
                message = f"{eid!r} is a {target.kind}; {qualifier} must name a {cls}"
            else:
                continue
            rel.ok = False
            problems.append(Problem(rel.origin.file, rel.origin.at(qualifier), qualifier, message))
        for cite in rel.citations:
            sid = cite.provenance.source
            if sid not in source_ids:
                rel.ok = False
                problems.append(
                    Problem(
                        cite.file,
                        cite.source_line,
                        f"{cite.field}.source",
                        f"no source has id {sid!r}{suggestion(sid, source_ids)}; "
                        "declare it under `sources`",
                    )
                )
        _check_domain_range(rel, entities, schema, problems)


def _check_domain_range(
    rel: RelationRecord,
    entities: Mapping[str, EntityRecord],
    schema: Schema,
    problems: list[Problem],
) -> None:
    rdef = schema.relations.get(rel.type or "")
    if rdef is None:
        return
    for key, eid, allowed, side in (
        ("from", rel.source, rdef.domain, "domain"),
        ("to", rel.target, rdef.range, "range"),
    ):
        ent = entities.get(eid or "")
        if ent is None or ent.kind is None or schema.is_any(ent.kind, allowed):
            continue
        rel.ok = False
        problems.append(
            Problem(
                rel.origin.file,
                rel.origin.at(key),
                key,
                f"{eid!r} is a {ent.kind}, but the {side} of {rdef.name} is {' or '.join(allowed)}",
            )
        )


def check_evidence(
    records: Records, source_texts: Mapping[str, str], problems: list[Problem]
) -> None:
    """Evidence citing a source whose text is known must occur in it character for character."""
    for rel in records.relations:
        for cite in rel.citations:
            text = source_texts.get(cite.provenance.source)
            evidence = cite.provenance.evidence
            if text is None or evidence is None or evidence in text:
                continue
            rel.ok = False
            hint = ""
            if " ".join(evidence.translate(_LOOSE).split()) in " ".join(
                text.translate(_LOOSE).split()
            ):
                hint = " (it differs only in quotes, dashes or spacing: copy them exactly)"
            shown = evidence if len(evidence) <= 80 else evidence[:77] + "..."
            problems.append(
                Problem(
                    cite.file,
                    cite.evidence_line,
                    f"{cite.field}.evidence",
                    f"evidence {shown!r} does not occur verbatim in source "
                    f"{cite.provenance.source!r}{hint}",
                )
            )


def check_acyclic(
    relations: Sequence[RelationRecord], rule: AcyclicRule, problems: list[Problem]
) -> None:
    """One problem per strongly connected group of the rule's relations (a cycle)."""
    graph = nx.DiGraph()
    edges: dict[tuple[str, str], list[RelationRecord]] = defaultdict(list)
    for rel in relations:
        if rel.type in rule.relations and rel.source and rel.target:
            edges[(rel.source, rel.target)].append(rel)
            graph.add_edge(rel.source, rel.target)
    for component in nx.strongly_connected_components(graph):
        start = min(component)
        if len(component) == 1 and not graph.has_edge(start, start):
            continue
        sub = graph.subgraph(component)
        involved = [r for edge in sub.edges for r in edges[edge]]
        for r in involved:
            r.ok = False
        cycle = nx.find_cycle(sub, source=start)
        on_cycle = [r for edge in cycle for r in edges[(edge[0], edge[1])]]
        path = " -> ".join([*(edge[0] for edge in cycle), cycle[0][0]])
        first = min(on_cycle, key=_sort_key)
        problems.append(
            Problem(
                first.origin.file,
                first.origin.at("to"),
                "to",
                f"{rule.label} has a cycle: {path} (relations at {_places(on_cycle)})",
            )
        )


def check_totals(
    relations: Sequence[RelationRecord], rule: TotalRule, problems: list[Problem]
) -> None:
    """The rule's qualifier values at one node, valid at the same time, stay <= maximum.

    Shares held at different times (a stake sold in 2020, another bought in 2023) do not
    add up, so the check takes the largest total over any moment rather than the plain sum;
    relations without dates count as always valid.
    """
    groups: dict[str, list[tuple[RelationRecord, float]]] = defaultdict(list)
    for rel in relations:
        if rel.type not in rule.relations or rel.relation is None:
            continue
        node = rel.relation.source if rule.per == "source" else rel.relation.target
        value = rel.relation.properties.get(rule.qualifier)
        if isinstance(value, int | float) and not isinstance(value, bool):
            groups[node].append((rel, float(value)))
    for node, items in sorted(groups.items()):
        total = _max_concurrent_total(items)
        if total <= rule.maximum + 1e-9:
            continue
        for rel, _ in items:
            rel.ok = False
        recs = [rel for rel, _ in items]
        first = min(recs, key=_sort_key)
        problems.append(
            Problem(
                first.origin.file,
                first.origin.at(rule.qualifier),
                rule.qualifier,
                f"{rule.label}: {rule.qualifier} values for {node!r} add up to {total:g}, "
                f"more than {rule.maximum:g} (relations at {_places(recs)})",
            )
        )


def _max_concurrent_total(items: Sequence[tuple[RelationRecord, float]]) -> float:
    spans: list[tuple[date, date, float]] = []
    for rel, value in items:
        assert rel.relation is not None
        start = rel.relation.valid_from or date.min
        end = rel.relation.valid_to or date.max
        spans.append((start, end, value))
    return max(sum(v for s, e, v in spans if s <= point <= e) for point, _, _ in spans)
