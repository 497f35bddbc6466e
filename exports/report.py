"""A self-contained HTML report for strategists: who a policy exposes, and where supply
concentrates.

It is rendered from the :class:`~store.base.GraphStore` interface alone (the analyst
questions of :mod:`store.analysis` plus one ``snapshot`` for the whole-network measures),
so the same report comes out of Neo4j or the embedded store. Every claim in it carries the
facts it rests on and their sources; the figures are embedded in the HTML (so the file can
be forwarded on its own) and written next to it as PNG files (to paste into slides).

Sections: key findings; per policy, the exposed organizations by tier with the evidence of
each exposure path; chokepoints (supplier concentration, :mod:`exports.concentration`);
broker firms (betweenness); the countries each firm depends on; the sources cited.
"""

from __future__ import annotations

import base64
import html
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from exports import figures
from exports.concentration import (
    ENOUGH_STATED,
    MIN_KNOWN_SUPPLIERS,
    Chokepoint,
    chokepoints,
    firm_betweenness,
    supply_network,
)
from exports.standards_page import standards_html
from ontology.model import Entity, Graph, Relation, Source
from ontology.schema import Schema
from store import analysis as A
from store.base import GraphStore, ProgressCallback

REPORT_FILE = "report.html"
DEFAULT_MAX_DEPTH = 3
TOP = 15
"""Rows in each ranked chart."""
MAX_HEATMAP_FIRMS = 25


@dataclass(frozen=True)
class PolicySection:
    policy: Entity
    impact: A.PolicyImpact
    exposures: list[A.Exposure]


@dataclass
class _Citations:
    """Sources in order of first citation, so the report's [n] marks count up."""

    numbers: dict[str, int] = field(default_factory=dict)

    def cite(self, source_id: str) -> int:
        return self.numbers.setdefault(source_id, len(self.numbers) + 1)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img alt="{_e(alt)}" src="data:image/png;base64,{data}"></figure>'


class _Renderer:
    """Turns ids into names and relations into cited sentences."""

    def __init__(self, graph: Graph, schema: Schema) -> None:
        self.graph = graph
        self.schema = schema
        self.citations = _Citations()

    def name(self, entity_id: str) -> str:
        e = self.graph.entities.get(entity_id)
        return e.name if e else entity_id

    def kind(self, entity_id: str) -> str:
        e = self.graph.entities.get(entity_id)
        return self.schema.classes[e.kind].label if e else ""

    def country(self, key: str) -> str:
        return self.name(key) if not key.startswith("?") else f"unknown ({self.name(key[1:])})"

    def fact(self, rel: Relation) -> str:
        """``A supplies B`` with its confidence, evidence and source marks."""
        label = self.schema.relations[rel.type].label
        quals = ", ".join(f"{k} {_e(v)}" for k, v in sorted(rel.properties.items()) if k != "item")
        item = rel.properties.get("item")
        text = (
            f"<b>{_e(self.name(rel.source))}</b> {_e(label)} <b>{_e(self.name(rel.target))}</b>"
            + (f" ({_e(self.name(str(item)))})" if item else "")
            + f' <span class="meta">confidence {rel.confidence:g}'
            + (f", {quals}" if quals else "")
            + "</span>"
        )
        for prov in rel.provenance:
            n = self.citations.cite(prov.source)
            quote = f" “{_e(prov.evidence)}”" if prov.evidence else ""
            text += f'{quote} <a href="#src-{n}">[{n}]</a>'
        return text

    def facts(self, rels: Iterable[Relation]) -> str:
        return "<ul class='facts'>" + "".join(f"<li>{self.fact(r)}</li>" for r in rels) + "</ul>"


def default_policies(store: GraphStore, schema: Schema, graph: Graph) -> list[str]:
    """Every policy that reaches a technology, a named entity or a firm."""
    out = []
    for e in sorted(graph.entities.values(), key=lambda e: e.id):
        if schema.is_a(e.kind, A.POLICY):
            impact = A.policy_impact(store, schema, e.id)
            if impact.technologies or impact.named_entities or impact.firms:
                out.append(e.id)
    return out


def _policy_html(section: PolicySection, r: _Renderer, png: bytes | None) -> str:
    p = section.policy
    reference = p.attributes.get("reference")
    parts = [
        f'<section id="policy-{_e(p.id)}"><h2>{_e(p.name)}</h2>',
        f'<p class="meta">{_e(r.kind(p.id))} · id <code>{_e(p.id)}</code>'
        + (f" · {_e(reference)}" if reference else "")
        + "</p>",
    ]
    if p.description:
        parts.append(f"<p>{_e(p.description)}</p>")
    imp = section.impact
    for title, ids in (
        ("Targets (with everything below in the taxonomy)", imp.technologies),
        ("Names", imp.named_entities),
        ("Applies to", imp.jurisdictions),
    ):
        if ids:
            parts.append(f"<p><b>{title}:</b> " + ", ".join(_e(r.name(i)) for i in ids) + "</p>")
    if not section.exposures:
        parts.append("<p>No organization is exposed to this policy in the graph.</p></section>")
        return "".join(parts)
    if png is not None:
        parts.append(_img(png, f"Exposed organizations of {p.name} by tier"))
    else:
        x = section.exposures[0]
        n = len(section.exposures)
        parts.append(
            f"<p>{n} exposed organization{'s' if n != 1 else ''}, all at tier {x.depth} "
            f"({_e(x.kind)} exposure).</p>"
        )
    parts.append(
        "<table><thead><tr><th>Organization</th><th>Kind</th><th>Exposure</th><th>Tier</th>"
        "<th>Score</th><th>Why (facts and evidence)</th></tr></thead><tbody>"
    )
    for x in section.exposures:
        parts.append(
            f"<tr><td>{_e(r.name(x.supplier))}</td><td>{_e(r.kind(x.supplier))}</td>"
            f"<td>{_e(x.kind)}</td><td class='num'>{x.depth}</td>"
            f"<td class='num'>{x.score:.3f}</td>"
            f"<td><details><summary>{len(x.path)} fact(s)</summary>{r.facts(x.path)}"
            "</details></td></tr>"
        )
    parts.append("</tbody></table></section>")
    return "".join(parts)


def _basis(c: Chokepoint) -> str:
    """How much of the index rests on shares the sources state."""
    if c.stated_coverage > 0:
        return f"stated shares cover {c.stated_coverage:.0%}"
    if c.known_suppliers == 1:
        return "one known supplier"
    return "equal shares assumed"


def _suppliers_label(c: Chokepoint) -> str:
    n = c.known_suppliers
    return f"{n} known supplier" + ("" if n == 1 else "s")


def _chokepoints_html(items: list[Chokepoint], r: _Renderer, png: bytes | None) -> str:
    flagged = [c for c in items if c.is_chokepoint]
    thin = sorted(
        (c for c in items if c.concentrated and c.thin_data),
        key=lambda c: (-c.known_suppliers, -c.stated_coverage, r.name(c.item)),
    )
    parts = [
        '<section id="chokepoints"><h2>Chokepoints: where supply concentrates</h2>',
        "<p>Herfindahl-Hirschman index (HHI, 0-10,000) of the known suppliers of each "
        "technology (its producers, its suppliers, and the producers of the technologies "
        "below it), over firms and over their home countries. Shares stated in the sources "
        "are used as given; suppliers without one split the rest equally. From 2,500 a "
        "market is “highly concentrated”. The index covers the suppliers the graph knows, "
        "not the world market, so a technology is called a chokepoint only when the data "
        f"can show it: stated shares cover at least {ENOUGH_STATED:.0%} of its market, or "
        f"the graph knows at least {MIN_KNOWN_SUPPLIERS} suppliers of it.</p>",
        f"<p><b>{len(flagged)}</b> of {len(items)} technologies with a known supplier are "
        f"chokepoints; <b>{len(thin)}</b> more score as concentrated only because the graph "
        "knows too few of their suppliers (listed apart below, not called chokepoints).</p>",
    ]
    if png:
        parts.append(_img(png, "Supplier concentration of the chokepoints"))
    if flagged:
        parts.append(
            "<table class='chokepoints'><thead><tr><th>Technology</th>"
            "<th>Known suppliers</th><th>HHI firms</th><th>HHI countries</th>"
            "<th>Largest supplier</th><th>Largest country</th><th>Basis</th><th>Evidence</th>"
            "</tr></thead><tbody>"
        )
        for c in flagged:
            top = c.suppliers[0]
            country, cshare = c.country_shares[0]
            stated = "stated" if top.stated else "assumed"
            via = [rel for s in c.suppliers for rel in s.via]
            parts.append(
                f"<tr><td>{_e(r.name(c.item))}</td>"
                f"<td class='num'>{c.known_suppliers}</td>"
                f"<td class='num'>{c.hhi_firms:,.0f}</td>"
                f"<td class='num'>{c.hhi_countries:,.0f}</td>"
                f"<td>{_e(r.name(top.supplier))} ({top.share:.0%}, {stated})</td>"
                f"<td>{_e(r.country(country))} ({cshare:.0%})</td>"
                f"<td>{_e(_basis(c))}</td>"
                f"<td><details><summary>{len(via)} fact(s)</summary>{r.facts(via)}"
                "</details></td></tr>"
            )
        parts.append("</tbody></table>")
    if thin:
        parts.append(
            "<h3 id='thin-data'>Too little data to call</h3>"
            f"<p>Fewer than {MIN_KNOWN_SUPPLIERS} known suppliers and no stated market "
            f"shares for {ENOUGH_STATED:.0%} of the market: the index only counts how few "
            "suppliers the graph knows. Adding their other suppliers (or a market-share "
            "source) would tell whether they are chokepoints.</p>"
            "<table class='thin'><thead><tr><th>Technology</th><th>Known suppliers</th>"
            "<th>Who</th><th>Stated shares cover</th></tr></thead><tbody>"
        )
        for c in thin:
            who = ", ".join(_e(r.name(s.supplier)) for s in c.suppliers)
            parts.append(
                f"<tr><td>{_e(r.name(c.item))}</td><td class='num'>{c.known_suppliers}</td>"
                f"<td>{who}</td><td class='num'>{c.stated_coverage:.0%}</td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append("</section>")
    return "".join(parts)


def _betweenness_html(ranked: list[tuple[str, float]], r: _Renderer, png: bytes | None) -> str:
    parts = [
        '<section id="brokers"><h2>Broker firms in the supply network</h2>',
        "<p>Betweenness centrality on the directed network of supply facts: the share of "
        "shortest supplier-to-customer routes between other firms that pass through a firm. "
        "A high value marks a firm whose disruption cuts the most supply chains.</p>",
    ]
    if not ranked:
        parts.append("<p>No firm lies between two others in the supply network.</p>")
    else:
        if png:
            parts.append(_img(png, "Firms on the most supply routes"))
        parts.append("<table><thead><tr><th>Firm</th><th>Betweenness</th></tr></thead><tbody>")
        parts += [
            f"<tr><td>{_e(r.name(f))}</td><td class='num'>{v:.4f}</td></tr>" for f, v in ranked
        ]
        parts.append("</tbody></table>")
    parts.append("</section>")
    return "".join(parts)


def _dependencies_html(deps: dict[str, list[A.Dependency]], r: _Renderer, png: bytes | None) -> str:
    parts = [
        '<section id="dependencies"><h2>Countries each firm depends on</h2>',
        "<p>For every firm with suppliers in the graph: the jurisdictions where it and its "
        "suppliers (up to the report's tier limit) are headquartered, with the tier of the "
        "closest supplier there (0 = the firm's own headquarters).</p>",
    ]
    if png:
        parts.append(_img(png, "Countries each firm depends on"))
    parts.append(
        "<table><thead><tr><th>Firm</th><th>Countries (tier)</th><th>Why</th></tr></thead><tbody>"
    )
    for firm, items in deps.items():
        listed = ", ".join(f"{_e(r.name(d.entity))} ({d.depth})" for d in items)
        facts = [rel for d in items for rel in d.path]
        unique = list({rel.id: rel for rel in facts}.values())
        parts.append(
            f"<tr><td>{_e(r.name(firm))}</td><td>{listed}</td>"
            f"<td><details><summary>{len(unique)} fact(s)</summary>{r.facts(unique)}"
            "</details></td></tr>"
        )
    parts.append("</tbody></table></section>")
    return "".join(parts)


def _sources_html(citations: _Citations, sources: dict[str, Source]) -> str:
    parts = ['<section id="sources"><h2>Sources</h2><ol>']
    for sid, n in sorted(citations.numbers.items(), key=lambda kv: kv[1]):
        s = sources.get(sid)
        title = (s.title if s and s.title else sid) or sid
        bits = [f"<b>{_e(title)}</b>"]
        if s and s.publisher:
            bits.append(_e(s.publisher))
        if s and s.published:
            bits.append(s.published.isoformat())
        if s and s.url:
            bits.append(f'<a href="{_e(s.url)}">{_e(s.url)}</a>')
        parts.append(f'<li id="src-{n}" value="{n}">' + " · ".join(bits) + "</li>")
    parts.append("</ol></section>")
    return "".join(parts)


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;
  max-width:1100px;margin:2rem auto;padding:0 1rem;color:#1d1d1f;line-height:1.45}
h1{font-size:1.7rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.8rem 0}
th,td{border-bottom:1px solid #e3e3e3;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#f5f5f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#666;font-size:.85rem}ul.facts{margin:.3rem 0;padding-left:1.1rem}
figure{margin:1rem 0}figure img{max-width:100%;height:auto}
details summary{cursor:pointer;color:#0a58ca}code{font-size:.85rem}
"""


def _findings(
    sections: Sequence[PolicySection],
    chokes: list[Chokepoint],
    ranked: list[tuple[str, float]],
    r: _Renderer,
) -> str:
    items = []
    for s in sections:
        direct = sum(1 for x in s.exposures if x.depth == 0)
        # Most exposed = highest score (closest, best-attested chain), as the rules rank them.
        ranked_exposures = sorted(s.exposures, key=lambda x: (-x.score, x.depth, x.supplier))
        top = ", ".join(_e(r.name(x.supplier)) for x in ranked_exposures[:3])
        items.append(
            f"<li><a href='#policy-{_e(s.policy.id)}'>{_e(s.policy.name)}</a>: "
            f"{len(s.exposures)} exposed organization{'' if len(s.exposures) == 1 else 's'} "
            f"({direct} reached directly)" + (f"; most exposed: {top}" if top else "") + "</li>"
        )
    flagged = [c for c in chokes if c.is_chokepoint]
    if flagged:
        c = flagged[0]
        items.append(
            f"<li>Top <a href='#chokepoints'>chokepoint</a>: {_e(r.name(c.item))} "
            f"(HHI {c.hhi_countries:,.0f} over countries, {c.hhi_firms:,.0f} over firms, "
            f"{_suppliers_label(c)}, {_basis(c)}; "
            f"largest supplier {_e(r.name(c.suppliers[0].supplier))})</li>"
        )
    thin = sum(1 for c in chokes if c.concentrated and c.thin_data)
    if thin:
        items.append(
            f"<li>{thin} technologies look concentrated only for lack of data: "
            "<a href='#thin-data'>too few known suppliers to call</a></li>"
        )
    if ranked:
        items.append(
            f"<li>Main <a href='#brokers'>broker firm</a>: {_e(r.name(ranked[0][0]))} "
            f"(betweenness {ranked[0][1]:.3f})</li>"
        )
    return "<section id='findings'><h2>Key findings</h2><ul>" + "".join(items) + "</ul></section>"


def write_report(
    store: GraphStore,
    schema: Schema,
    policies: list[str] | None,
    out: Path,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    as_of: date | None = None,
    title: str = "Technological sovereignty: exposure and chokepoints",
    progress: ProgressCallback | None = None,
) -> Path:
    """Write ``report.html`` and its PNG figures into the folder ``out``; return the HTML
    path. ``policies`` defaults to every policy that reaches anything; unknown ids raise
    :class:`~ontology.errors.NotFound`."""
    out.mkdir(parents=True, exist_ok=True)
    graph = store.snapshot()
    r = _Renderer(graph, schema)
    policy_ids = policies if policies is not None else default_policies(store, schema, graph)
    first = max(1, len(graph.entities))
    tick = progress or (lambda stage, done, total: None)
    sections: list[PolicySection] = []
    tick("policies", 0, len(policy_ids))
    for done, pid in enumerate(policy_ids, 1):
        exposures = A.suppliers_exposed_to(
            store, schema, pid, max_depth=max_depth, as_of=as_of, first=first
        )
        impact = A.policy_impact(store, schema, pid, as_of=as_of)
        sections.append(PolicySection(store.entities([pid])[pid], impact, exposures))
        tick("policies", done, len(policy_ids))

    def save(name: str, png: bytes) -> bytes:
        (out / name).write_bytes(png)
        return png

    overview = [(s.policy.name, dict(Counter(x.depth for x in s.exposures))) for s in sections]
    overview_png = save("policies.png", figures.policies_overview(overview)) if sections else None
    policy_html = []
    for s in sections:
        png = None
        counts = Counter((x.depth, x.kind) for x in s.exposures)
        # One tier and one way of exposure make a single bar: the sentence says it better.
        if len(counts) > 1:
            chart = figures.exposure_by_tier(counts, s.policy.name)
            png = save(f"exposure-{s.policy.id}.png", chart)
        policy_html.append(_policy_html(s, r, png))

    chokes = chokepoints(graph, schema, as_of=as_of)
    top_chokes = [c for c in chokes if c.is_chokepoint][:TOP]
    choke_png = (
        save(
            "chokepoints.png",
            figures.chokepoint_chart(
                [
                    (f"{r.name(c.item)} ({c.known_suppliers})", c.hhi_firms, c.hhi_countries)
                    for c in top_chokes
                ]
            ),
        )
        if top_chokes
        else None
    )
    between = firm_betweenness(graph, schema, as_of=as_of)
    ranked = sorted(((f, v) for f, v in between.items() if v > 0), key=lambda fv: (-fv[1], fv[0]))
    ranked = ranked[:TOP]
    between_png = (
        save("betweenness.png", figures.betweenness_chart([(r.name(f), v) for f, v in ranked]))
        if ranked
        else None
    )

    network = supply_network(graph, schema, as_of=as_of)
    firms = sorted(
        n
        for n in network.nodes
        if network.in_degree(n) > 0
        and n in graph.entities
        and schema.is_a(graph.entities[n].kind, A.ORGANIZATION)
    )
    deps: dict[str, list[A.Dependency]] = {}
    tick("firm dependencies", 0, len(firms))
    for done, firm in enumerate(firms, 1):
        found = A.dependencies(store, schema, firm, max_depth=max_depth, as_of=as_of)
        seats = [d for d in found if d.kind == "country"]
        if seats:
            deps[firm] = seats
        tick("firm dependencies", done, len(firms))
    deps_png = None
    if deps:
        shown = sorted(deps, key=lambda f: (-len(deps[f]), f))[:MAX_HEATMAP_FIRMS]
        countries = sorted({d.entity for f in shown for d in deps[f]}, key=r.name)
        col = {c: j for j, c in enumerate(countries)}
        tiers = {(i, col[d.entity]): d.depth for i, f in enumerate(shown) for d in deps[f]}
        deps_png = save(
            "dependencies.png",
            figures.dependency_heatmap(
                [r.name(f) for f in shown], [r.name(c) for c in countries], tiers
            ),
        )

    body = [_findings(sections, chokes, ranked, r)]
    if overview_png:
        body.append(_img(overview_png, "Exposed organizations per policy, by tier"))
    body += policy_html
    body.append(_chokepoints_html(chokes, r, choke_png))
    body.append(_betweenness_html(ranked, r, between_png))
    body.append(_dependencies_html(deps, r, deps_png))
    body.append(standards_html(store, schema, graph, r, as_of=as_of))
    body.append(_sources_html(r.citations, graph.sources))

    size = graph.counts()
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"<h1>{_e(title)}</h1><p class='meta'>Generated {generated} from the {_e(store.kind)} "
        f"store: {size['entities']} entities, {size['relations']} facts, "
        f"{size['sources']} sources. Facts valid "
        f"{'on ' + as_of.isoformat() if as_of else 'at any time'}; supplier tiers up to "
        f"{max_depth}. Exposure score = product of the facts' confidences, halved per tier."
        "</p>"
    )
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        + header
        + "".join(body)
        + "</body></html>"
    )
    path = out / REPORT_FILE
    path.write_text(page, encoding="utf-8")
    return path
