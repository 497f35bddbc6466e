"""Process-group bookkeeping for the servers the launcher starts.

Neo4j's bootstrap JVM forks the real server, so a server is a process *group*: it is alive
while any non-zombie member runs, and it is stopped by signalling the group.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from pathlib import Path

HAS_PROC = Path("/proc/self/stat").exists()


def free_port() -> int:
    """A loopback port that is free now; the tiny race until Neo4j binds it is accepted."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs (zombies, which only wait to be
    collected by their parent, do not count where ``/proc`` can tell them apart)."""
    if HAS_PROC:
        return bool(group_members(pgid))
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def group_members(pgid: int) -> list[int]:
    """Pids of the live (non-zombie) processes in a process group, read from ``/proc``."""
    members: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        # Format: "pid (comm) state ppid pgrp ..."; comm may itself contain ") ".
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) >= 3 and fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        return f"killed by {signal.Signals(-returncode).name}"
    return f"exit status {returncode}"


def reap(pid: int) -> None:
    """Collect our own exited child so that it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
