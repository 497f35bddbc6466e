"""Benchmark results as files: ``latest.json`` (every figure), ``latest.md`` (the tables
for people) and ``scaling.png`` (how latency grows with depth and graph size).

The headline keys of ``latest.json`` are flat maps from size to figure (``{"M": 1.3}``),
so a later run, a dashboard or a regression check can compare runs without knowing the
shape of the detailed per-size records kept beside them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from bench.measure import EXPOSURE_DEPTHS, ratio

HEADLINE = "exposure_d3"
"""The query the single-number ratios are taken on: the API's default exposure depth."""


def _r(x: float, digits: int = 2) -> float:
    return round(x, digits) if math.isfinite(x) else x


def _headline(out: dict[str, Any], size: str, m: dict[str, Any]) -> None:
    """One size's headline figures, into ``out``'s maps."""
    q = m["queries"][HEADLINE]
    out["relations"][size] = m["relations"]
    out["load_rel_per_s"][size] = m["load_rel_per_s"]
    out["naive_rel_per_s"][size] = m["naive_rel_per_s"]
    out["load_vs_naive"][size] = _r(ratio(m["load_rel_per_s"], m["naive_rel_per_s"]), 1)
    out["graphql_overhead_p50"][size] = _r(ratio(q["http"]["p50_ms"], q["neo4j"]["p50_ms"]))
    out["exposure_d3_p50_ms"][size] = _r(q["neo4j"]["p50_ms"], 1)
    out["exposure_d3_p95_ms"][size] = _r(q["neo4j"]["p95_ms"], 1)
    if "neo4j_asof" in q:
        out["exposure_d3_asof_p95_ms"][size] = _r(q["neo4j_asof"]["p95_ms"], 1)
    out["graphql_exposure_d3_p95_ms"][size] = _r(q["http"]["p95_ms"], 1)
    if "path_l4" in m["queries"]:
        out["path_l4_p95_ms"][size] = _r(m["queries"]["path_l4"]["neo4j"]["p95_ms"], 1)
    for key in ("full_load_s", "incremental_rel_per_s", "noop_reload_s"):
        if key in m:
            out[key][size] = m[key]
    out["embedded_over_neo4j_p50"][size] = _r(
        ratio(q["embedded"]["p50_ms"], q["neo4j"]["p50_ms"]), 3
    )
    out["embedded_startup_s"][size] = m["embedded"]["startup_s"]
    out["embedded_peak_rss_mb"][size] = m["embedded"]["peak_rss_mb"]
    if "cold" in m["embedded"]:  # the warm start above; the cold one beside it
        cold = m["embedded"]["cold"]
        out.setdefault("embedded_startup_cold_s", {})[size] = cold["startup_s"]
        out.setdefault("embedded_peak_rss_cold_mb", {})[size] = cold["peak_rss_mb"]
    out["neo4j_heap_used_mb"][size] = m["neo4j_heap_mb"].get("used")
    failed = sum(side["failed"] for q in m["queries"].values() for side in q.values())
    out.setdefault("query_failures", {})[size] = failed
    for clients, run in m.get("clients", {}).items():
        out.setdefault(f"rps_{clients}_clients", {})[size] = run["rps"]


def summarize(per_size: dict[str, dict[str, Any]], naive_subset: int) -> dict[str, Any]:
    """The headline figures, each as ``{size: value}``, and the total error count."""
    out: dict[str, Any] = {
        key: {}
        for key in (
            "relations",
            "load_rel_per_s",
            "naive_rel_per_s",
            "load_vs_naive",
            "graphql_overhead_p50",
            "exposure_d3_p50_ms",
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
            "neo4j_heap_used_mb",
        )
    }
    errors = 0
    for size, m in per_size.items():
        _headline(out, size, m)
        errors += sum(run["errors"] for run in m.get("clients", {}).values())
    out["errors"] = errors
    out["naive_note"] = (
        f"The naive baseline MERGEs the first {naive_subset} relations of each graph (and "
        "their endpoints), one transaction each; its relations/s is extrapolated from that "
        "subset. The real load writes every entity and relation of the graph in one "
        "transaction."
    )
    return out


def merged_results(previous: Any, results: dict[str, Any]) -> dict[str, Any]:
    """``results`` over ``previous``: keys this run does not produce are kept (other
    benchmarks write them), and so are the other sizes of a map by size (``{"M": 1.3}``,
    and ``per_size``): a run of S alone replaces S's figures, not M's and L's."""
    if not isinstance(previous, dict):
        return dict(results)
    sizes = set(results.get("per_size", {}))
    merged = {k: v for k, v in previous.items() if k not in results}
    for key, value in results.items():
        before = previous.get(key)
        by_size = isinstance(value, dict) and bool(value) and set(value) <= sizes
        if by_size and isinstance(before, dict):
            merged[key] = {**before, **value}
        else:
            merged[key] = value
    return merged


def write_reports(results: dict[str, Any], out: Path) -> None:
    """Write the run into ``latest.json`` (see :func:`merged_results`), and the run alone
    into ``latest.md`` and ``scaling.png``."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / "latest.json"
    try:
        previous = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = {}
    merged = merged_results(previous, results)
    target.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    (out / "latest.md").write_text(markdown(results), encoding="utf-8")
    plot(results, out / "scaling.png")


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "–"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def markdown(results: dict[str, Any]) -> str:
    """The run as Markdown tables: headline figures per size, then the details."""
    sizes = list(results["per_size"])
    per = results["per_size"]
    lines = _headline_lines(results, sizes)
    lines += _latency_lines(per, sizes)
    lines += _client_lines(per, sizes)
    lines += _stage_lines(per, sizes)
    return "\n".join(lines) + "\n"


Row = Any
"""``row(label, get, digits=1)``: one table row, the figure ``get`` reads for every size."""


def _load_rows(row: Row) -> list[list[str]]:
    return [
        row("entities", lambda m: m["entities"]),
        row("relations", lambda m: m["relations"]),
        row("generate (s)", lambda m: m["generate_s"]),
        row("bulk CSV read + validation (s)", lambda m: m["bulk_read_s"]),
        row("curated YAML read + validation (s)", lambda m: m.get("yaml_read_s")),
        row("load into Neo4j (s)", lambda m: m["load_s"]),
        row("**load (relations/s)**", lambda m: m["load_rel_per_s"], 0),
        row("naive MERGE per transaction (relations/s)*", lambda m: m["naive_rel_per_s"]),
        row("**load ÷ naive**", lambda m: ratio(m["load_rel_per_s"], m["naive_rel_per_s"])),
        row("reload, nothing changed (s)", lambda m: m["reload_s"]),
    ]


def _serving_rows(row: Row, q: Any, per: dict[str, dict[str, Any]]) -> list[list[str]]:
    return [
        row("exposure d3 p50, Neo4j (ms)", q(HEADLINE, "neo4j", "p50_ms")),
        row("**exposure d3 p95, Neo4j (ms)**", q(HEADLINE, "neo4j", "p95_ms")),
        row(
            "**GraphQL ÷ direct, exposure d3 p50**",
            lambda m: ratio(
                m["queries"][HEADLINE]["http"]["p50_ms"],
                m["queries"][HEADLINE]["neo4j"]["p50_ms"],
            ),
            2,
        ),
        row(
            "**embedded ÷ Neo4j, exposure d3 p50**",
            lambda m: ratio(
                m["queries"][HEADLINE]["embedded"]["p50_ms"],
                m["queries"][HEADLINE]["neo4j"]["p50_ms"],
            ),
            3,
        ),
        row("embedded start-up (s)", lambda m: m["embedded"]["startup_s"], 2),
        row("embedded peak RSS (MB)", lambda m: m["embedded"]["peak_rss_mb"], 0),
        row("Neo4j heap used (MB)", lambda m: m["neo4j_heap_mb"].get("used"), 0),
        *(
            row(
                f"requests/s, {c} clients",
                lambda m, c=c: m.get("clients", {}).get(c, {}).get("rps"),
            )
            for c in _client_levels(per)
        ),
        row(
            "errors (concurrent clients)",
            lambda m: sum(r["errors"] for r in m.get("clients", {}).values()),
            0,
        ),
        row(
            "query samples failed (timeout)",
            lambda m: sum(s["failed"] for q in m["queries"].values() for s in q.values()),
            0,
        ),
    ]


def _headline_lines(results: dict[str, Any], sizes: list[str]) -> list[str]:
    per = results["per_size"]

    def row(label: str, get: Any, digits: int = 1) -> list[str]:
        return [label, *(_fmt(get(per[s]), digits) for s in sizes)]

    def q(name: str, side: str, stat: str) -> Any:
        return lambda m: m["queries"][name][side][stat]

    lines = [
        f"Commit `{results['commit'][:12]}`{' (work tree modified)' if results['dirty'] else ''}"
        f", {results['started_at']}, {results['machine']['cpus']} CPUs, "
        f"run took {results['duration_s']:.0f} s.",
        "",
        *_table(
            ["figure", *sizes],
            [*_load_rows(row), *_serving_rows(row, q, per)],
        ),
        "",
        f"\\* {results['naive_note']}",
        "",
        "### Latency by query (p50 / p95 ms; result size is the mean number of rows returned)",
        "",
    ]
    return lines


def _latency_lines(per: dict[str, dict[str, Any]], sizes: list[str]) -> list[str]:
    lines: list[str] = []
    rows = []
    for s in sizes:
        for name, sides in per[s]["queries"].items():
            reached = per[s].get("exposure_reached", {}).get(name.removeprefix("exposure_"))
            rows.append(
                [
                    s,
                    name,
                    _fmt(sides["neo4j"]["mean_result_size"]),
                    _fmt(reached),
                    *(
                        f"{_fmt(sides[side]['p50_ms'])} / {_fmt(sides[side]['p95_ms'])}"
                        for side in ("neo4j", "http", "embedded")
                    ),
                    _fmt(ratio(sides["http"]["p50_ms"], sides["neo4j"]["p50_ms"]), 2),
                    " / ".join(
                        str(sides[side]["failed"]) for side in ("neo4j", "http", "embedded")
                    ),
                ]
            )
    lines += _table(
        [
            "size",
            "query",
            "result size",
            "reached",
            "Neo4j direct",
            "HTTP/GraphQL",
            "embedded",
            "GraphQL ÷ direct (p50)",
            "failed (timeouts)",
        ],
        rows,
    )
    return lines


def _client_lines(per: dict[str, dict[str, Any]], sizes: list[str]) -> list[str]:
    lines: list[str] = []
    lines += ["", "### Concurrent clients (HTTP/GraphQL on Neo4j, mixed queries)", ""]
    crow = [
        [
            s,
            c,
            _fmt(r["rps"], 2),
            _fmt(r["p50_ms"]),
            _fmt(r["p95_ms"]),
            str(r["requests"]),
            str(r["errors"]),
        ]
        for s in sizes
        for c, r in per[s].get("clients", {}).items()
    ]
    lines += _table(
        ["size", "clients", "requests/s", "p50 ms", "p95 ms", "requests", "errors"], crow
    )
    return lines


def _stage_lines(per: dict[str, dict[str, Any]], sizes: list[str]) -> list[str]:
    lines: list[str] = []
    lines += ["", "### Load stages (s)", ""]
    stages = sorted({k for s in sizes for k in per[s]["load_stages_s"]})
    lines += _table(
        ["stage", *sizes],
        [[k, *(_fmt(per[s]["load_stages_s"].get(k), 2) for s in sizes)] for k in stages],
    )
    return lines


def _client_levels(per: dict[str, dict[str, Any]]) -> list[str]:
    return sorted({c for m in per.values() for c in m.get("clients", {})}, key=int)


def plot(results: dict[str, Any], path: Path) -> None:
    """Left: exposure latency by depth, per size and side. Right: figures by graph size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per = results["per_size"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    styles = {"neo4j": "-", "http": "--", "embedded": ":"}
    for size, m in per.items():
        for side, style in styles.items():
            ys = [m["queries"][f"exposure_d{d}"][side]["p50_ms"] for d in EXPOSURE_DEPTHS]
            left.plot(EXPOSURE_DEPTHS, ys, style, marker="o", label=f"{size} {side}")
    left.set(xlabel="exposure depth", ylabel="p50 latency (ms)", yscale="log")
    left.set_xticks(EXPOSURE_DEPTHS)
    left.set_title("suppliersExposedTo: latency by depth")
    left.legend(fontsize=7, ncol=2)
    xs = [per[s]["relations"] for s in per]
    series = {
        "load (relations/s)": [per[s]["load_rel_per_s"] for s in per],
        "exposure d3 p95 Neo4j (ms)": [per[s]["queries"][HEADLINE]["neo4j"]["p95_ms"] for s in per],
        "embedded start-up (s)": [per[s]["embedded"]["startup_s"] for s in per],
        "embedded peak RSS (MB)": [per[s]["embedded"]["peak_rss_mb"] for s in per],
    }
    for label, ys in series.items():
        right.plot(xs, ys, marker="o", label=label)
    for x, size in zip(xs, per, strict=True):
        right.annotate(size, (x, 1), textcoords="offset points", xytext=(0, 4), fontsize=8)
    right.set(xlabel="relations in the graph", xscale="log", yscale="log")
    right.set_title("scaling with graph size")
    right.legend(fontsize=7)
    fig.suptitle(f"techsov-kg benchmark, commit {results['commit'][:12]}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
