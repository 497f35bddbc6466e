"""Builds the pieces from settings: the composition root's factory functions.

Only the CLI (and tests that want the same wiring) call these; every layer below takes
its collaborators as arguments.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import neo4j

from api.limits import ApiLimits
from ingest import default_paths
from ingest.validate import build_graph
from ontology.errors import StoreUnavailable
from ontology.model import Graph
from ontology.schema import Schema, default_schema
from store.base import GraphStore, ProgressCallback
from store.embedded_image import StoreImage, prepare
from store.embedded_store import EmbeddedStore
from store.neo4j_store import Neo4jStore
from techsov.graph_cache import cached_graph, cached_image
from techsov.settings import Settings


def data_paths(settings: Settings, paths: Sequence[Path] = ()) -> list[Path]:
    """Explicit paths win, then ``TECHSOV_DATA_PATHS``, then the shipped curated set."""
    if paths:
        return list(paths)
    if settings.data_paths:
        return list(settings.data_paths)
    return list(default_paths())


def read_graph(
    settings: Settings,
    schema: Schema,
    paths: Sequence[Path] = (),
    source_texts: Mapping[str, str] | None = None,
) -> Graph:
    """Read and validate facts; raises ValidationFailed listing every problem.

    ``source_texts`` (source id -> full text): evidence citing such a source must occur in
    it verbatim, as with ``techsov validate --source-text``.
    """
    return read_graph_cached(settings, schema, paths, source_texts=source_texts)[0]


def read_graph_cached(
    settings: Settings,
    schema: Schema,
    paths: Sequence[Path] = (),
    source_texts: Mapping[str, str] | None = None,
) -> tuple[Graph, bool]:
    """:func:`read_graph`, and whether the graph came from the cache of validated graphs.

    Only the shipped ontology's graphs are cached (the digest covers its files), and only
    without ``source_texts`` (which are not files the digest could cover).
    """
    files = data_paths(settings, paths)

    def build() -> Graph:
        return build_graph(files, schema, source_texts=source_texts)

    if source_texts or not settings.graph_cache or schema is not default_schema():
        return build(), False
    return cached_graph(files, settings.graph_cache_dir, build)


def read_image_cached(
    settings: Settings, schema: Schema, paths: Sequence[Path] = ()
) -> tuple[StoreImage, bool]:
    """The embedded store's image (:mod:`store.embedded_image`) of the facts, and whether
    it came from the cache: on a hit the store is published as read, with no build."""
    files = data_paths(settings, paths)

    def build() -> Graph:
        return build_graph(files, schema)

    def image_of(graph: Graph) -> StoreImage:
        # Without the search index: the store builds it on a thread of its own after
        # start-up, in less memory than the index read back from a cache entry takes.
        return prepare(graph, searchable=False)

    if not settings.graph_cache or schema is not default_schema():
        return image_of(build()), False
    return cached_image(files, settings.graph_cache_dir, build, image_of)


def open_driver(settings: Settings) -> neo4j.Driver:
    if not settings.neo4j_uri:
        raise StoreUnavailable(
            "no Neo4j configured: set TECHSOV_NEO4J_URI (and TECHSOV_NEO4J_USER, "
            'TECHSOV_NEO4J_PASSWORD), or run `eval "$(techsov neo4j start)"`'
        )
    # A short retry budget turns an outage into StoreUnavailable within seconds instead
    # of the driver's default minute; the server's schema notifications are noise here.
    return neo4j.GraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
        user_agent="techsov-kg",
        max_transaction_retry_time=5.0,
        connection_timeout=5.0,
        notifications_min_severity="OFF",
    )


@contextmanager
def neo4j_store(settings: Settings, schema: Schema) -> Iterator[Neo4jStore]:
    """A Neo4j store on a driver this context owns (closed on exit)."""
    driver = open_driver(settings)
    try:
        yield Neo4jStore(
            driver,
            database=settings.neo4j_database,
            schema=schema,
            query_timeout_s=settings.neo4j_query_timeout_s,
        )
    finally:
        driver.close()


@contextmanager
def serving_store(
    settings: Settings,
    schema: Schema,
    paths: Sequence[Path] = (),
    progress: ProgressCallback | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> Iterator[GraphStore]:
    """The store ``serve`` answers from: Neo4j when configured, else the embedded store
    loaded from the curated files through the same validation as ``techsov load``.

    ``log`` hears what is being done, for a caller that tells its user."""
    if settings.uses_neo4j:
        log(f"connecting to Neo4j at {settings.neo4j_uri}")
        with neo4j_store(settings, schema) as store:
            yield store
        return
    files = data_paths(settings, paths)
    log(
        f"validating the facts in {', '.join(str(f) for f in files)} "
        "(the first run takes about half a minute; later runs reuse the result)"
    )
    started = time.perf_counter()
    image, cached = read_image_cached(settings, schema, paths)
    log(
        "validated graph taken from the cache (inputs unchanged)"
        if cached
        else f"validated in {time.perf_counter() - started:.1f} s (cached for the next run)"
    )
    log("loading the embedded store")
    embedded = EmbeddedStore(schema)
    embedded.load_image(image, progress=progress)
    yield embedded


def api_limits(settings: Settings) -> ApiLimits:
    return ApiLimits(
        max_first=settings.max_first,
        max_depth=settings.max_depth,
        max_query_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        max_cost=settings.max_cost,
        max_body_bytes=settings.max_body_bytes,
        cors_origins=tuple(settings.cors_origins),
    )
