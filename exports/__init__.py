"""Downstream outputs of the graph: RDF, analytics files (neo4j-admin CSV, Parquet,
GraphML), Bloom perspective and Browser style, notebook loaders and the strategist's report.

Each format module declares its formats in an ``EXPORTERS`` tuple, which the registry
(:mod:`exports.registry`) finds by walking this package; the CLI is built from it.
Everything here reads a :class:`ontology.model.Graph` or a :class:`store.base.GraphStore`
and the :class:`ontology.schema.Schema`: columns, categories and styles come from the
classes and relation types, and the relations an analysis follows from their roles
(``ts:relationRole``), the report's standards page (:mod:`exports.standards_page`)
included.
"""
