// Everything the page knows comes from POST /graphql; the shape of the queries is read from
// the schema itself (introspection), so classes, attributes and new answer fields that the
// API adds appear here without an edit.

export class ApiError extends Error {}

export async function gql(query, variables = {}) {
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new ApiError(`The API did not answer: ${err.message}`);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`The API answered ${response.status} without JSON`);
  }
  if (body.errors && body.errors.length) {
    throw new ApiError(body.errors.map((e) => e.message).join("; "));
  }
  if (!response.ok) throw new ApiError(`The API answered ${response.status}`);
  return body.data;
}

const INTROSPECT = `{ __schema { types { name kind
  interfaces { name }
  fields { name args { defaultValue type { kind } }
    type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
} } }`;

function named(type) {
  while (type && type.ofType) type = type.ofType;
  return type;
}

export const CITATION = "provenance { evidence source { id title publisher url published kind } }";
export const RELATION_FIELDS = `id type confidence validFrom validTo properties
  source { id kind name } target { id kind name } ${CITATION}`;
const ENTITY_CORE = ["id", "kind", "name", "names", "aliases", "wikidata", "description", "relations"];

// What the schema offers: the entity fragment (with each class's own attributes), and a
// selection for any object type built from its fields (used for answers that grow by addition).
export class Contract {
  constructor(types) {
    this.types = new Map(types.map((t) => [t.name, t]));
  }

  static async load() {
    const data = await gql(INTROSPECT);
    return new Contract(data.__schema.types);
  }

  fields(typeName) {
    const t = this.types.get(typeName);
    return t && t.fields ? t.fields : [];
  }

  has(typeName, field) {
    return this.fields(typeName).some((f) => f.name === field);
  }

  /** Scalar fields a class adds to the Entity interface, by class name. */
  attributes() {
    const out = {};
    for (const t of this.types.values()) {
      if (t.kind !== "OBJECT" || !(t.interfaces || []).some((i) => i.name === "Entity")) continue;
      const extra = t.fields
        .filter((f) => !ENTITY_CORE.includes(f.name))
        .filter((f) => ["SCALAR", "ENUM"].includes(named(f.type).kind))
        .map((f) => f.name);
      if (extra.length) out[t.name] = extra;
    }
    return out;
  }

  entityFragment() {
    const parts = Object.entries(this.attributes())
      .map(([type, fields]) => `... on ${type} { ${fields.join(" ")} }`)
      .join(" ");
    return `fragment E on Entity { id kind name names { lang value } aliases wikidata description ${parts} }`;
  }

  /** A selection of every field of ``typeName`` (entities by id/kind/name, relations whole). */
  selection(typeName, skip = [], depth = 0) {
    const parts = [];
    for (const f of this.fields(typeName)) {
      if (skip.includes(f.name)) continue;
      if ((f.args || []).some((a) => a.type.kind === "NON_NULL" && a.defaultValue == null)) continue;
      const t = named(f.type);
      if (["SCALAR", "ENUM"].includes(t.kind)) parts.push(f.name);
      else if (t.name === "Entity" || this.isEntity(t.name)) parts.push(`${f.name} { id kind name }`);
      else if (t.name === "Relation") parts.push(`${f.name} { ${RELATION_FIELDS} }`);
      else if (depth < 2 && t.kind === "OBJECT") {
        const inner = this.selection(t.name, [], depth + 1);
        if (inner) parts.push(`${f.name} { ${inner} }`);
      }
    }
    return parts.join(" ");
  }

  isEntity(typeName) {
    const t = this.types.get(typeName);
    return !!t && (t.interfaces || []).some((i) => i.name === "Entity");
  }
}
