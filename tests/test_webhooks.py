"""Webhook delivery against real local HTTP receivers: retried with a growing pause,
bounded in time, failures reported and never raised; and what a watchlist hears after a
load (only watchlists the new version concerns are called)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ontology.errors import BadSetting
from ontology.schema import default_schema
from store.embedded_store import EmbeddedStore
from techsov.settings import Settings
from techsov.webhooks import (
    Retry,
    Watchlist,
    after_load,
    deliver,
    notify,
    read_watchlists,
)
from tests.test_change_feed import versions

SCHEMA = default_schema()


class Receiver:
    """An HTTP server on a free local port answering POSTs with the given statuses in turn
    (the last one repeats), after ``delay_s``; it keeps every body it received."""

    def __init__(self, statuses: list[int], delay_s: float = 0.0) -> None:
        self.statuses = statuses
        self.delay_s = delay_s
        self.bodies: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                time.sleep(receiver.delay_s)
                n = len(receiver.bodies) - 1
                status = receiver.statuses[min(n, len(receiver.statuses) - 1)]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def watch(url: str, name: str = "chips", **kw: Any) -> Watchlist:
    return Watchlist(name=name, url=url, **kw)


FAST = Retry(attempts=3, backoff_s=0.05, timeout_s=2.0, total_s=10.0)


def test_a_receiver_that_fails_twice_gets_the_payload_on_the_third_try() -> None:
    pauses: list[float] = []

    def sleep(s: float) -> None:
        pauses.append(s)
        time.sleep(s)

    with Receiver([500, 503, 204]) as r:
        [done] = deliver([(watch(r.url), {"hello": "world"})], retry=FAST, sleep=sleep)
    assert (done.delivered, done.attempts, done.status) == (True, 3, 204)
    assert r.bodies == [{"hello": "world"}] * 3
    assert pauses == [0.05, 0.1]
    assert done.describe() == "webhook 'chips': delivered (HTTP 204)"


def test_a_receiver_that_always_fails_is_reported_after_the_last_try() -> None:
    with Receiver([503]) as r:
        [done] = deliver([(watch(r.url), {"n": 1})], retry=FAST)
    assert (done.delivered, done.attempts, done.status, done.error) == (False, 3, 503, "HTTP 503")
    assert len(r.bodies) == 3
    assert "NOT delivered after 3 attempt(s): HTTP 503" in done.describe()


def test_an_unreachable_receiver_is_reported_not_raised() -> None:
    with Receiver([200]) as r:
        url = r.url  # the port is closed once the receiver stops
    [done] = deliver([(watch(url), {"n": 1})], retry=FAST)
    assert not done.delivered and done.attempts == 3
    assert done.error is not None and "refused" in done.error.lower()


def test_delivery_stops_at_its_time_bound_whatever_the_receiver_does() -> None:
    bound = Retry(attempts=5, backoff_s=0.05, timeout_s=0.3, total_s=0.8)
    started = time.monotonic()
    with Receiver([200], delay_s=2.0) as r:
        done = deliver([(watch(r.url, "a"), {}), (watch(r.url, "b"), {})], retry=bound)
        elapsed = time.monotonic() - started
    assert elapsed < 1.5
    assert [d.delivered for d in done] == [False, False]
    assert done[1].attempts == 0 and done[1].error == "no time left"


@pytest.fixture
def loaded() -> tuple[EmbeddedStore, int]:
    """A store at version 2 of the change-feed graphs, and the version before the load."""
    store = EmbeddedStore(SCHEMA)
    v1, v2, _ = versions()
    store.load(v1)
    store.load(v2)
    return store, 1


def test_after_a_load_each_concerned_watchlist_hears_its_changes(
    loaded: tuple[EmbeddedStore, int],
) -> None:
    store, before = loaded
    reports: list[str] = []
    with Receiver([200]) as exposure, Receiver([200]) as supply, Receiver([200]) as quiet:
        done = notify(
            store,
            SCHEMA,
            [
                watch(exposure.url, "euv makers", entities=("newco",), policies=("mic",)),
                watch(supply.url, "buyers", entities=("buyer",)),
                watch(quiet.url, "china", entities=("china",)),
            ],
            before,
            retry=FAST,
            report=reports.append,
        )
    assert [d.watchlist for d in done] == ["euv makers", "buyers"]
    assert quiet.bodies == []
    assert "webhook 'china': nothing it watches changed in version 2" in reports
    [payload] = exposure.bodies
    assert payload["watchlist"] == "euv makers"
    assert (payload["version"]["number"], payload["since"]) == (2, 1)
    [newco] = payload["entities"]
    assert [c["id"] for c in newco["changes"]] == [
        "newco",
        "newco--headquarteredIn--germany",
        "newco--produces--euv",
    ]
    assert [(x["supplier"], x["shift"]) for x in newco["exposureChanges"]] == [("newco", "exposed")]
    [policy] = payload["policies"]
    assert policy["exposed"][0]["causes"][0]["id"] == "newco--produces--euv"
    [buyer] = supply.bodies[0]["entities"]
    assert [(c["change"], c["after"]["confidence"]) for c in buyer["changes"]] == [("changed", 0.6)]


def test_no_new_version_means_no_call(loaded: tuple[EmbeddedStore, int]) -> None:
    store, _ = loaded
    with Receiver([200]) as r:
        done = notify(store, SCHEMA, [watch(r.url, entities=("newco",))], 2, retry=FAST)
    assert done == [] and r.bodies == []


def test_after_load_reads_the_watchlists_file_and_a_bad_file_is_reported(
    loaded: tuple[EmbeddedStore, int], tmp_path: Path
) -> None:
    store, before = loaded
    assert after_load(Settings(watchlists_path=None), SCHEMA, store, before, print) == []
    reports: list[str] = []
    with Receiver([500, 200]) as r:
        good = tmp_path / "watchlists.yaml"
        good.write_text(
            f"watchlists:\n  - name: buyers\n    url: {r.url}\n    entities: [buyer]\n",
            encoding="utf-8",
        )
        settings = Settings(watchlists_path=good, webhook_attempts=2, webhook_total_s=10)
        [done] = after_load(settings, SCHEMA, store, before, reports.append)
    assert (done.delivered, done.attempts) == (True, 2)
    bad = tmp_path / "bad.yaml"
    bad.write_text("watchlists:\n  - name: x\n", encoding="utf-8")
    reports.clear()
    assert after_load(Settings(watchlists_path=bad), SCHEMA, store, before, reports.append) == []
    assert reports and reports[0].startswith("webhooks skipped:")
    assert f"{bad}: watchlists.0.url: Field required" in reports[0]


def test_the_watchlists_file_names_every_problem_with_its_field(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        "watchlists:\n  - name: a\n    url: ftp://x\n  - url: https://x\n    colour: red\n",
        encoding="utf-8",
    )
    with pytest.raises(BadSetting) as caught:
        read_watchlists(path)
    message = caught.value.message
    assert f"{path}: watchlists.0.url: String should match pattern" in message
    assert f"{path}: watchlists.1.name: Field required" in message
    assert f"{path}: watchlists.1.colour: Extra inputs are not permitted" in message


@pytest.fixture(autouse=True)
def _no_env_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("TECHSOV_WATCHLISTS_PATH", raising=False)
    yield
