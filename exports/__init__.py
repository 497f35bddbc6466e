"""Downstream outputs of the graph: Bloom perspective and Browser style, analytics files
(neo4j-admin CSV, Parquet, GraphML), notebook loaders and the strategist's report.

Everything here reads a :class:`ontology.model.Graph` or a :class:`store.base.GraphStore`
and the :class:`ontology.schema.Schema`; nothing is typed by hand per class or relation
type, so a change to the ontology reaches every output without an edit here.
"""
