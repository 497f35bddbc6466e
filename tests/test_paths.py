"""The path tie-break compared without building keys chooses exactly as the keys do."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ontology.model import Relation
from store.paths import Path, better, path_key, settle


def _path(ids: list[str]) -> Path:
    return tuple(Relation.model_construct(id=i) for i in ids)


IDS = st.lists(st.sampled_from(["r1", "r2", "r10", "r3", "ra"]), max_size=4)


@given(IDS, IDS)
def test_better_is_the_order_of_the_path_keys(a: list[str], b: list[str]) -> None:
    assert better(_path(a), _path(b)) == (path_key(_path(a)) < path_key(_path(b)))


def test_settle_keeps_the_shortest_then_the_smallest_ids_and_skips_the_settled() -> None:
    settled = {"done": _path(["r1"])}
    new = settle(
        [
            ("x", _path(["r3", "r1"])),
            ("x", _path(["r2"])),
            ("x", _path(["r10"])),
            ("y", _path(["r2", "r3"])),
            ("y", _path(["r2", "r10"])),
            ("done", _path([])),
        ],
        settled,
    )
    assert {k: [r.id for r in p] for k, p in new.items()} == {"x": ["r10"], "y": ["r2", "r10"]}
    assert settled["done"] == _path(["r1"])
