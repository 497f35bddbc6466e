"""Embedded store loads: summaries, atomicity, progress, and reads during reloads."""

from __future__ import annotations

import threading
import time

import pytest
from embedded_graphs import entity, loaded_store, relation, sample_graph, versioned_graph

import store.embedded_store as embedded_module
from ontology.errors import LoadFailed
from ontology.model import Graph
from ontology.schema import default_schema
from store.base import Direction
from store.embedded_image import prepare
from store.embedded_store import EmbeddedStore

SCHEMA = default_schema()


# -- load summaries and atomicity ------------------------------------------------------


def test_first_load_reports_everything_created() -> None:
    summary = EmbeddedStore(SCHEMA).load(sample_graph())
    assert (summary.entities.created, summary.relations.created, summary.sources.created) == (
        10,
        7,
        2,
    )
    assert summary.changed and not summary.dry_run


def test_reloading_an_equal_graph_changes_nothing() -> None:
    store = loaded_store(SCHEMA)
    summary = store.load(sample_graph())  # equal content, freshly built objects
    assert not summary.changed
    assert summary.entities.unchanged == 10
    assert summary.relations.unchanged == 7
    assert summary.sources.unchanged == 2
    assert store.snapshot() == sample_graph()


def test_edits_and_removals_are_counted() -> None:
    store = loaded_store(SCHEMA)
    edited = sample_graph()
    edited.entities["tsmc"] = entity("tsmc", "Firm", "Taiwan Semiconductor")
    del edited.relations["r-07"]
    edited.relations["r-08"] = relation("r-08", "supplies", "tsmc", "xiaomi")
    del edited.sources["src-filing"]

    summary = store.load(edited)

    assert (summary.entities.updated, summary.entities.unchanged) == (1, 9)
    assert (summary.relations.created, summary.relations.removed) == (1, 1)
    assert summary.relations.unchanged == 6
    assert (summary.sources.removed, summary.sources.unchanged) == (1, 1)
    assert store.snapshot() == edited


def test_dry_run_reports_changes_without_applying_them() -> None:
    store = loaded_store(SCHEMA)
    edited = sample_graph()
    del edited.entities["miit"]
    summary = store.load(edited, dry_run=True)
    assert summary.dry_run and summary.entities.removed == 1
    assert store.snapshot() == sample_graph()


def test_load_failing_midway_keeps_the_previous_graph() -> None:
    store = loaded_store(SCHEMA)

    def explode(stage: str, done: int, total: int) -> None:
        if stage == "relations":
            raise RuntimeError("disk on fire")

    replacement = versioned_graph(1, 20)
    with pytest.raises(LoadFailed) as info:
        store.load(replacement, progress=explode)
    assert isinstance(info.value.__cause__, RuntimeError)
    assert store.snapshot() == sample_graph()
    assert [h.entity_id for h in store.search("xiaomi", None, 1)] == ["xiaomi"]
    # The store is still usable: the same graph loads fine without the failing callback.
    assert store.load(replacement).entities.created == 20


def test_relation_to_an_unknown_entity_fails_the_load() -> None:
    store = loaded_store(SCHEMA)
    broken = sample_graph()
    broken.relations["r-99"] = relation("r-99", "supplies", "tsmc", "ghost-corp")
    with pytest.raises(LoadFailed, match="ghost-corp"):
        store.load(broken)
    with pytest.raises(LoadFailed):
        store.load(broken, dry_run=True)
    assert store.snapshot() == sample_graph()


def test_graph_keyed_under_a_wrong_id_fails_the_load() -> None:
    store = loaded_store(SCHEMA)
    broken = sample_graph()
    broken.entities["alias-key"] = broken.entities.pop("tsmc")
    with pytest.raises(LoadFailed, match="alias-key"):
        store.load(broken)
    assert store.snapshot() == sample_graph()


def test_progress_reports_every_stage_from_zero_to_total(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded_module, "PROGRESS_EVERY", 2)
    reports: list[tuple[str, int, int]] = []
    EmbeddedStore(SCHEMA).load(sample_graph(), progress=lambda *r: reports.append(r))
    assert [r for r in reports if r[0] == "relations"] == [
        ("relations", 0, 7),
        ("relations", 2, 7),
        ("relations", 4, 7),
        ("relations", 6, 7),
        ("relations", 7, 7),
    ]
    finals = [r for r in reports if r[1] == r[2]]
    assert [r[0] for r in finals] == ["entities", "relations", "sources"]


def test_search_index_is_built_after_the_load_and_found_by_the_first_search() -> None:
    store = EmbeddedStore(SCHEMA)
    store.load(sample_graph())  # returns without waiting for the index
    assert [h.entity_id for h in store.search("xiaomi", None, 1)] == ["xiaomi"]
    store.load(Graph())  # the next state has its own index, of its own entities
    assert store.search("xiaomi", None, 1) == []


# -- store images ----------------------------------------------------------------------


def test_a_stored_image_answers_as_the_loaded_graph_does() -> None:
    loaded = loaded_store(SCHEMA)
    image = prepare(sample_graph(), searchable=True)
    published = EmbeddedStore(SCHEMA)
    summary = published.load_image(image)
    assert summary.relations.created == 7 and summary.changed
    assert published.snapshot() == loaded.snapshot()
    assert published.counts() == loaded.counts()
    ids = sorted(sample_graph().entities)
    for direction in Direction:
        assert published.edges(ids, None, direction, None) == loaded.edges(
            ids, None, direction, None
        )
        assert published.relations(ids, direction, None, 2, None) == loaded.relations(
            ids, direction, None, 2, None
        )
    for query in ("xiaomi", "tsmc", "semi"):
        assert published.search(query, None, 5) == loaded.search(query, None, 5)
    assert [v.number for v in published.versions()] == [1]


def test_an_image_of_a_broken_graph_is_refused_like_a_load() -> None:
    broken = sample_graph()
    broken.entities.pop("tsmc")
    with pytest.raises(LoadFailed, match="tsmc"):
        prepare(broken, searchable=False)


# -- concurrency -----------------------------------------------------------------------


def test_concurrent_reads_during_reloads_never_see_a_mix() -> None:
    size = 300
    versions = {1: versioned_graph(1, size), 2: versioned_graph(2, size)}
    counts = {v: g.counts() for v, g in versions.items()}
    rel_type = {1: "supplies", 2: "competesWith"}
    all_ids = list(versions[1].entities)
    s = EmbeddedStore(SCHEMA)
    s.load(versions[1])

    stop = threading.Event()
    errors: list[BaseException] = []
    seen: list[set[int]] = []

    def read() -> None:
        mine: set[int] = set()
        seen.append(mine)
        try:
            while not stop.is_set():
                entity_versions = {e.attributes["version"] for e in s.entities(all_ids).values()}
                assert len(entity_versions) == 1, entity_versions
                (version,) = entity_versions
                assert isinstance(version, int)
                mine.add(version)
                found = s.edges(all_ids, None, Direction.BOTH, None)
                assert {r.type for r in found} == {rel_type[1]} or {r.type for r in found} == {
                    rel_type[2]
                }
                assert len(found) in (counts[1]["relations"], counts[2]["relations"])
                assert s.counts() in counts.values()
                assert s.snapshot() in versions.values()
                # Only version 2 names contain "v2": a search sees all of them or none.
                assert len(s.search("v2", None, 1000)) in (0, size)
        except BaseException as exc:
            errors.append(exc)
            stop.set()

    readers = [threading.Thread(target=read) for _ in range(4)]
    for t in readers:
        t.start()
    deadline = time.monotonic() + 20
    loads = 0
    while not stop.is_set() and time.monotonic() < deadline:
        s.load(versions[2 - loads % 2])
        loads += 1
        if loads >= 6 and all(len(v) == 2 for v in seen):
            break
    stop.set()
    for t in readers:
        t.join()

    assert not errors, errors[0]
    assert all(v == {1, 2} for v in seen), "readers did not overlap with the reloads"
