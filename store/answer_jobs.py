"""A load's stored answers computed in worker processes, alongside the load's own work.

Every load that changes the graph recomputes every policy's stored answers
(:mod:`store.answers`): on a large graph this is most of the load (on synthetic M, 216
policies, about two thirds of an incremental load). Policies are evaluated independently
of one another, on a read-only graph, so the work splits exactly: each worker process,
forked from the loading one (it inherits the graph, nothing is copied up front), takes
the next few policies not taken yet (a counter the workers share), evaluates them on its
own traversal reader, and takes more until none are left; then it sends back its answer
rows. So the workers finish together however the costly policies fall (with a fixed
split, one worker of two finished 29 s before the other on synthetic L). The rows are
put back in policy order, so the result is the same rows, in the same order, as one
process computing them all (the tests compare both).

The workers start as soon as the load knows it changes the graph, and run while the
loading process reads, diffs and writes in its transaction; the load waits for them only
when it writes the answers. Small graphs, machines with one core, and platforms without
``fork`` compute in process: there, a process would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import traceback
from collections.abc import Callable, Sequence
from datetime import date
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from typing import Any, cast

from ontology.model import Graph
from ontology.schema import Schema
from store.answer_reads import SharedReads
from store.answers import ExposureAnswers
from store.base import ProgressCallback
from store.embedded_image import collector_paused
from store.embedded_store import EmbeddedStore
from store.neo4j_answers import AnswerRows

FORK_MIN_RELATIONS = 5_000
"""Graphs smaller than this compute their answers in process (they take well under a
second; a worker process costs tens of milliseconds to start and more to answer)."""

MAX_WORKERS = 4

CHUNK = 8
"""Policies a worker takes at a time: few, so that the workers finish together, and not
one, so that the shared counter is not taken once per policy."""


def answer_rows(
    graph: Graph,
    schema: Schema,
    policies: Sequence[str],
    today: date,
    progress: Callable[[int, int], None] | None = None,
) -> AnswerRows:
    """The stored answers of ``policies`` for ``graph`` (see :mod:`store.answers`),
    computed in memory on a traversal reader of the very graph being loaded, as node rows.

    The collector stays paused throughout, as in :meth:`ExposureAnswers.compute`: the rows
    allocate a few million list items, and the first full collection they would trigger
    walks the whole graph (measured on 150 synthetic L policies: 3.1 s for the rows with
    it, 0.7 s without); in a forked worker it would also copy every page it walks."""
    with collector_paused():
        reader = EmbeddedStore.traversal_reader(graph, schema)
        return rows_of(reader, schema, policies, today, progress=progress)


def rows_of(
    reader: EmbeddedStore,
    schema: Schema,
    policies: Sequence[str],
    today: date,
    *,
    progress: Callable[[int, int], None] | None = None,
    reads: SharedReads | None = None,
) -> AnswerRows:
    """The answer rows of ``policies`` on ``reader`` (sharing ``reads`` when given)."""
    answers = ExposureAnswers.compute(
        reader, schema, policies, today, progress=progress, reads=reads
    )
    return AnswerRows.of(answers)


def default_workers() -> int:
    """The cores this process may use, up to :data:`MAX_WORKERS`."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cores))


class AnswerJob:
    """The answer rows of one load: :meth:`start` launches the workers (once; a retried
    transaction reuses them), :attr:`value` waits for the rows, :meth:`close` stops
    workers whose rows were never needed (a failed or unchanged load)."""

    def __init__(
        self,
        graph: Graph,
        schema: Schema,
        policies: Sequence[str],
        today: date,
        *,
        progress: ProgressCallback | None = None,
        workers: int | None = None,
    ) -> None:
        self._args = (graph, schema, list(policies), today)
        self._progress = progress
        count = default_workers() if workers is None else workers
        small = len(graph.relations) < FORK_MIN_RELATIONS and workers is None
        forkable = "fork" in multiprocessing.get_all_start_methods()
        self._workers = 1 if small or not forkable else max(1, min(count, len(policies)))
        self._running: list[tuple[multiprocessing.process.BaseProcess, Connection]] = []
        self._rows: AnswerRows | None = None

    def __enter__(self) -> AnswerJob:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Launch the workers, unless they run, have answered, or the work stays here."""
        if self._workers < 2 or self._running or self._rows is not None:
            return
        context = multiprocessing.get_context("fork")
        taken = context.Value("i", 0)  # how many policies the workers have taken
        for _ in range(self._workers):
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_work, args=(send, os.getpid(), *self._args, taken))
            process.daemon = True
            process.start()
            send.close()
            self._running.append((process, receive))

    @property
    def value(self) -> AnswerRows:
        if self._rows is None:
            self._rows = self._collect() if self._workers > 1 else self._here()
        return self._rows

    def _here(self) -> AnswerRows:
        progress = self._progress
        step = None if progress is None else (lambda d, t: progress("answers", d, t))
        return answer_rows(*self._args, progress=step)

    def _collect(self) -> AnswerRows:
        """Every worker's rows, read in the order the workers finish."""
        self.start()
        parts: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]] = []
        try:
            waiting = [receive for _, receive in self._running]
            while waiting:
                for ready in multiprocessing.connection.wait(waiting):
                    receive = cast(Connection, ready)
                    waiting.remove(receive)
                    try:
                        status, payload = receive.recv()
                    except EOFError:
                        raise RuntimeError("an answer worker died without answering") from None
                    if status != "ok":
                        raise RuntimeError(f"computing the stored answers failed:\n{payload}")
                    parts.append(payload)
                    if self._progress is not None:
                        self._progress("answers", len(parts), len(self._running))
        finally:
            self.close()
        return _merge(self._args[2], parts)

    def close(self) -> None:
        """Stop and reap the workers (those that answered have exited already)."""
        for process, receive in self._running:
            if process.is_alive():
                process.terminate()
            process.join()
            receive.close()
        self._running = []


def _work(
    send: Connection,
    parent: int,
    graph: Graph,
    schema: Schema,
    policies: list[str],
    today: date,
    taken: Synchronized[int],
) -> None:
    """A worker: the next :data:`CHUNK` policies nobody has taken, until none are left,
    then all their rows sent back at once (the loading process reads them only when it
    needs them; sending per chunk would stall on a full pipe meanwhile). It stops after
    the policy at hand when the loading process is gone (killed mid-load)."""

    def orphaned(done: int, total: int) -> None:
        if os.getppid() != parent:
            raise SystemExit(1)

    try:
        answers: list[dict[str, Any]] = []
        intervals: list[dict[str, Any]] = []
        with collector_paused():  # see answer_rows
            reader = EmbeddedStore.traversal_reader(graph, schema)
            reads = SharedReads(reader)
            while True:
                with taken.get_lock():
                    start = taken.value
                    taken.value = start + CHUNK
                part = policies[start : start + CHUNK]
                if not part:
                    break
                rows = rows_of(reader, schema, part, today, progress=orphaned, reads=reads)
                answers += rows.answers
                intervals += rows.intervals
        send.send(("ok", (answers, intervals)))
    except BaseException:  # reported to the loading process, which raises
        send.send(("error", traceback.format_exc()))
    finally:
        send.close()


def _merge(
    policies: Sequence[str], parts: Sequence[tuple[list[dict[str, Any]], list[dict[str, Any]]]]
) -> AnswerRows:
    """The workers' rows in the order one process computing them all would give: by
    policy as in ``policies``, each policy's intervals in their own order."""
    order = {p: i for i, p in enumerate(policies)}
    answers = sorted((row for a, _ in parts for row in a), key=lambda r: order[r["policy"]])
    by_policy: dict[str, list[dict[str, Any]]] = {}
    for _, intervals in parts:
        for row in intervals:
            by_policy.setdefault(row["policy"], []).append(row)
    intervals = [row for p in sorted(by_policy, key=order.__getitem__) for row in by_policy[p]]
    return AnswerRows(answers=answers, intervals=intervals)
