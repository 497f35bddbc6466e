"""The report's standards page: who holds the essential patents of each standard, by
jurisdiction and study, and which standards each jurisdiction makes mandatory.

Everything on the page comes from the standards questions (:mod:`store.standards`,
:mod:`store.standards_exposure`) and is cited through the report's own renderer, so its
sources join the report's numbered list. Nothing here names a standard, a jurisdiction or
a technology: the page shows whatever the graph holds.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import date
from typing import Protocol

from ontology.model import Graph, Relation
from ontology.schema import Schema
from store import standards, standards_exposure
from store.base import Direction, GraphStore


class Renderer(Protocol):
    """What the page needs of the report's renderer: names, and cited facts."""

    def name(self, entity_id: str) -> str: ...

    def facts(self, rels: Iterable[Relation]) -> str: ...


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def standards_with_patent_data(graph: Graph, schema: Schema) -> list[str]:
    """Standards with declared essential patents of their own or in a part, top-most
    first: a part whose parent has data is shown under its parent."""
    declares, part_of = (
        schema.with_role(standards.ESSENTIAL_PATENTS),
        schema.with_role(standards.PART_OF),
    )
    declared = {r.target for r in graph.relations.values() if r.type in declares}
    parent = {r.source: r.target for r in graph.relations.values() if r.type in part_of}
    tops = set()
    for std in declared:
        top, seen = std, {std}
        while top in parent and parent[top] not in seen:
            top = parent[top]
            seen.add(top)
        tops.add(top)
    known = [k for k in tops if k in graph.entities]
    return sorted(k for k in known if schema.is_a(graph.entities[k].kind, standards.STANDARD))


def jurisdictions_with_mandates(graph: Graph, schema: Schema) -> list[str]:
    """Jurisdictions a standard is mandatory in, directly or through a policy."""
    rels = graph.relations.values()
    mandatory_in, mandates = (
        schema.with_role(standards.MANDATORY_IN),
        schema.with_role(standards.MANDATE),
    )
    applies_to = standards.between(
        schema, standards.TARGET_JURISDICTION, standards.POLICY, standards.JURISDICTION
    )
    direct = {r.target for r in rels if r.type in mandatory_in}
    mandating = {r.source for r in rels if r.type in mandates}
    through = {r.target for r in rels if r.type in applies_to and r.source in mandating}
    return sorted(direct | through)


def _shares_html(influence: standards.StandardInfluence, r: Renderer) -> str:
    rows = []
    for s in influence.shares_by_jurisdiction:
        where = r.name(s.jurisdiction) if s.jurisdiction else "headquarters not known"
        holders = ", ".join(_e(r.name(h)) for h in s.holders)
        rows.append(
            f"<tr><td>{_e(s.counts)}</td><td>{_e(s.year or '')}</td><td>{_e(where)}</td>"
            f"<td class='num'>{s.share:.1%}</td><td>{holders}</td></tr>"
        )
    ranked = [h for h in influence.sep_holders if h.share is None and h.rank is not None]
    table = (
        "<table><tr><th>Study (what it counts)</th><th>Year</th><th>Jurisdiction</th>"
        "<th>Share of declared families</th><th>Declarants in the graph</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    facts = [rel for h in influence.sep_holders for rel in h.path]
    note = (
        f"<p class='meta'>Also ranked without a published share: "
        f"{', '.join(_e(r.name(h.holder)) + f' (#{h.rank}, {h.year})' for h in ranked)}.</p>"
        if ranked
        else ""
    )
    return (
        table
        + note
        + "<details><summary>The declarations and headquarters behind these sums</summary>"
        + r.facts(_unique(facts))
        + "</details>"
    )


def _unique(rels: Iterable[Relation]) -> list[Relation]:
    seen: dict[str, Relation] = {}
    for rel in rels:
        seen.setdefault(rel.id, rel)
    return list(seen.values())


def _in_force(rel: Relation) -> str:
    start = rel.valid_from.isoformat() if rel.valid_from else ""
    end = rel.valid_to.isoformat() if rel.valid_to else ""
    if start and end:
        return f"{start} to {end}"
    return f"from {start}" if start else (f"until {end}" if end else "")


def _mandates_html(
    store: GraphStore, schema: Schema, jurisdiction: str, r: Renderer, as_of: date | None
) -> str:
    found = standards_exposure.mandatory_standards(store, schema, jurisdiction, as_of=as_of)
    if not found:
        return ""
    governs = store.edges(
        sorted({m.standard for m in found}),
        schema.with_role(standards.GOVERNANCE),
        Direction.OUT,
        as_of,
    )
    topics: dict[str, list[str]] = {}
    for g in governs:
        topics.setdefault(g.source, []).append(r.name(g.target))
    rows = "".join(
        f"<tr><td>{_e(r.name(m.standard))}</td>"
        f"<td>{_e(', '.join(sorted(topics.get(m.standard, []))) or '—')}</td>"
        f"<td>{_e(m.scope or '')}</td><td>{_e(_in_force(m.path[0]))}</td></tr>"
        for m in found
    )
    facts = _unique([*(rel for m in found for rel in m.path), *governs])
    return (
        f"<h3>{_e(r.name(jurisdiction))}</h3>"
        "<table><tr><th>Mandatory standard</th><th>Governs</th><th>Scope</th><th>In force</th></tr>"
        + rows
        + "</table><details><summary>The facts behind this table</summary>"
        + r.facts(facts)
        + "</details>"
    )


def standards_html(
    store: GraphStore, schema: Schema, graph: Graph, r: Renderer, *, as_of: date | None = None
) -> str:
    """The standards section of the report (empty when the graph holds no standards)."""
    with_data = standards_with_patent_data(graph, schema)
    places = jurisdictions_with_mandates(graph, schema)
    if not with_data and not places:
        return ""
    parts = ["<section id='standards'><h2>Standards</h2>"]
    if with_data:
        parts.append(
            "<p>Shares of declared standard-essential patent families, summed over the "
            "declarants the graph holds, by the jurisdiction of their headquarters. Studies "
            "count differently (declared to one body, valid families, by declarant's "
            "country), so shares are comparable only within a study; declared is not "
            "verified essential.</p>"
        )
        for std in with_data:
            influence = standards.standard_influence(store, schema, std, as_of=as_of)
            parts.append(f"<h3>{_e(r.name(std))}</h3>" + _shares_html(influence, r))
    if places:
        parts.append(
            "<h2 id='mandatory-standards'>Mandatory standards by jurisdiction</h2>"
            "<p>What a product sold there must comply with, for the technologies each "
            "standard governs (EVs, their batteries, vehicles' cybersecurity, vehicle "
            "communication and connected devices as the graph records them).</p>"
        )
        parts += [_mandates_html(store, schema, j, r, as_of) for j in places]
    parts.append("</section>")
    return "".join(parts)
