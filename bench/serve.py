"""``python -m bench.serve``: the GraphQL app over a Neo4j store, as a process of its own.

The benchmark's HTTP figures must include what production pays - a real socket, uvicorn,
JSON over the wire - and must not share a GIL with the client that measures them, so the
app runs here, in a separate process, built exactly as ``techsov serve`` builds it
(:func:`api.app.create_app` with default :class:`api.limits.ApiLimits`). The Neo4j
credentials arrive in the ``TECHSOV_NEO4J_*`` environment variables, as for the CLI.
"""

from __future__ import annotations

import argparse
import os

import neo4j
import uvicorn

from api.app import create_app
from api.limits import ApiLimits
from ontology.schema import default_schema
from store.neo4j_store import Neo4jStore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", default="neo4j")
    args = parser.parse_args()
    schema = default_schema()
    driver = neo4j.GraphDatabase.driver(
        os.environ["TECHSOV_NEO4J_URI"],
        auth=(os.environ.get("TECHSOV_NEO4J_USER", "neo4j"), os.environ["TECHSOV_NEO4J_PASSWORD"]),
        notifications_min_severity="OFF",
    )
    try:
        store = Neo4jStore(driver, database=args.database, schema=schema)
        app = create_app(store, schema, ApiLimits())
        uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    finally:
        driver.close()


if __name__ == "__main__":
    main()
