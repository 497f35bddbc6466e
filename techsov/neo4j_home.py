"""A throw-away Neo4j server home: its folders, configuration and environment, the initial
password set by ``neo4j-admin``, and the ends of its logs for error messages.

Kept apart from the launcher (:mod:`techsov.neo4j_server`), which only starts, finds and
stops servers on homes prepared here.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from techsov.neo4j_instance import Neo4jInstance

HOME_PREFIX = "techsov-neo4j-"
"""Prefix of every throw-away home; ``stop`` refuses to delete a directory without it."""

_ADMIN_MAIN = "org.neo4j.server.startup.Neo4jAdminCommand"
_HOME_SUBDIRS = ("conf", "data", "logs", "run", "plugins", "import")
# For the bootstrap and admin JVMs only (the server JVM takes its options from the conf):
# they do little work, so a small heap and no optimising compiler start them faster.
TOOL_JVM_OPTIONS = ("-Xms16m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")

# The server runs with its HTTP connectors off and listens on loopback only: tests need
# Bolt and nothing else, and nothing outside this machine should ever reach it. The
# add-opens flags are the ones the distribution's own launch scripts pass on Java 17. The
# Bolt quiet period (5 s by default, paid twice) would make every stop take ten seconds for
# nothing: a test server has no clients to drain, so it is zero, as in Neo4j's own harness.
_CONF_TEMPLATE = """\
server.directories.data={home}/data
server.directories.logs={home}/logs
server.directories.run={home}/run
server.directories.plugins={home}/plugins
server.directories.import={home}/import
server.default_listen_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:{port}
server.http.enabled=false
server.https.enabled=false
dbms.usage_report.enabled=false
internal.dbms.bolt.netty_server_shutdown_quiet_period=0
server.memory.heap.initial_size=512m
server.memory.heap.max_size=1g
server.memory.pagecache.size=256m
server.jvm.additional=-XX:+UseG1GC
server.jvm.additional=--add-opens=java.base/java.nio=ALL-UNNAMED
server.jvm.additional=--add-opens=java.base/java.io=ALL-UNNAMED
server.jvm.additional=--add-opens=java.base/sun.nio.ch=ALL-UNNAMED
server.jvm.additional=--add-opens=java.base/java.lang=ALL-UNNAMED
server.jvm.additional=-Dio.netty.tryReflectionSetAccessible=true
server.jvm.additional=-Djdk.attach.allowAttachSelf=true
"""


class Neo4jLaunchError(RuntimeError):
    """The test server could not be resolved, started, reached or stopped."""


def prepare_home(home: Path, port: int, conf: Mapping[str, str]) -> dict[str, str]:
    """The home's folders and ``neo4j.conf`` (``conf`` replacing or adding to the
    template's settings); returns the server's environment."""
    for name in _HOME_SUBDIRS:
        (home / name).mkdir()
    lines = [
        line
        for line in _CONF_TEMPLATE.format(home=home, port=port).splitlines()
        if line.partition("=")[0] not in conf
    ]
    lines += [f"{key}={value}" for key, value in conf.items()]
    (home / "conf" / "neo4j.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return server_env(home)


def server_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["NEO4J_HOME"] = str(home)
    env["NEO4J_CONF"] = str(home / "conf")
    # Options meant for a user's own Neo4j must not leak into the test server.
    for name in ("NEO4J_AUTH", "JAVA_OPTS", "JDK_JAVA_OPTIONS", "_JAVA_OPTIONS"):
        env.pop(name, None)
    return env


def set_initial_password(
    java: str, classpath: str, env: dict[str, str], password: str, home: Path
) -> None:
    command = [java, *TOOL_JVM_OPTIONS, "-cp", classpath, _ADMIN_MAIN]
    command += ["dbms", "set-initial-password", password]
    try:
        result = subprocess.run(
            command,
            env=env,
            cwd=home,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        raise Neo4jLaunchError("neo4j-admin set-initial-password timed out") from exc
    if result.returncode != 0:
        output = _tail((result.stdout + result.stderr).splitlines(), 40)
        raise Neo4jLaunchError(
            f"neo4j-admin set-initial-password failed (exit {result.returncode}):\n{output}"
        )


def log_tail(instance: Neo4jInstance, lines: int = 40) -> str:
    """The end of each server log, for error messages that explain themselves."""
    parts: list[str] = []
    for name in ("console.log", "neo4j.log", "debug.log"):
        path = instance.home / "logs" / name
        try:
            content = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        if content:
            parts.append(f"--- last lines of {path} ---\n{_tail(content, lines)}")
    return "\n".join(parts) or f"(no logs under {instance.home / 'logs'})"


def _tail(lines: list[str], count: int) -> str:
    return "\n".join(lines[-count:])
