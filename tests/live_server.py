"""Shared pieces of the tests that talk to the app over a real socket or in a real browser.

The app runs in a uvicorn server on 127.0.0.1 (a free port) in a thread of the test process,
so the HTTP parser, the limits and the static files are the ones production has; the
browser is Debian's Chromium (``.ci/run`` installs it), driven by Playwright.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from fastapi import FastAPI

START_S = 30.0


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """``app`` served on loopback for the duration of the block; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_S
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def chromium_executable() -> str:
    """Debian's Chromium: missing fails the test in CI (where ``.ci/run`` installs it) and
    skips it on a developer's machine without it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        message = "Debian's chromium is not installed (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found
