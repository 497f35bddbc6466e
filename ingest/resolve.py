"""Entity resolution: one node per real-world entity across the curated set and every
imported data set.

Curated entities and imported ones become :class:`~ingest.resolution.matching.Member`\\ s;
:mod:`ingest.resolution.matching` scores candidate pairs and clusters them under the
analyst's decisions (:mod:`ingest.resolution.decisions`); this module merges each cluster
into one entity and rewrites every fact onto the merged ids:

* the id is the curated one when the cluster holds a curated entity (curated facts keep
  their ids), else a slug of the display name;
* name, kind, description and attributes come from the highest-priority member (curated,
  then each importer in the priority it declares in :mod:`ingest.importers.registry`);
  every other member's names become aliases, so every source's spelling still finds the entity;
* every fact keeps its provenance; an imported fact that repeats one already present
  (same relation, endpoints, dates and qualifiers) adds its provenance to it instead of
  becoming a second copy; a fact whose two ends merged into one entity is dropped.

The merged records are then checked with the curated rules, like any fact file.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ingest.importers.common import Place, Record, SourceImport, slug, validate_records
from ingest.importers.countries import country_code
from ingest.importers.registry import CURATED, near_miss_sources, priority_of, refs_by_spelling
from ingest.record_model import SOURCE_FIELD_NAMES
from ingest.resolution.decisions import Decisions
from ingest.resolution.matching import (
    AUTO_MERGE,
    REVIEW,
    Candidate,
    Member,
    candidates,
    cluster,
)
from ontology.errors import Problem
from ontology.model import Graph
from ontology.schema import Schema, default_schema

FAMILIES = (
    ("Organization", "organization"),
    ("Jurisdiction", "jurisdiction"),
    ("Policy", "policy"),
    ("Technology", "technology"),
)
_UNCOMPARED = ("recordId", "citation")


@dataclass(frozen=True)
class MergedCluster:
    """An entity made of several records, with the evidence that merged them."""

    id: str
    members: tuple[Member, ...]
    evidence: tuple[Candidate, ...]


@dataclass
class Resolution:
    """The merged facts (by output file), the merges made and the pairs left for review."""

    graph: Graph
    files: dict[str, dict[str, list[Record]]]
    merged: list[MergedCluster]
    review: list[Candidate]
    members: dict[str, Member]
    final_id: dict[str, str]
    refused: list[tuple[str, str, str]] = field(default_factory=list)
    refs: dict[str, str] = field(default_factory=dict)
    unknown_refs: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)


def family_of(schema: Schema, kind: str) -> str | None:
    return next((fam for cls, fam in FAMILIES if schema.is_a(kind, cls)), None)


def graph_records(graph: Graph) -> tuple[list[Record], list[Record], list[Record]]:
    """A validated graph back as fact records: (sources, entities, relations)."""
    sources = [
        {
            SOURCE_FIELD_NAMES.get(k, k): (v.isoformat() if isinstance(v, date) else v)
            for k, v in s.model_dump().items()
            if v is not None
        }
        for s in graph.sources.values()
    ]
    entities: list[Record] = []
    for e in graph.entities.values():
        record: Record = {"id": e.id, "kind": e.kind, "name": e.name}
        if e.names:
            record["names"] = {n.lang: n.value for n in e.names}
        if e.aliases:
            record["aliases"] = list(e.aliases)
        for key in ("wikidata", "description"):
            if getattr(e, key):
                record[key] = getattr(e, key)
        record.update({k: _plain(v) for k, v in e.attributes.items()})
        entities.append(record)
    relations: list[Record] = []
    for r in graph.relations.values():
        rec: Record = {
            "type": r.type,
            "from": r.source,
            "to": r.target,
            "id": r.id,
            "confidence": r.confidence,
        }
        if r.valid_from:
            rec["validFrom"] = r.valid_from.isoformat()
        if r.valid_to:
            rec["validTo"] = r.valid_to.isoformat()
        rec["provenance"] = [
            {k: v for k, v in p.model_dump().items() if v is not None} for p in r.provenance
        ]
        rec.update({k: _plain(v) for k, v in r.properties.items()})
        relations.append(rec)
    return sources, entities, relations


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def curated_members(graph: Graph, schema: Schema) -> list[Member]:
    """Curated entities as members; an organization's country is its headquarters'."""
    _, entities, _ = graph_records(graph)
    hq: dict[str, str] = {}
    for r in graph.relations.values():
        if r.type == "headquarteredIn" and r.target in graph.entities:
            code = _code_of(graph.entities[r.target].all_names())
            if code:
                hq.setdefault(r.source, code)
    out = []
    for record in entities:
        family = family_of(schema, record["kind"])
        names = graph.entities[record["id"]].all_names()
        country = _code_of(names) if family == "jurisdiction" else hq.get(record["id"])
        out.append(
            Member(
                f"{CURATED}/{record['id']}",
                f"{CURATED}:{record['id']}",
                CURATED,
                CURATED,
                family,
                country,
                record,
            )
        )
    return out


def _code_of(names: Sequence[str]) -> str | None:
    return next((c for c in (country_code(n) for n in names) if c), None)


def import_members(imported: SourceImport, schema: Schema) -> list[Member]:
    out = []
    for entity in imported.entities:
        info = imported.entity_info[entity.id]
        out.append(
            Member(
                f"{imported.source}/{entity.id}",
                info.ref,
                imported.source,
                info.group,
                family_of(schema, entity.kind),
                info.country,
                entity.fields(),
                info.place,
                info.address,
                info.citation,
            )
        )
    return out


def resolve(
    curated: Graph,
    imports: Sequence[SourceImport],
    decisions: Decisions,
    schema: Schema | None = None,
    *,
    run_shacl: bool = False,
) -> Resolution:
    """Merge the curated graph and the imports into one validated set of facts."""
    schema = schema or default_schema()
    members = curated_members(curated, schema)
    for imported in imports:
        members += import_members(imported, schema)
    by_uid = {m.uid: m for m in members}
    by_ref = _refs(members)
    same, apart = _decided_pairs(decisions, by_ref)
    parents = _parent_links(imports)
    scored = candidates(members, near_miss_sources=near_miss_sources(), apart=parents)
    found, refused = cluster(members, scored, same, apart | parents)
    groups = found.clusters()
    final_id = _assign_ids(groups, by_uid)
    resolution = Resolution(
        Graph(),
        {},
        [],
        [],
        by_uid,
        {u: final_id[found.find(u)] for u in by_uid},
        refused=[(by_uid[a].ref, by_uid[b].ref, why) for a, b, why in refused],
        refs=by_ref,
        unknown_refs=sorted(r for r in decisions.refs() if r not in by_ref),
    )
    _merge_facts(resolution, curated, imports, groups, final_id, schema, run_shacl)
    for root, uids in groups.items():
        if len(uids) > 1:
            chosen = tuple(sorted((by_uid[u] for u in uids), key=_priority))
            resolution.merged.append(
                MergedCluster(final_id[root], chosen, tuple(found.evidence.get(root, [])))
            )
    resolution.merged.sort(key=lambda c: c.id)
    decided = {frozenset(p) for p in apart}
    resolution.review = [
        c
        for c in scored
        if REVIEW <= c.score < AUTO_MERGE
        and found.find(c.a) != found.find(c.b)
        and frozenset({c.a, c.b}) not in decided
    ]
    return resolution


def _decided_pairs(
    decisions: Decisions, by_ref: dict[str, str]
) -> tuple[list[tuple[str, str]], set[frozenset[str]]]:
    """The analyst's decisions as member pairs: (same entity, kept apart)."""
    same = [
        (by_ref[a], by_ref[b])
        for d in decisions.same
        for a, b in zip(d.refs, d.refs[1:], strict=False)
        if a in by_ref and b in by_ref
    ]
    apart = {
        frozenset({by_ref[a], by_ref[b]})
        for d in decisions.apart
        for i, a in enumerate(d.refs)
        for b in d.refs[i + 1 :]
        if a in by_ref and b in by_ref
    }
    return same, apart


def _merge_facts(
    resolution: Resolution,
    curated: Graph,
    imports: Sequence[SourceImport],
    groups: dict[str, list[str]],
    final_id: dict[str, str],
    schema: Schema,
    run_shacl: bool,
) -> None:
    """One entity record per cluster and every fact on the merged ids, in one file per
    source, checked with the curated rules."""
    by_uid = resolution.members
    files: dict[str, dict[str, list[Record]]] = defaultdict(
        lambda: {"sources": [], "entities": [], "relations": []}
    )
    places: dict[str, Place | None] = {}
    for root, uids in groups.items():
        ordered = sorted((by_uid[u] for u in uids), key=_priority)
        record = _merged_entity(final_id[root], ordered, schema)
        files[ordered[0].source]["entities"].append(record)
        places[record["id"]] = ordered[0].place
    sources, _, relations = graph_records(curated)
    files[CURATED]["sources"] += sources
    emitted = _Facts(resolution)
    for rec in relations:
        emitted.add(CURATED, rec, None, rec["id"])
    for imported in imports:
        files[imported.source]["sources"] += [s.fields() for s in imported.sources]
        for typed in imported.relations:
            place = imported.relation_places.get(typed.id)
            emitted.add(imported.source, typed.fields(), place, None)
    for source, recs in emitted.by_file.items():
        files[source]["relations"] += recs
    resolution.files = dict(files)
    label_places = {**places, **emitted.places}
    resolution.graph, resolution.problems = validate_records(
        "resolved",
        [s for f in files.values() for s in f["sources"]],
        [(e, label_places.get(e["id"])) for f in files.values() for e in f["entities"]],
        [(r, label_places.get(r["id"])) for f in files.values() for r in f["relations"]],
        schema,
        run_shacl=run_shacl,
    )


def final_by_ref(resolution: Resolution) -> dict[str, str]:
    """The node each ref (decisions-file key) ended in."""
    return {ref: resolution.final_id[uid] for ref, uid in resolution.refs.items()}


def _refs(members: Sequence[Member]) -> dict[str, str]:
    """Each member's ref, and for list entries also ``<list>:<other name>`` for the other
    spellings the list gave it (one entity listed in several rounds under slightly different
    names), unless another entry holds that ref."""
    by_ref = {m.ref: m.uid for m in members}
    for m in members:
        if not refs_by_spelling(m.source) or not m.ref.startswith(f"{m.group}:"):
            continue
        for name in (m.name, *m.record.get("aliases", ())):
            by_ref.setdefault(f"{m.group}:{name}", m.uid)
    return by_ref


def _parent_links(imports: Sequence[SourceImport]) -> set[frozenset[str]]:
    """Pairs a data set states to be parent and subsidiary: never one entity."""
    out: set[frozenset[str]] = set()
    for imported in imports:
        for rec in imported.relations:
            if rec.type in ("subsidiaryOf", "ownedBy"):
                a, b = f"{imported.source}/{rec.source}", f"{imported.source}/{rec.target}"
                if a != b:
                    out.add(frozenset({a, b}))
    return out


def _priority(m: Member) -> tuple[int, str]:
    return (priority_of(m.source), m.ref)


def _assign_ids(groups: dict[str, list[str]], by_uid: dict[str, Member]) -> dict[str, str]:
    """Curated ids first (they are reserved), then slugs of display names in priority
    order, numbered when two entities would share one."""
    final: dict[str, str] = {}
    taken: set[str] = set()
    pending: list[tuple[tuple[int, str], str, Member]] = []
    for root, uids in groups.items():
        ordered = sorted((by_uid[u] for u in uids), key=_priority)
        if ordered[0].source == CURATED:
            final[root] = ordered[0].record["id"]
            taken.add(final[root])
        else:
            pending.append((_priority(ordered[0]), root, ordered[0]))
    for _, root, primary in sorted(pending):
        base = slug(primary.name)
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        final[root] = candidate
    return final


def _merged_entity(eid: str, ordered: list[Member], schema: Schema) -> Record:
    primary = ordered[0]
    kind = primary.record["kind"]
    if primary.source != CURATED and kind == "Organization":
        kind = next((m.record["kind"] for m in ordered if m.record["kind"] == "Firm"), kind)
    record: Record = {"id": eid, "kind": kind, "name": primary.name}
    names: dict[str, str] = {}
    aliases: list[str] = []
    wikidata = description = None
    attributes: dict[str, Any] = {}
    allowed = set(schema.attributes_of(kind))
    for m in ordered:
        for lang, value in m.record.get("names", {}).items():
            if lang not in names:
                names[lang] = value
            elif value != names[lang]:
                aliases.append(value)
        aliases += [m.name, *m.record.get("aliases", [])]
        wikidata = wikidata or m.record.get("wikidata")
        description = description or m.record.get("description")
        for key, value in m.record.items():
            if key in allowed and key not in attributes:
                attributes[key] = value
    if names:
        record["names"] = names
    unique = [a for a in dict.fromkeys(aliases) if a != primary.name]
    if unique:
        record["aliases"] = unique
    if wikidata:
        record["wikidata"] = wikidata
    if description:
        record["description"] = description
    record.update(attributes)
    return record


class _Facts:
    """Relations rewritten onto merged ids, repeated facts folded into one."""

    def __init__(self, resolution: Resolution) -> None:
        self.resolution = resolution
        self.by_file: dict[str, list[Record]] = defaultdict(list)
        self.places: dict[str, Place | None] = {}
        self.ids: set[str] = set()
        self.signatures: dict[tuple[Any, ...], Record] = {}

    def add(self, source: str, rec: Record, place: Place | None, keep_id: str | None) -> None:
        final = self.resolution.final_id
        start, end = final[f"{source}/{rec['from']}"], final[f"{source}/{rec['to']}"]
        if start == end:
            self.resolution.dropped[f"{rec['type']} between records merged into one"] += 1
            return
        out = dict(rec)
        out["from"], out["to"] = start, end
        signature = (
            out["type"],
            start,
            end,
            out.get("validFrom"),
            out.get("validTo"),
            tuple(sorted((k, str(v)) for k, v in out.items() if k in _qualifier_keys(out))),
        )
        known = self.signatures.get(signature)
        if known is not None and source != CURATED:
            for entry in out["provenance"]:
                if entry not in known["provenance"]:
                    known["provenance"].append(entry)
            self.resolution.dropped["repeated fact folded into an equal one"] += 1
            return
        out["provenance"] = [dict(p) for p in out["provenance"]]
        out["id"] = keep_id or self._new_id(source, rec, start, end)
        self.signatures.setdefault(signature, out)
        self.ids.add(out["id"])
        self.places[out["id"]] = place
        self.by_file[source].append(out)

    def _new_id(self, source: str, rec: Record, start: str, end: str) -> str:
        parts = rec["id"].split("--")
        extra = parts[3:] if len(parts) >= 3 and parts[1] == rec["type"] else [rec["id"]]
        base = "--".join([start, rec["type"], end, *extra, source])
        candidate, n = base, 1
        while candidate in self.ids:
            n += 1
            candidate = f"{base}-{n}"
        return candidate


_RESERVED = {"type", "from", "to", "id", "confidence", "validFrom", "validTo", "provenance"}


def _qualifier_keys(rec: Record) -> set[str]:
    return {k for k in rec if k not in _RESERVED and k not in _UNCOMPARED}
