"""Whole GraphQL answers kept per graph version: a question asked again of the same graph,
on the same day, is answered without parsing, validating, resolving or touching the store.

Dashboards and analysts repeat the same few questions; between two loads the answer to a
given document and variables cannot change, except through the date (``asOf`` defaults
to today), so the key is ``(graph version, today, request body)``. The version comes from
the store on every request (:meth:`store.embedded_store.EmbeddedStore.version`, one
small read on Neo4j, where every load that changes the graph writes a new one), so
every API replica sees a load at once and never serves an answer of an older graph.
An in-process store tells its version by reading one attribute, so it is asked on the
event loop itself (``version_blocks=False``) rather than through a worker thread, whose
hand-off would cost a hit more than everything else it does.

Only ``POST`` requests answered ``200`` without GraphQL errors are kept, in a bounded
LRU; a store that cannot tell its version (``None``) is simply not cached.

Identical questions tend to arrive together (a dashboard opened by a team, clients
started at once), and before the first answer is kept each of them would go to the
store. So an answer being computed is a *flight*: a request whose key is already in
flight waits (at most ``wait_s``) for that answer instead of computing it again. The key
holds the version the waiting request read itself, so a request that started after a
load never joins a flight of the older graph. A leader whose answer is not kept (an
error, a timeout, a client gone) hands nothing on: one of its waiters computes again,
the others wait for that one once more, and past that each computes its own answer.
Flights live on the event loop that runs the app; a request on another loop (another
test client, say) simply computes alone.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.loaders import offload

MAX_ENTRIES = 2048
MAX_BODY_BYTES = 1 << 20
"""Answers larger than this are served but not kept."""
WAIT_S = 30.0
"""How long a request waits for an identical one's answer before computing its own."""
LEADS = 2
"""Leaders a request waits for (the first, then one retry by a waiter) before going alone."""

Key = tuple[Hashable, date, bytes]
Entry = tuple[int, list[tuple[bytes, bytes]], bytes]


class _Lru:
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Key, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> Entry | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Key, entry: Entry) -> None:
        with self._lock:
            self._items[key] = entry
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


class _Flight:
    """One answer being computed; ``entry`` is set when it was kept, before ``done``."""

    __slots__ = ("done", "entry", "loop")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.done = asyncio.Event()
        self.entry: Entry | None = None


class _Flights:
    """Answers in flight by key; the lock keeps the map whole across threads."""

    def __init__(self) -> None:
        self._items: dict[Key, _Flight] = {}
        self._lock = threading.Lock()

    def join(self, key: Key) -> tuple[_Flight | None, bool]:
        """The flight for ``key`` and whether the caller leads it (it started it); no
        flight when the one in the air belongs to another event loop."""
        loop = asyncio.get_running_loop()
        with self._lock:
            flight = self._items.get(key)
            if flight is None:
                flight = self._items[key] = _Flight(loop)
                return flight, True
        return (flight, False) if flight.loop is loop else (None, False)

    def land(self, key: Key, flight: _Flight) -> None:
        with self._lock:
            if self._items.get(key) is flight:
                del self._items[key]
        flight.done.set()

    def __len__(self) -> int:
        return len(self._items)


class ResponseCache:
    """ASGI middleware caching answers to ``POST path`` by graph version and body."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        path: str,
        version: Callable[[], Hashable | None],
        today: Callable[[], date] = date.today,
        max_entries: int = MAX_ENTRIES,
        version_blocks: bool = True,
        wait_s: float = WAIT_S,
    ) -> None:
        self.app = app
        self.path = path
        self.version = version
        self.version_blocks = version_blocks
        self.today = today
        self.cache = _Lru(max_entries)
        self.flights = _Flights()
        self.wait_s = wait_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        body, replay = await _read_body(receive)
        if body is None:  # the client went away, or sent something odd: pass it through
            await self.app(scope, replay, send)
            return
        try:
            version = await offload(self.version) if self.version_blocks else self.version()
        except Exception:  # the store is down: let the app answer with its own error
            version = None
        if version is None:
            await self.app(scope, replay, send)
            return
        key: Key = (version, self.today(), body)
        await self._coalesced(scope, replay, send, key)

    async def _coalesced(self, scope: Scope, receive: Receive, send: Send, key: Key) -> None:
        """The kept answer, else the answer of the identical request in flight, else the
        app's own; no ``await`` between the cache look-up and joining, so no request
        slips between an answer being kept and its flight landing."""
        for _ in range(LEADS):
            hit = self.cache.get(key)
            if hit is not None:
                await _send_entry(send, hit)
                return
            flight, leads = self.flights.join(key)
            if flight is None:
                break
            if leads:
                try:
                    await self._answer_and_keep(scope, receive, send, key, flight)
                finally:
                    self.flights.land(key, flight)
                return
            try:
                await asyncio.wait_for(flight.done.wait(), self.wait_s)
            except TimeoutError:
                break
            if flight.entry is not None:
                await _send_entry(send, flight.entry)
                return
        await self._answer_and_keep(scope, receive, send, key)

    async def _answer_and_keep(
        self, scope: Scope, receive: Receive, send: Send, key: Key, flight: _Flight | None = None
    ) -> None:
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0

        async def keeping_send(message: Message) -> None:
            nonlocal start, size
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
                if size <= MAX_BODY_BYTES:
                    chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and start is not None:
                    kept = self._keep(key, start, b"".join(chunks), size)
                    if flight is not None:
                        flight.entry = kept
            await send(message)

        await self.app(scope, receive, keeping_send)

    def _keep(self, key: Key, start: Message, content: bytes, size: int) -> Entry | None:
        """The entry kept for a complete answer, ``None`` when it is not to be kept."""
        if start["status"] != 200 or size > MAX_BODY_BYTES:
            return None
        try:
            answer = json.loads(content)
        except ValueError:
            return None
        if not isinstance(answer, dict) or "errors" in answer or "data" not in answer:
            return None
        entry: Entry = (200, list(start.get("headers", [])), content)
        self.cache.put(key, entry)
        return entry


async def _send_entry(send: Send, entry: Entry) -> None:
    status, headers, content = entry
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


async def _read_body(receive: Receive) -> tuple[bytes | None, Receive]:
    """The whole request body, and a ``receive`` that replays it to the app."""
    messages: list[Message] = []
    parts: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    complete = messages[-1]["type"] == "http.request"
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return (b"".join(parts) if complete else None), replay
