"""GraphML for Gephi, yEd, Cytoscape and any tool that reads it, written with networkx.

GraphML attributes are scalars only, so every list (``labels``, ``aliases``,
``names_lang``/``names_value``, ``prov_source``/``prov_evidence``) is written as a JSON
array in a string, and dates as ISO strings; floats stay ``double`` so tools can size and
filter by them. Sources have no place in a node-edge model and would distort centrality as
nodes, so they travel whole as a JSON graph attribute (``sources``). Everything needed to
rebuild the exact :class:`~ontology.model.Graph` is in the file; :func:`read_graphml` does.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx

from exports import rows
from exports.notebook import to_networkx
from exports.registry import Exporter
from ontology.model import Graph
from ontology.schema import Schema

SOURCES_ATTRIBUTE = "sources"
GRAPHML_FILE = "graph.graphml"
"""The file name the ``graphml`` export writes into its folder."""


def _encode(value: Any, dtype: str) -> Any:
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, date):
        return value.isoformat()
    if dtype == rows.FLOAT:
        return float(value)
    return value


def _decode(value: Any, dtype: str) -> Any:
    if dtype == rows.STRING_LIST:
        return json.loads(value)
    if isinstance(value, str) and dtype != rows.STRING:
        return rows.parse_scalar(value, dtype)
    return value


def write_graphml(graph: Graph, schema: Schema, path: Path) -> Path:
    """Write ``graph`` as GraphML to ``path`` (parent folders are created)."""
    g = to_networkx(graph, schema)
    types = {
        c.name: c.dtype for c in (*rows.entity_columns(schema), *rows.relation_columns(schema))
    }
    types.update(labels=rows.STRING_LIST, neo4j_type=rows.STRING)
    out = nx.MultiDiGraph()
    sources = [
        {k: _encode(v, rows.STRING) for k, v in row.items() if v is not None}
        for row in g.graph["sources"].values()
    ]
    out.graph[SOURCES_ATTRIBUTE] = json.dumps(sources, ensure_ascii=False)
    for node, data in g.nodes(data=True):
        out.add_node(node, **{k: _encode(v, types[k]) for k, v in data.items()})
    for u, v, key, data in g.edges(keys=True, data=True):
        out.add_edge(u, v, key=key, **{k: _encode(x, types[k]) for k, x in data.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    nx.write_graphml(out, path, encoding="utf-8", named_key_ids=True)
    return path


def read_graphml(path: Path, schema: Schema) -> Graph:
    """Rebuild the graph from a file written by :func:`write_graphml`."""
    g = nx.read_graphml(path, force_multigraph=True)
    ent_types = {c.name: c.dtype for c in rows.entity_columns(schema)}
    rel_types = {c.name: c.dtype for c in rows.relation_columns(schema)}
    src_types = {c.name: c.dtype for c in rows.SOURCE_COLUMNS}
    entities = [
        rows.entity_from_row(
            {"id": node, **{k: _decode(v, ent_types[k]) for k, v in d.items() if k in ent_types}},
            schema,
        )
        for node, d in g.nodes(data=True)
    ]
    relations = [
        rows.relation_from_row(
            {
                "id": key,
                "source": u,
                "target": v,
                **{k: _decode(x, rel_types[k]) for k, x in d.items() if k in rel_types},
            },
            schema,
        )
        for u, v, key, d in g.edges(keys=True, data=True)
    ]
    sources = [
        rows.source_from_row({k: _decode(v, src_types[k]) for k, v in row.items()})
        for row in json.loads(g.graph.get(SOURCES_ATTRIBUTE, "[]"))
    ]
    return Graph.of(entities, relations, sources)


EXPORTERS = (
    Exporter(
        "graphml",
        f"GraphML (a folder: {GRAPHML_FILE}, readable by networkx, Gephi, yEd)",
        ".graphml",
        lambda source, out, _: [write_graphml(source.graph(), source.schema, out / GRAPHML_FILE)],
        folder=True,
    ),
)
