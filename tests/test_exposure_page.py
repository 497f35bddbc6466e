"""An evaluation for the exposures alone (``exposures_only``, what the API's lists and the
stored answers ask) returns the page of the whole evaluation, however it cuts its work
short: a domestic-promotion rule whose first tier fills the page reads the seats of the
ranked organizations only until the page is full. Its answers over time stay exact:
the intervals a sweep finds hold the whole evaluation's page on every date probed."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

from ontology.schema import default_schema
from store.analysis import exposure
from store.answer_timeline import sweep
from store.answers import policies_of
from store.base import GraphStore
from store.embedded_store import EmbeddedStore
from store.exposure_results import Exposure
from tests.random_graphs import Size, random_graph
from tests.random_rules import with_rules

SCHEMA = default_schema()
SIZE = Size(firms=40, technologies=8, products=10, policies=8, countries=3)
PAGES = (1, 2, 3, 5, 8)


def _worlds() -> list[tuple[GraphStore, list[str]]]:
    """Random graphs with random rules, each as a store and its policies."""
    out: list[tuple[GraphStore, list[str]]] = []
    for seed in range(16):
        graph = with_rules(random_graph(SCHEMA, seed, SIZE), SCHEMA, seed)
        kinds = {i: e.kind for i, e in graph.entities.items()}
        out.append((EmbeddedStore.traversal_reader(graph, SCHEMA), policies_of(SCHEMA, kinds)))
    return out


def _days(rng: random.Random) -> list[date]:
    return [date(2012, 1, 1) + timedelta(days=rng.randrange(6000)) for _ in range(4)]


def _page(store: GraphStore, policy: str, day: date, first: int, only: bool) -> list[Exposure]:
    found = exposure(
        store, SCHEMA, policy, max_depth=4, as_of=day, first=first, exposures_only=only
    )
    return found.exposures


def test_an_exposures_only_page_is_the_whole_evaluations_page() -> None:
    rng = random.Random(7)
    cut_short: Counter[str] = Counter()  # pages the first tier fills, by the rule's direction
    for store, policies in _worlds():
        for policy in policies:
            for day in _days(rng):
                for first in PAGES:
                    whole = exposure(store, SCHEMA, policy, max_depth=4, as_of=day, first=first)
                    alone = _page(store, policy, day, first, only=True)
                    assert alone == whole.exposures, (policy, day, first)
                    rule = whole.rule
                    if rule is not None and len(alone) == first and alone[-1].depth == 0:
                        cut_short[rule.direction] += 1
    assert cut_short["promotes-domestic"] >= 20, f"the short way is barely tried: {cut_short}"


def test_the_intervals_of_a_short_page_hold_the_whole_evaluations_page() -> None:
    rng = random.Random(11)
    compared = 0
    for store, policies in _worlds()[:4]:
        for policy in policies:
            for first in (2, 5):

                def short(
                    reader: GraphStore, day: date, p: str = policy, k: int = first
                ) -> list[Exposure]:
                    return _page(reader, p, day, k, only=True)

                intervals = sweep(store, SCHEMA, policy, short, around=date(2026, 3, 1), budget=12)
                for interval in intervals:
                    lows = [interval.start] if interval.start is not None else []
                    highs = [interval.end - timedelta(days=1)] if interval.end is not None else []
                    probes = lows + highs + _days(rng)
                    for day in probes:
                        if not interval.holds(day):
                            continue
                        expected = _page(store, policy, day, first, only=False)
                        assert list(interval.exposures) == [
                            replace(e, as_of=None) for e in expected
                        ], (policy, first, day)
                        compared += 1
    assert compared >= 100, compared
