"""Faults injected into a real Neo4j: nothing committed is lost, nothing half-done remains,
and everything recovers by itself once the database is back.

These tests kill processes, so they run on a server of their own: a second launcher with
its cache under the test's temporary directory starts it, and stops it (deleting its data)
at the end. The session's shared server is never touched. Faults injected:

- the Neo4j server SIGKILLed in the middle of a load, then restarted on its data;
- the loading process SIGKILLed in the middle of a load;
- every connection to Neo4j cut in the middle of a load (a network blip): the driver
  retries the whole transaction by itself;
- the API started while Neo4j is down, then Neo4j started; Neo4j killed under the running
  API, then restarted.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import neo4j
import pytest
from api_fixtures import curated_graph
from graph_builders import scaled_graph
from pydantic import SecretStr

from ontology.errors import StoreUnavailable
from ontology.model import Graph
from ontology.schema import default_schema
from store.neo4j_store import Neo4jStore
from techsov.neo4j_server import Neo4jInstance, Neo4jLauncher
from techsov.settings import Settings
from techsov.wiring import open_driver

pytestmark = [pytest.mark.slow, pytest.mark.neo4j]

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMA = default_schema()
DATABASE = "neo4j"
BATCH = 200
"""Small write batches, so that a load is many statements and "the middle" exists."""
RECOVERY_S = 60.0
"""How long the API may take to notice that Neo4j is back (it takes about a second)."""


def new_graph() -> Graph:
    """What the faulty loads try to write: 1,202 entities and about 2,400 relations."""
    return scaled_graph(600, 4)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@dataclass
class FaultServer:
    """The dedicated server and what the tests do to it."""

    launcher: Neo4jLauncher
    instance: Neo4jInstance
    kills: int = 0

    @property
    def settings(self) -> Settings:
        """Settings pointing at this server, as the CLI would read them."""
        return Settings(
            neo4j_uri=self.instance.uri,
            neo4j_user="neo4j",
            neo4j_password=SecretStr(self.instance.password),
            neo4j_database=DATABASE,
        )

    @property
    def env(self) -> dict[str, str]:
        """The environment of a process (``techsov serve``) pointed at this server."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TECHSOV_")}
        env.update(
            TECHSOV_NEO4J_URI=self.instance.uri,
            TECHSOV_NEO4J_USER="neo4j",
            TECHSOV_NEO4J_PASSWORD=self.instance.password,
            TECHSOV_NEO4J_DATABASE=DATABASE,
            PYTHONPATH=os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "tests")]),
        )
        return env

    def running(self) -> bool:
        return _alive(self.instance.pid)

    def kill(self) -> None:
        """SIGKILL the server's whole process group, and check that it is really gone."""
        pid = self.instance.pid
        self.launcher.kill(self.instance)
        assert not _alive(pid)
        self.kills += 1

    def restart(self) -> None:
        self.instance = self.launcher.restart(self.instance)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultServer]:
    """A Neo4j of this module's own (never the session's shared one)."""
    settings = Settings()
    cache = tmp_path_factory.mktemp("fault-neo4j")
    # Reuse the resolved classpath (a list of jars in Maven's repository) if there is one.
    cached = settings.neo4j_cache_dir / settings.neo4j_version / "classpath.txt"
    if cached.is_file():
        (cache / settings.neo4j_version).mkdir()
        shutil.copy(cached, cache / settings.neo4j_version / "classpath.txt")
    launcher = Neo4jLauncher(settings.neo4j_version, cache)
    instance, _ = launcher.start()
    fault = FaultServer(launcher, instance)
    try:
        yield fault
    finally:
        launcher.stop(fault.instance)


@pytest.fixture
def live(server: FaultServer) -> FaultServer:
    """The server, started again if an earlier test left it killed."""
    if not server.running():
        server.restart()
    return server


@pytest.fixture
def driver(live: FaultServer) -> Iterator[neo4j.Driver]:
    """A driver as the CLI opens it (short retry budget)."""
    drv = open_driver(live.settings)
    try:
        yield drv
    finally:
        drv.close()


def store_on(driver: neo4j.Driver) -> Neo4jStore:
    return Neo4jStore(driver, database=DATABASE, schema=SCHEMA, batch_size=BATCH)


class MidLoad:
    """A progress callback that runs ``action`` once, after the first write batch of a
    stage that has several (so the transaction has written some, not all)."""

    def __init__(self, action: Callable[[], None]) -> None:
        self.action = action
        self.fired = False
        self.attempts = 0  # "read" is reported once per attempt of the transaction

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage == "read":
            self.attempts += 1
        elif not self.fired and 0 < done < total:
            self.fired = True
            self.action()


# --------------------------------------------------------------------------- loads


def test_a_load_interrupted_by_killing_neo4j_leaves_the_previous_graph_and_reruns(
    live: FaultServer, driver: neo4j.Driver
) -> None:
    store = store_on(driver)
    store.load(curated_graph())
    before = store.snapshot()
    target = new_graph()

    kill = MidLoad(live.kill)
    with pytest.raises(StoreUnavailable) as info:
        store.load(target, progress=kill)
    assert kill.fired and not live.running()
    assert "not committed" in info.value.message or "outcome is unknown" in info.value.message

    live.restart()
    assert store.snapshot() == before == curated_graph()

    summary = store.load(target)
    assert summary.entities.created == len(target.entities)
    assert store.snapshot() == target


CHILD_LOAD = """
import sys, time
from graph_builders import scaled_graph
from ontology.schema import default_schema
from store.neo4j_store import Neo4jStore
from techsov.settings import Settings
from techsov.wiring import open_driver

settings = Settings()
store = Neo4jStore(
    open_driver(settings), database=settings.neo4j_database, schema=default_schema(),
    batch_size={batch},
)

def progress(stage, done, total):
    if 0 < done < total and stage != "read":
        print("MID", flush=True)
        time.sleep(600)

store.load(scaled_graph(600, 4), progress=progress)
print("DONE", flush=True)
"""


def _read_line(process: subprocess.Popen[str], timeout_s: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout_s):
            return ""
    return process.stdout.readline().strip()


def test_a_load_whose_process_is_killed_leaves_the_previous_graph_and_reruns(
    live: FaultServer, driver: neo4j.Driver
) -> None:
    store = store_on(driver)
    store.load(curated_graph())
    before = store.snapshot()

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD_LOAD.format(batch=BATCH)],
        env=live.env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert _read_line(child, 180.0) == "MID"
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)

    assert store.snapshot() == before == curated_graph()
    target = new_graph()
    store.load(target)  # the dead transaction's locks are gone: this does not wait
    assert store.snapshot() == target


class CuttingProxy:
    """A loopback TCP proxy in front of Neo4j that can cut every open connection at once:
    a network blip, as the driver sees it, with the server itself unharmed."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.cuts = 0
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        self.cuts += 1

    def close(self) -> None:
        self.closed = True
        self.listener.close()
        self.cut()


def test_a_connection_cut_mid_load_is_retried_by_the_driver_and_the_load_completes(
    live: FaultServer, driver: neo4j.Driver
) -> None:
    store_on(driver).load(curated_graph())
    proxy = CuttingProxy(live.instance.port)
    settings = live.settings.model_copy(update={"neo4j_uri": f"bolt://127.0.0.1:{proxy.port}"})
    proxied = open_driver(settings)
    try:
        cut = MidLoad(proxy.cut)
        target = new_graph()
        summary = store_on(proxied).load(target, progress=cut)
        assert cut.fired and proxy.cuts == 1
        assert cut.attempts >= 2, "the transaction was not run again after the cut"
        assert summary.entities.created == len(target.entities)
        assert store_on(driver).snapshot() == target
    finally:
        proxied.close()
        proxy.close()


# ----------------------------------------------------------------------------- API


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Api:
    """``techsov serve`` running in a process of its own, on loopback."""

    base: str
    process: subprocess.Popen[bytes]
    log: Path
    seen: list[tuple[str, int]] = field(default_factory=list)

    def get(self, path: str) -> httpx.Response:
        response = httpx.get(self.base + path, timeout=30.0)
        self.seen.append((path, response.status_code))
        return response

    def query(self, text: str) -> dict[str, Any]:
        response = httpx.post(self.base + "/graphql", json={"query": text}, timeout=30.0)
        self.seen.append(("/graphql", response.status_code))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def wait_until(self, path: str, status: int, within_s: float) -> float:
        """Seconds until ``path`` answers ``status`` (polling; fails after ``within_s``)."""
        started = time.monotonic()
        while time.monotonic() - started < within_s:
            assert self.process.poll() is None, self.log.read_text(errors="replace")
            with contextlib.suppress(httpx.TransportError):
                if self.get(path).status_code == status:
                    return time.monotonic() - started
            time.sleep(0.5)
        pytest.fail(f"{path} did not answer {status} within {within_s} s")


ENTITY = '{ entity(id: "xiaomi") { id name } }'


def assert_store_unavailable(api: Api) -> None:
    ready = api.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["errors"][0]["extensions"]["code"] == "STORE_UNAVAILABLE"
    assert api.get("/healthz").status_code == 200
    body = api.query(ENTITY)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "STORE_UNAVAILABLE"
    assert "unavailable" in error["message"]


def test_the_api_started_while_neo4j_is_down_recovers_by_itself(
    live: FaultServer, driver: neo4j.Driver, tmp_path: Path
) -> None:
    store_on(driver).load(curated_graph())
    live.kill()
    server = _start_api(live, tmp_path)  # with Neo4j down
    try:
        server.wait_until("/healthz", 200, within_s=RECOVERY_S)
        assert_store_unavailable(server)

        live.restart()
        server.wait_until("/readyz", 200, within_s=RECOVERY_S)
        assert server.query(ENTITY) == {"data": {"entity": {"id": "xiaomi", "name": "Xiaomi"}}}

        # Killed again under the running API: clear errors, then recovery once more.
        live.kill()
        assert_store_unavailable(server)
        live.restart()
        server.wait_until("/readyz", 200, within_s=RECOVERY_S)
        assert server.query(ENTITY)["data"]["entity"]["id"] == "xiaomi"
    finally:
        _stop_api(server)
    assert all(status < 500 or path == "/readyz" for path, status in server.seen), server.seen
    log = server.log.read_text(errors="replace")
    assert live.instance.password not in log
    assert "Traceback" not in log


def _start_api(live: FaultServer, tmp_path: Path) -> Api:
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "techsov.cli", "serve", "--port", str(port)],
            env=live.env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Api(f"http://127.0.0.1:{port}", process, log)


def _stop_api(api: Api) -> None:
    api.process.terminate()
    try:
        api.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        api.process.kill()
        api.process.wait(timeout=30)
