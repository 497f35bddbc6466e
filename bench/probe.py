"""``python -m bench.probe DIR``: start an embedded store from bulk files, report as JSON.

Start-up time and peak memory are properties of a fresh process: measured inside the
benchmark's own process they would include everything it already holds. So this runs
what ``techsov serve`` does without Neo4j - read and validate the facts, load the embedded
store - in a process of its own, and prints the timings and the peak resident set size
(``ru_maxrss``), which the kernel tracks for us at no cost.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from ingest.bulk import build_bulk_graph
from ontology.schema import default_schema
from store.embedded_store import EmbeddedStore


def peak_rss_mb() -> float:
    """This process's peak resident set size in MiB (``VmHWM``; ``ru_maxrss`` elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", help="Folder of bulk CSV files.")
    args = parser.parse_args()
    before_mb = peak_rss_mb()
    started = time.perf_counter()
    schema = default_schema()
    graph = build_bulk_graph([args.data], schema)
    read_s = time.perf_counter() - started
    store = EmbeddedStore(schema)
    store.load(graph)
    total_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "read_s": round(read_s, 3),
                "load_s": round(total_s - read_s, 3),
                "startup_s": round(total_s, 3),
                "rss_before_mb": round(before_mb, 1),
                "peak_rss_mb": round(peak_rss_mb(), 1),
                "relations": store.counts()["relations"],
            }
        )
    )


if __name__ == "__main__":
    main()
