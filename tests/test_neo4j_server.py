"""The test server is a real Neo4j, and its launcher keeps its promises.

The first group talks to the session's server. The second exercises the launcher's
state-file logic (which server is "ours", what ``stop`` may kill and delete) on stand-in
processes, because getting that wrong would signal unrelated processes or delete
unrelated directories, and a real server would only make those cases slower to set up.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from neo4j import Driver, GraphDatabase
from typer.testing import CliRunner

from techsov import neo4j_server
from techsov.neo4j_cli import neo4j_app
from techsov.neo4j_server import (
    HOME_PREFIX,
    Neo4jCredentials,
    Neo4jInstance,
    Neo4jLauncher,
    Neo4jLaunchError,
)
from techsov.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
VERSION = Settings().neo4j_version
VERSION_LINE = ".".join(VERSION.split(".")[:2])  # "5.26": what docker-compose.yml pins too


# -- the server is real ------------------------------------------------------------------


def test_server_is_neo4j_community_of_the_pinned_line(neo4j_db: Driver) -> None:
    records, _, _ = neo4j_db.execute_query(
        "CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition"
    )
    kernel = [record for record in records if record["name"] == "Neo4j Kernel"]
    assert len(kernel) == 1, records
    assert kernel[0]["edition"] == "community"
    assert kernel[0]["versions"][0].startswith(f"{VERSION_LINE}.")


def test_write_read_round_trip(neo4j_db: Driver) -> None:
    props = {"name": "Ústav – 研究所", "founded": 1952, "share": 0.25, "tags": ["a", "b"]}
    neo4j_db.execute_query(
        "CREATE (a:Actor $props)-[:FUNDS {amount: 10}]->(:Technology {name: 'RISC-V'})",
        props=props,
    )
    records, _, _ = neo4j_db.execute_query(
        "MATCH (a:Actor)-[f:FUNDS]->(t:Technology) RETURN a, f.amount AS amount, t.name AS tech"
    )
    assert len(records) == 1
    assert dict(records[0]["a"]) == props
    assert records[0]["amount"] == 10
    assert records[0]["tech"] == "RISC-V"


def test_wipe_removes_data_constraints_and_indexes(
    neo4j_db: Driver, neo4j_wipe: Callable[[], None]
) -> None:
    neo4j_db.execute_query(
        "CREATE CONSTRAINT actor_id IF NOT EXISTS FOR (a:Actor) REQUIRE a.id IS UNIQUE"
    )
    neo4j_db.execute_query("CREATE INDEX actor_name IF NOT EXISTS FOR (a:Actor) ON (a.name)")
    neo4j_db.execute_query("CREATE (:Actor {id: 1})-[:R]->(:Actor {id: 2})")

    neo4j_wipe()

    def count(query: str) -> int:
        records, _, _ = neo4j_db.execute_query(query)
        return int(records[0][0])

    assert count("MATCH (n) RETURN count(n)") == 0
    assert count("SHOW CONSTRAINTS YIELD name RETURN count(name)") == 0
    assert count("SHOW INDEXES YIELD type WHERE type <> 'LOOKUP' RETURN count(*)") == 0
    # The built-in lookup indexes survive: dropping them would slow every label scan.
    assert count("SHOW INDEXES YIELD type WHERE type = 'LOOKUP' RETURN count(*)") >= 1


def test_cli_start_output_is_evalable(neo4j_server: Neo4jCredentials) -> None:
    """``eval "$(techsov neo4j start)"`` exports exactly the session server's settings."""
    running = Neo4jLauncher.from_settings(Settings(), log=lambda _: None).current()
    if running is None or running.uri != neo4j_server.uri:
        pytest.skip(
            "the session's server was not started by the launcher; "
            "`techsov neo4j start` would start a second one"
        )
    result = subprocess.run(
        [sys.executable, "-m", "techsov.neo4j_cli", "start"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "already running" in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3, result.stdout
    assert all(re.fullmatch(r"export TECHSOV_NEO4J_(URI|USER|PASSWORD)=\S+", ln) for ln in lines)

    exported = _eval_in_bash(result.stdout)
    assert exported == neo4j_server
    with GraphDatabase.driver(exported.uri, auth=(exported.user, exported.password)) as driver:
        driver.verify_connectivity()


def test_env_lines_survive_shell_quoting() -> None:
    tricky = Neo4jCredentials(uri="bolt://127.0.0.1:1", user="neo4j", password="a b'$(x)\"`;-_")
    assert _eval_in_bash("\n".join(tricky.env_lines())) == tricky


def _eval_in_bash(script: str) -> Neo4jCredentials:
    printed = subprocess.run(
        [
            "bash",
            "-c",
            'eval "$1" && printf "%s\\0" "$TECHSOV_NEO4J_URI" "$TECHSOV_NEO4J_USER" '
            '"$TECHSOV_NEO4J_PASSWORD"',
            "eval-test",
            script,
        ],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    ).stdout
    uri, user, password, _ = printed.split("\0")
    return Neo4jCredentials(uri=uri, user=user, password=password)


# -- the state file and what stop may touch ----------------------------------------------


@pytest.fixture
def quiet_launcher(tmp_path: Path) -> Neo4jLauncher:
    return Neo4jLauncher(VERSION, tmp_path / "cache", stop_timeout_s=5.0, log=lambda _: None)


@pytest.fixture
def fake_home(tmp_path: Path) -> Path:
    home = tmp_path / f"{HOME_PREFIX}fake"
    (home / "conf").mkdir(parents=True)
    (home / "conf" / "neo4j.conf").write_text("# stand-in\n", encoding="utf-8")
    return home


@pytest.fixture
def stand_ins() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start ``sleep`` processes in their own groups and always kill them afterwards."""
    started: list[subprocess.Popen[bytes]] = []

    def spawn(env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(["sleep", "120"], start_new_session=True, env=env)
        started.append(process)
        return process

    yield spawn
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _record(launcher: Neo4jLauncher, pid: int, home: Path) -> Neo4jInstance:
    instance = Neo4jInstance(
        pid=pid,
        pgid=pid,
        port=7687,
        password="secret",
        home=home,
        version=VERSION,
        started_at=time.time(),
    )
    launcher.state_file.parent.mkdir(parents=True, exist_ok=True)
    launcher.state_file.write_text(instance.to_json(), encoding="utf-8")
    return instance


def test_state_of_a_dead_server_is_cleaned_up(
    quiet_launcher: Neo4jLauncher, fake_home: Path
) -> None:
    finished = subprocess.Popen(["true"])
    finished.wait()
    _record(quiet_launcher, finished.pid, fake_home)

    assert quiet_launcher.current() is None
    assert not quiet_launcher.state_file.exists()
    assert not fake_home.exists()
    assert quiet_launcher.stop() is False


def test_a_live_group_that_is_not_ours_is_never_signalled(
    quiet_launcher: Neo4jLauncher,
    fake_home: Path,
    stand_ins: Callable[..., subprocess.Popen[bytes]],
) -> None:
    # As if the recorded pid had been reused by an unrelated process after a crash.
    stranger = stand_ins()
    _record(quiet_launcher, stranger.pid, fake_home)

    assert quiet_launcher.stop() is False
    time.sleep(0.2)
    assert stranger.poll() is None, "stop() killed a process that was not the server"
    assert not quiet_launcher.state_file.exists()


def test_stop_terminates_our_group_and_deletes_the_home(
    quiet_launcher: Neo4jLauncher,
    fake_home: Path,
    stand_ins: Callable[..., subprocess.Popen[bytes]],
) -> None:
    ours = stand_ins(env={**os.environ, "NEO4J_HOME": str(fake_home)})
    recorded = _record(quiet_launcher, ours.pid, fake_home)

    assert quiet_launcher.current() == recorded
    assert quiet_launcher.stop() is True
    ours.wait(timeout=5)  # reaped already by stop(), or dead now: either way gone
    assert not fake_home.exists()
    assert not quiet_launcher.state_file.exists()


def test_stopping_a_given_server_leaves_the_record_of_another_alone(
    quiet_launcher: Neo4jLauncher,
    tmp_path: Path,
    stand_ins: Callable[..., subprocess.Popen[bytes]],
) -> None:
    """A pytest session stops the server it started, not whatever the record names now."""
    homes = []
    for name in ("mine", "recorded"):
        home = tmp_path / f"{HOME_PREFIX}{name}"
        (home / "conf").mkdir(parents=True)
        (home / "conf" / "neo4j.conf").write_text("# stand-in\n", encoding="utf-8")
        homes.append(home)
    mine_process = stand_ins(env={**os.environ, "NEO4J_HOME": str(homes[0])})
    mine = _record(quiet_launcher, mine_process.pid, homes[0])
    other_process = stand_ins(env={**os.environ, "NEO4J_HOME": str(homes[1])})
    recorded = _record(quiet_launcher, other_process.pid, homes[1])

    assert quiet_launcher.stop(mine) is True
    mine_process.wait(timeout=5)
    assert not homes[0].exists()
    assert quiet_launcher.current() == recorded
    assert other_process.poll() is None


def test_stop_never_deletes_a_directory_that_is_not_a_server_home(
    quiet_launcher: Neo4jLauncher, tmp_path: Path
) -> None:
    precious = tmp_path / "precious"
    (precious / "conf").mkdir(parents=True)
    (precious / "conf" / "neo4j.conf").write_text("", encoding="utf-8")
    _record(quiet_launcher, 2**22 + 1, precious)  # beyond pid_max: surely not running

    assert quiet_launcher.stop() is False
    assert precious.exists()


def test_malformed_state_file_is_ignored(quiet_launcher: Neo4jLauncher) -> None:
    quiet_launcher.state_file.parent.mkdir(parents=True)
    quiet_launcher.state_file.write_text("{not json", encoding="utf-8")

    assert quiet_launcher.current() is None
    assert not quiet_launcher.state_file.exists()


def test_cli_status_and_stop_follow_the_state_file(
    tmp_path: Path,
    fake_home: Path,
    stand_ins: Callable[..., subprocess.Popen[bytes]],
) -> None:
    cache = tmp_path / "cache"
    env = {"TECHSOV_NEO4J_CACHE_DIR": str(cache)}
    runner = CliRunner()

    status = runner.invoke(neo4j_app, ["status"], env=env)
    assert status.exit_code == 1
    assert "not running" in status.output
    assert runner.invoke(neo4j_app, ["stop"], env=env).exit_code == 0

    ours = stand_ins(env={**os.environ, "NEO4J_HOME": str(fake_home)})
    _record(Neo4jLauncher(VERSION, cache), ours.pid, fake_home)
    status = runner.invoke(neo4j_app, ["status"], env=env)
    assert status.exit_code == 0
    assert f"version={VERSION}" in status.output
    assert "port=7687" in status.output

    assert runner.invoke(neo4j_app, ["stop"], env=env).exit_code == 0
    ours.wait(timeout=35)
    assert runner.invoke(neo4j_app, ["status"], env=env).exit_code == 1


# -- failures explain themselves and leave nothing behind ------------------------------


def _reuse_resolved_classpath(launcher: Neo4jLauncher) -> None:
    """Spare a fresh cache dir the Maven run the session's launcher has already done."""
    resolved = Neo4jLauncher.from_settings(Settings()).classpath_file
    if resolved.is_file():
        launcher.classpath_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(resolved, launcher.classpath_file)


@pytest.mark.slow
def test_unknown_version_fails_with_mavens_reason(tmp_path: Path) -> None:
    launcher = Neo4jLauncher("0.0.0-no-such-version", tmp_path, log=lambda _: None)
    with pytest.raises(Neo4jLaunchError, match=r"Maven failed to resolve org\.neo4j:neo4j:0\.0\.0"):
        launcher.start()
    assert not launcher.state_file.exists()


@pytest.mark.slow
def test_server_that_dies_on_start_up_is_reported_with_its_log_and_cleaned_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages: list[str] = []
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        # Hand Neo4j a Bolt port that is already taken, so the real server fails for real.
        monkeypatch.setattr(neo4j_server, "_free_port", lambda: squatter.getsockname()[1])
        launcher = Neo4jLauncher(VERSION, tmp_path, log=messages.append)
        _reuse_resolved_classpath(launcher)
        with pytest.raises(Neo4jLaunchError) as failure:
            launcher.start()
    message = str(failure.value)
    assert "exited during start-up" in message
    assert "last lines of" in message  # the server's own explanation is included
    assert not launcher.state_file.exists()
    homes = {Path(m) for text in messages for m in re.findall(r"\(home (\S+)\)", text)}
    assert len(homes) == 1, messages
    assert not homes.pop().exists()


def test_settings_given_to_the_launcher_replace_the_templates_own(tmp_path: Path) -> None:
    from techsov.neo4j_home import prepare_home

    conf = {"server.memory.heap.max_size": "4g", "db.memory.transaction.total.max": "3g"}
    assert neo4j_server.Neo4jLauncher("5.26.30", tmp_path / "cache", conf=conf).conf == conf
    home = tmp_path / "home"
    home.mkdir()
    prepare_home(home, 7777, conf)
    lines = (home / "conf" / "neo4j.conf").read_text(encoding="utf-8").splitlines()
    assert "server.memory.heap.max_size=4g" in lines
    assert "db.memory.transaction.total.max=3g" in lines
    assert "server.memory.heap.max_size=1g" not in lines
    assert "server.bolt.listen_address=127.0.0.1:7777" in lines  # the rest as it was
