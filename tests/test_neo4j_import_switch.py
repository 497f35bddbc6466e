"""Whole-graph loads through ``neo4j-admin database import`` and the switch of store
folders (:mod:`techsov.neo4j_import_switch`), on a server of this module's own that the
tests may stop and restart: the imported database reads back exactly as the same loads
through transactions (graph, versions, changes, stored answers, search), and a failed
import or a new store that does not come up leaves the old graph served."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import neo4j
import pytest
from api_fixtures import curated_graph
from neo4j_state import DATABASE, replace

from ontology.errors import LoadFailed
from ontology.model import Graph
from ontology.schema import default_schema
from store import neo4j_import
from store import neo4j_queries as q
from store.answer_jobs import AnswerJob
from store.neo4j_answers import AnswerRows
from store.neo4j_store import Neo4jStore
from techsov import neo4j_import_switch as switch
from techsov.neo4j_import_switch import JOURNAL, ImportSwitch, recover
from techsov.neo4j_instance import Neo4jInstance
from techsov.neo4j_server import Neo4jLauncher
from techsov.settings import Settings

SCHEMA = default_schema()
pytestmark = [pytest.mark.neo4j, pytest.mark.slow]


@pytest.fixture(scope="module")
def launcher() -> Iterator[Neo4jLauncher]:
    """A launcher of a server nobody else uses (the shared test server is never restarted)."""
    settings = Settings()
    cache = Path(tempfile.mkdtemp(prefix="techsov-import-switch-"))
    own = Neo4jLauncher(settings.neo4j_version, cache, maven_repo=settings.neo4j_maven_repo)
    shared = Neo4jLauncher.from_settings(settings)
    if shared.classpath_file.is_file():  # resolved once, not again
        own.classpath_file.parent.mkdir(parents=True)
        shutil.copyfile(shared.classpath_file, own.classpath_file)
    own.start()
    try:
        yield own
    finally:
        own.stop()
        shutil.rmtree(cache, ignore_errors=True)


def _instance(launcher: Neo4jLauncher) -> Neo4jInstance:
    instance = launcher.current()
    assert instance is not None, "the server of this module is not running"
    return instance


def _store(instance: Neo4jInstance, driver_box: list[neo4j.Driver]) -> Neo4jStore:
    driver = neo4j.GraphDatabase.driver(
        instance.uri, auth=("neo4j", instance.password), notifications_min_severity="OFF"
    )
    driver_box.append(driver)
    # A server just (re)started on a busy machine is slow to answer its first queries.
    return Neo4jStore(driver, database=DATABASE, schema=SCHEMA, query_timeout_s=120.0)


@pytest.fixture
def drivers() -> Iterator[list[neo4j.Driver]]:
    box: list[neo4j.Driver] = []
    yield box
    for driver in box:
        driver.close()


def _before_and_after() -> tuple[Graph, Graph]:
    """An older graph and the curated one: entities changed, added and removed,
    relations added and removed between them."""
    after = curated_graph()
    rels = sorted(after.relations)
    entity = after.entities[sorted(after.entities)[0]]
    older = replace(after, entity.model_copy(update={"name": entity.name + " (old name)"}))
    for rid in rels[:7]:
        del older.relations[rid]
    gone = after.entities[sorted(after.entities)[1]]
    older.entities["an-entity-removed-since"] = gone.model_copy(
        update={"id": "an-entity-removed-since"}
    )
    return older, after


def _observed(store: Neo4jStore, graph: Graph) -> dict[str, Any]:
    """Everything a reader can ask of the store's graph and history, loaded_at aside."""
    policies = sorted(i for i, e in graph.entities.items() if SCHEMA.is_a(e.kind, "Policy"))
    return {
        "snapshot": store.snapshot(),
        "versions": [
            (v.number, v.digest, v.entities, v.relations, v.sources) for v in store.versions()
        ],
        "changes": store.changes(0),  # in version, kind, id order
        "changes_since_1": store.changes(1),
        "graph_at_1": store.graph_at(1),
        "answers": {
            p: store.stored_exposures(p, max_depth=3, first=20, as_of=None) for p in policies
        },
        "search": [
            [h.entity_id for h in store.search(text, None, 10)]
            for text in ("xiaomi", "华为", "semiconductor", "export control")
        ],
    }


def test_an_import_reads_back_as_the_same_loads_through_transactions(
    launcher: Neo4jLauncher, store: Neo4jStore, drivers: list[neo4j.Driver]
) -> None:
    older, newer = _before_and_after()
    store.load(older, digest="older")
    store.load(newer, digest="newer")
    expected = _observed(store, newer)

    _store(_instance(launcher), drivers).load(older, digest="older")
    report = ImportSwitch(launcher, _instance(launcher), database=DATABASE, schema=SCHEMA).load(
        newer, digest="newer"
    )
    imported = _store(report.instance, drivers)
    assert report.number == 2
    assert _observed(imported, newer) == expected
    assert any(expected["answers"].values()), "the curated policies expose somebody"
    assert imported.holds_input("newer")
    types = sorted(r.neo4j_type for r in SCHEMA.relations.values())
    with drivers[-1].session(database=DATABASE) as session:  # the switch's check is exact
        typed = session.run(q.COUNTS, types=types).single(strict=True).data()
        stored = session.run(q.STORE_COUNTS).single(strict=True).data()
    counts = {"entities": len(newer.entities), "relations": len(newer.relations)}
    assert stored == typed == {**counts, "sources": len(newer.sources)}
    assert not imported.load(newer).changed, "a load after the import finds nothing to do"


def test_a_failed_import_leaves_the_old_graph_served(
    launcher: Neo4jLauncher, drivers: list[neo4j.Driver], monkeypatch: pytest.MonkeyPatch
) -> None:
    older, newer = _before_and_after()
    before = _instance(launcher)
    _store(before, drivers).load(older)

    def broken(*args: Any, **kwargs: Any) -> neo4j_import.ImportFiles:
        files = neo4j_import.write_csv(*args, **kwargs)
        with files.relationships[0].open("a", encoding="utf-8") as out:
            out.write('"nobody","nothing","SUPPLIES"\n')  # endpoints that do not exist
        return files

    monkeypatch.setattr(switch, "write_csv", broken)
    with pytest.raises(LoadFailed, match="neo4j-admin database import failed"):
        ImportSwitch(launcher, before, database=DATABASE, schema=SCHEMA).load(newer)
    assert _instance(launcher).pid == before.pid, "the server was never stopped"
    assert _store(before, drivers).snapshot() == older


def test_answers_that_fail_after_the_import_leave_the_old_graph_served(
    launcher: Neo4jLauncher, drivers: list[neo4j.Driver], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answers are waited for on the side server, after the schema and the history:
    their failure there stops that server and leaves the serving one untouched."""
    older, newer = _before_and_after()
    before = _instance(launcher)
    _store(before, drivers).load(older)

    class Failing(AnswerJob):
        @property
        def value(self) -> AnswerRows:
            raise RuntimeError("computing the stored answers failed: a worker broke")

    monkeypatch.setattr(switch, "AnswerJob", Failing)
    with pytest.raises(RuntimeError, match="a worker broke"):
        ImportSwitch(launcher, before, database=DATABASE, schema=SCHEMA).load(newer)
    assert _instance(launcher).pid == before.pid, "the server was never stopped"
    assert _store(before, drivers).snapshot() == older


def test_a_new_store_that_does_not_come_up_is_swapped_back(
    launcher: Neo4jLauncher, drivers: list[neo4j.Driver], monkeypatch: pytest.MonkeyPatch
) -> None:
    older, newer = _before_and_after()
    _store(_instance(launcher), drivers).load(older)

    def refuse(*_args: Any) -> None:
        raise LoadFailed("the new store is not what was imported")

    monkeypatch.setattr(ImportSwitch, "_verify", refuse)
    with pytest.raises(LoadFailed, match="previous graph is served again"):
        ImportSwitch(launcher, _instance(launcher), database=DATABASE, schema=SCHEMA).load(newer)
    assert _store(_instance(launcher), drivers).snapshot() == older
    assert not (launcher.cache_dir / JOURNAL).exists()


def test_a_crash_in_the_middle_of_the_switch_is_undone_by_recover(
    launcher: Neo4jLauncher, drivers: list[neo4j.Driver], monkeypatch: pytest.MonkeyPatch
) -> None:
    older, newer = _before_and_after()
    _store(_instance(launcher), drivers).load(older)

    def crash(*_args: Any, **_kwargs: Any) -> Neo4jInstance:
        raise SystemExit("killed between the swap and the start")

    with monkeypatch.context() as patch:
        patch.setattr(Neo4jLauncher, "restart", crash)
        with pytest.raises(SystemExit):
            ImportSwitch(launcher, _instance(launcher), database=DATABASE, schema=SCHEMA).load(
                newer
            )
    assert launcher.current() is None, "the crash left the server stopped"
    assert (launcher.cache_dir / JOURNAL).exists()
    back = recover(launcher)
    assert back is not None
    assert _store(back, drivers).snapshot() == older
    assert launcher.current() is not None
