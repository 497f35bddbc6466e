// The explorer page: search, a neighbourhood graph expandable node by node, a policy's
// exposed organizations with each one's path, a path between two entities, and the
// provenance of every relation — all read from /graphql.
import { Contract, gql, RELATION_FIELDS } from "./api.js";
import { h, clear, debounce } from "./dom.js";
import { createGraph, draw, filter, highlight } from "./graph.js";
import { renderEntity, renderRelation, relationLabel, swatch, validAt } from "./details.js";
import { readState, writeState } from "./state.js";
import { asOfSlider } from "./slider.js";

const POLICY = "Policy"; // the ontology class whose instances exposure questions start from
const LISTING = "names"; // the relation a listing or sanction names an organization with
const BENEFITS = "benefitsFrom"; // the relation a beneficiary of a policy holds to it
const NEIGHBOURS = 150;

const $ = (id) => document.getElementById(id);

class Explorer {
  constructor(palette, contract) {
    this.palette = palette;
    this.contract = contract;
    this.attributes = contract.attributes();
    this.fragment = contract.entityFragment();
    // Whatever an exposure answer carries beyond these (a rule version, the date asked...)
    // is asked for and shown as it comes.
    this.exposureExtras = contract.selection("Exposure", ["kind", "depth", "score", "path", "supplier"]);
    this.matched = contract.has("SearchHit", "matchedName") ? "matchedName" : "";
    this.state = readState();
    this.entities = new Map(); // id -> full entity (fragment E), as fetched
    this.neighbourhoods = new Map(); // id -> relations around it
    this.nodes = new Map(); // the scene: id -> {id, kind, name}
    this.relations = new Map(); // the scene: id -> relation
    this.exposure = null;
    this.drawn = "";
    this.generation = 0; // renders started; an older one that finishes late draws nothing
    this.pending = 0;
    this.cy = createGraph($("graph"), palette, {
      node: (id) => this.select(`n:${id}`),
      edge: (id) => this.select(`e:${id}`),
      expand: (id) => this.expand(id),
    });
    window.explore = this; // lets tests and curious users reach the graph
  }

  // ------------------------------------------------------------------ state and rendering

  set(patch, { push = true } = {}) {
    Object.assign(this.state, patch);
    writeState(this.state, { push });
    return this.render();
  }

  stale(generation) {
    return generation !== this.generation;
  }

  async render() {
    const s = this.state;
    const generation = ++this.generation;
    for (const v of ["entity", "exposure", "path"]) {
      $(`view-${v}`).hidden = s.v !== v;
      $(`tab-${v}`).setAttribute("aria-selected", String(s.v === v));
    }
    this.slider.set(s.asof);
    try {
      this.busy(+1);
      if (s.v === "exposure") await this.renderExposure(generation);
      else if (s.v === "path") await this.renderPath(generation);
      else await this.renderNeighbourhood(generation);
      if (this.stale(generation)) return;
      this.applyFilter();
      await this.renderSelection(generation);
      if (!this.stale(generation)) this.status("");
    } catch (err) {
      if (!this.stale(generation)) this.status(err.message, true);
    } finally {
      this.busy(-1);
    }
  }

  busy(change) {
    this.pending += change;
    const on = this.pending > 0;
    document.body.setAttribute("aria-busy", String(on));
    document.body.dataset.ready = on ? "" : "1";
  }

  status(text, error = false) {
    const el = $("status");
    el.textContent = text;
    el.classList.toggle("error", error);
  }

  scene(key, nodes, relations, layout) {
    const fresh = key !== this.drawn;
    this.nodes = nodes;
    this.relations = relations;
    draw(this.cy, this.palette, nodes, relations, { fresh, layout });
    this.drawn = key;
    this.renderTypeFilter();
  }

  applyFilter() {
    const s = this.state;
    const hidden = new Set(s.hide);
    const asOf = s.v === "exposure" ? null : s.asof; // exposure answers are asked as of the date
    const keep = new Set();
    if (s.v === "entity" && s.id) keep.add(s.id);
    if (s.v === "exposure" && this.exposure) {
      keep.add(s.policy);
      for (const x of this.exposure.list) keep.add(x.supplier.id);
      for (const b of this.exposure.beneficiaries) keep.add(b.entity.id);
    }
    const counts = filter(this.cy, (d) => !hidden.has(d.type) && validAt(this.relations.get(d.id) || {}, asOf), keep);
    highlight(this.cy, this.highlighted());
    $("counts").textContent = `${counts.nodes} entities · ${counts.edges} relations`;
  }

  highlighted() {
    const s = this.state;
    if (s.v === "exposure" && this.exposure && s.org) {
      const x = this.exposure.list.find((e) => e.supplier.id === s.org)
        || this.exposure.beneficiaries.find((b) => b.entity.id === s.org);
      return x ? x.path.map((r) => r.id) : [];
    }
    if (s.v === "path") return [...this.relations.keys()];
    return [];
  }

  // ------------------------------------------------------------------ neighbourhood

  async neighbourhood(id) {
    if (this.neighbourhoods.has(id)) return this.neighbourhoods.get(id);
    const data = await gql(`query N($id: ID!, $first: Int) { entity(id: $id) { ...E
      relations(first: $first) { totalCount edges { node { ${RELATION_FIELDS} } } } } } ${this.fragment}`,
    { id, first: NEIGHBOURS });
    if (!data.entity) throw new Error(`No entity with id “${id}”`);
    const { relations, ...entity } = data.entity;
    this.entities.set(id, entity);
    const result = { entity, total: relations.totalCount, relations: relations.edges.map((e) => e.node) };
    this.neighbourhoods.set(id, result);
    return result;
  }

  async renderNeighbourhood(generation) {
    const s = this.state;
    if (!s.id) {
      this.scene("", new Map(), new Map());
      return;
    }
    const ids = [s.id, ...s.x.filter((x) => x !== s.id)];
    const parts = await Promise.all(ids.map((id) => this.neighbourhood(id)));
    if (this.stale(generation)) return;
    const nodes = new Map();
    const relations = new Map();
    for (const part of parts) {
      nodes.set(part.entity.id, part.entity);
      for (const r of part.relations) {
        relations.set(r.id, r);
        nodes.set(r.source.id, nodes.get(r.source.id) || r.source);
        nodes.set(r.target.id, nodes.get(r.target.id) || r.target);
      }
    }
    this.scene(`entity:${s.id}`, nodes, relations);
    this.cy.nodes().removeClass("focus expanded");
    this.cy.getElementById(s.id).addClass("focus");
    for (const x of s.x) this.cy.getElementById(x).addClass("expanded");
    const first = parts[0];
    $("entity-hint").textContent = `${first.entity.name}: ${first.relations.length} of ${first.total} relations shown`
      + (s.x.length ? `, ${s.x.length} node(s) expanded` : "")
      + ". Double-click a node, or use “Expand” in the side panel, to add its neighbours.";
  }

  expand(id) {
    const s = this.state;
    if (s.v !== "entity" || !s.id) return this.set({ v: "entity", id, x: [], sel: `n:${id}`, org: undefined });
    if (id === s.id || s.x.includes(id)) return this.select(`n:${id}`);
    return this.set({ x: [...s.x, id], sel: `n:${id}` });
  }

  // ------------------------------------------------------------------ exposure

  /** Exposures, beneficiaries and what the policy reaches. With the API's ``exposure``
   * answer (rule version in force, beneficiaries with their reasons and paths) when it offers
   * one; else from ``suppliersExposedTo`` and the relations of those who benefit. */
  async loadExposure(policy, asOf, depth) {
    const impact = this.contract.selection("PolicyImpact", ["policy"]);
    const exposure = `kind depth score ${this.exposureExtras} supplier { id kind name } path { ${RELATION_FIELDS} }`;
    const answered = this.contract.has("Query", "exposure") && this.contract.has("ExposureAnswer", "beneficiaries");
    const head = answered ? this.contract.selection("ExposureAnswer", ["exposures", "beneficiaries", "policy"]) : "";
    const benefit = answered ? this.contract.selection("Beneficiary", ["entity", "path"]) : "";
    const data = await gql(`query X($p: ID!, $asOf: Date, $d: Int) {
      ${answered
        ? `exposure(policy: $p, maxDepth: $d, asOf: $asOf, first: 200) { ${head}
             exposures { ${exposure} } beneficiaries { ${benefit} entity { id kind name } path { ${RELATION_FIELDS} } } }`
        : `suppliersExposedTo(policy: $p, maxDepth: $d, asOf: $asOf, first: 200) { ${exposure} }
           entity(id: $p) { benefits: relations(direction: IN, types: ["${BENEFITS}"], first: 100) {
             edges { node { ${RELATION_FIELDS} } } } }`}
      policyImpact(policy: $p, asOf: $asOf) { policy { id kind name } ${impact} }
    }`, { p: policy, asOf: asOf || null, d: depth });
    const policyEntity = data.policyImpact.policy;
    if (answered) {
      const { exposures, beneficiaries, ...answer } = data.exposure;
      return { list: exposures, beneficiaries, answer, impact: data.policyImpact, policy: policyEntity };
    }
    const relations = data.entity ? data.entity.benefits.edges.map((e) => e.node).filter((r) => validAt(r, asOf)) : [];
    const beneficiaries = relations.map((r) => ({ entity: r.source, path: [r], reason: relationLabel(this.palette, r.type) }));
    return { list: data.suppliersExposedTo, beneficiaries, answer: null, impact: data.policyImpact, policy: policyEntity };
  }

  async renderExposure(generation) {
    const s = this.state;
    if (!s.policy) {
      this.exposure = null;
      this.scene("", new Map(), new Map());
      clear($("exposure-list"), h("p", { class: "hint" }, "Pick a policy to see the organizations it reaches, ranked."));
      clear($("beneficiaries"));
      return;
    }
    const depth = Number(s.depth || 3);
    const key = `exposure:${s.policy}:${s.asof || ""}:${depth}`;
    if (!this.exposure || this.exposure.key !== key) {
      const loaded = await this.loadExposure(s.policy, s.asof, depth);
      if (this.stale(generation)) return;
      this.exposure = { key, ...loaded };
    }
    const x = this.exposure;
    $("policy-input").value = x.policy.name;
    const nodes = new Map([[x.policy.id, x.policy]]);
    const relations = new Map();
    for (const e of [...x.list, ...x.beneficiaries.map((b) => ({ supplier: b.entity, path: b.path }))]) {
      nodes.set(e.supplier.id, e.supplier);
      for (const r of e.path) {
        relations.set(r.id, r);
        nodes.set(r.source.id, r.source);
        nodes.set(r.target.id, r.target);
      }
    }
    this.scene(key, nodes, relations, { idealEdgeLength: () => 60 });
    this.cy.nodes().removeClass("focus");
    this.cy.getElementById(x.policy.id).addClass("focus");
    this.cy.nodes().removeClass("beneficiary");
    for (const b of x.beneficiaries) this.cy.getElementById(b.entity.id).addClass("beneficiary");
    this.renderExposureList();
    this.renderBeneficiaries();
  }

  renderExposureList() {
    const s = this.state;
    const x = this.exposure;
    // The date the answer was asked for: the slider's, else the one the API says it used.
    const asked = s.asof || (x.answer && x.answer.asOf) || (x.list[0] && typeof x.list[0].asOf === "string" ? x.list[0].asOf : "");
    const when = asked ? ` on ${asked}` : "";
    const rule = x.answer ? h("p", { class: "hint", id: "exposure-rule" }, x.answer.inForce === false
      ? `${x.policy.name} is not in force${when}.`
      : `Rule version in force${when}: ${x.answer.ruleVersion || "none recorded"}.`) : null;
    if (!x.list.length) {
      clear($("exposure-list"), rule, h("p", { class: "hint", id: "exposure-empty" }, `No organization is exposed to ${x.policy.name}${when}.`));
      return;
    }
    const rows = x.list.map((e, i) => h("tr", { "aria-current": String(e.supplier.id === s.org), "data-org": e.supplier.id },
      h("td", { class: "num" }, i + 1),
      h("td", {}, h("button", { type: "button", onclick: () => this.set({ org: e.supplier.id, sel: `x:${e.supplier.id}` }) },
        swatch(this.palette, e.supplier.kind), " ", e.supplier.name)),
      h("td", {}, h("span", { class: "kind-tag" }, e.kind)),
      h("td", { class: "num" }, e.depth),
      h("td", { class: "num" }, e.score.toFixed(3))));
    clear($("exposure-list"), rule,
      h("p", { class: "hint" }, `${x.list.length} organizations exposed to ${x.policy.name}${when}, closest first.`),
      h("table", { class: "ranked", id: "exposure-table" },
        h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "organization"), h("th", {}, "kind"), h("th", {}, "depth"), h("th", {}, "score"))),
        h("tbody", {}, rows)));
  }

  renderBeneficiaries() {
    const x = this.exposure;
    const reach = Object.entries(x.impact)
      .filter(([k, v]) => k !== "policy" && Array.isArray(v))
      .map(([k, v]) => h("li", {}, h("details", {}, h("summary", {}, `${k} (${v.length})`),
        h("p", {}, v.map((e) => (e.name || e.id || "")).join(" · ")))));
    clear($("beneficiaries"),
      h("h3", {}, `Beneficiaries (${x.beneficiaries.length})`),
      x.beneficiaries.length
        ? h("ul", { class: "list", id: "beneficiary-list" }, x.beneficiaries.map((b) => h("li", {},
            h("button", { class: "item", type: "button", "data-org": b.entity.id, "aria-current": String(b.entity.id === this.state.org),
              onclick: () => this.set({ org: b.entity.id, sel: `b:${b.entity.id}` }) },
              swatch(this.palette, b.entity.kind), h("span", {}, b.entity.name), h("span", { class: "sub" }, b.reason)))))
        : h("p", { class: "hint" }, "None recorded."),
      h("h3", {}, "What the policy reaches directly"),
      h("ul", { class: "list" }, reach));
  }

  renderBeneficiaryDetail(id) {
    const b = this.exposure.beneficiaries.find((e) => e.entity.id === id);
    if (!b) return false;
    const extras = Object.keys(b).filter((k) => !["entity", "path", "reason"].includes(k) && b[k] != null);
    clear($("details"),
      h("h2", {}, swatch(this.palette, b.entity.kind), " ", b.entity.name),
      h("p", {}, `Benefits from ${this.exposure.policy.name} (not exposed)`),
      h("dl", { class: "facts" }, h("dt", {}, "reason"), h("dd", {}, b.reason),
        extras.map((k) => [h("dt", {}, k), h("dd", {}, this.value(b[k]))])),
      this.pathList(b.path),
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => this.select(`n:${id}`) }, "Entity details"),
        h("button", { type: "button", onclick: () => this.set({ v: "entity", id, x: [], sel: `n:${id}` }) }, "Open neighbourhood")));
    return true;
  }

  pathList(path) {
    return [h("h3", {}, `Path of facts (${path.length})`),
      h("ol", { class: "list", id: "exposure-path" }, path.map((r) => h("li", {},
        h("button", { class: "item", type: "button", "data-relation": r.id, onclick: () => this.showRelation(r, "exposure") },
          h("span", {}, r.source.name), h("span", { class: "badge" }, relationLabel(this.palette, r.type)), h("span", {}, r.target.name)))))];
  }

  renderExposureDetail(org) {
    const x = this.exposure.list.find((e) => e.supplier.id === org);
    if (!x) return false;
    const known = ["kind", "depth", "score", "path", "supplier"];
    const extras = Object.keys(x).filter((k) => !known.includes(k) && x[k] != null);
    clear($("details"),
      h("h2", {}, swatch(this.palette, x.supplier.kind), " ", x.supplier.name),
      h("p", {}, `Exposed to ${this.exposure.policy.name}`),
      h("dl", { class: "facts" },
        h("dt", {}, "kind"), h("dd", {}, x.kind),
        h("dt", {}, "depth"), h("dd", {}, x.depth),
        h("dt", {}, "score"), h("dd", {}, x.score.toFixed(4)),
        extras.map((k) => [h("dt", {}, k), h("dd", {}, this.value(x[k]))])),
      this.pathList(x.path),
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => this.select(`n:${org}`) }, "Entity details"),
        h("button", { type: "button", onclick: () => this.set({ v: "entity", id: org, x: [], sel: `n:${org}` }) }, "Open neighbourhood")));
    return true;
  }

  /** An answer field of a shape this page does not know: entities as links, the rest as text. */
  value(v) {
    if (Array.isArray(v)) return v.map((item, i) => [i ? ", " : "", this.value(item)]);
    if (v && typeof v === "object" && v.id && v.kind && v.name) {
      return h("button", { class: "item", type: "button", onclick: () => this.select(`n:${v.id}`) }, swatch(this.palette, v.kind), h("span", {}, v.name));
    }
    if (v && typeof v === "object" && v.type && v.source && v.target) {
      return h("button", { class: "item", type: "button", onclick: () => this.showRelation(v) }, `${v.source.name} ${relationLabel(this.palette, v.type)} ${v.target.name}`);
    }
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  }

  // ------------------------------------------------------------------ path

  async renderPath(generation) {
    const s = this.state;
    if (!s.from || !s.to) {
      this.scene("", new Map(), new Map());
      clear($("path-list"), h("p", { class: "hint" }, "Pick two entities."));
      return;
    }
    const len = Number(s.len || 4);
    const data = await gql(`query P($a: ID!, $b: ID!, $n: Int) { path(from: $a, to: $b, maxLength: $n) { ${RELATION_FIELDS} }
      a: entity(id: $a) { id kind name } b: entity(id: $b) { id kind name } }`, { a: s.from, b: s.to, n: len });
    if (this.stale(generation)) return;
    if (!data.a || !data.b) throw new Error(`No entity with id “${data.a ? s.to : s.from}”`);
    $("from-input").value = data.a.name;
    $("to-input").value = data.b.name;
    const path = data.path || [];
    const nodes = new Map([[data.a.id, data.a], [data.b.id, data.b]]);
    const relations = new Map();
    for (const r of path) {
      relations.set(r.id, r);
      nodes.set(r.source.id, r.source);
      nodes.set(r.target.id, r.target);
    }
    this.scene(`path:${s.from}:${s.to}:${len}`, nodes, relations, { name: "breadthfirst", roots: [data.a.id], directed: false, spacingFactor: 1.2 });
    clear($("path-list"), data.path
      ? h("ol", { class: "list" }, path.map((r) => h("li", {},
          h("button", { class: "item", type: "button", "data-relation": r.id, onclick: () => this.select(`e:${r.id}`) },
            h("span", {}, r.source.name), h("span", { class: "badge" }, relationLabel(this.palette, r.type)), h("span", {}, r.target.name),
            !validAt(r, s.asof) && h("span", { class: "sub" }, `not valid on ${s.asof}`)))))
      : h("p", { class: "hint" }, `No chain of at most ${len} relations links ${data.a.name} and ${data.b.name}.`));
  }

  // ------------------------------------------------------------------ selection

  select(sel) {
    return this.set({ sel }, { push: false });
  }

  showRelation(rel, from) {
    this.relations.set(rel.id, this.relations.get(rel.id) || rel);
    this.extraRelation = rel;
    return this.select(`e:${rel.id}`).then(() => from);
  }

  async renderSelection(generation) {
    const sel = this.state.sel || "";
    const [what, ...rest] = sel.split(":");
    const id = rest.join(":");
    this.cy.elements().unselect();
    if (what === "x" && this.state.v === "exposure" && this.exposure && this.renderExposureDetail(id)) return;
    if (what === "b" && this.state.v === "exposure" && this.exposure && this.renderBeneficiaryDetail(id)) return;
    if (what === "e") {
      const rel = this.relations.get(id) || (this.extraRelation && this.extraRelation.id === id ? this.extraRelation : null);
      if (rel) {
        this.cy.getElementById(id).select();
        const back = this.state.v === "exposure" && this.state.org
          ? { label: "back to the exposure", action: () => this.select(this.exposure.list.some((e) => e.supplier.id === this.state.org) ? `x:${this.state.org}` : `b:${this.state.org}`) } : null;
        renderRelation($("details"), this.palette, rel, { asOf: this.state.asof, onNode: (n) => this.select(`n:${n}`), back });
        return;
      }
    }
    if (what === "n" && id) {
      this.cy.getElementById(id).select();
      await this.renderNode(id, generation);
      return;
    }
    clear($("details"), h("p", { class: "hint" }, "Click a node for its attributes, names and listings; click an edge for its sources."));
  }

  async renderNode(id, generation) {
    const data = await gql(`query D($id: ID!) { entity(id: $id) { ...E
      listings: relations(direction: IN, types: ["${LISTING}"], first: 50) { edges { node { ${RELATION_FIELDS} } } } } } ${this.fragment}`, { id });
    if (this.stale(generation)) return;
    if (!data.entity) throw new Error(`No entity with id “${id}”`);
    const { listings, ...entity } = data.entity;
    const isPolicy = (this.palette.kinds[entity.kind]?.ancestors || []).includes(POLICY);
    const inView = [...this.relations.values()].filter((r) => (r.source.id === id || r.target.id === id)
      && !this.cy.getElementById(r.id).hasClass("off"));
    const actions = [
      ["Expand", () => this.expand(id), "expand"],
      ["Open neighbourhood", () => this.set({ v: "entity", id, x: [], sel: `n:${id}` }), "focus"],
      isPolicy && ["Exposure to this policy", () => this.set({ v: "exposure", policy: id, org: undefined, sel: undefined }), "exposure"],
      ["Path from here", () => this.set({ v: "path", from: id, sel: undefined }), "path-from"],
      ["Path to here", () => this.set({ v: "path", to: id, sel: undefined }), "path-to"],
    ].filter(Boolean);
    renderEntity($("details"), this.palette, entity, {
      attributes: this.attributes,
      listings: listings.edges.map((e) => e.node),
      inView,
      actions,
      onRelation: (r) => this.showRelation(r),
    });
  }

  // ------------------------------------------------------------------ controls

  renderTypeFilter() {
    const counts = new Map();
    for (const r of this.relations.values()) counts.set(r.type, (counts.get(r.type) || 0) + 1);
    const hidden = new Set(this.state.hide);
    const types = [...new Set([...counts.keys(), ...hidden])].sort();
    clear($("type-list"), types.length ? types.map((t) => h("label", {},
      h("input", { type: "checkbox", value: t, checked: !hidden.has(t), onchange: (e) => this.toggleType(t, e.target.checked) }),
      " ", relationLabel(this.palette, t), " ", h("span", { class: "n" }, `(${counts.get(t) || 0})`))) : h("p", { class: "hint" }, "Nothing drawn yet."));
  }

  toggleType(type, shown) {
    const hide = new Set(this.state.hide);
    if (shown) hide.delete(type);
    else hide.add(type);
    this.state.hide = [...hide].sort();
    writeState(this.state);
    this.applyFilter();
  }

  async search(text) {
    const q = text.trim();
    const results = $("results");
    if (!q) {
      results.hidden = true;
      return;
    }
    const data = await gql(`query S($q: String!) { search(query: $q, first: 30) { score ${this.matched} entity { id kind name names { lang value } } } }`, { q });
    const groups = new Map();
    for (const hit of data.search) {
      if (!groups.has(hit.entity.kind)) groups.set(hit.entity.kind, []);
      groups.get(hit.entity.kind).push(hit);
    }
    results.hidden = false;
    clear(results,
      h("h2", {}, `Results for “${q}”`, h("button", { type: "button", style: "float:right", onclick: () => { results.hidden = true; } }, "close")),
      data.search.length ? [...groups].map(([kind, hits]) => h("div", { class: "group", "data-kind": kind },
        h("h3", {}, swatch(this.palette, kind), " ", this.palette.kinds[kind]?.label || kind, ` (${hits.length})`),
        h("ul", { class: "list" }, hits.map((hit) => this.resultItem(hit))))) : h("p", { class: "hint" }, "Nothing matches."));
  }

  resultItem(hit) {
    const e = hit.entity;
    const zh = e.names.find((n) => n.lang.startsWith("zh"));
    const isPolicy = (this.palette.kinds[e.kind]?.ancestors || []).includes(POLICY);
    return h("li", {},
      h("button", { class: "item result", type: "button", "data-id": e.id, onclick: () => this.pick({ v: "entity", id: e.id, x: [], sel: `n:${e.id}` }) },
        h("span", {}, e.name), zh && h("span", { class: "zh", lang: zh.lang }, zh.value),
        h("span", { class: "sub", title: hit.matchedName ? `matched “${hit.matchedName}”` : "" }, hit.score.toFixed(2))),
      isPolicy && h("div", { class: "row-actions" },
        h("button", { type: "button", "data-exposure": e.id, onclick: () => this.pick({ v: "exposure", policy: e.id, org: undefined, sel: undefined }) }, "exposure")));
  }

  /** Leave the search results for the view a result opens. */
  pick(patch) {
    $("results").hidden = true;
    return this.set({ ...patch, q: undefined });
  }

  picker(inputId, listId, kinds, pick) {
    const input = $(inputId);
    const list = $(listId);
    const run = debounce(async () => {
      const q = input.value.trim();
      if (!q) return clear(list);
      try {
        const data = await gql(`query S($q: String!, $k: [String!]) { search(query: $q, kinds: $k, first: 8) { entity { id kind name } } }`, { q, k: kinds });
        clear(list, h("ul", { class: "list" }, data.search.map(({ entity: e }) => h("li", {},
          h("button", { class: "item", type: "button", "data-id": e.id, onclick: () => { clear(list); input.value = e.name; pick(e.id); } },
            swatch(this.palette, e.kind), h("span", {}, e.name))))));
      } catch (err) {
        this.status(err.message, true);
      }
    }, 200);
    input.addEventListener("input", run);
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "ArrowDown" || ev.key === "Enter") {
        const first = list.querySelector("button");
        if (first) {
          ev.preventDefault();
          if (ev.key === "Enter") first.click();
          else first.focus();
        }
      }
    });
  }

  bind() {
    $("search-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.state.q = $("search-input").value;
      writeState(this.state);
      this.search(this.state.q).catch((err) => this.status(err.message, true));
    });
    for (const v of ["entity", "exposure", "path"]) {
      $(`tab-${v}`).addEventListener("click", () => this.set({ v, sel: undefined }));
    }
    $("depth-select").addEventListener("change", (e) => this.set({ depth: e.target.value, org: undefined }));
    $("length-select").addEventListener("change", (e) => this.set({ len: e.target.value }));
    $("types-all").addEventListener("click", () => { this.state.hide = []; writeState(this.state); this.renderTypeFilter(); this.applyFilter(); });
    $("types-none").addEventListener("click", () => {
      this.state.hide = [...new Set([...this.relations.values()].map((r) => r.type))].sort();
      writeState(this.state);
      this.renderTypeFilter();
      this.applyFilter();
    });
    this.picker("policy-input", "policy-suggestions", [POLICY], (id) => this.set({ v: "exposure", policy: id, org: undefined, sel: undefined }));
    this.picker("from-input", "from-suggestions", null, (id) => this.set({ v: "path", from: id }));
    this.picker("to-input", "to-suggestions", null, (id) => this.set({ v: "path", to: id }));
    this.slider = asOfSlider($("asof"), $("asof-label"), (asof) => this.set({ asof }, { push: false }));
    window.addEventListener("popstate", () => { this.state = readState(); this.render(); });
    window.addEventListener("hashchange", () => { this.state = readState(); this.render(); });
    document.addEventListener("keydown", (ev) => this.keys(ev));
  }

  keys(ev) {
    const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement?.tagName);
    if (ev.key === "/" && !typing) {
      ev.preventDefault();
      $("search-input").focus();
    } else if (ev.key === "Escape") {
      this.select(undefined);
    } else if ((ev.key === "ArrowDown" || ev.key === "ArrowUp") && document.activeElement?.closest("#results, .suggestions, #exposure-table, #left ul")) {
      const scope = document.activeElement.closest("#left");
      const buttons = [...scope.querySelectorAll("#results button.result, .suggestions button, #exposure-table button, ul.list button")].filter((b) => b.offsetParent);
      const i = buttons.indexOf(document.activeElement);
      const next = buttons[i + (ev.key === "ArrowDown" ? 1 : -1)];
      if (next) {
        ev.preventDefault();
        next.focus();
      }
    } else if (ev.key === "ArrowDown" && document.activeElement === $("search-input")) {
      const first = document.querySelector("#results button.result");
      if (first) {
        ev.preventDefault();
        first.focus();
      }
    }
  }

  legend() {
    clear($("legend"), Object.entries(this.palette.families).map(([family, s]) =>
      h("span", {}, h("span", { class: `swatch ${s.shape}`, style: `background:${s.color}` }), family)),
    h("span", {}, h("span", { class: "swatch ellipse beneficiary" }), "beneficiary"));
  }

  async start() {
    this.bind();
    this.legend();
    if (this.state.q) {
      $("search-input").value = this.state.q;
      this.search(this.state.q).catch((err) => this.status(err.message, true));
    }
    if (this.state.depth) $("depth-select").value = this.state.depth;
    if (this.state.len) $("length-select").value = this.state.len;
    await this.render();
  }
}

async function main() {
  try {
    const [palette, contract] = await Promise.all([
      fetch("/explore/palette.json").then((r) => r.json()),
      Contract.load(),
    ]);
    await new Explorer(palette, contract).start();
  } catch (err) {
    document.getElementById("status").textContent = `The explorer could not start: ${err.message}`;
    document.getElementById("status").classList.add("error");
  }
}

main();
