"""``python -m bench.embedded --sizes L``: the embedded store's start-up and peak memory,
cold and warm, merged into ``bench/results/latest.json``.

For each size it generates the synthetic graph (or reuses one already generated with the
same seed in ``--work``), then starts the embedded store in fresh processes
(:mod:`bench.probe`) through an empty graph cache - the *cold* start: read, validate, write
the cache entry - and again through that cache - the *warm* start, what every later
``techsov serve`` of unchanged inputs costs. ``embedded_startup_s`` and
``embedded_peak_rss_mb`` take the warm figures (what a restart costs);
``embedded_startup_cold_s`` and ``embedded_peak_rss_cold_mb`` the cold ones. Nothing
else is run: no Neo4j is needed.

    python -m bench.embedded --sizes L --write
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.measure import REPO_ROOT, git_commit
from ingest.synth import SIZES, generate

RESULTS = REPO_ROOT / "bench" / "results" / "latest.json"


def probe(data: Path, cache_dir: Path, keep: str = "image") -> dict[str, Any]:
    """One start in a fresh process through ``cache_dir`` (see :mod:`bench.probe`)."""
    started = time.perf_counter()
    command = ["-m", "bench.probe", str(data), "--cache-dir", str(cache_dir), "--keep", keep]
    done = subprocess.run(
        [sys.executable, *command],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    result["process_s"] = round(time.perf_counter() - started, 2)
    return result


def cold_and_warm(data: Path, keep: str = "image") -> dict[str, Any]:
    """The cold start into an empty cache, then the warm start from what it wrote."""
    with tempfile.TemporaryDirectory(prefix="techsov-probe-cache-") as cache:
        cold = probe(data, Path(cache), keep)
        warm = probe(data, Path(cache), keep)
    if cold["cache"] != "miss" or warm["cache"] != "hit":
        raise RuntimeError(
            f"expected a cache miss then a hit, got {cold['cache']}, {warm['cache']}"
        )
    return {**warm, "cold": cold}


def side_by_side(data: Path) -> dict[str, Any]:
    """The store's image cache, and the graph-only cache as the baseline, started
    alternately (image, graph, image, graph) so both see the same machine; the figures
    are the image's, with the baseline's under ``graph_cache``."""
    with (
        tempfile.TemporaryDirectory(prefix="techsov-probe-cache-") as images,
        tempfile.TemporaryDirectory(prefix="techsov-probe-cache-") as graphs,
    ):
        runs = {
            (keep, when): probe(data, Path(folder), keep)
            for when in ("cold", "warm")
            for keep, folder in (("image", images), ("graph", graphs))
        }
    for (keep, when), run in runs.items():
        if run["cache"] != ("miss" if when == "cold" else "hit"):
            raise RuntimeError(f"{keep} {when} start: cache {run['cache']}")
    baseline = {**runs["graph", "warm"], "cold": runs["graph", "cold"]}
    return {**runs["image", "warm"], "cold": runs["image", "cold"], "graph_cache": baseline}


def _data(work: Path, size: str, seed: int) -> Path:
    folder = work / f"{size}-seed{seed}"
    if not (folder / "relations.csv").exists():
        generate(folder, SIZES[size], seed, formats=("csv",))
    return folder


def merge(path: Path, figures: dict[str, dict[str, Any]], run: dict[str, Any]) -> None:
    """Merge into ``latest.json``, read again right before writing (others add keys)."""
    results = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for size, m in figures.items():
        results.setdefault("per_size", {}).setdefault(size, {})["embedded"] = {**m, "run": run}
        for key, value in (
            ("embedded_startup_s", m["startup_s"]),
            ("embedded_peak_rss_mb", m["peak_rss_mb"]),
            ("embedded_startup_cold_s", m["cold"]["startup_s"]),
            ("embedded_peak_rss_cold_mb", m["cold"]["peak_rss_mb"]),
        ):
            results.setdefault(key, {})[size] = value
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench.embedded", description=__doc__)
    parser.add_argument("--sizes", default="L", help="comma-separated of S, M, L (default L)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "techsov-bench-data"
    )
    parser.add_argument("--write", action="store_true", help="merge into latest.json")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also start from a cache of the validated graph only (built into the store "
        "at every start), alternating with the image cache",
    )
    args = parser.parse_args(argv)
    run = {
        "command": "python -m bench.embedded " + " ".join(argv),
        "commit": git_commit(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_version()}",
    }
    figures: dict[str, dict[str, Any]] = {}
    for size in filter(None, (s.strip() for s in args.sizes.split(","))):
        if size not in SIZES:
            parser.error(f"unknown size {size!r}")
        data = _data(args.work, size, args.seed)
        figures[size] = side_by_side(data) if args.baseline else cold_and_warm(data)
        print(f"{size}: {json.dumps(figures[size])}", file=sys.stderr)
    if args.write:
        merge(RESULTS, figures, run)
    print(json.dumps({"run": run, "figures": figures}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
