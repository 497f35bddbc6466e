"""The cache of validated graphs: a hit only for the same inputs, never for a failure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest import default_paths
from ontology.errors import ValidationFailed
from ontology.model import Entity, Graph
from store.embedded_image import StoreImage, prepare
from techsov.graph_cache import cached_graph, cached_image, inputs_digest


def _facts(folder: Path, text: str = "a: 1\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "facts.yaml").write_text(text, encoding="utf-8")
    return folder


def test_the_same_files_in_another_clone_have_the_same_digest(tmp_path: Path) -> None:
    one = _facts(tmp_path / "clone-1" / "curated")
    two = _facts(tmp_path / "clone-2" / "curated")
    assert inputs_digest([one]) == inputs_digest([two])


def test_any_changed_byte_or_name_changes_the_digest(tmp_path: Path) -> None:
    folder = _facts(tmp_path / "curated")
    before = inputs_digest([folder])
    (folder / "facts.yaml").write_text("a: 2\n", encoding="utf-8")
    assert inputs_digest([folder]) != before
    (folder / "facts.yaml").rename(folder / "other.yaml")
    assert len({before, inputs_digest([folder])}) == 2


def test_the_shipped_curated_set_digest_covers_the_ontology(tmp_path: Path) -> None:
    curated = tmp_path / "curated"
    shutil.copytree(default_paths()[0], curated)
    assert inputs_digest([curated]) == inputs_digest(default_paths())
    assert inputs_digest([curated]) != inputs_digest([curated], extra=[curated])


def test_a_hit_skips_validation_and_a_failure_is_never_cached(tmp_path: Path) -> None:
    folder = _facts(tmp_path / "curated")
    cache = tmp_path / "cache"
    graph = Graph.of([Entity(id="x", kind="Firm", name="X")])
    built: list[int] = []

    def build() -> Graph:
        built.append(1)
        return graph

    first, hit = cached_graph([folder], cache, build)
    again, hit_again = cached_graph([folder], cache, build)
    assert (hit, hit_again, len(built)) == (False, True, 1)
    assert again == first == graph

    def failing() -> Graph:
        raise ValidationFailed([])

    _facts(folder, "a: 3\n")
    with pytest.raises(ValidationFailed):
        cached_graph([folder], cache, failing)
    assert len(list(cache.glob("*.pickle"))) == 1


def test_a_corrupt_entry_is_a_miss(tmp_path: Path) -> None:
    folder = _facts(tmp_path / "curated")
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"{inputs_digest([folder])}.pickle").write_bytes(b"not a pickle")
    graph, hit = cached_graph([folder], cache, Graph)
    assert not hit and graph == Graph()


def _searchable(graph: Graph) -> StoreImage:
    return prepare(graph, searchable=True)


def test_a_store_image_is_read_back_whole_and_apart_from_the_graph_entry(
    tmp_path: Path,
) -> None:
    folder = _facts(tmp_path / "curated")
    cache = tmp_path / "cache"
    graph = Graph.of([Entity(id="xiaomi", kind="Firm", name="Xiaomi")])
    first, hit = cached_image([folder], cache, lambda: graph, _searchable)
    again, hit_again = cached_image([folder], cache, lambda: graph, _searchable)
    assert (hit, hit_again) == (False, True)
    assert again.graph == first.graph == graph
    assert again.index is not None and first.index is not None
    assert again.index.search("xiaomi", None, 1) == first.index.search("xiaomi", None, 1)
    assert [h.entity_id for h in again.index.search("xiaomi", None, 1)] == ["xiaomi"]
    # The graph cache has its own entry: an image is not a graph, nor the reverse.
    assert cached_graph([folder], cache, lambda: graph)[1] is False
    assert cached_graph([folder], cache, lambda: graph)[1] is True
    assert cached_image([folder], cache, lambda: graph, _searchable)[1] is True


def test_a_corrupt_or_truncated_image_is_a_miss(tmp_path: Path) -> None:
    folder = _facts(tmp_path / "curated")
    cache = tmp_path / "cache"
    graph = Graph.of([Entity(id="x", kind="Firm", name="X")])
    cached_image([folder], cache, lambda: graph, _searchable)
    (entry,) = cache.glob("*.image.pickle")
    whole = entry.read_bytes()
    for damaged in (whole[: len(whole) // 2], b"not a pickle", b""):
        entry.write_bytes(damaged)
        image, hit = cached_image([folder], cache, lambda: graph, _searchable)
        assert not hit and image.graph == graph
    assert not list(cache.glob(".graph-*"))  # no temporary file left behind


def test_an_image_is_made_from_the_kept_graph_without_validating_again(tmp_path: Path) -> None:
    folder = _facts(tmp_path / "curated")
    cache = tmp_path / "cache"
    graph = Graph.of([Entity(id="x", kind="Firm", name="X")])
    cached_graph([folder], cache, lambda: graph)

    def failing() -> Graph:
        raise AssertionError("validated again")

    image, hit = cached_image([folder], cache, failing, _searchable)
    assert not hit and image.graph == graph
