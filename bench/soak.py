"""``python -m bench.soak``: a bounded soak of the served API on loopback.

Starts ``techsov serve`` on 127.0.0.1 (a free port) exactly as a user would - the embedded
store over the curated facts by default, or with ``--neo4j`` the Neo4j named by the
``TECHSOV_NEO4J_*`` variables, which must hold the curated graph (``techsov load``) - and
keeps ``--clients`` concurrent clients sending a mix of the contract's queries for
``--seconds``. Every answer is checked (HTTP 200, data, no GraphQL error). It prints the
requests served, the errors, latency percentiles and the server's resident memory at the
start, along the way and at the end, and exits non-zero if any request failed.

    python -m bench.soak --seconds 60 --clients 32
    python -m bench.soak --seconds 60 --clients 32 --neo4j --json soak.json

Only the loopback server this command starts is ever contacted; the run is bounded in
time, and the server is stopped (and its log deleted) at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
START_TIMEOUT_S = 180.0
SAMPLE_EVERY_S = 5.0
REQUEST_TIMEOUT_S = 60.0
MAX_REQUESTS = 10_000_000
"""A hard stop besides the clock, whatever the machine's speed."""

QUERIES: dict[str, tuple[str, dict[str, Any]]] = {
    "entity": (
        """query ($id: ID!) { entity(id: $id) { id kind name aliases
            relations(first: 20) { totalCount edges { node { id type target { id name } } } }
        } }""",
        {"id": "xiaomi"},
    ),
    "search": (
        "query ($q: String!) { search(query: $q, first: 10) { score entity { id kind name } } }",
        {"q": "semi"},
    ),
    "exposure": (
        """query ($p: ID!) { suppliersExposedTo(policy: $p, maxDepth: 3) {
            kind depth score supplier { id name } path { id type } } }""",
        {"p": "made-in-china-2025"},
    ),
    "dependencies": (
        """query ($f: ID!) { dependencies(firm: $f, maxDepth: 3) {
            kind depth entity { id name } path { id } } }""",
        {"f": "xiaomi"},
    ),
    "policy-impact": (
        """query ($p: ID!) { policyImpact(policy: $p) {
            technologies { id } jurisdictions { id } firms { id } namedEntities { id } } }""",
        {"p": "made-in-china-2025"},
    ),
    "path": (
        """query ($a: ID!, $b: ID!) { path(from: $a, to: $b, maxLength: 4) {
            id type source { id } target { id } } }""",
        {"a": "xiaomi", "b": "made-in-china-2025"},
    ),
    "provenance": (
        """query ($id: ID!) { entity(id: $id) { relations(first: 10) { edges { node {
            confidence validFrom provenance { evidence source { id title url } } } } } } }""",
        {"id": "xiaomi"},
    ),
}
"""The mix: every root field of the contract, with the ids of the curated set."""


@dataclass
class Results:
    store: str
    clients: int
    seconds: float
    requests: int = 0
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    by_query: dict[str, int] = field(default_factory=dict)
    requests_per_s: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    rss_start_mb: float = 0.0
    rss_end_mb: float = 0.0
    rss_max_mb: float = 0.0
    rss_samples_mb: list[float] = field(default_factory=list)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from ``/proc`` (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def server_env(neo4j: bool) -> dict[str, str]:
    env = dict(os.environ)
    if not neo4j:  # the embedded store: nothing may point the server at a database
        for name in [n for n in env if n.startswith("TECHSOV_NEO4J_")]:
            del env[name]
    elif not env.get("TECHSOV_NEO4J_URI"):
        raise SystemExit("--neo4j needs TECHSOV_NEO4J_URI (and _USER, _PASSWORD) set")
    env.pop("TECHSOV_DATA_PATHS", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def start_server(port: int, neo4j: bool, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "techsov.cli", "serve", "--host", HOST, "--port", str(port)]
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            env=server_env(neo4j),
            cwd=REPO_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


async def wait_ready(client: httpx.AsyncClient, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if (await client.get("/readyz")).status_code == 200:
                return
        await asyncio.sleep(0.5)
    raise RuntimeError(f"the server was not ready within {START_TIMEOUT_S:.0f} s")


class Connection:
    """One keep-alive HTTP/1.1 connection sending pre-encoded GraphQL POSTs.

    The load generator shares the machine's cores with the server it measures, so each
    request must cost it as little as possible: the request bytes are built once per
    query, and an answer is read by its ``Content-Length`` (the server never chunks a
    GraphQL answer) and checked with one JSON parse. A general client's per-request
    work (URL handling, header objects, a pool shared by every task) made the client,
    not the server, the limit of the soak.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None

    async def post(self, request: bytes) -> tuple[int, bytes]:
        """Send ``request``; the status and body of the answer."""
        try:
            reader, writer = await self._open()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status, length, closing = _parse_head(head)
            body = await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            await self.close()
            raise
        if closing:
            await self.close()
        return status, body


def _parse_head(head: bytes) -> tuple[int, int, bool]:
    """Status, ``Content-Length`` and whether the server closes, from a response head."""
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, closing = -1, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            closing = True
    if length < 0:
        raise ValueError("an answer without Content-Length")
    return status, length, closing


def encode_request(host: str, port: int, name: str) -> bytes:
    """The whole HTTP request for one query of the mix."""
    document, variables = QUERIES[name]
    body = json.dumps({"query": document, "variables": variables}).encode()
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


async def ask(connection: Connection, name: str, request: bytes) -> str | None:
    """One query; ``None`` when answered in full, else what went wrong."""
    try:
        status, content = await connection.post(request)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
        return f"transport: {type(exc).__name__}"
    if status != 200:
        return f"http {status}"
    try:
        body = json.loads(content)
    except ValueError:
        return "not JSON"
    if body.get("errors"):
        codes = sorted({e.get("extensions", {}).get("code", "?") for e in body["errors"]})
        return f"graphql {','.join(codes)}"
    if not body.get("data") or any(value is None for value in body["data"].values()):
        return "no data"
    return None


async def soak(host: str, port: int, pid: int, results: Results) -> None:
    names = list(QUERIES)
    requests = {name: encode_request(host, port, name) for name in names}
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    by_query: Counter[str] = Counter()
    connections = [Connection(host, port) for _ in range(results.clients)]
    try:
        for name in names:  # warm-up, not counted; also checks that the graph is the curated one
            problem = await ask(connections[0], name, requests[name])
            if problem is not None:
                raise RuntimeError(
                    f"warm-up query {name!r} failed ({problem}): is the curated graph loaded?"
                )
        results.rss_start_mb = rss_mb(pid)
        results.rss_samples_mb.append(round(results.rss_start_mb, 1))
        deadline = time.monotonic() + results.seconds
        budget = [MAX_REQUESTS]

        async def one_client(number: int) -> None:
            i, connection = number, connections[number]
            while time.monotonic() < deadline and budget[0] > 0:
                budget[0] -= 1
                name = names[i % len(names)]
                started = time.perf_counter()
                try:
                    async with asyncio.timeout(REQUEST_TIMEOUT_S):
                        problem = await ask(connection, name, requests[name])
                except TimeoutError:
                    await connection.close()
                    problem = "timeout"
                latencies.append(time.perf_counter() - started)
                by_query[name] += 1
                if problem is not None:
                    errors[f"{name}: {problem}"] += 1
                i += 1

        async def sample_memory() -> None:
            while time.monotonic() < deadline:
                await asyncio.sleep(min(SAMPLE_EVERY_S, max(0.0, deadline - time.monotonic())))
                results.rss_samples_mb.append(round(rss_mb(pid), 1))

        started = time.monotonic()
        await asyncio.gather(sample_memory(), *(one_client(n) for n in range(results.clients)))
        elapsed = time.monotonic() - started
    finally:
        for connection in connections:
            await connection.close()
    results.rss_end_mb = rss_mb(pid)
    results.rss_samples_mb.append(round(results.rss_end_mb, 1))
    results.rss_max_mb = max(results.rss_samples_mb)
    _summarize(results, latencies, errors, by_query, elapsed)


def _summarize(
    results: Results,
    latencies: list[float],
    errors: Counter[str],
    by_query: Counter[str],
    elapsed: float,
) -> None:
    latencies.sort()
    results.requests = len(latencies)
    results.errors = sum(errors.values())
    results.error_kinds = dict(errors)
    results.by_query = dict(by_query)
    results.requests_per_s = results.requests / elapsed if elapsed else 0.0
    results.p50_ms = percentile(latencies, 0.50) * 1000
    results.p95_ms = percentile(latencies, 0.95) * 1000
    results.p99_ms = percentile(latencies, 0.99) * 1000
    results.max_ms = (latencies[-1] if latencies else 0.0) * 1000


def report(results: Results) -> str:
    growth = results.rss_end_mb - results.rss_start_mb
    lines = [
        f"soak: {results.clients} clients for {results.seconds:g} s on the {results.store} store",
        f"requests served: {results.requests} ({results.requests_per_s:.0f}/s)",
        f"errors: {results.errors}",
        *(f"  {kind}: {n}" for kind, n in sorted(results.error_kinds.items())),
        f"latency: p50 {results.p50_ms:.1f} ms, p95 {results.p95_ms:.1f} ms, "
        f"p99 {results.p99_ms:.1f} ms, max {results.max_ms:.1f} ms",
        f"server RSS: start {results.rss_start_mb:.1f} MB, end {results.rss_end_mb:.1f} MB "
        f"({growth:+.1f} MB), max {results.rss_max_mb:.1f} MB",
        "RSS samples (MB): " + ", ".join(f"{v:g}" for v in results.rss_samples_mb),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak",
        description="Bounded soak of the API on loopback: requests, errors, latency, memory.",
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="duration (default 60)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument(
        "--neo4j", action="store_true", help="serve from the Neo4j in TECHSOV_NEO4J_*"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= 3600 or not 0 < args.clients <= 256:
        parser.error("--seconds must be in (0, 3600] and --clients in (0, 256]")

    results = Results(
        store="neo4j" if args.neo4j else "embedded", clients=args.clients, seconds=args.seconds
    )
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="techsov-soak-") as tmp:
        log = Path(tmp) / "serve.log"
        process = start_server(port, args.neo4j, log)
        try:

            async def run() -> None:
                async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}") as probe:
                    await wait_ready(probe, process)
                await soak(HOST, port, process.pid, results)

            asyncio.run(run())
        except RuntimeError as exc:
            print(f"soak failed: {exc}", file=sys.stderr)
            print(log.read_text(encoding="utf-8", errors="replace")[-4000:], file=sys.stderr)
            return 2
        finally:
            stop_server(process)
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(asdict(results), indent=2) + "\n", encoding="utf-8")
    return 1 if results.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
