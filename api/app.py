"""The HTTP application: GraphQL (with GraphiQL) on ``/graphql``, the web explorer on
``/explore`` (a static page over that GraphQL), and the probes an orchestrator needs
(``/healthz``, ``/readyz``).

:func:`create_app` is a factory with every dependency passed in — a ready store, the
ontology schema, the limits — and no module state, so the CLI, the tests and any other
host build exactly the app they describe. The app never builds, loads or closes the
store: whoever created it owns it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.fastapi import GraphQLRouter

from api.context import ApiContext
from api.errors import INTERNAL_CODE, error_payload
from api.explore.routes import mount_explore
from api.graphiql import graphiql_html, mount_graphiql_assets
from api.graphql_schema import build_graphql_schema
from api.limits import ApiLimits
from api.loaders import offload
from api.ontology_types import build_ontology_types
from api.response_cache import ResponseCache
from ontology.errors import LimitExceeded, StoreUnavailable
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

    router: GraphQLRouter[ApiContext, None] = _Router(
        graphql_schema,
        context_getter=context,
        graphql_ide="graphiql",
        allow_queries_via_get=True,
        subscription_protocols=(),  # read-only API: no websockets to secure
    )
    app = FastAPI(
        lifespan=_settle_heap,
        title="techsov-kg",
        description="GraphQL API of the technological sovereignty knowledge graph.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.include_router(router, prefix=GRAPHQL_PATH)
    _add_middleware(app, store, limits)
    mount_explore(app, schema)
    mount_graphiql_assets(app)
    _add_probes(app, store, limits)
    return app


@contextlib.asynccontextmanager
async def _settle_heap(_app: FastAPI) -> AsyncIterator[None]:
    """Before the first request, what start-up built (the ontology, the schemas, the store,
    an embedded graph) is moved out of the garbage collector's sight: it lives as long as
    the process, yet each full collection would walk all of it, and the first one falls
    on an early request (on M over Neo4j, about 380,000 objects: 0.1-0.4 s added to it)."""
    gc.collect()
    gc.freeze()
    yield


def _add_middleware(app: FastAPI, store: GraphStore, limits: ApiLimits) -> None:
    """The answer cache, then the body limit outside it, then CORS outermost."""
    version = getattr(store, "version", None)
    if callable(version):  # a store that cannot tell its graph's version is not cached
        app.add_middleware(
            ResponseCache,
            path=GRAPHQL_PATH,
            version=version,
            version_blocks=store.engine != "embedded",  # in-process: one attribute read
        )
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)  # outside the cache
    if limits.cors_origins:
        # Only the configured origins; without any, no CORS headers are sent at all and
        # browsers keep pages of other origins from reading answers.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(limits.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
        )


def _add_probes(app: FastAPI, store: GraphStore, limits: ApiLimits) -> None:
    """``/healthz`` and ``/readyz``, the probes an orchestrator needs."""

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
        return JSONResponse({"status": "ready", "store": store.engine})


def _unavailable(code: str, message: str) -> JSONResponse:
    body = {"status": "unavailable", **error_payload(code, message)}
    return JSONResponse(body, status_code=503)


class _Router(GraphQLRouter[ApiContext, None]):
    """Strawberry's router, with JSON decoding that fails only as malformed JSON does.

    Bodies (and GET ``variables``) that are not UTF-8, or nest deeper than the decoder's
    recursion allows, would otherwise escape as server errors; as a ``JSONDecodeError``
    they get the same 400 as any other unreadable body.
    """

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """GraphiQL with its assets from this server, not a CDN: it works offline."""
        return HTMLResponse(graphiql_html())

    def decode_json(self, data: str | bytes) -> object:
        try:
            return json.loads(data)
        except (UnicodeDecodeError, RecursionError) as exc:
            message = (
                "invalid UTF-8" if isinstance(exc, UnicodeDecodeError) else "nested too deeply"
            )
            raise json.JSONDecodeError(message, "", 0) from None


class _TooLarge(Exception):
    """Raised inside :class:`BodyLimit` when a streamed body passes the limit."""


class BodyLimit:
    """Refuses request bodies over ``max_bytes`` (413) and query strings over it (414).

    A declared ``Content-Length`` over the limit is refused before anything is read; a body
    without one is counted as it streams in and refused once it passes the limit, so no
    request makes the server hold more than ``max_bytes`` of it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("query_string", b"")) > self.max_bytes:
            await self._refuse(scope, send, 414, "query string")
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send, 413, "request body")
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if started:
                raise
            await self._refuse(scope, send, 413, "request body")

    async def _refuse(self, scope: Scope, send: Send, status: int, what: str) -> None:
        body = error_payload(
            LimitExceeded.code, f"{what} is larger than the limit of {self.max_bytes} bytes"
        )
        await JSONResponse(body, status_code=status)(scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
