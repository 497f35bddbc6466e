"""Webhook calls after a load: each configured watchlist hears what the new version changed.

Off unless ``TECHSOV_WATCHLISTS_PATH`` names a YAML file of watchlists::

    watchlists:
      - name: chip suppliers
        url: https://hooks.example.com/techsov
        entities: [tsmc, asml]
        policies: [us-advanced-computing-rule]

After a load that made a new version, each watchlist whose entities the version touched (or
whose policies now expose or stop exposing someone) gets one ``POST`` of JSON: the version,
per watched entity its changes and exposure changes, and per watched policy its exposure
changes. The load has committed by then, so a webhook can never fail or undo it; delivery
is retried a few times with a growing pause, the whole run is bounded in time, and every
failure is reported (the caller prints it) rather than raised.

The HTTP call is injected (:data:`Post`), so tests and other transports reuse the retry and
time bounds; :func:`urllib_post` is the default.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ontology.errors import BadSetting
from ontology.schema import Schema
from store.change_feed import HistoryStore, exposure_changes, latest_version, watch
from techsov.change_digest import policy_json, version_json, watched_json
from techsov.settings import Settings

Post = Callable[[str, bytes, float], int]
"""``post(url, body, timeout_s)`` → the HTTP status; raises ``OSError`` when no answer."""

USER_AGENT = "techsov-webhook/1"


class Watchlist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    url: str = Field(pattern=r"^https?://")
    entities: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    watchlists: list[Watchlist]


def read_watchlists(path: Path) -> list[Watchlist]:
    """The watchlists in ``path``; every problem at once, naming the file and field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadSetting(f"{path}: cannot read the watchlists file: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise BadSetting(f"{path}: not YAML: {exc}") from None
    try:
        return _File.model_validate(raw).watchlists
    except ValidationError as exc:
        problems = [
            f"{path}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        ]
        raise BadSetting("\n".join(problems)) from None


def urllib_post(url: str, body: bytes, timeout_s: float) -> int:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@dataclass(frozen=True)
class Delivery:
    """How one watchlist's call went."""

    watchlist: str
    url: str
    attempts: int
    delivered: bool
    status: int | None
    error: str | None = None

    def describe(self) -> str:
        if self.delivered:
            return f"webhook {self.watchlist!r}: delivered (HTTP {self.status})"
        return (
            f"webhook {self.watchlist!r}: NOT delivered after {self.attempts} attempt(s): "
            f"{self.error}"
        )


@dataclass(frozen=True)
class Retry:
    """Bounds of delivery: attempts per call, pause before the n-th retry
    (``backoff_s * 2**(n-1)``), time per attempt, and the time all calls may take."""

    attempts: int = 3
    backoff_s: float = 0.5
    timeout_s: float = 5.0
    total_s: float = 30.0


def deliver(
    calls: Sequence[tuple[Watchlist, dict[str, object]]],
    post: Post = urllib_post,
    retry: Retry | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[Delivery]:
    """POST each payload to its watchlist's URL; never raises for a failed call."""
    retry = retry or Retry()
    deadline = clock() + retry.total_s
    return [_deliver_one(w, payload, post, retry, sleep, clock, deadline) for w, payload in calls]


def _deliver_one(
    w: Watchlist,
    payload: dict[str, object],
    post: Post,
    retry: Retry,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    deadline: float,
) -> Delivery:
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    status: int | None = None
    error = "no time left"
    attempts = 0
    for attempt in range(retry.attempts):
        if attempt:
            pause = retry.backoff_s * 2 ** (attempt - 1)
            if clock() + pause >= deadline:
                break
            sleep(pause)
        left = deadline - clock()
        if left <= 0:
            break
        attempts += 1
        try:
            status = post(w.url, body, min(retry.timeout_s, left))
        except (OSError, ValueError) as exc:
            status, error = None, f"{type(exc).__name__}: {exc}"
            continue
        if 200 <= status < 300:
            return Delivery(w.name, w.url, attempts, True, status)
        error = f"HTTP {status}"
    return Delivery(w.name, w.url, attempts, False, status, error)


def payload_for(
    store: HistoryStore,
    schema: Schema,
    w: Watchlist,
    version: int,
    *,
    as_of: date | None = None,
) -> dict[str, object] | None:
    """What ``w`` hears about ``version`` (the latest), or ``None`` when nothing of it
    changed: the version, per watched entity its changes and exposure changes (under the
    watchlist's policies), and per watched policy who became or stopped being exposed."""
    since = version - 1
    feed = store.changes(since)
    policies = [
        exposure_changes(store, schema, p, since, as_of=as_of, feed=feed) for p in w.policies
    ]
    entities = watch(w.entities, feed, policies)
    if not any(e.changes or e.exposure_changes for e in entities) and not any(
        p.all for p in policies
    ):
        return None
    [found] = [v for v in store.versions() if v.number == version]
    return {
        "watchlist": w.name,
        "version": version_json(found),
        "since": since,
        "entities": [watched_json(e) for e in entities],
        "policies": [policy_json(p) for p in policies],
    }


def notify(
    store: HistoryStore,
    schema: Schema,
    watchlists: Sequence[Watchlist],
    version_before: int,
    *,
    post: Post = urllib_post,
    retry: Retry | None = None,
    report: Callable[[str], None] = lambda message: None,
) -> list[Delivery]:
    """After a load: when it made a new version, call the watchlists it concerns.

    Any error while building a payload is reported, not raised: the load has committed."""
    version = latest_version(store)
    if not watchlists or version <= version_before:
        return []
    calls: list[tuple[Watchlist, dict[str, object]]] = []
    for w in watchlists:
        try:
            payload = payload_for(store, schema, w, version)
        except Exception as exc:  # reported: the load must not fail
            report(f"webhook {w.name!r}: could not build the payload: {exc}")
            continue
        if payload is None:
            report(f"webhook {w.name!r}: nothing it watches changed in version {version}")
        else:
            calls.append((w, payload))
    done = deliver(calls, post, retry)
    for d in done:
        report(d.describe())
    return done


def watching(settings: Settings, store: HistoryStore, dry_run: bool) -> int | None:
    """The version before a load, when webhooks are owed after it (``None``: they are not:
    a dry run, or no watchlists configured)."""
    if dry_run or settings.watchlists_path is None:
        return None
    return latest_version(store)


def after_load(
    settings: Settings,
    schema: Schema,
    store: HistoryStore,
    version_before: int,
    report: Callable[[str], None],
    post: Post = urllib_post,
) -> list[Delivery]:
    """The webhook calls a committed load owes its watchlists (none when not configured).

    A bad watchlists file is reported like a failed call: the load stands."""
    if settings.watchlists_path is None:
        return []
    try:
        watchlists = read_watchlists(settings.watchlists_path)
    except BadSetting as exc:
        report(f"webhooks skipped: {exc.message}")
        return []
    retry = Retry(
        attempts=settings.webhook_attempts,
        timeout_s=settings.webhook_timeout_s,
        total_s=settings.webhook_total_s,
    )
    return notify(store, schema, watchlists, version_before, post=post, retry=retry, report=report)
