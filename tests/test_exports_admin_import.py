"""The CSV export imported by the real ``neo4j-admin database import`` with the command line
written beside the files, into a Neo4j home of the test's own: the database it gives is the
one a load would write."""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from neo4j import Driver, GraphDatabase

from exports.tabular import COMMAND_FILE, write_neo4j_admin_csv
from ontology.schema import default_schema
from store.neo4j_store import Neo4jStore
from techsov.neo4j_server import Neo4jLauncher
from techsov.settings import Settings
from tests.test_exports import awkward_graph

SCHEMA = default_schema()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_CONF = """\
server.directories.data={home}/data
server.directories.logs={home}/logs
server.directories.run={home}/run
server.directories.import={home}/import
server.default_listen_address=127.0.0.1
server.bolt.listen_address=127.0.0.1:{port}
server.http.enabled=false
server.https.enabled=false
dbms.usage_report.enabled=false
server.memory.heap.initial_size=256m
server.memory.heap.max_size=512m
server.memory.pagecache.size=64m
server.jvm.additional=--add-opens=java.base/java.nio=ALL-UNNAMED
server.jvm.additional=--add-opens=java.base/java.io=ALL-UNNAMED
server.jvm.additional=--add-opens=java.base/sun.nio.ch=ALL-UNNAMED
server.jvm.additional=--add-opens=java.base/java.lang=ALL-UNNAMED
server.jvm.additional=-Dio.netty.tryReflectionSetAccessible=true
"""
_ADMIN = "org.neo4j.server.startup.Neo4jAdminCommand"
_SERVER = "org.neo4j.server.startup.Neo4jCommand"
_PASSWORD = "import-test-password"


@pytest.fixture
def imported_server(tmp_path: Path) -> Iterator[tuple[Path, Callable[[Path], Driver]]]:
    """A Neo4j home of our own, and a function that imports an export into it with the
    exact command line written next to the files, starts the server and connects."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is needed to run neo4j-admin", pytrace=False)
    classpath = os.pathsep.join(str(j) for j in Neo4jLauncher.from_settings(Settings()).classpath())
    home = Path(tempfile.mkdtemp(prefix="techsov-import-test-"))
    port = _free_port()
    for sub in ("conf", "data", "logs", "run", "import"):
        (home / sub).mkdir()
    (home / "conf" / "neo4j.conf").write_text(_CONF.format(home=home, port=port), encoding="utf-8")
    env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")}
    base = [java, "-Xmx256m", "-cp", classpath]
    started: list[subprocess.Popen[bytes]] = []
    drivers: list[Driver] = []

    def run(export: Path) -> Driver:
        args = shlex.split((export / COMMAND_FILE).read_text(encoding="utf-8"))
        assert args[0] == "neo4j-admin"
        for cmd in (
            [*base, _ADMIN, *args[1:]],
            [*base, _ADMIN, "dbms", "set-initial-password", _PASSWORD],
        ):
            done = subprocess.run(
                cmd, cwd=export, env=env, capture_output=True, text=True, timeout=600, check=False
            )
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        with open(home / "logs" / "console.log", "wb") as log:
            started.append(
                subprocess.Popen(
                    [*base, _SERVER, "console"],
                    cwd=home,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        driver = GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=("neo4j", _PASSWORD))
        drivers.append(driver)
        _wait_until_connected(driver, started[0])
        return driver

    try:
        yield home, run
    finally:
        for driver in drivers:
            driver.close()
        _stop_servers(started)
        shutil.rmtree(home, ignore_errors=True)


def _wait_until_connected(driver: Driver, server: subprocess.Popen[bytes]) -> None:
    """Until the driver connects; the last error once three minutes pass or the server ends."""
    deadline = time.monotonic() + 180
    while True:
        try:
            driver.verify_connectivity()
            return
        except Exception:
            if time.monotonic() > deadline or server.poll() is not None:
                raise
            time.sleep(0.5)


def _stop_servers(started: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each server's process group, SIGKILL after a minute."""
    for proc in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


@pytest.mark.neo4j
@pytest.mark.slow
def test_neo4j_admin_import_of_the_csv_gives_the_database_a_load_would_write(
    imported_server: tuple[Path, Callable[[Path], Driver]], tmp_path: Path
) -> None:
    graph = awkward_graph()
    export = tmp_path / "csv"
    write_neo4j_admin_csv(graph, SCHEMA, export)
    _, run = imported_server
    store = Neo4jStore(run(export), database="neo4j", schema=SCHEMA)
    assert store.snapshot() == graph
    assert not store.load(graph, dry_run=True).changed
    # An import writes data only: a load of the same facts adds what it leaves out (the
    # constraints, the full-text indexes search needs, today's stored answers) and no data.
    assert not store.load(graph).changed
    assert [h.entity_id for h in store.search("小米", None, 5)] == ["xiaomi"]
