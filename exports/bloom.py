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

import json
import statistics
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exports import rows
from exports.bloom_phrases import (
    ENTITY_CAPTION,
    phrases,
    scene_action,
    scene_action_cypher,
    search_phrase_cypher,
    template,
)
from exports.registry import Exporter, ExportOption, ExportSource
from ontology.model import Graph
from ontology.palette import PALETTE, families, family_colors
from ontology.schema import ROOT_CLASS, Schema
from store.neo4j_queries import SOURCE_LABEL

FORMAT_VERSION = "2.21.0"
DEFAULT_RELATIONSHIP_COLOR = "#959AA1"
NO_ICON = "no-icon"
FAMILY_ICONS = {
    "actor": "1BA78CC1-ED89-46D5-9D2B-D78DC944A59D",  # group
    "jurisdiction": "59435072-6EE1-4BB0-869A-50F2FB447DEB",  # location
}
SOURCE_CAPTION = "id"  # a source's title is optional; its id is always there
TOOLTIP_KEYS = frozenset(
    {"name", "kind", "source_type", "description", "title", "publisher", "url"}
)
SHARE = "share"


_BLOOM_TYPE = {
    rows.STRING: "string",
    rows.DATE: "Date",
    rows.FLOAT: "number",
    rows.INT: "bigint",
    rows.BOOL: "boolean",
    rows.STRING_LIST: "array",
}


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


def _class_columns(schema: Schema, cls: str) -> list[tuple[rows.Column, bool]]:
    """(column, excluded) for the node properties of a class, in storage-model order."""
    if cls == SOURCE_LABEL:
        return [(c, False) for c in rows.SOURCE_COLUMNS] + [(rows.STORE_HASH, True)]
    own = set(schema.attributes_of(cls)) if cls in schema.classes else set()
    attrs = [c for c in rows.attribute_columns(schema) if c.name in own]
    return [
        *((c, False) for c in (*rows.ENTITY_CORE, *attrs)),
        *((c, True) for c in rows.STORE_INTERNAL_ENTITY),
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


def _relation_property_columns(schema: Schema, name: str) -> list[rows.Column]:
    skip = {"type", "source", "target"}
    own = set(schema.relations[name].qualifiers)
    return [
        *(c for c in rows.RELATION_CORE if c.name not in skip),
        *(c for c in rows.qualifier_columns(schema) if c.name in own),
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


def _path_segments(schema: Schema) -> list[dict[str, str]]:
    return [
        {"source": d, "relationshipType": r.neo4j_type, "target": t}
        for name in schema.relation_types
        for r in (schema.relations[name],)
        for d in r.domain
        for t in r.range
    ]


def _category_classes(schema: Schema, graph: Graph | None) -> list[str]:
    """The classes that get a category (with ``graph``: those with nodes in it), most
    specific first: Bloom styles a node by the first category holding one of its labels."""
    in_use: set[str] | None = None
    if graph is not None:
        in_use = {lbl for e in graph.entities.values() for lbl in schema.labels(e.kind)}
        if graph.sources:
            in_use.add(SOURCE_LABEL)
    classes = [k for k in _node_classes(schema) if in_use is None or k in in_use]
    depth = {k: len(schema.classes[k].ancestors) if k in schema.classes else 1 for k in classes}
    return sorted(classes, key=lambda k: (-depth[k], k == ROOT_CLASS, k))


def _metadata(schema: Schema, ordered: list[str]) -> dict[str, Any]:
    return {
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
    }


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
    ordered = _category_classes(schema, graph)
    categories = [_category(schema, k, i, styles[k], now) for i, k in enumerate(ordered, start=1)]
    queries = phrases(schema)
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
        "templates": [template(q, now + len(queries) - i) for i, q in enumerate(queries)],
        "sceneActions": [
            scene_action(schema, q, categories, now + i) for i, q in enumerate(queries) if q.action
        ],
        "hiddenRelationshipTypes": [],
        "hideUncategorisedData": False,
        "maxLimitToastMsgEnabled": False,
        "parentPerspectiveId": None,
        "palette": {"colors": list(PALETTE), "currentIndex": len(families(schema))},
        "metadata": _metadata(schema, ordered),
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


PERSPECTIVE_FILE = "perspective.json"
STYLE_FILE = "style.grass"


def write_bloom(source: ExportSource, out: Path, options: Mapping[str, Any]) -> list[Path]:
    """``perspective.json`` and ``style.grass`` into the folder ``out``; with
    ``all_classes``, a category for every class rather than those with nodes."""
    graph = None if options.get("all_classes") else source.graph()
    perspective = build_perspective(source.schema, graph=graph)
    (out / PERSPECTIVE_FILE).write_text(
        json.dumps(perspective, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    (out / STYLE_FILE).write_text(build_grass(source.schema, graph=graph), encoding="utf-8")
    return [out / PERSPECTIVE_FILE, out / STYLE_FILE]


EXPORTERS = (
    Exporter(
        "bloom",
        "Write a Bloom perspective (perspective.json) and a Browser style (style.grass).",
        ".json",
        write_bloom,
        reads="store",
        folder=True,
        options=(
            ExportOption(
                "--all-classes",
                "A category for every ontology class, not only those with nodes.",
                default=False,
                type=bool,
            ),
        ),
    ),
)

__all__ = [
    "EXPORTERS",
    "PALETTE",
    "build_grass",
    "build_perspective",
    "family_colors",
    "scene_action_cypher",
    "search_phrase_cypher",
    "write_bloom",
]
