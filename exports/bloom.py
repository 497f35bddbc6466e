"""Neo4j Bloom perspective and Neo4j Browser style sheet, generated from the ontology.

Nothing here names a class or a relation type: categories, colours, sizes, property lists,
relationship types and the Cypher of the search phrases all come from the
:class:`~ontology.schema.Schema` (and, for the phrases, from the relation names the
analyst questions of :mod:`store.analysis` are written over), so a class added to
``ontology/techsov.ttl`` gets a category and a style without an edit here.

**Where the format comes from.** Bloom has no published schema for perspective files.
The shape written here is the newest one seen in real exported perspectives (format
version ``2.21.0``, exported by Bloom in Aura/Workspace 2025-2026), checked key for key
against the exports in ``halftermeyer/quant-temporal-asset-correlation``
(``perspective.json``), ``vaibhavmann7/Bloom`` (``example/Review Network.json``) and
``halftermeyer/neo4j-data-asset-intelligence-graph``
(``bloom/data asset intel perspective.json``), and against the wider survey of eighteen
exports (Bloom 1.1.3 to 2.21.0) with the Neo4j Bloom user guide in the project's shared
notes on the format. Hand-written "perspectives" found in public repositories
(``nodeCategories``, ``searchPhrases``, ``caption: "{name}"``) are not Bloom's format and
were not followed. Choices those sources leave open:

- Categories are listed most specific class first: Bloom styles a node by the first
  category holding one of its labels, and every node carries its kind's ancestors as
  labels (``:Entity:Policy:ExportControl``).
- Colour and icon follow the class ``family`` (``ts:family``); colours are handed out from
  Bloom's own 14-colour palette in family order, as Bloom itself assigns them. Icons are
  the two catalogue ids whose meaning the exports make clear (a group for actors, a
  location pin for jurisdictions); everything else is ``"no-icon"``.
- Size by degree: a category's size multiplier is 2 when its class is among the most
  connected (top quartile of mean degree: the nodes' degree in ``graph`` when one is given,
  else the number of relation types the class takes part in), 1 otherwise.
- Relationship types take the colour of their domain's family when the domain is a single
  family (policy relations in the policy colour), Bloom's default grey otherwise; types
  carrying a ``share`` are drawn twice as thick (they are the quantified supply and
  ownership facts the concentration analysis reads).
- Search phrases match the user's text on ``name`` with label-key suggestions, and return
  paths, as the Bloom guide advises.

The Browser style (``.grass``) is generated from the same colours and sizes; Browser
merges the rules of every label of a node in file order, so general classes come first
and the most specific class wins.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from exports import rows as R
from ontology.model import Graph
from ontology.palette import PALETTE, families, family_colors
from ontology.schema import ROOT_CLASS, Schema
from store import analysis as A
from store.neo4j_queries import ANSWERS_LABEL, SOURCE_LABEL

FORMAT_VERSION = "2.21.0"
DEFAULT_RELATIONSHIP_COLOR = "#959AA1"
NO_ICON = "no-icon"
FAMILY_ICONS = {
    "actor": "1BA78CC1-ED89-46D5-9D2B-D78DC944A59D",  # group
    "jurisdiction": "59435072-6EE1-4BB0-869A-50F2FB447DEB",  # location
}
ENTITY_CAPTION = "name"
SOURCE_CAPTION = "id"  # a source's title is optional; its id is always there
TOOLTIP_KEYS = frozenset({"name", "kind", "description", "title", "publisher", "url"})
SHARE = "share"

SUPPLY_TIERS = 3
"""Supplier tiers the exposure and supply-chain phrases follow upstream."""
PATH_MAX_LENGTH = 6
"""Longest chain the path phrase looks for (the API's default depth cap)."""

_BLOOM_TYPE = {
    R.STRING: "string",
    R.DATE: "Date",
    R.FLOAT: "number",
    R.INT: "bigint",
    R.BOOL: "boolean",
    R.STRING_LIST: "array",
}


@dataclass(frozen=True)
class _Query:
    """A search phrase and, when it starts from one node, the matching scene action."""

    name: str  # the description Bloom shows under the phrase
    text: str  # what the user types, with $param tokens
    params: tuple[tuple[str, str], ...]  # ($name, suggestion label)
    anchor: tuple[str, str]  # (variable, label) of the node the first parameter names
    body: str  # Cypher from the anchor on, returning paths
    action: str | None = None  # scene-action name, if the query makes sense from a node
    start: str = ""  # Cypher binding the anchor(s), when not one node named by $param

    @property
    def phrase_start(self) -> str:
        var, label = self.anchor
        return self.start or f"MATCH ({var}:{label} {{{ENTITY_CAPTION}: {self.params[0][0]}}})"

    @property
    def action_start(self) -> str:
        var, label = self.anchor
        return f"UNWIND $nodes AS eid\nMATCH ({var}:{label}) WHERE elementId({var}) = eid"


def _cypher_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _t(schema: Schema, *names: str) -> str:
    """``:A|B`` for ontology relation names, in the schema's Neo4j spelling."""
    return ":" + "|".join(schema.relations[n].neo4j_type for n in names)


def _roles(schema: Schema, *roles: str) -> str:
    """``:A|B`` for the relation types playing ``roles`` (``ts:relationRole``)."""
    return _t(schema, *schema.with_role(*roles))


def _queries(schema: Schema) -> list[_Query]:
    """The analyst questions as Bloom phrases; labels and types come from the schema."""
    org, pol = A.ORGANIZATION, A.POLICY
    supplies, made = _roles(schema, "SupplyRole"), _roles(schema, "ProductionRole")
    hq = _roles(schema, "HeadquartersRole")
    broader, scope = _roles(schema, "KindOfRole"), _roles(schema, "ScopeRole")
    hq_rel = schema.relations[schema.with_role("HeadquartersRole")[0]]
    jurisdiction, supplied = hq_rel.range[0], schema.relations[schema.with_role("SupplyRole")[0]]
    names = _roles(schema, "ListingRole")
    named_label = schema.relations[schema.with_role("ListingRole")[0]].domain[0]
    all_types = _t(schema, *schema.relation_types)
    return [
        _Query(
            name=(
                "Organizations a policy exposes under the rule version in force when the graph "
                f"was loaded (up to {SUPPLY_TIERS} tiers), each with the facts that explain it: "
                "the stored answer of the exposure analysis"
            ),
            text="suppliers exposed to $policy",
            params=(("$policy", pol),),
            anchor=("p", pol),
            body=(
                f"MATCH (a:{ANSWERS_LABEL} {{policy: p.id}})\n"
                "UNWIND range(0, size(a.suppliers) - 1) AS i\n"
                f"WITH a, i WHERE a.depths[i] <= {SUPPLY_TIERS}\n"
                f"MATCH reach = (:{org} {{id: a.suppliers[i]}})\n"
                "CALL (a, i) {\n"
                "    UNWIND range(a.offsets[i], a.offsets[i + 1] - 1) AS j\n"
                f"    MATCH fact = (:{ROOT_CLASS} {{id: a.rel_sources[j]}})"
                f"-[r{all_types}]->(:{ROOT_CLASS} {{id: a.rel_targets[j]}})\n"
                "    WHERE r.id = a.rel_ids[j]\n"
                "    RETURN collect(fact) AS facts\n"
                "}\n"
                "RETURN reach, facts, null AS tier, null AS owner"
            ),
            action="Exposed suppliers",
        ),
        _Query(
            name=(
                f"Suppliers of an organization up to {SUPPLY_TIERS} tiers, what each of them "
                "produces or develops, and where each is headquartered"
            ),
            text="supply chain of $firm",
            params=(("$firm", supplied.range[0]),),
            anchor=("f", org),
            body=(
                f"MATCH chain = (f)<-[{supplies}*0..{SUPPLY_TIERS}]-(o:{org})\n"
                f"OPTIONAL MATCH product = (o)-[{made}]->()\n"
                f"OPTIONAL MATCH seat = (o)-[{hq}]->(:{jurisdiction})\n"
                "RETURN chain, product, seat"
            ),
            action="Supply chain",
        ),
        _Query(
            name="Technologies and products a policy targets or its rules cover, with their "
            "narrower kinds in the technology taxonomy",
            text="what $policy targets",
            params=(("$policy", pol),),
            anchor=("p", pol),
            body=(
                f"MATCH path = (p)<-[{_roles(schema, 'RuleOfRole')}*0..1]-()-[{scope}]->()"
                f"<-[{broader}*0..]-()\nRETURN path"
            ),
            action="What it targets",
        ),
        _Query(
            name=(
                "Shortest chain of facts between two entities, in either direction, "
                f"at most {PATH_MAX_LENGTH} long"
            ),
            text="path from $a to $b",
            params=(("$a", ROOT_CLASS), ("$b", ROOT_CLASS)),
            anchor=("a", ROOT_CLASS),
            start=(
                f"MATCH (a:{ROOT_CLASS} {{{ENTITY_CAPTION}: $a}}), "
                f"(b:{ROOT_CLASS} {{{ENTITY_CAPTION}: $b}})"
            ),
            body=(
                "WHERE a <> b\n"
                f"MATCH path = shortestPath((a)-[{all_types}*..{PATH_MAX_LENGTH}]-(b))\n"
                "RETURN path"
            ),
        ),
        _Query(
            name="Organizations a listing or sanction names, and where they are headquartered",
            text="who is named by $listing",
            params=(("$listing", named_label),),
            anchor=("l", named_label),
            body=(
                f"MATCH path = (l)-[{names}]->(o:{org})\n"
                f"OPTIONAL MATCH seat = (o)-[{hq}]->(:{jurisdiction})\n"
                "RETURN path, seat"
            ),
            action="Who it names",
        ),
    ]


def search_phrase_cypher(schema: Schema) -> dict[str, str]:
    """``{phrase text: Cypher}``: what each generated search phrase runs."""
    return {q.text: f"{q.phrase_start}\n{q.body}" for q in _queries(schema)}


def scene_action_cypher(schema: Schema) -> dict[str, str]:
    """``{action name: Cypher}``: the scene actions, which start from ``$nodes``."""
    return {q.action: f"{q.action_start}\n{q.body}" for q in _queries(schema) if q.action}


# ------------------------------------------------------------------ styling


@dataclass(frozen=True)
class _Style:
    color: str
    icon: str
    size: float


def _node_classes(schema: Schema) -> list[str]:
    """Classes whose instances are nodes: every entity class, and the source class."""
    return [*schema.entity_kinds, SOURCE_LABEL]


def _degrees(schema: Schema, graph: Graph | None) -> dict[str, float]:
    """Mean degree per class: of its nodes in ``graph``, else of the class in the schema."""
    if graph is None:
        return {
            k: float(
                sum(
                    1
                    for r in schema.relations.values()
                    if schema.is_any(k, r.domain) or schema.is_any(k, r.range)
                )
            )
            for k in schema.entity_kinds
        }
    degree: dict[str, int] = dict.fromkeys(graph.entities, 0)
    for rel in graph.relations.values():
        degree[rel.source] = degree.get(rel.source, 0) + 1
        degree[rel.target] = degree.get(rel.target, 0) + 1
    out: dict[str, float] = {}
    for k in schema.entity_kinds:
        values = [degree[e.id] for e in graph.entities.values() if schema.is_a(e.kind, k)]
        if values:
            out[k] = statistics.fmean(values)
    return out


def _styles(schema: Schema, graph: Graph | None) -> dict[str, _Style]:
    colors = family_colors(schema)
    degrees = _degrees(schema, graph)
    positive = sorted(d for d in degrees.values() if d > 0)
    cut = statistics.quantiles(positive, n=4)[-1] if len(positive) >= 2 else float("inf")
    out: dict[str, _Style] = {}
    for k in _node_classes(schema):
        family = schema.classes[k].family if k in schema.classes else "other"
        size = 2.0 if degrees.get(k, 0.0) >= cut else 1.0
        out[k] = _Style(colors.get(family, PALETTE[0]), FAMILY_ICONS.get(family, NO_ICON), size)
    return out


def _relationship_style(schema: Schema, name: str) -> tuple[str, int]:
    rel = schema.relations[name]
    families = {schema.classes[d].family for d in rel.domain}
    color = family_colors(schema)[families.pop()] if len(families) == 1 else None
    return color or DEFAULT_RELATIONSHIP_COLOR, 2 if SHARE in rel.qualifiers else 1


# ------------------------------------------------------------------ perspective parts


def _class_columns(schema: Schema, cls: str) -> list[tuple[R.Column, bool]]:
    """(column, excluded) for the node properties of a class, in storage-model order."""
    if cls == SOURCE_LABEL:
        return [(c, False) for c in R.SOURCE_COLUMNS] + [(R.STORE_HASH, True)]
    own = set(schema.attributes_of(cls)) if cls in schema.classes else set()
    attrs = [c for c in R.attribute_columns(schema) if c.name in own]
    return [
        *((c, False) for c in (*R.ENTITY_CORE, *attrs)),
        *((c, True) for c in R.STORE_INTERNAL_ENTITY),
    ]


def _category(schema: Schema, cls: str, cid: int, style: _Style, now: int) -> dict[str, Any]:
    columns = _class_columns(schema, cls)
    caption = SOURCE_CAPTION if cls == SOURCE_LABEL else ENTITY_CAPTION
    return {
        "id": cid,
        "name": schema.classes[cls].label if cls in schema.classes else cls,
        "labels": [cls],
        "properties": [
            {"name": c.name, "exclude": excluded, "dataType": _BLOOM_TYPE[c.dtype]}
            for c, excluded in columns
        ],
        "createdAt": now,
        "lastEditedAt": now,
        "color": style.color,
        "size": style.size,
        "icon": style.icon,
        "captionKeys": [],
        "captions": [
            {"inTooltip": False, "styles": [], "isCaption": False, "key": cls, "type": "label"},
            *(
                {
                    "inTooltip": c.name in TOOLTIP_KEYS,
                    "styles": [],
                    "isCaption": c.name == caption,
                    "key": c.name,
                    "type": "property",
                    "isGdsData": False,
                }
                for c, excluded in sorted(columns, key=lambda ce: ce[0].name.lower())
                if not excluded
            ),
        ],
        "textSize": 1,
        "textAlign": "top",
        "styleRules": [],
    }


def _relation_property_columns(schema: Schema, name: str) -> list[R.Column]:
    skip = {"type", "source", "target"}
    own = set(schema.relations[name].qualifiers)
    return [
        *(c for c in R.RELATION_CORE if c.name not in skip),
        *(c for c in R.qualifier_columns(schema) if c.name in own),
    ]


def _relationship_type(schema: Schema, name: str) -> dict[str, Any]:
    neo = schema.relations[name].neo4j_type
    color, size = _relationship_style(schema, name)
    return {
        "id": neo,
        "name": neo,
        "properties": [
            {"propertyKey": c.name, "type": neo, "dataType": _BLOOM_TYPE[c.dtype]}
            for c in _relation_property_columns(schema, name)
        ],
        "color": color,
        "size": size,
        "captionKeys": [],
        "captions": [
            {"inTooltip": True, "isCaption": True, "styles": [], "key": neo, "type": "relationship"}
        ],
        "textSize": 1,
        "textAlign": "top",
        "styleRules": [],
    }


def _template(schema: Schema, q: _Query, created: int) -> dict[str, Any]:
    return {
        "name": q.name,
        "id": f"tmpl:{created}",
        "createdAt": created,
        "text": q.text,
        "cypher": f"{q.phrase_start}\n{q.body}",
        "isUpdateQuery": None,
        "isWriteTransactionChecked": None,
        "params": [
            {
                "name": pname,
                "dataType": "String",
                "suggestions": "property",
                "cypher": None,
                "suggestionLabel": label,
                "suggestionProp": ENTITY_CAPTION,
                "suggestionBoolean": False,
                "collapsed": False,
            }
            for pname, label in q.params
        ],
        "hasCypherErrors": False,
    }


def _scene_action(
    schema: Schema, q: _Query, categories: list[dict[str, Any]], created: int
) -> dict[str, Any]:
    label = q.anchor[1]
    ids = [c["id"] for c in categories if any(schema.is_a(lbl, label) for lbl in c["labels"])]
    return {
        "name": q.action or "",
        "id": str(uuid.uuid1()),
        "createdAt": created,
        "cypher": f"{q.action_start}\n{q.body}",
        "isUpdateQuery": False,
        "isWriteTransactionChecked": None,
        "categories": ids,
        "relationshipTypes": None,
        "hasCypherErrors": False,
    }


def _path_segments(schema: Schema) -> list[dict[str, str]]:
    return [
        {"source": d, "relationshipType": r.neo4j_type, "target": t}
        for name in schema.relation_types
        for r in (schema.relations[name],)
        for d in r.domain
        for t in r.range
    ]


def build_perspective(
    schema: Schema,
    *,
    graph: Graph | None = None,
    name: str = "techsov: technological sovereignty",
    now_ms: int | None = None,
) -> dict[str, Any]:
    """A Bloom perspective (format 2.21.0) for the graph the ontology describes.

    Without ``graph`` every node class gets a category. With it, only classes that have
    nodes in ``graph`` do (Bloom empties categories whose label is absent from the
    database, leaving users to repair them), and sizes follow the nodes' real degrees.
    """
    now = now_ms if now_ms is not None else int(time.time() * 1000)
    styles = _styles(schema, graph)
    in_use: set[str] | None = None
    if graph is not None:
        in_use = {lbl for e in graph.entities.values() for lbl in schema.labels(e.kind)}
        if graph.sources:
            in_use.add(SOURCE_LABEL)
    classes = [k for k in _node_classes(schema) if in_use is None or k in in_use]
    depth = {k: len(schema.classes[k].ancestors) if k in schema.classes else 1 for k in classes}
    # Most specific first: Bloom styles a node by the first category holding one of its labels.
    ordered = sorted(classes, key=lambda k: (-depth[k], k == ROOT_CLASS, k))
    categories = [_category(schema, k, i, styles[k], now) for i, k in enumerate(ordered, start=1)]
    queries = _queries(schema)
    return {
        "name": name,
        "id": str(uuid.uuid1()),
        "version": FORMAT_VERSION,
        "type": "STANDARD_PERSPECTIVE",
        "createdAt": now,
        "lastEditedAt": now,
        "categories": categories,
        "labels": {
            k: [
                {"propertyKey": c.name, "type": k, "dataType": _BLOOM_TYPE[c.dtype]}
                for c, _ in _class_columns(schema, k)
            ]
            for k in ordered
        },
        "relationshipTypes": [_relationship_type(schema, n) for n in schema.relation_types],
        # Newest first, as Bloom lists phrases it created later.
        "templates": [_template(schema, q, now + len(queries) - i) for i, q in enumerate(queries)],
        "sceneActions": [
            _scene_action(schema, q, categories, now + i) for i, q in enumerate(queries) if q.action
        ],
        "hiddenRelationshipTypes": [],
        "hideUncategorisedData": False,
        "maxLimitToastMsgEnabled": False,
        "parentPerspectiveId": None,
        "palette": {"colors": list(PALETTE), "currentIndex": len(families(schema))},
        "metadata": {
            "pathSegments": _path_segments(schema),
            "indexes": [
                *(
                    {
                        "label": k,
                        "type": "native",
                        "propertyKeys": [{"key": "id", "metadataProp": False}],
                    }
                    for k in ordered
                ),
                {"label": None, "type": "native", "propertyKeys": []},
            ],
        },
    }


# ------------------------------------------------------------------ Browser style


def _shade(color: str, factor: float) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(max(0, min(255, round(c * factor))) for c in (r, g, b)))


def _text_color(color: str) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "#2A2C34" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#FFFFFF"


def _block(selector: str, props: Sequence[tuple[str, str]]) -> str:
    inner = "".join(f"  {k}: {v};\n" for k, v in props)
    return f"{selector} {{\n{inner}}}\n"


def build_grass(schema: Schema, *, graph: Graph | None = None) -> str:
    """A Neo4j Browser style sheet with the perspective's colours, sizes and captions."""
    styles = _styles(schema, graph)
    out = [
        _block(
            "node",
            [
                ("diameter", "50px"),
                ("color", "#A5ABB6"),
                ("border-color", "#9AA1AC"),
                ("border-width", "2px"),
                ("text-color-internal", "#FFFFFF"),
                ("font-size", "10px"),
            ],
        ),
        _block(
            "relationship",
            [
                ("color", "#A5ABB6"),
                ("shaft-width", "1px"),
                ("font-size", "8px"),
                ("padding", "3px"),
                ("text-color-external", "#000000"),
                ("text-color-internal", "#FFFFFF"),
                ("caption", '"<type>"'),
            ],
        ),
    ]
    classes = _node_classes(schema)
    depth = {k: len(schema.classes[k].ancestors) if k in schema.classes else 1 for k in classes}
    for k in sorted(classes, key=lambda k: (depth[k], k != ROOT_CLASS, k)):
        style = styles[k]
        caption = SOURCE_CAPTION if k == SOURCE_LABEL else ENTITY_CAPTION
        out.append(
            _block(
                f"node.{k}",
                [
                    ("color", style.color),
                    ("border-color", _shade(style.color, 0.8)),
                    ("text-color-internal", _text_color(style.color)),
                    ("diameter", f"{round(50 * style.size**0.4)}px"),
                    ("caption", f'"{{{caption}}}"'),
                ],
            )
        )
    for name in schema.relation_types:
        color, size = _relationship_style(schema, name)
        out.append(
            _block(
                f"relationship.{schema.relations[name].neo4j_type}",
                [("color", color), ("shaft-width", f"{size * 1.5:g}px")],
            )
        )
    return "".join(out)
