"""The HTTP application: GraphQL (with GraphiQL) on ``/graphql``, and the probes an
orchestrator needs (``/healthz``, ``/readyz``).

:func:`create_app` is a factory with every dependency passed in — a ready store, the
ontology schema, the limits — and no module state, so the CLI, the tests and any other
host build exactly the app they describe. The app never builds, loads or closes the
store: whoever created it owns it.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from strawberry.fastapi import GraphQLRouter

from api.context import ApiContext
from api.errors import INTERNAL_CODE, error_payload
from api.graphql_schema import build_graphql_schema
from api.limits import ApiLimits
from api.loaders import offload
from api.ontology_types import build_ontology_types
from ontology.errors import StoreUnavailable
from ontology.schema import Schema
from store.base import GraphStore

logger = logging.getLogger("api.app")

GRAPHQL_PATH = "/graphql"


def create_app(store: GraphStore, schema: Schema, limits: ApiLimits) -> FastAPI:
    """An app serving ``store`` through the GraphQL schema generated from ``schema``."""
    types = build_ontology_types(schema)
    graphql_schema = build_graphql_schema(types, limits)

    async def context() -> ApiContext:
        # A new context (and new loaders) per request: loader caches must not outlive it.
        return ApiContext(store=store, schema=schema, limits=limits, types=types)

    router: GraphQLRouter[ApiContext, None] = GraphQLRouter(
        graphql_schema,
        context_getter=context,
        graphql_ide="graphiql",
        allow_queries_via_get=True,
        subscription_protocols=(),  # read-only API: no websockets to secure
    )
    app = FastAPI(
        title="techsov-kg",
        description="GraphQL API of the technological sovereignty knowledge graph.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.include_router(router, prefix=GRAPHQL_PATH)
    if limits.cors_origins:
        # Only the configured origins; without any, no CORS headers are sent at all and
        # browsers keep pages of other origins from reading answers.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(limits.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
        )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process serves requests; says nothing about the store (see ``/readyz``)."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """Ready when the store answers a trivial query within the configured time."""
        try:
            await asyncio.wait_for(offload(store.ping), timeout=limits.ready_timeout_s)
        except StoreUnavailable as exc:
            logger.warning("not ready: %s", exc.message)
            return _unavailable(exc.code, f"store unavailable: {exc.message}")
        except TimeoutError:
            logger.warning("not ready: store ping exceeded %ss", limits.ready_timeout_s)
            return _unavailable(
                StoreUnavailable.code,
                f"store unavailable: no answer within {limits.ready_timeout_s:g} s",
            )
        except Exception:
            logger.exception("readiness check failed")
            return _unavailable(INTERNAL_CODE, "store check failed")
        return JSONResponse({"status": "ready", "store": store.kind})

    return app


def _unavailable(code: str, message: str) -> JSONResponse:
    body = {"status": "unavailable", **error_payload(code, message)}
    return JSONResponse(body, status_code=503)
