"""The benchmark's HTTP side: a served app in its own process, GraphQL calls, and bounded
runs of concurrent clients.

Requests go only to the loopback address of the server this module starts; every run of
clients is bounded in request count and in time, and the server is stopped at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from bench.measure import REPO_ROOT, percentile
from techsov.neo4j_server import Neo4jCredentials

EXPOSURE_DOC = """query ($id: ID!, $d: Int!) {
  suppliersExposedTo(policy: $id, maxDepth: $d) {
    kind depth score supplier { id name } path { id type }
  }
}"""
DEPENDENCIES_DOC = """query ($id: ID!, $d: Int!) {
  dependencies(firm: $id, maxDepth: $d) { kind depth entity { id name } path { id } }
}"""
PATH_DOC = """query ($a: ID!, $b: ID!, $n: Int!) {
  path(from: $a, to: $b, maxLength: $n) { id type }
}"""

Request = tuple[str, dict[str, Any]]
"""A GraphQL document and its variables."""


class HttpFailure(RuntimeError):
    """A request was not answered 200 with data and without GraphQL errors."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def served(credentials: Neo4jCredentials, database: str, timeout_s: float = 60.0) -> Iterator[str]:
    """Run ``bench.serve`` on a free loopback port; yield its base URL; stop it after."""
    port = _free_port()
    env = dict(os.environ)
    env.update(
        TECHSOV_NEO4J_URI=credentials.uri,
        TECHSOV_NEO4J_USER=credentials.user,
        TECHSOV_NEO4J_PASSWORD=credentials.password,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.serve", "--port", str(port), "--database", database],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"bench.serve exited with status {process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/readyz", timeout=2.0).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"bench.serve did not get ready in {timeout_s:.0f} s")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def answer(response: httpx.Response) -> Any:
    """The ``data`` of a GraphQL response; :class:`HttpFailure` for anything else."""
    if response.status_code != 200:
        raise HttpFailure(f"HTTP {response.status_code}: {response.text[:200]}")
    body = response.json()
    if body.get("errors") or "data" not in body:
        raise HttpFailure(f"GraphQL errors: {str(body.get('errors'))[:200]}")
    return body["data"]


def graphql(client: httpx.Client, request: Request) -> Any:
    document, variables = request
    return answer(client.post("/graphql", json={"query": document, "variables": variables}))


@dataclass(frozen=True)
class ClientsRun:
    """One run of concurrent clients: throughput, latency under load, failures."""

    clients: int
    requests: int  # answered (successfully or not) within the time bound
    errors: int
    unsent: int  # left unsent when the time bound ran out
    seconds: float
    p50_ms: float
    p95_ms: float

    @property
    def rps(self) -> float:
        return (self.requests - self.errors) / self.seconds if self.seconds > 0 else 0.0


def run_clients(
    base: str, requests: Sequence[Request], clients: int, total: int, timeout_s: float = 120.0
) -> ClientsRun:
    """``clients`` concurrent clients sending ``total`` requests (cycling through
    ``requests``) over keep-alive connections, as fast as answers come back."""
    return asyncio.run(_run_clients(base, requests, clients, total, timeout_s))


async def _run_clients(
    base: str, requests: Sequence[Request], clients: int, total: int, timeout_s: float
) -> ClientsRun:
    latencies: list[float] = []
    errors = 0
    next_index = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(http: httpx.AsyncClient, deadline: float) -> None:
        nonlocal errors, next_index
        while next_index < total and time.monotonic() < deadline:
            document, variables = requests[next_index % len(requests)]
            next_index += 1
            started = time.perf_counter()
            try:
                response = await http.post(
                    "/graphql", json={"query": document, "variables": variables}
                )
                answer(response)
            except (HttpFailure, httpx.HTTPError):
                errors += 1
            latencies.append(time.perf_counter() - started)

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout_s) as http:
        started = time.perf_counter()
        deadline = time.monotonic() + timeout_s
        await asyncio.gather(*(client(http, deadline) for _ in range(clients)))
        seconds = time.perf_counter() - started
    return ClientsRun(
        clients=clients,
        requests=len(latencies),
        errors=errors,
        unsent=total - len(latencies),
        seconds=seconds,
        p50_ms=percentile(latencies, 50) * 1000,
        p95_ms=percentile(latencies, 95) * 1000,
    )
