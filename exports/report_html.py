"""The HTML of the report's sections (:mod:`exports.report` computes what they show).

Every claim is rendered with the facts it rests on: :class:`Renderer` turns ids into names
and relations into sentences with their confidence, evidence and numbered source marks.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from exports.concentration import ENOUGH_STATED, MIN_KNOWN_SUPPLIERS, Chokepoint
from ontology.model import Entity, Graph, Relation, Source
from ontology.schema import Schema
from store import analysis


@dataclass(frozen=True)
class PolicySection:
    policy: Entity
    impact: analysis.PolicyImpact
    exposures: list[analysis.Exposure]


@dataclass
class Citations:
    """Sources in order of first citation, so the report's [n] marks count up."""

    numbers: dict[str, int] = field(default_factory=dict)

    def cite(self, source_id: str) -> int:
        return self.numbers.setdefault(source_id, len(self.numbers) + 1)


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<figure><img alt="{esc(alt)}" src="data:image/png;base64,{data}"></figure>'


class Renderer:
    """Turns ids into names and relations into cited sentences."""

    def __init__(self, graph: Graph, schema: Schema) -> None:
        self.graph = graph
        self.schema = schema
        self.citations = Citations()

    def name(self, entity_id: str) -> str:
        e = self.graph.entities.get(entity_id)
        return e.name if e else entity_id

    def class_label(self, entity_id: str) -> str:
        e = self.graph.entities.get(entity_id)
        return self.schema.classes[e.kind].label if e else ""

    def country(self, key: str) -> str:
        return self.name(key) if not key.startswith("?") else f"unknown ({self.name(key[1:])})"

    def fact(self, rel: Relation) -> str:
        """``A supplies B`` with its confidence, evidence and source marks."""
        label = self.schema.relations[rel.type].label
        quals = ", ".join(f"{k} {esc(v)}" for k, v in sorted(rel.properties.items()) if k != "item")
        item = rel.properties.get("item")
        text = (
            f"<b>{esc(self.name(rel.source))}</b> {esc(label)} <b>{esc(self.name(rel.target))}</b>"
            + (f" ({esc(self.name(str(item)))})" if item else "")
            + f' <span class="meta">confidence {rel.confidence:g}'
            + (f", {quals}" if quals else "")
            + "</span>"
        )
        for prov in rel.provenance:
            n = self.citations.cite(prov.source)
            quote = f" “{esc(prov.evidence)}”" if prov.evidence else ""
            text += f'{quote} <a href="#src-{n}">[{n}]</a>'
        return text

    def facts(self, rels: Iterable[Relation]) -> str:
        return "<ul class='facts'>" + "".join(f"<li>{self.fact(r)}</li>" for r in rels) + "</ul>"


def policy_html(section: PolicySection, r: Renderer, png: bytes | None) -> str:
    p = section.policy
    reference = p.attributes.get("reference")
    parts = [
        f'<section id="policy-{esc(p.id)}"><h2>{esc(p.name)}</h2>',
        f'<p class="meta">{esc(r.class_label(p.id))} · id <code>{esc(p.id)}</code>'
        + (f" · {esc(reference)}" if reference else "")
        + "</p>",
    ]
    if p.description:
        parts.append(f"<p>{esc(p.description)}</p>")
    imp = section.impact
    for title, ids in (
        ("Targets (with everything below in the taxonomy)", imp.technologies),
        ("Names", imp.named_entities),
        ("Applies to", imp.jurisdictions),
    ):
        if ids:
            parts.append(f"<p><b>{title}:</b> " + ", ".join(esc(r.name(i)) for i in ids) + "</p>")
    if not section.exposures:
        parts.append("<p>No organization is exposed to this policy in the graph.</p></section>")
        return "".join(parts)
    if png is not None:
        parts.append(img(png, f"Exposed organizations of {p.name} by tier"))
    else:
        x = section.exposures[0]
        n = len(section.exposures)
        parts.append(
            f"<p>{n} exposed organization{'s' if n != 1 else ''}, all at tier {x.depth} "
            f"({esc(x.basis)} exposure).</p>"
        )
    parts.append(
        "<table><thead><tr><th>Organization</th><th>Kind</th><th>Exposure</th><th>Tier</th>"
        "<th>Score</th><th>Why (facts and evidence)</th></tr></thead><tbody>"
    )
    for x in section.exposures:
        parts.append(
            f"<tr><td>{esc(r.name(x.supplier))}</td><td>{esc(r.class_label(x.supplier))}</td>"
            f"<td>{esc(x.basis)}</td><td class='num'>{x.depth}</td>"
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


def _flagged_table(flagged: list[Chokepoint], r: Renderer) -> str:
    parts: list[str] = []
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
            f"<tr><td>{esc(r.name(c.item))}</td>"
            f"<td class='num'>{c.known_suppliers}</td>"
            f"<td class='num'>{c.hhi_firms:,.0f}</td>"
            f"<td class='num'>{c.hhi_countries:,.0f}</td>"
            f"<td>{esc(r.name(top.supplier))} ({top.share:.0%}, {stated})</td>"
            f"<td>{esc(r.country(country))} ({cshare:.0%})</td>"
            f"<td>{esc(_basis(c))}</td>"
            f"<td><details><summary>{len(via)} fact(s)</summary>{r.facts(via)}"
            "</details></td></tr>"
        )
    parts.append("</tbody></table>")
    return "".join(parts)


def _thin_table(thin: list[Chokepoint], r: Renderer) -> str:
    parts: list[str] = []
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
        who = ", ".join(esc(r.name(s.supplier)) for s in c.suppliers)
        parts.append(
            f"<tr><td>{esc(r.name(c.item))}</td><td class='num'>{c.known_suppliers}</td>"
            f"<td>{who}</td><td class='num'>{c.stated_coverage:.0%}</td></tr>"
        )
    parts.append("</tbody></table>")
    return "".join(parts)


def chokepoints_html(items: list[Chokepoint], r: Renderer, png: bytes | None) -> str:
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
        parts.append(img(png, "Supplier concentration of the chokepoints"))
    if flagged:
        parts.append(_flagged_table(flagged, r))
    if thin:
        parts.append(_thin_table(thin, r))
    parts.append("</section>")
    return "".join(parts)


def betweenness_html(ranked: list[tuple[str, float]], r: Renderer, png: bytes | None) -> str:
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
            parts.append(img(png, "Firms on the most supply routes"))
        parts.append("<table><thead><tr><th>Firm</th><th>Betweenness</th></tr></thead><tbody>")
        parts += [
            f"<tr><td>{esc(r.name(f))}</td><td class='num'>{v:.4f}</td></tr>" for f, v in ranked
        ]
        parts.append("</tbody></table>")
    parts.append("</section>")
    return "".join(parts)


def dependencies_html(
    deps: dict[str, list[analysis.Dependency]], r: Renderer, png: bytes | None
) -> str:
    parts = [
        '<section id="dependencies"><h2>Countries each firm depends on</h2>',
        "<p>For every firm with suppliers in the graph: the jurisdictions where it and its "
        "suppliers (up to the report's tier limit) are headquartered, with the tier of the "
        "closest supplier there (0 = the firm's own headquarters).</p>",
    ]
    if png:
        parts.append(img(png, "Countries each firm depends on"))
    parts.append(
        "<table><thead><tr><th>Firm</th><th>Countries (tier)</th><th>Why</th></tr></thead><tbody>"
    )
    for firm, items in deps.items():
        listed = ", ".join(f"{esc(r.name(d.entity))} ({d.depth})" for d in items)
        facts = [rel for d in items for rel in d.path]
        unique = list({rel.id: rel for rel in facts}.values())
        parts.append(
            f"<tr><td>{esc(r.name(firm))}</td><td>{listed}</td>"
            f"<td><details><summary>{len(unique)} fact(s)</summary>{r.facts(unique)}"
            "</details></td></tr>"
        )
    parts.append("</tbody></table></section>")
    return "".join(parts)


def sources_html(citations: Citations, sources: dict[str, Source]) -> str:
    parts = ['<section id="sources"><h2>Sources</h2><ol>']
    for sid, n in sorted(citations.numbers.items(), key=lambda kv: kv[1]):
        s = sources.get(sid)
        title = (s.title if s and s.title else sid) or sid
        bits = [f"<b>{esc(title)}</b>"]
        if s and s.publisher:
            bits.append(esc(s.publisher))
        if s and s.published:
            bits.append(s.published.isoformat())
        if s and s.url:
            bits.append(f'<a href="{esc(s.url)}">{esc(s.url)}</a>')
        parts.append(f'<li id="src-{n}" value="{n}">' + " · ".join(bits) + "</li>")
    parts.append("</ol></section>")
    return "".join(parts)


CSS = """
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


def findings_html(
    sections: Sequence[PolicySection],
    chokes: list[Chokepoint],
    ranked: list[tuple[str, float]],
    r: Renderer,
) -> str:
    items = []
    for s in sections:
        direct = sum(1 for x in s.exposures if x.depth == 0)
        # Most exposed = highest score (closest, best-attested chain), as the rules rank them.
        ranked_exposures = sorted(s.exposures, key=lambda x: (-x.score, x.depth, x.supplier))
        top = ", ".join(esc(r.name(x.supplier)) for x in ranked_exposures[:3])
        items.append(
            f"<li><a href='#policy-{esc(s.policy.id)}'>{esc(s.policy.name)}</a>: "
            f"{len(s.exposures)} exposed organization{'' if len(s.exposures) == 1 else 's'} "
            f"({direct} reached directly)" + (f"; most exposed: {top}" if top else "") + "</li>"
        )
    flagged = [c for c in chokes if c.is_chokepoint]
    if flagged:
        c = flagged[0]
        items.append(
            f"<li>Top <a href='#chokepoints'>chokepoint</a>: {esc(r.name(c.item))} "
            f"(HHI {c.hhi_countries:,.0f} over countries, {c.hhi_firms:,.0f} over firms, "
            f"{_suppliers_label(c)}, {_basis(c)}; "
            f"largest supplier {esc(r.name(c.suppliers[0].supplier))})</li>"
        )
    thin = sum(1 for c in chokes if c.concentrated and c.thin_data)
    if thin:
        items.append(
            f"<li>{thin} technologies look concentrated only for lack of data: "
            "<a href='#thin-data'>too few known suppliers to call</a></li>"
        )
    if ranked:
        items.append(
            f"<li>Main <a href='#brokers'>broker firm</a>: {esc(r.name(ranked[0][0]))} "
            f"(betweenness {ranked[0][1]:.3f})</li>"
        )
    return "<section id='findings'><h2>Key findings</h2><ul>" + "".join(items) + "</ul></section>"
