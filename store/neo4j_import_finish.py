"""What a database built by ``neo4j-admin database import`` needs before it may serve:
the schema online, today's stored answers, the graph's state and the load's version.

The import tool writes data only (on Community its ``--schema`` option is refused: the
record format cannot take schema changes during an import), so :func:`finish` runs on
the imported database while nobody reads it yet (see :mod:`techsov.neo4j_import_switch`):
it creates the constraints and indexes a load creates (:meth:`Neo4jStore.ensure_schema`)
and waits until every index is online, then writes the stored answers and the graph's
state as a load's transaction does (the rows of :class:`store.neo4j_answers.AnswerRows`,
``SET_GRAPH_STATE``) and the history the import carries over
(:class:`store.neo4j_import_history.ImportHistory`), each batch in a transaction of its
own: nobody reads this database before the switch, and at L one would not fit in memory.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any, LiteralString, cast

import neo4j

from ontology.schema import Schema
from store import neo4j_queries as q
from store.neo4j_answers import AnswerRows
from store.neo4j_import_history import ImportHistory
from store.neo4j_search import AWAIT_INDEXES
from store.neo4j_store import Neo4jStore


def finish(
    driver: neo4j.Driver,
    database: str,
    schema: Schema,
    *,
    answers: Callable[[], AnswerRows | None],
    history: ImportHistory,
    today: date,
    digest: str | None,
    timeout_s: float = 3600.0,
    batch_size: int = 2000,
) -> str | None:
    """Schema, indexes online, history, answers and graph state on the imported
    ``database``; returns the graph's new version (``None`` without answers, as a load
    without precomputed answers leaves it). ``answers`` gives the rows to write, waiting
    for them if need be; it is called after the history is written."""
    store = Neo4jStore(
        driver,
        database=database,
        schema=schema,
        query_timeout_s=timeout_s,
        load_timeout_s=timeout_s,
    )
    store.ensure_schema()
    driver.execute_query(
        AWAIT_INDEXES, {"seconds": int(timeout_s)}, database_=database
    )  # every index, not only the full-text ones ensure_schema awaits

    # Nobody reads this database before the switch, so the writes need not share one
    # transaction (at L they would not fit in one): each batch commits on its own, and a
    # failure aborts the whole import anyway.
    def run(query: str, **params: Any) -> None:
        def work(tx: neo4j.ManagedTransaction) -> None:
            tx.run(cast(LiteralString, query), params).consume()

        session.execute_write(work)

    with driver.session(database=database) as session:
        session.execute_write(lambda tx: history.write(tx, batch_size))
        rows = answers()
        if rows is None:
            return None
        batch = max(1, batch_size // 20)
        for query, part in ((q.CREATE_ANSWERS, rows.answers),
                            (q.CREATE_INTERVALS, rows.intervals)):  # fmt: skip
            for start in range(0, len(part), batch):
                run(query, rows=part[start : start + batch])
        version = uuid.uuid4().hex
        run(q.SET_GRAPH_STATE, version=version, answers_on=today, digest=digest)
    return version
