// The graph canvas (Cytoscape.js): nodes coloured and shaped by class family from the
// palette the server derives from the ontology, edges labelled by relation type.
import cytoscape from "cytoscape";

const EDGE = "#9aa1ac";
const ACCENT = "#c2410c";
const QUIET_ABOVE = 30;
const LABELS_FROM_ZOOM = 1.8;
const MAX_FIT_ZOOM = 1.6; // a lone node or two is not blown up to fill the canvas

function style(palette) {
  const families = Object.entries(palette.families).map(([family, s]) => ({
    selector: `node[family = "${family}"]`,
    style: { "background-color": s.color, shape: s.shape },
  }));
  return [
    {
      selector: "node",
      style: {
        label: "data(name)", "font-size": 11, "text-valign": "bottom", "text-margin-y": 3,
        "text-wrap": "ellipsis", "text-max-width": "130px", width: 26, height: 26,
        "border-width": 1, "border-color": "rgba(0,0,0,.35)", color: "#1f2329",
        "text-background-color": "#fbfbfc", "text-background-opacity": 0.7,
        "text-background-padding": "1px",
      },
    },
    ...families,
    { selector: "node.focus", style: { width: 38, height: 38, "border-width": 3, "border-color": "#1f2329", "font-weight": "bold" } },
    { selector: "node.expanded", style: { "border-width": 2, "border-color": "#1f2329" } },
    { selector: "node.beneficiary", style: { "border-width": 3, "border-style": "dashed", "border-color": "#15803d" } },
    {
      selector: "edge",
      style: {
        width: 1.5, "line-color": EDGE, "target-arrow-color": EDGE, "target-arrow-shape": "triangle",
        "arrow-scale": 0.8, "curve-style": "bezier", label: "data(label)", "font-size": 8,
        color: "#4b5260", "text-rotation": "autorotate", "text-background-color": "#fbfbfc",
        "text-background-opacity": 0.85, "text-background-padding": "1px",
      },
    },
    { selector: "edge.hl", style: { width: 4, "line-color": ACCENT, "target-arrow-color": ACCENT, color: ACCENT, "z-index": 10, "font-size": 10, "font-weight": "bold" } },
    { selector: "node.hl", style: { "border-width": 3, "border-color": ACCENT } },
    { selector: ".faded", style: { opacity: 0.3 } },
    { selector: "node:selected", style: { "overlay-color": "#2563eb", "overlay-opacity": 0.25, "overlay-padding": 6 } },
    { selector: "edge:selected", style: { "overlay-color": "#2563eb", "overlay-opacity": 0.25, "overlay-padding": 4, width: 3 } },
    { selector: "edge.quiet", style: { label: "" } },
    { selector: "edge.quiet.hl, edge.quiet:selected, edge.quiet.hover", style: { label: "data(label)" } },
    { selector: ".off", style: { display: "none" } },
  ];
}

export function createGraph(container, palette, on) {
  const cy = cytoscape({
    container, style: style(palette), minZoom: 0.15, maxZoom: 3,
    boxSelectionEnabled: false, selectionType: "single",
  });
  cy.on("tap", "node", (e) => on.node(e.target.id()));
  cy.on("tap", "edge", (e) => on.edge(e.target.id()));
  cy.on("dbltap", "node", (e) => on.expand(e.target.id()));
  cy.on("mouseover", "edge", (e) => e.target.addClass("hover"));
  cy.on("mouseout", "edge", (e) => e.target.removeClass("hover"));
  cy.on("zoom", () => quiet(cy));
  return cy;
}

/** Put ``nodes`` and ``relations`` on the canvas, replacing what was there when ``fresh``. */
export function draw(cy, palette, nodes, relations, { fresh = false, layout = {} } = {}) {
  if (fresh) cy.elements().remove();
  const added = [];
  cy.batch(() => {
    for (const n of nodes.values()) {
      if (cy.getElementById(n.id).nonempty()) continue;
      const kind = palette.kinds[n.kind];
      added.push(cy.add({ group: "nodes", data: { id: n.id, name: n.name, kind: n.kind, family: kind ? kind.family : "" } }));
    }
    for (const r of relations.values()) {
      if (cy.getElementById(r.id).nonempty()) continue;
      if (cy.getElementById(r.source.id).empty() || cy.getElementById(r.target.id).empty()) continue;
      const label = palette.relations[r.type] ? palette.relations[r.type].label : r.type;
      added.push(cy.add({ group: "edges", data: { id: r.id, source: r.source.id, target: r.target.id, type: r.type, label } }));
    }
  });
  if (added.length || fresh) {
    cy.layout({
      name: "cose", animate: false, randomize: fresh, fit: true, padding: 40,
      nodeRepulsion: () => 16000, idealEdgeLength: () => 110, nodeOverlap: 12, numIter: 1500,
      nodeDimensionsIncludeLabels: true,
      ...layout,
    }).run();
    if (cy.zoom() > MAX_FIT_ZOOM) {
      cy.zoom(MAX_FIT_ZOOM);
      cy.center();
    }
  }
}

/** Past a few dozen edges their labels hide each other: show them once zoomed in, and
 * always on the highlighted path, the selected edge and the edge under the pointer. */
function quiet(cy) {
  const many = cy.edges(":visible").length > QUIET_ABOVE && cy.zoom() < LABELS_FROM_ZOOM;
  cy.edges().toggleClass("quiet", many);
}

/** Hide edges ``visible`` refuses, and nodes left without a visible edge (but ``keep``). */
export function filter(cy, visible, keep) {
  cy.batch(() => {
    cy.edges().forEach((e) => e.toggleClass("off", !visible(e.data())));
    cy.nodes().forEach((n) => {
      const shown = keep.has(n.id()) || n.connectedEdges().some((e) => !e.hasClass("off"));
      n.toggleClass("off", !shown);
    });
  });
  quiet(cy);
  return { nodes: cy.nodes(":visible").length, edges: cy.edges(":visible").length };
}

export function highlight(cy, relationIds) {
  cy.batch(() => {
    cy.elements().removeClass("hl faded");
    if (!relationIds || !relationIds.length) return;
    const path = cy.collection();
    for (const id of relationIds) {
      const e = cy.getElementById(id);
      if (e.nonempty()) path.merge(e).merge(e.connectedNodes());
    }
    path.addClass("hl");
    cy.elements().not(path).addClass("faded");
  });
}
