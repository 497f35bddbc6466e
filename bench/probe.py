"""``python -m bench.probe DIR [--cache-dir CACHE]``: start an embedded store from bulk
files, report as JSON.

Start-up time and peak memory are properties of a fresh process: measured inside the
benchmark's own process they would include everything it already holds. So this runs
what ``techsov serve`` does without Neo4j - read and validate the facts, load the embedded
store - in a process of its own, and prints the timings and the peak resident set size
(``VmHWM``), which the kernel tracks for us at no cost.

With ``--cache-dir`` the facts go through the cache of validated graphs
(:mod:`techsov.graph_cache`) as ``techsov serve`` reads them: the first run in an empty
cache directory is the *cold* start (read, validate, write the entry), a second run the
*warm* one (inputs unchanged, the validated graph read back). ``startup_s`` is the time
until the store answers; the search index is built after that on a thread of its own, so
the probe then waits for it (``search_ready_s``) before it reads the peak memory, which
therefore includes the index. The cache keeps the store's image (the default, what
``techsov serve`` reads: the facts in id order and their adjacency), the image with the
search index too (``--keep image+index``) or only the validated graph (``--keep graph``),
which the store then builds at every start (for a side-by-side view).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from ingest.bulk import build_bulk_graph
from ontology.model import Graph
from ontology.schema import default_schema
from store.embedded_image import prepare
from store.embedded_store import EmbeddedStore
from techsov.graph_cache import cached_graph, cached_image


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
    parser.add_argument("--cache-dir", type=Path, help="read through this graph cache")
    parser.add_argument(
        "--keep",
        choices=("image", "image+index", "graph"),
        default="image",
        help="what the cache keeps: the store's image (facts in id order and their "
        "adjacency: what `techsov serve` reads), the image with the search index, or the "
        "validated graph only, built into the store at every start",
    )
    args = parser.parse_args()
    before_mb = peak_rss_mb()
    started = time.perf_counter()
    schema = default_schema()

    def build() -> Graph:
        return build_bulk_graph([args.data], schema)

    store = EmbeddedStore(schema)
    if args.keep.startswith("image"):
        searchable = args.keep == "image+index"
        image, hit = cached_image(
            [Path(args.data)], args.cache_dir, build, lambda g: prepare(g, searchable=searchable)
        )
        read_s = time.perf_counter() - started
        store.load_image(image)
        del image  # the store holds what it needs; as in `techsov serve`
    else:
        graph, hit = cached_graph([Path(args.data)], args.cache_dir, build)
        read_s = time.perf_counter() - started
        store.load(graph)
        del graph
    total_s = time.perf_counter() - started
    loaded_mb = peak_rss_mb()
    store.search("a", None, 1)  # waits for the index the load started building
    print(
        json.dumps(
            {
                "cache": "none" if args.cache_dir is None else "hit" if hit else "miss",
                "keep": args.keep,
                "read_s": round(read_s, 3),
                "load_s": round(total_s - read_s, 3),
                "startup_s": round(total_s, 3),
                "search_ready_s": round(time.perf_counter() - started, 3),
                "rss_before_mb": round(before_mb, 1),
                "peak_rss_loaded_mb": round(loaded_mb, 1),
                "peak_rss_mb": round(peak_rss_mb(), 1),
                "relations": store.counts()["relations"],
            }
        )
    )


if __name__ == "__main__":
    main()
