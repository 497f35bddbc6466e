"""``techsov serve --workers N``: N API processes behind one listening socket.

One Python process serves requests on one core at a time; more processes are how the API
scales on a bigger machine before it scales to more machines (see docs/capacity.md). The
parent binds the socket and supervises (uvicorn's own process manager restarts a worker
that dies); each worker builds its own store and app from the same settings through
:func:`app`, an application factory uvicorn imports in the fresh process.

Nothing a worker holds can go stale behind another's back: on Neo4j, every request reads
the graph and today's stored answers from the database itself (a load replaces both in one
transaction, so a worker sees the old graph or the new one, never a mix, from the moment
the load commits); the embedded store is read from the fact files once per worker at
start and cannot be loaded while serving.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ontology.schema import default_schema
from techsov.settings import Settings
from techsov.wiring import api_limits, serving_store

if TYPE_CHECKING:  # the CLI imports this module; FastAPI loads only in a worker
    from fastapi import FastAPI

APP_FACTORY = "techsov.serve_workers:app"

_PATHS_VARIABLE = "TECHSOV_DATA_PATHS"

WORKER_ANSWER_TIMEOUT_S = 60
"""How long the supervisor waits for a worker to answer its health ping before it counts it
as dead and replaces it. A new worker answers only once it has re-imported the CLI in its
fresh process, which takes seconds on a busy machine: uvicorn's default of 5 s would kill
every worker before it started, over and over."""


def pass_paths_to_workers(paths: Sequence[Path]) -> None:
    """Workers are new processes that read their settings from the environment: explicit
    fact paths given to ``serve`` travel to them as ``TECHSOV_DATA_PATHS``."""
    if paths:
        os.environ[_PATHS_VARIABLE] = json.dumps([str(p.resolve()) for p in paths])


def app() -> FastAPI:
    """The application of one worker (an import-string factory for uvicorn)."""
    from api.app import create_app

    settings = Settings()
    schema = default_schema()
    stack = contextlib.ExitStack()
    # The store lives as long as the worker process; closing it at exit releases the
    # driver's connections cleanly when the supervisor stops the worker.
    atexit.register(stack.close)
    store = stack.enter_context(serving_store(settings, schema))
    return create_app(store, schema, api_limits(settings))


def run(sock: socket.socket, workers: int) -> None:
    """Serve on ``sock`` with ``workers`` processes until interrupted."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        workers=workers,
        log_level="info",
        timeout_worker_healthcheck=WORKER_ANSWER_TIMEOUT_S,
    )
    Multiprocess(config, sockets=[sock]).run()
