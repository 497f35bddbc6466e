"""``python -m bench``: run the benchmark and write ``bench/results/latest.{json,md}`` and
``scaling.png``.

Each load replaces the whole graph in the database, so by default the benchmark starts a
Neo4j server of its own (the project's launcher with a separate state directory, so it
never reuses - or disturbs - the shared test server) and stops it at the end. Pass
``--neo4j-uri`` (with ``--neo4j-password``) only for a server nobody else is using.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from bench.measure import REPO_ROOT
from bench.runner import BenchConfig, run
from ingest.synth import SIZES
from techsov.console import err_console
from techsov.neo4j_server import Neo4jCredentials, Neo4jLauncher
from techsov.settings import Settings

OWN_SERVER_DIR = "techsov-bench-neo4j"
SERVER_CONF = {
    "server.memory.heap.max_size": "4g",
    "db.memory.transaction.total.max": "3g",
}
"""The benchmark's server: L's load is one transaction of about a million relations, past
the 716 MiB of transaction memory a 1 GiB heap allows (the test servers keep theirs)."""


def _sizes(text: str) -> dict[str, int]:
    """``S,M`` or ``tiny=60,S``: standard names or ``NAME=FIRMS``."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, firms = part.partition("=")
        if firms:
            out[name] = int(firms)
        elif name in SIZES:
            out[name] = SIZES[name]
        else:
            raise argparse.ArgumentTypeError(f"unknown size {name!r}; use S, M, L or NAME=FIRMS")
    return out


_MASK = "***"
_PLACEHOLDERS = {"--neo4j-password": _MASK, "--neo4j-uri": "URI", "--work": "WORK",
                 "--out": "OUT", "--import": "DIR"}  # fmt: skip
"""What the results record for these options' values: no password, and none of the run
machine's own paths and ports (the results are committed)."""


def redacted(argv: list[str]) -> list[str]:
    """The command line as recorded in the results (see :data:`_PLACEHOLDERS`)."""
    out = list(argv)
    for i, arg in enumerate(out):
        name, eq, _ = arg.partition("=")
        if name in _PLACEHOLDERS and eq:
            out[i] = f"{name}={_PLACEHOLDERS[name]}"
        elif arg in _PLACEHOLDERS and i + 1 < len(out):
            out[i + 1] = _PLACEHOLDERS[arg]
    return out


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in text.split(",") if x.strip())


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", type=_sizes, default=_sizes("S,M"), help="default S,M")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bench" / "results")
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "techsov-bench-data",
        help="where generated graphs are written",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--items", type=int, default=6, help="policies/firms/pairs per query")
    parser.add_argument("--repeats", type=int, default=2, help="samples per item and side")
    parser.add_argument("--naive-subset", type=int, default=2_000)
    parser.add_argument("--clients", type=_ints, default=(1, 8, 32))
    parser.add_argument("--concurrency-size", default="M")
    parser.add_argument("--requests", type=int, default=64, help="per concurrency level")
    parser.add_argument(
        "--soak-seconds", type=float, default=30.0, help="curated soak, 32 clients (0: skip)"
    )
    parser.add_argument("--neo4j-uri", help="a server nobody else uses (default: start one)")
    parser.add_argument("--neo4j-user", default="neo4j")
    parser.add_argument("--neo4j-password", default="")
    parser.add_argument("--database", default="neo4j")
    return parser.parse_args(argv)


@contextmanager
def _progress() -> Iterator[Callable[[str], None]]:
    """The runner's log lines, and on a terminal a spinner naming the step under way with
    the time the whole run has taken so far: a benchmark runs for many minutes and must
    never look stuck. In a pipe or CI log only the lines are written."""
    if not err_console.is_terminal:
        yield lambda message: print(message, file=sys.stderr)
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("starting", total=None)

        def log(message: str) -> None:
            bar.console.print(message, highlight=False, soft_wrap=True)
            bar.update(
                task, description=f"benchmark running · last: {message.splitlines()[0][:70]}"
            )

        yield log


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    with _progress() as log:
        return _run(args, argv, log)


def _run(args: argparse.Namespace, argv: list[str], log: Callable[[str], None]) -> int:
    config = BenchConfig(
        sizes=args.sizes,
        out=args.out,
        work=args.work,
        seed=args.seed,
        items=args.items,
        repeats=args.repeats,
        naive_subset=args.naive_subset,
        concurrency=args.clients,
        concurrency_size=args.concurrency_size,
        requests=args.requests,
        soak_seconds=args.soak_seconds,
        database=args.database,
        command="python -m bench " + shlex.join(redacted(argv)),
        log=log,
    )
    if args.neo4j_uri:
        credentials = Neo4jCredentials(args.neo4j_uri, args.neo4j_user, args.neo4j_password)
        results = run(config, credentials)
    else:
        launcher = Neo4jLauncher(
            Settings().neo4j_version, Path(tempfile.gettempdir()) / OWN_SERVER_DIR, conf=SERVER_CONF
        )
        instance, started = launcher.start()
        try:
            results = run(config, instance.credentials)
        finally:
            if started:
                launcher.stop()
    print(f"errors: {results['errors']}; results in {config.out}", file=sys.stderr)
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
