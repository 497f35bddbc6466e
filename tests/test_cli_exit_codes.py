"""Every failure the CLI can meet ends in one line naming the problem and its fix, and in
the exit code the README gives for its kind; a traceback only with ``--debug``.

The commands run as a user runs them (a subprocess of the installed ``techsov``), except
where an unexpected error has to be provoked, which is done in-process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import techsov.cli as cli

TECHSOV = [sys.executable, "-m", "techsov.cli"]


def _run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TECHSOV_") or k.endswith("CACHE_DIR")
    }
    environment.update(env or {})
    return subprocess.run(
        [*TECHSOV, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def _one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def test_a_busy_port_is_one_line_exit_7_before_any_banner(busy_port: int) -> None:
    started = time.monotonic()
    result = _run("serve", "--port", str(busy_port))
    assert result.returncode == 7
    line = _one_line_error(result, f"port {busy_port}", "already in use", "--port")
    assert "GraphQL on" not in result.stderr + result.stdout, line
    # Said before the graph is validated (which takes tens of seconds on a first run).
    assert time.monotonic() - started < 60


@pytest.mark.parametrize(
    ("variable", "value"),
    [("TECHSOV_PORT", "eighty"), ("TECHSOV_MAX_FIRST", "5"), ("TECHSOV_CORS_ORIGINS", "[oops")],
)
def test_a_bad_setting_names_the_variable_and_exits_2(variable: str, value: str) -> None:
    result = _run("serve", env={variable: value})
    assert result.returncode == 2
    _one_line_error(result, f"bad setting {variable}", "fix or unset it")


def test_an_unwritable_output_is_one_line_exit_7(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = _run("export", "--format", "parquet", "--out", str(blocker / "sub"))
    assert result.returncode == 7
    _one_line_error(result, str(blocker), "check the path")


def test_an_unreadable_fact_file_is_invalid_input_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    result = _run("validate", str(missing))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{missing}: no such file" in result.stderr


def test_a_store_that_is_down_is_one_line_exit_5_naming_the_settings() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"TECHSOV_NEO4J_URI": f"bolt://127.0.0.1:{port}", "TECHSOV_NEO4J_PASSWORD": "x"}
    result = _run("load", env=env)
    assert result.returncode == 5
    _one_line_error(result, "unavailable", "TECHSOV_NEO4J_URI", "techsov neo4j start")


def test_an_unexpected_error_is_one_line_exit_1_and_a_traceback_only_with_debug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something the code did not foresee")

    monkeypatch.setattr(cli, "default_schema", broken)
    monkeypatch.setattr(cli.http_socket, "bind", lambda host, port: None)
    runner = CliRunner()
    plain = runner.invoke(cli.app, ["serve"])
    assert plain.exit_code == 1
    assert plain.exception is None or isinstance(plain.exception, SystemExit)
    assert "internal error: RuntimeError: something the code did not foresee" in plain.output
    assert "--debug" in plain.output and "Traceback" not in plain.output

    debug = runner.invoke(cli.app, ["--debug", "serve"])
    assert isinstance(debug.exception, RuntimeError)
