"""``techsov serve --workers N``: several API processes behind one port, on Neo4j.

Runs the real command against the test server, checks that N worker processes answer on
the one port, and runs a load of a changed graph in the middle of a soak: every request
sent after the load has committed must see the new graph, whichever worker answers it
(the stated bound is zero: workers keep no copy of the graph or of today's answers, they
read both from Neo4j, where the load replaced them in one transaction), and no request
may fail before, during or after it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import neo4j
import pytest
from graph_builders import GraphBuilder, sample_graph

from ontology.model import Graph
from ontology.schema import default_schema
from store.neo4j_store import Neo4jStore
from techsov.neo4j_server import Neo4jCredentials
from techsov.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKERS = 2
NEW_FIRM = "zz-firm-after-the-load"
PROBE = f'{{ entity(id: "{NEW_FIRM}") {{ id }} }}'
START_S = 240.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _changed_graph() -> Graph:
    """The sample graph plus one firm: present only after the second load."""
    graph = sample_graph()
    builder = GraphBuilder()
    builder.entity(NEW_FIRM, "Organization", name="Firm added by the second load")
    added = builder.build()
    return Graph(
        entities={**graph.entities, **added.entities},
        relations=dict(graph.relations),
        sources={**graph.sources, **added.sources},
    )


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


def _is_worker(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return b"--multiprocessing-fork" in Path(f"/proc/{pid}/cmdline").read_bytes()
    return False


def _wait_for(condition: Callable[[], bool], what: str, log: Path) -> None:
    """Waits on progress rather than on the clock: a busy machine answers slowly."""
    deadline = time.monotonic() + START_S
    while not condition():
        assert time.monotonic() < deadline, f"no {what}: " + log.read_text(errors="replace")
        time.sleep(0.2)


@dataclass
class Soak:
    """Clients that send the probe query in a loop and record what each answer saw."""

    base: str
    stop: threading.Event = field(default_factory=threading.Event)
    answers: list[tuple[float, float, bool]] = field(default_factory=list)  # sent, got, seen
    errors: list[str] = field(default_factory=list)

    def client(self) -> None:
        with httpx.Client(base_url=self.base, timeout=30.0) as http:
            while not self.stop.is_set():
                sent = time.monotonic()
                try:
                    response = http.post("/graphql", json={"query": PROBE})
                except httpx.HTTPError as exc:
                    self.errors.append(repr(exc))
                    continue
                got = time.monotonic()
                body = response.json()
                if response.status_code != 200 or "errors" in body:
                    self.errors.append(f"{response.status_code}: {response.text[:200]}")
                    continue
                self.answers.append((sent, got, body["data"]["entity"] is not None))


@pytest.fixture
def served(
    neo4j_server: Neo4jCredentials, neo4j_db: neo4j.Driver, tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    store = Neo4jStore(neo4j_db, database=Settings().neo4j_database, schema=default_schema())
    store.load(sample_graph())
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "TECHSOV_NEO4J_URI": neo4j_server.uri,
        "TECHSOV_NEO4J_USER": neo4j_server.user,
        "TECHSOV_NEO4J_PASSWORD": neo4j_server.password,
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "techsov.cli",
                "serve",
                "--workers",
                str(WORKERS),
                "--port",
                str(port),
            ],
            env=env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_S
        while True:
            assert process.poll() is None, log.read_text(errors="replace")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/readyz", timeout=5).status_code == 200:
                    break
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.5)
        yield base, process, log
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def test_workers_share_one_port_and_see_a_load_as_soon_as_it_commits(
    served: tuple[str, subprocess.Popen[bytes], Path], neo4j_db: neo4j.Driver
) -> None:
    base, process, log = served
    deadline = time.monotonic() + START_S
    while len([c for c in _children(process.pid) if _is_worker(c)]) < WORKERS:
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.5)

    soak = Soak(base)
    clients = [threading.Thread(target=soak.client) for _ in range(4)]
    for thread in clients:
        thread.start()
    try:
        _wait_for(lambda: len(soak.answers) >= 8, "answers before the load", log)
        store = Neo4jStore(neo4j_db, database=Settings().neo4j_database, schema=default_schema())
        load_started = time.monotonic()
        store.load(_changed_graph())
        committed = time.monotonic()
        _wait_for(
            lambda: sum(sent > committed for sent, _, _ in soak.answers) >= 8,
            "answers after the load",
            log,
        )
    finally:
        soak.stop.set()
        for thread in clients:
            thread.join(timeout=60)

    assert not soak.errors, soak.errors[:5]
    before = [seen for sent, got, seen in soak.answers if got < load_started]
    after = [seen for sent, got, seen in soak.answers if sent > committed]
    assert len(after) >= 8
    assert before and not any(before), "the new firm was visible before its load"
    stale = after.count(False)
    assert not stale, f"{stale} of {len(after)} requests sent after the load saw the old graph"
    log_text = log.read_text(errors="replace")
    assert "Traceback" not in log_text
    assert log_text.count("Application startup complete") >= WORKERS
