"""The graph as networkx and pandas objects, for analysts working in notebooks.

``load_graph()`` with no argument gives the shipped curated graph, validated exactly as
``techsov load`` validates it, so a notebook never works on facts the store would refuse.
Pass a :class:`~ontology.model.Graph`, fact files, or a store (Neo4j or embedded) to work
on something else. Node and edge attributes are the columns of :mod:`exports.rows` (the
Neo4j property names) with native values: lists stay lists, dates stay dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import networkx as nx
import pandas as pd

from exports import rows
from ontology.model import Graph
from ontology.schema import Schema, default_schema
from store.base import GraphStore

GraphSource = Graph | Path | str | Sequence[Path | str] | None
_ENDS = ("id", "source", "target")  # the edge's key and endpoints, not attributes


def resolve_graph(
    source: GraphSource = None, *, store: GraphStore | None = None, schema: Schema | None = None
) -> Graph:
    """A store's snapshot, the given graph, the facts in the given files, or by default the
    shipped curated set (validated)."""
    if store is not None:
        if source is not None:
            raise ValueError("pass either a source or a store, not both")
        return store.snapshot()
    if isinstance(source, Graph):
        return source
    # Imported here: reading YAML and running SHACL is only needed for this case.
    from ingest.validate import build_graph

    if source is None:
        return build_graph(None, schema or default_schema())
    paths = [source] if isinstance(source, Path | str) else list(source)
    return build_graph(paths, schema or default_schema())


def to_networkx(graph: Graph, schema: Schema) -> nx.MultiDiGraph:
    """Nodes keyed by entity id, edges keyed by relation id, attributes from the row model.

    A multigraph because two entities may be linked by several facts, even of one type.
    Node attributes add ``labels`` (kind and ancestors, as in Neo4j) and edges add
    ``neo4j_type``; sources are kept whole in ``G.graph["sources"]`` (id -> row).
    """
    ent_rows, rel_rows, src_rows = rows.graph_rows(graph, schema)
    g = nx.MultiDiGraph(sources={row["id"]: row for row in src_rows})
    for row in ent_rows:
        attrs = {k: v for k, v in row.items() if k != "id" and v is not None}
        g.add_node(row["id"], labels=schema.labels(row["kind"]), **attrs)
    for row in rel_rows:
        attrs = {k: v for k, v in row.items() if k not in _ENDS and v is not None}
        neo4j_type = schema.relations[row["type"]].neo4j_type
        g.add_edge(row["source"], row["target"], key=row["id"], neo4j_type=neo4j_type, **attrs)
    return g


def to_frames(graph: Graph, schema: Schema) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(nodes, relations) DataFrames, one row per entity / relation, ordered by id."""
    ent_rows, rel_rows, _ = rows.graph_rows(graph, schema)
    for row in ent_rows:
        row["labels"] = schema.labels(row["kind"])
    for row in rel_rows:
        row["neo4j_type"] = schema.relations[row["type"]].neo4j_type
    ent_cols = [c.name for c in rows.entity_columns(schema)]
    rel_cols = [c.name for c in rows.relation_columns(schema)]
    nodes = pd.DataFrame.from_records(ent_rows, columns=[*ent_cols[:2], "labels", *ent_cols[2:]])
    rels = pd.DataFrame.from_records(rel_rows, columns=[*rel_cols[:2], "neo4j_type", *rel_cols[2:]])
    return nodes, rels


def load_graph(
    source: GraphSource = None, *, store: GraphStore | None = None, schema: Schema | None = None
) -> nx.MultiDiGraph:
    """The graph as a :class:`networkx.MultiDiGraph` (see :func:`to_networkx`)."""
    schema = schema or default_schema()
    return to_networkx(resolve_graph(source, store=store, schema=schema), schema)


def load_frames(
    source: GraphSource = None, *, store: GraphStore | None = None, schema: Schema | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The graph as ``(nodes_df, relations_df)`` (see :func:`to_frames`)."""
    schema = schema or default_schema()
    return to_frames(resolve_graph(source, store=store, schema=schema), schema)
