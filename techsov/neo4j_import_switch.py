"""A whole-graph load of a launcher-managed Neo4j server through ``neo4j-admin database
import full``, with an atomic switch from the old graph to the new one.

Neo4j Community serves one user database and its import tool writes only into a database
nobody runs, so the new graph is built beside the serving one and swapped in:

1. the database being replaced is read for the history the load carries over
   (:func:`store.neo4j_import_history.plan_history`); the graph is written as import CSV
   (:func:`store.neo4j_import.write_csv`);
2. the import tool builds the new store in a side home of its own; today's answers are
   computed meanwhile by worker processes (:class:`store.answer_jobs.AnswerJob`), started
   before step 1 so that they also run while the CSV is written;
3. a side server started on that home creates the schema, waits until every index is
   online and writes the history, then (the workers done) answers and graph state
   (:func:`store.neo4j_import_finish.finish`), and stops cleanly;
4. the serving server is stopped, the database's store and transaction-log folders are
   swapped for the side home's, and the server is started again on the same port and
   password, then checked to serve the new graph.

Readers see the old graph until step 4 and the new one, complete, after it; during the
restart the database does not answer (a client retries). A failure in steps 1–3 leaves
the server untouched; one in step 4 (the new store does not start or does not hold what
was imported) swaps the old folders back and starts the server on them again. A journal in
the launcher's cache directory names the instance and the swap under way, so that a
crash in the middle of step 4 is undone by :func:`recover` (run first by every import).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, LiteralString, cast
from urllib.parse import urlsplit

import neo4j

from ontology.errors import BadSetting, CannotUse, LoadFailed
from ontology.model import Graph
from ontology.schema import Schema
from store import neo4j_queries as q
from store.answer_jobs import AnswerJob
from store.answers import policies_of
from store.base import ProgressCallback
from store.neo4j_answers import AnswerRows
from store.neo4j_import import ImportFiles, write_csv
from store.neo4j_import_finish import finish
from store.neo4j_import_history import ImportHistory, plan_history
from store.neo4j_load import check_graph
from techsov.neo4j_home import HOME_PREFIX, prepare_home, server_env, set_initial_password
from techsov.neo4j_instance import NEO4J_USER, Neo4jInstance
from techsov.neo4j_server import Neo4jLauncher
from techsov.process_groups import free_port
from techsov.settings import Settings

ADMIN_MAIN = "org.neo4j.cli.AdminTool"
"""The admin tool's own entry point: run in this JVM, not forked by a bootstrap."""
JOURNAL = "import-switch.json"
_STORE_FOLDERS = ("databases", "transactions")
_PREVIOUS = ".previous"


@dataclass
class ImportReport:
    """What an import did: the serving instance after it, the new version and the
    seconds each stage took (``answers``, the wait for the answer workers, is part of
    ``finish``)."""

    instance: Neo4jInstance
    version: str | None
    number: int
    stages: dict[str, float] = field(default_factory=dict)


class _Stages:
    """Times each stage, and shows it as a step of the progress bar."""

    def __init__(self, progress: ProgressCallback | None) -> None:
        self.seconds: dict[str, float] = {}
        self._progress = progress

    @contextlib.contextmanager
    def __call__(self, name: str) -> Any:
        start = time.perf_counter()
        if self._progress and name not in ("csv", "answers"):  # those report their own
            self._progress(name, 0, 1)
        try:
            yield
        finally:
            self.seconds[name] = round(time.perf_counter() - start, 2)
        if self._progress and name not in ("csv", "answers"):
            self._progress(name, 1, 1)


def _folders(home: Path, database: str) -> list[Path]:
    return [home / "data" / sub / database for sub in _STORE_FOLDERS]


def _read(driver: neo4j.Driver, database: str) -> Callable[[str, Mapping[str, Any]], Any]:
    def read(text: str, params: Mapping[str, Any]) -> list[neo4j.Record]:
        query = neo4j.Query(cast(LiteralString, text))
        records, _, _ = driver.execute_query(
            query, dict(params), database_=database, routing_=neo4j.RoutingControl.READ
        )
        return list(records)

    return read


def recover(launcher: Neo4jLauncher) -> Neo4jInstance | None:
    """Finish or undo a switch a crash interrupted (see the module docstring); returns the
    server it brought back, if any."""
    journal = launcher.cache_dir / JOURNAL
    try:
        record = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    instance = Neo4jInstance.from_json(record["instance"])
    database, state = record["database"], record["state"]
    if state == "committed":
        for folder in _folders(instance.home, database + _PREVIOUS):
            shutil.rmtree(folder, ignore_errors=True)
        journal.unlink()
        return None
    launcher.shutdown(instance)
    _swap_back(instance.home, database)
    journal.unlink()
    return launcher.restart(instance)


def _swap_back(home: Path, database: str) -> None:
    """Put the previous store folders back where the new ones are (if they were moved)."""
    for folder in _folders(home, database):
        previous = folder.with_name(database + _PREVIOUS)
        if previous.exists():
            shutil.rmtree(folder, ignore_errors=True)
            os.rename(previous, folder)


def _import_arguments(files: ImportFiles, work: Path, database: str) -> list[str]:
    """The admin tool's arguments: a full import of ``files`` into ``database``."""
    return ["database", "import", "full", *files.arguments(),
            f"--report-file={work / 'import.report'}", "--max-off-heap-memory=2g",
            "--verbose", database]  # fmt: skip


def _import_failed(log: Path, code: int) -> LoadFailed:
    """The error of a failed import: the tool's causes and last words, stack frames left out."""
    lines = [
        x
        for x in log.read_text(errors="replace").splitlines()
        if x.strip() and not x.lstrip().startswith(("at ", "...", "[*"))
    ]
    causes = [x for x in lines if x.startswith(("Caused by", "org.neo4j"))]
    tail = "\n".join([*causes[-3:], *[x for x in lines[-8:] if x not in causes]])
    return LoadFailed(
        f"neo4j-admin database import failed (exit {code}); the served graph is unchanged:\n{tail}"
    )


class ImportSwitch:
    """Loads whole graphs into the database ``database`` of the server ``instance`` that
    ``launcher`` manages (see the module docstring)."""

    def __init__(
        self,
        launcher: Neo4jLauncher,
        instance: Neo4jInstance,
        *,
        database: str,
        schema: Schema,
        today: Callable[[], date] = date.today,
        precompute: bool = True,
        timeout_s: float = 3600.0,
    ) -> None:
        self.launcher = launcher
        self.instance = instance
        self.database = database
        self.schema = schema
        self.today = today
        self.precompute = precompute
        self.timeout_s = timeout_s

    def _driver(self, instance: Neo4jInstance) -> neo4j.Driver:
        return neo4j.GraphDatabase.driver(
            instance.uri, auth=(NEO4J_USER, instance.password), notifications_min_severity="OFF"
        )

    def load(
        self, graph: Graph, *, digest: str | None = None, progress: ProgressCallback | None = None
    ) -> ImportReport:
        """Replace the served graph by ``graph``; raises :class:`LoadFailed` (the old
        graph still serving) when any step fails."""
        check_graph(self.schema, graph)
        self.instance = recover(self.launcher) or self.instance
        stages = _Stages(progress)
        work = Path(tempfile.mkdtemp(prefix="techsov-import-"))
        side_home = Path(tempfile.mkdtemp(prefix=HOME_PREFIX))
        kinds = {i: e.kind for i, e in graph.entities.items()}
        job = AnswerJob(
            graph, self.schema, policies_of(self.schema, kinds), self.today(), progress=progress
        )
        try:
            if self.precompute:
                job.start()  # the workers answer while this process writes and imports
            with stages("history"), self._driver(self.instance) as driver:
                read = _read(driver, self.database)
                history = plan_history(read, self.schema, graph, digest)
            with stages("csv"):
                files = write_csv(
                    graph, self.schema, work / "csv", added_in=history.added_in, progress=progress
                )
            # Never a leading "-", which the admin tool would read as an option.
            port, password = free_port(), "p" + secrets.token_urlsafe(24)
            self._build(files, side_home, port, password, work, stages)

            def answers() -> AnswerRows | None:
                with stages("answers"):  # the wait for the workers, once the rest is built
                    return job.value if self.precompute else None

            with stages("finish"):
                version = self._finish(side_home, port, password, answers, history, digest)
            with stages("switch"):
                self.instance = self._switch(side_home, graph, version)
        finally:
            job.close()
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(side_home, ignore_errors=True)
        return ImportReport(self.instance, version, history.number, stages.seconds)

    def _side_conf(self) -> dict[str, str]:
        return {**self.launcher.conf, "initial.dbms.default_database": self.database}

    def _build(
        self,
        files: ImportFiles,
        home: Path,
        port: int,
        password: str,
        work: Path,
        stages: _Stages,
    ) -> None:
        """Run the import tool into the side home (the answer workers compute meanwhile)."""
        java = self.launcher.java()
        classpath = os.pathsep.join(str(j) for j in self.launcher.classpath())
        env = prepare_home(home, port, self._side_conf())
        set_initial_password(java, classpath, env, password, home)
        command = [java, "-Xmx1g", "-XX:+UseParallelGC", "-cp", classpath, ADMIN_MAIN,
                   *_import_arguments(files, work, self.database)]  # fmt: skip
        log = work / "import.log"
        with stages("import"), open(log, "wb") as out:
            tool = subprocess.Popen(
                command,
                env=server_env(home),
                cwd=work,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            try:
                code = tool.wait(timeout=self.timeout_s)
            finally:
                if tool.poll() is None:
                    tool.kill()
                    tool.wait()
        if code != 0:
            raise _import_failed(log, code)

    def _finish(
        self,
        home: Path,
        port: int,
        password: str,
        answers: Callable[[], AnswerRows | None],
        history: ImportHistory,
        digest: str | None,
    ) -> str | None:
        """Start a side server on the imported store, finish it there, stop it cleanly."""
        side = Neo4jLauncher(
            self.launcher.version,
            home / "launcher",
            conf=self._side_conf(),
            maven_repo=self.launcher.maven_repo,
            startup_timeout_s=self.launcher.startup_timeout_s,
            log=lambda _m: None,
        )
        # The same jars: the side launcher reads the classpath the main one resolved.
        side.classpath_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.launcher.classpath_file, side.classpath_file)
        instance = side.start_on(home, port, password)
        try:
            with self._driver(instance) as driver:
                return finish(
                    driver,
                    self.database,
                    self.schema,
                    answers=answers,
                    history=history,
                    today=self.today(),
                    digest=digest,
                    timeout_s=self.timeout_s,
                )
        finally:
            side.shutdown(instance)

    def _journal(self, state: str) -> None:
        record = {"instance": self.instance.to_json(), "database": self.database, "state": state}
        path = self.launcher.cache_dir / JOURNAL
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(record), encoding="utf-8")
        partial.replace(path)

    def _switch(self, side_home: Path, graph: Graph, version: str | None) -> Neo4jInstance:
        """Stop, swap the store folders, start; on failure swap back and start again."""
        home, database = self.instance.home, self.database
        self._journal("swapping")
        self.launcher.shutdown(self.instance)
        for new, folder in zip(
            _folders(side_home, database), _folders(home, database), strict=True
        ):
            if folder.exists():
                os.rename(folder, folder.with_name(database + _PREVIOUS))
            shutil.move(new, folder)
        started: Neo4jInstance | None = None
        try:
            started = self.launcher.restart(self.instance)
            self._verify(started, graph, version)
        except Exception as exc:
            if started is not None:
                self.launcher.shutdown(started)
            self.instance = recover(self.launcher) or self.instance
            raise LoadFailed(
                f"the imported database did not come up as expected ({exc}); the previous "
                f"graph is served again"
            ) from exc
        self.instance = started
        self._journal("committed")
        recover(self.launcher)
        return started

    def _verify(self, instance: Neo4jInstance, graph: Graph, version: str | None) -> None:
        """The restarted server serves the imported graph: its counts and version (from
        the counts store: every relationship the tool imported is one of the graph's)."""
        with self._driver(instance) as driver:
            read = _read(driver, self.database)
            counts = dict(read(q.STORE_COUNTS, {})[0])
            state = read(q.GRAPH_STATE, {})[0]
        expected = {
            "entities": len(graph.entities),
            "relations": len(graph.relations),
            "sources": len(graph.sources),
        }
        if counts != expected or (version is not None and state["version"] != version):
            raise LoadFailed(
                f"the database holds {counts}, version {state['version']}; "
                f"expected {expected}, version {version}"
            )


def import_into_managed_server(
    settings: Settings,
    schema: Schema,
    graph: Graph,
    *,
    digest: str | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """``techsov load-bulk --import``: the whole graph into the server that ``techsov neo4j
    start`` manages (the switch restarts it, so it must be one the launcher started)."""
    launcher = Neo4jLauncher.from_settings(settings)
    instance = launcher.current()
    if instance is None:
        raise CannotUse(
            "--import loads into the Neo4j server that `techsov neo4j start` manages "
            f"(cache directory {settings.neo4j_cache_dir}), and none is running there; "
            "start it, or load without --import"
        )
    if settings.neo4j_uri and urlsplit(settings.neo4j_uri).port != instance.port:
        raise BadSetting(
            f"TECHSOV_NEO4J_URI is {settings.neo4j_uri}, but the managed server listens on "
            f"{instance.uri}; --import can only switch the managed server's database"
        )
    switch = ImportSwitch(launcher, instance, database=settings.neo4j_database, schema=schema)
    return switch.load(graph, digest=digest, progress=progress)
