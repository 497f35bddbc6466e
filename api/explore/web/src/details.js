// The right-hand panel: a relation's provenance, an entity's attributes, names and listings.
import { h, clear } from "./dom.js";

const LANGS = { en: "English", zh: "Chinese", "zh-Hans": "Chinese (simplified)", "zh-Hant": "Chinese (traditional)", ja: "Japanese", ko: "Korean", de: "German", fr: "French", nl: "Dutch" };

export function relationLabel(palette, type) {
  return palette.relations[type] ? palette.relations[type].label : type;
}

export function swatch(palette, kind) {
  const k = palette.kinds[kind];
  const f = k && palette.families[k.family];
  return h("span", { class: `swatch ${f ? f.shape : ""}`, style: f ? `background:${f.color}` : "", "aria-hidden": "true" });
}

function kindLabel(palette, kind) {
  return palette.kinds[kind] ? palette.kinds[kind].label : kind;
}

function entityButton(palette, e, onNode) {
  return h("button", { class: "item", type: "button", onclick: () => onNode(e.id), title: `Show ${e.name}` },
    swatch(palette, e.kind), h("span", {}, e.name));
}

export function validAt(rel, asOf) {
  if (!asOf) return true;
  return (!rel.validFrom || rel.validFrom <= asOf) && (!rel.validTo || asOf <= rel.validTo);
}

function validity(rel) {
  if (!rel.validFrom && !rel.validTo) return "no recorded bounds (taken as always valid)";
  return `${rel.validFrom || "…"} to ${rel.validTo || "open"}`;
}

function citation(c) {
  const s = c.source;
  const title = s.title || s.id;
  const meta = [s.publisher, s.published, s.kind].filter(Boolean).join(" · ");
  return h("div", { class: "cite" },
    h("div", {}, s.url ? h("a", { href: s.url, target: "_blank", rel: "noopener noreferrer" }, title) : h("strong", {}, title)),
    meta && h("div", { class: "meta" }, meta),
    c.evidence ? h("blockquote", {}, `“${c.evidence}”`) : h("div", { class: "meta" }, "No excerpt recorded for this citation."),
    h("div", { class: "meta" }, `source id: ${s.id}`),
  );
}

/** A relation: its two ends, confidence, validity, qualifiers and every citation. */
export function renderRelation(el, palette, rel, { asOf, onNode, back } = {}) {
  const props = rel.properties && typeof rel.properties === "object" ? Object.entries(rel.properties) : [];
  clear(el,
    back && h("button", { type: "button", onclick: back.action }, `← ${back.label}`),
    h("h2", {}, "Relation"),
    h("p", { class: "edge-title" },
      entityButton(palette, rel.source, onNode),
      h("span", { class: "badge" }, relationLabel(palette, rel.type), " →"),
      entityButton(palette, rel.target, onNode)),
    h("dl", { class: "facts" },
      h("dt", {}, "type"), h("dd", {}, rel.type),
      h("dt", {}, "confidence"), h("dd", {}, rel.confidence == null ? "not given" : rel.confidence.toFixed(2)),
      h("dt", {}, "valid"), h("dd", {}, validity(rel)),
      asOf && [h("dt", {}, `on ${asOf}`), h("dd", {}, validAt(rel, asOf) ? "valid" : "not valid")],
      props.map(([k, v]) => [h("dt", {}, k), h("dd", {}, typeof v === "object" ? JSON.stringify(v) : String(v))]),
      h("dt", {}, "id"), h("dd", {}, rel.id),
    ),
    h("h3", {}, `Sources (${rel.provenance.length})`),
    rel.provenance.length ? rel.provenance.map(citation) : h("p", { class: "hint" }, "No source recorded."),
  );
}

/** When a listing named the entity: a listing that ended says so, it is not "since". */
function listedWhen(r) {
  if (r.validTo) return `${r.validFrom || "…"} to ${r.validTo} (ended)`;
  return r.validFrom ? `since ${r.validFrom}` : "";
}

function namesTable(entity) {
  const rows = entity.names.map((n) =>
    h("tr", {}, h("td", { class: "meta" }, LANGS[n.lang] ? `${LANGS[n.lang]} (${n.lang})` : n.lang), h("td", { lang: n.lang }, n.value)));
  return h("table", { class: "ranked names" }, h("tbody", {},
    h("tr", {}, h("td", { class: "meta" }, "name"), h("td", {}, entity.name)), rows));
}

/** An entity: attributes, names in every language, aliases, listings, and what to do next. */
export function renderEntity(el, palette, entity, { attributes, listings, inView, actions, onRelation }) {
  const kind = palette.kinds[entity.kind];
  const attrs = (attributes[entity.kind] || []).filter((a) => entity[a] != null);
  clear(el,
    h("h2", {}, swatch(palette, entity.kind), " ", entity.name),
    h("p", {}, h("span", { class: "badge" }, kindLabel(palette, entity.kind)), " ",
      kind && h("span", { class: "badge" }, kind.family)),
    entity.description && h("p", {}, entity.description),
    h("div", { class: "actions" }, actions.map(([label, fn, key]) => h("button", { type: "button", onclick: fn, "data-action": key }, label))),
    h("dl", { class: "facts" },
      h("dt", {}, "id"), h("dd", {}, entity.id),
      entity.wikidata && [h("dt", {}, "Wikidata"), h("dd", {}, h("a", { href: `https://www.wikidata.org/wiki/${entity.wikidata}`, target: "_blank", rel: "noopener noreferrer" }, entity.wikidata))],
      attrs.map((a) => [h("dt", {}, a), h("dd", {}, String(entity[a]))]),
    ),
    h("h3", {}, "Names"),
    namesTable(entity),
    entity.aliases.length ? [h("h3", {}, "Aliases"), h("p", {}, entity.aliases.join(" · "))] : null,
    h("h3", {}, `Listings (${listings.length})`),
    listings.length
      ? h("ul", { class: "list" }, listings.map((r) => h("li", {},
          h("button", { class: "item", type: "button", onclick: () => onRelation(r) },
            swatch(palette, r.source.kind), h("span", {}, r.source.name),
            h("span", { class: "sub" }, listedWhen(r))))))
      : h("p", { class: "hint" }, "Not named by any listing or sanction in the graph."),
    inView.length ? [h("h3", {}, `Relations in view (${inView.length})`),
      h("ul", { class: "list" }, inView.map((r) => h("li", {},
        h("button", { class: "item", type: "button", onclick: () => onRelation(r), "data-relation": r.id },
          h("span", { class: "badge" }, relationLabel(palette, r.type)),
          h("span", {}, r.source.id === entity.id ? `→ ${r.target.name}` : `← ${r.source.name}`)))))] : null,
  );
}
