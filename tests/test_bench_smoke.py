"""The benchmark runs end to end on a tiny graph, so that it cannot rot between real runs.

Nothing here asserts a time: on a shared machine timings say nothing about the code. What
is pinned is that every stage runs on the real server (load, naive baseline, queries on
three sides, served HTTP, concurrent clients, embedded probe), that the results carry the
documented keys, and that no request failed.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from neo4j import Driver
from rich.console import Console

import bench.__main__ as bench_main
from bench.report import merged_results
from bench.runner import BenchConfig, run
from techsov.neo4j_server import Neo4jCredentials
from techsov.settings import Settings

PER_SIZE_KEYS = (
    "load_rel_per_s",
    "load_vs_naive",
    "graphql_overhead_p50",
    "exposure_d3_p95_ms",
    "exposure_d3_asof_p95_ms",
    "graphql_exposure_d3_p95_ms",
    "path_l4_p95_ms",
    "full_load_s",
    "incremental_rel_per_s",
    "noop_reload_s",
    "embedded_over_neo4j_p50",
    "embedded_startup_s",
    "embedded_peak_rss_mb",
    "rps_1_clients",
    "rps_8_clients",
    "rps_32_clients",
)


def test_benchmark_runs_on_a_tiny_graph_and_reports_every_key_without_errors(
    neo4j_db: Driver, neo4j_server: Neo4jCredentials, tmp_path: Path
) -> None:
    out = tmp_path / "results"
    config = BenchConfig(
        sizes={"tiny": 60},
        out=out,
        work=tmp_path / "data",
        items=2,
        repeats=1,
        naive_subset=20,
        concurrency=(1, 8, 32),
        concurrency_size="tiny",
        requests=32,
        soak_seconds=0,  # bench.soak has tests of its own; a soak is long by nature
        database=Settings().neo4j_database,
        log=lambda message: None,
    )
    run(config, neo4j_server)

    saved = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    for key in PER_SIZE_KEYS:
        assert set(saved[key]) == {"tiny"}, key
    assert saved["errors"] == 0
    assert saved["commit"]
    tiny = saved["per_size"]["tiny"]
    assert tiny["load_created"] == tiny["relations"]
    assert tiny["reload_changed"] is False  # loading the same graph again changes nothing
    assert tiny["yaml_equals_bulk"] is True
    assert "| load ÷ naive" in (out / "latest.md").read_text(encoding="utf-8").replace("**", "")
    assert (out / "scaling.png").stat().st_size > 0


def test_bench_progress_shows_a_spinner_on_a_terminal_and_plain_lines_elsewhere(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=120)
    monkeypatch.setattr(bench_main, "err_console", terminal)
    with bench_main._progress() as log:
        log("== size S: 1000 firms")
    shown = screen.getvalue()
    assert "== size S: 1000 firms" in shown
    assert "benchmark running" in shown  # the spinner's line, redrawn while the step runs

    piped = Console(file=io.StringIO(), force_terminal=False)
    monkeypatch.setattr(bench_main, "err_console", piped)
    with bench_main._progress() as log:
        log("load: 10 relations in 0.1 s")
    assert capsys.readouterr().err == "load: 10 relations in 0.1 s\n"
    assert piped.file.getvalue() == ""  # type: ignore[attr-defined]


def test_recorded_commands_hold_no_password_path_or_port_of_the_machine() -> None:
    argv = ["--sizes", "L", "--work", "/tmp/w", "--neo4j-uri", "bolt://127.0.0.1:7687",
            "--neo4j-password=secret", "--import", "/srv/n", "--out=/tmp/o"]  # fmt: skip
    assert bench_main.redacted(argv) == [
        "--sizes", "L", "--work", "WORK", "--neo4j-uri", "URI",
        "--neo4j-password=***", "--import", "DIR", "--out=OUT",
    ]  # fmt: skip


def test_a_run_of_some_sizes_keeps_the_other_sizes_figures_and_other_benchmarks_keys() -> None:
    previous = {
        "exposure_d3_p95_ms": {"S": 2550.2, "M": 25.3, "L": 39.3},
        "per_size": {"S": {"relations": 1}, "M": {"relations": 2}},
        "final_run_notes": "L on Neo4j",
        "errors": 3,
        "commit": "old",
    }
    run = {
        "exposure_d3_p95_ms": {"S": 20.0},
        "per_size": {"S": {"relations": 9}},
        "errors": 0,
        "commit": "new",
        "config": {"sizes": {"S": 1300}},
    }
    merged = merged_results(previous, run)
    assert merged["exposure_d3_p95_ms"] == {"S": 20.0, "M": 25.3, "L": 39.3}
    assert merged["per_size"] == {"S": {"relations": 9}, "M": {"relations": 2}}
    assert merged["final_run_notes"] == "L on Neo4j"
    assert (merged["errors"], merged["commit"]) == (0, "new")
    assert merged["config"] == {"sizes": {"S": 1300}}  # not a map by size: replaced whole
