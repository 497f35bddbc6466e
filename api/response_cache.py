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
"""

from __future__ import annotations

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
    ) -> None:
        self.app = app
        self.path = path
        self.version = version
        self.version_blocks = version_blocks
        self.today = today
        self.cache = _Lru(max_entries)

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
        hit = self.cache.get(key)
        if hit is not None:
            status, headers, content = hit
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": content})
            return
        await self._answer_and_keep(scope, replay, send, key)

    async def _answer_and_keep(self, scope: Scope, receive: Receive, send: Send, key: Key) -> None:
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
                    self._keep(key, start, b"".join(chunks), size)
            await send(message)

        await self.app(scope, receive, keeping_send)

    def _keep(self, key: Key, start: Message, content: bytes, size: int) -> None:
        if start["status"] != 200 or size > MAX_BODY_BYTES:
            return
        try:
            answer = json.loads(content)
        except ValueError:
            return
        if not isinstance(answer, dict) or "errors" in answer or "data" not in answer:
            return
        self.cache.put(key, (200, list(start.get("headers", [])), content))


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
