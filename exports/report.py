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

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from exports import figures
from exports.concentration import Chokepoint, chokepoints, firm_betweenness, supply_network
from exports.registry import Exporter, ExportOption, ExportSource
from exports.report_html import (
    CSS,
    PolicySection,
    Renderer,
    betweenness_html,
    chokepoints_html,
    dependencies_html,
    esc,
    findings_html,
    img,
    policy_html,
    sources_html,
)
from exports.standards_page import standards_html
from ontology.model import Graph
from ontology.schema import Schema
from store import analysis
from store.base import GraphStore, ProgressCallback

REPORT_FILE = "report.html"
DEFAULT_MAX_DEPTH = 3
TOP = 15
"""Rows in each ranked chart."""
MAX_HEATMAP_FIRMS = 25


Save = Callable[[str, bytes], bytes]
"""Writes a figure next to the report under a name and gives its PNG back."""
Tick = Callable[[str, int, int], None]


def default_policies(
    store: GraphStore, schema: Schema, graph: Graph, as_of: date | None = None
) -> list[str]:
    """Every policy that reaches a technology, a named entity or a firm on ``as_of``."""
    out = []
    for e in sorted(graph.entities.values(), key=lambda e: e.id):
        if schema.is_a(e.kind, analysis.POLICY):
            impact = analysis.policy_impact(store, schema, e.id, as_of=as_of)
            if impact.technologies or impact.named_entities or impact.firms:
                out.append(e.id)
    return out


def _policy_sections(
    store: GraphStore,
    schema: Schema,
    policy_ids: list[str],
    *,
    max_depth: int,
    as_of: date | None,
    first: int,
    tick: Tick,
) -> list[PolicySection]:
    sections: list[PolicySection] = []
    tick("policies", 0, len(policy_ids))
    for done, pid in enumerate(policy_ids, 1):
        exposures = analysis.suppliers_exposed_to(
            store, schema, pid, max_depth=max_depth, as_of=as_of, first=first
        )
        impact = analysis.policy_impact(store, schema, pid, as_of=as_of)
        sections.append(PolicySection(store.entities([pid])[pid], impact, exposures))
        tick("policies", done, len(policy_ids))
    return sections


def _policies_html(sections: list[PolicySection], r: Renderer, save: Save) -> list[str]:
    """The overview figure and one section per policy."""
    body = []
    if sections:
        overview = [(s.policy.name, dict(Counter(x.depth for x in s.exposures))) for s in sections]
        png = save("policies.png", figures.policies_overview(overview))
        body.append(img(png, "Exposed organizations per policy, by tier"))
    for s in sections:
        chart = None
        counts = Counter((x.depth, x.basis) for x in s.exposures)
        # One tier and one way of exposure make a single bar: the sentence says it better.
        if len(counts) > 1:
            chart = save(
                f"exposure-{s.policy.id}.png", figures.exposure_by_tier(counts, s.policy.name)
            )
        body.append(policy_html(s, r, chart))
    return body


def _chokepoint_figure(chokes: list[Chokepoint], r: Renderer, save: Save) -> bytes | None:
    top = [c for c in chokes if c.is_chokepoint][:TOP]
    if not top:
        return None
    bars = [(f"{r.name(c.item)} ({c.known_suppliers})", c.hhi_firms, c.hhi_countries) for c in top]
    return save("chokepoints.png", figures.chokepoint_chart(bars))


def _brokers(
    graph: Graph, schema: Schema, as_of: date | None, r: Renderer, save: Save
) -> tuple[list[tuple[str, float]], bytes | None]:
    between = firm_betweenness(graph, schema, as_of=as_of)
    ranked = sorted(((f, v) for f, v in between.items() if v > 0), key=lambda fv: (-fv[1], fv[0]))
    ranked = ranked[:TOP]
    if not ranked:
        return ranked, None
    return ranked, save(
        "betweenness.png", figures.betweenness_chart([(r.name(f), v) for f, v in ranked])
    )


def _country_dependencies(
    store: GraphStore,
    schema: Schema,
    graph: Graph,
    *,
    max_depth: int,
    as_of: date | None,
    tick: Tick,
) -> dict[str, list[analysis.Dependency]]:
    """For each firm with a supplier, the countries it depends on (its tiers' seats)."""
    network = supply_network(graph, schema, as_of=as_of)
    firms = sorted(
        n
        for n in network.nodes
        if network.in_degree(n) > 0
        and n in graph.entities
        and schema.is_a(graph.entities[n].kind, analysis.ORGANIZATION)
    )
    deps: dict[str, list[analysis.Dependency]] = {}
    tick("firm dependencies", 0, len(firms))
    for done, firm in enumerate(firms, 1):
        found = analysis.dependencies(store, schema, firm, max_depth=max_depth, as_of=as_of)
        seats = [d for d in found if d.category == "country"]
        if seats:
            deps[firm] = seats
        tick("firm dependencies", done, len(firms))
    return deps


def _dependency_figure(
    deps: dict[str, list[analysis.Dependency]], r: Renderer, save: Save
) -> bytes | None:
    if not deps:
        return None
    shown = sorted(deps, key=lambda f: (-len(deps[f]), f))[:MAX_HEATMAP_FIRMS]
    countries = sorted({d.entity for f in shown for d in deps[f]}, key=r.name)
    col = {c: j for j, c in enumerate(countries)}
    tiers = {(i, col[d.entity]): d.depth for i, f in enumerate(shown) for d in deps[f]}
    return save(
        "dependencies.png",
        figures.dependency_heatmap(
            [r.name(f) for f in shown], [r.name(c) for c in countries], tiers
        ),
    )


def _page(title: str, header_text: str, body: list[str]) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{esc(title)}</h1><p class='meta'>{header_text}</p>" + "".join(body) + "</body></html>"
    )


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
    path. ``policies`` defaults to every policy that reaches anything on ``as_of``;
    unknown ids raise :class:`~ontology.errors.NotFound`."""
    out.mkdir(parents=True, exist_ok=True)
    graph = store.snapshot()
    r = Renderer(graph, schema)
    tick: Tick = progress or (lambda stage, done, total: None)

    def save(name: str, png: bytes) -> bytes:
        (out / name).write_bytes(png)
        return png

    policy_ids = policies if policies is not None else default_policies(store, schema, graph, as_of)
    sections = _policy_sections(
        store,
        schema,
        policy_ids,
        max_depth=max_depth,
        as_of=as_of,
        first=max(1, len(graph.entities)),
        tick=tick,
    )
    chokes = chokepoints(graph, schema, as_of=as_of)
    ranked, between_png = _brokers(graph, schema, as_of, r, save)
    deps = _country_dependencies(store, schema, graph, max_depth=max_depth, as_of=as_of, tick=tick)
    # Rendered in page order: the source marks [n] count up as facts are first cited.
    body = _policies_html(sections, r, save)
    body.insert(0, findings_html(sections, chokes, ranked, r))
    body.append(chokepoints_html(chokes, r, _chokepoint_figure(chokes, r, save)))
    body.append(betweenness_html(ranked, r, between_png))
    body.append(dependencies_html(deps, r, _dependency_figure(deps, r, save)))
    body.append(standards_html(store, schema, graph, r, as_of=as_of))
    body.append(sources_html(r.citations, graph.sources))
    size = graph.counts()
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"Generated {generated} from the {esc(store.engine)} "
        f"store: {size['entities']} entities, {size['relations']} facts, "
        f"{size['sources']} sources. Facts valid "
        f"{'on ' + as_of.isoformat() if as_of else 'at any time'}; supplier tiers up to "
        f"{max_depth}. Exposure score = product of the facts' confidences, halved per tier."
    )
    path = out / REPORT_FILE
    path.write_text(_page(title, header, body), encoding="utf-8")
    return path


def _write(source: ExportSource, out: Path, options: Mapping[str, Any]) -> list[Path]:
    path = write_report(
        source.need_store(),
        source.schema,
        options["policy"] or None,
        out,
        max_depth=options["max_depth"],
        as_of=options["as_of"],
        progress=source.progress,
    )
    return [path, *sorted(out.glob("*.png"))]


EXPORTERS = (
    Exporter(
        "report",
        "Write the HTML report (report.html) and its PNG figures.",
        ".html",
        _write,
        reads="store",
        folder=True,
        options=(
            ExportOption(
                "--policy",
                "Policy id (repeatable; default: every policy reaching anything).",
                default=None,
                type=list[str],
            ),
            ExportOption(
                "--max-depth",
                "Supplier tiers to follow.",
                default=DEFAULT_MAX_DEPTH,
                type=int,
                min=0,
            ),
            ExportOption(
                "--as-of",
                "Only facts valid on this date (YYYY-MM-DD).",
                default=None,
                parse=date.fromisoformat,
            ),
        ),
    ),
)
