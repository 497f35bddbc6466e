"""A validated graph kept between runs, keyed by a digest of everything that made it.

Validating the curated set (the SHACL shapes above all) takes tens of seconds, and
``serve``, ``export`` and ``report`` would each pay it on every start for the same files.
The digest covers the fact files' names (relative to the folders given) and bytes, the
ontology (Turtle and code) and the validation code, so any change to what the graph was
built from misses the cache and validates afresh; a hit is exactly the graph that
validation produced then. A graph is kept with its equal parts shared
(:func:`store.compact.share`), which makes the entry and the graph read back from it a
fraction of the size.

The cache lives in the user's cache directory (never in the repository), written under a
temporary name and renamed, so a half-written entry is never read. A corrupt or
unreadable entry is treated as a miss.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import ingest
import ontology
from ontology.model import Graph
from store.compact import share

_FORMAT = b"techsov-graph-cache-1"


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return [path]


def inputs_digest(paths: Sequence[Path], extra: Iterable[Path] = ()) -> str:
    """SHA-256 over the inputs' paths and bytes, the ontology and the validation code."""
    digest = hashlib.sha256(_FORMAT)
    with contextlib.suppress(PackageNotFoundError):
        digest.update(version("techsov-kg").encode())
    code_dirs = [Path(ontology.__file__).parent, Path(ingest.__file__).parent]
    code = [
        p
        for folder in code_dirs
        for p in sorted(folder.rglob("*"))
        if p.suffix in {".py", ".ttl"} and "curated" not in p.parts
    ]
    for group in (paths, code, extra):
        digest.update(b"\0group")
        for top in group:
            root = Path(top)
            for file in _files(root):
                # Names relative to what was given: the same files in another clone (or
                # moved) are the same inputs; a graph holds no file paths.
                name = file.relative_to(root) if root.is_dir() else Path(file.name)
                digest.update(str(name).encode() + b"\0")
                try:
                    digest.update(file.read_bytes())
                except OSError:
                    digest.update(b"\0unreadable")
    return digest.hexdigest()


def cached_graph(
    paths: Sequence[Path], cache_dir: Path | None, build: Callable[[], Graph]
) -> tuple[Graph, bool]:
    """The graph built from ``paths``, from the cache when it holds one; and whether it did.

    ``build`` runs (and its errors propagate, nothing cached) on a miss. ``cache_dir`` None
    turns the cache off.
    """
    if cache_dir is None:
        return build(), False
    entry = cache_dir / f"{inputs_digest(paths)}.pickle"
    try:
        graph = _read(entry)
        if isinstance(graph, Graph):
            return graph, True
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError):
        pass
    graph = share(build())
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=cache_dir, prefix=".graph-")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(graph, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, entry)
        _prune(cache_dir, keep=entry)
    except OSError:
        pass  # a read-only or full cache directory only costs speed
    return graph, False


def _read(entry: Path) -> object:
    """Unpickle ``entry`` with the cyclic garbage collector paused: a large graph is
    millions of new objects, each batch of which would otherwise start a collection that
    walks all those made before (half the time of reading a million relations), while
    none of them can be garbage yet."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        with open(entry, "rb") as handle:
            return pickle.load(handle)
    finally:
        if enabled:
            gc.enable()


def _prune(cache_dir: Path, keep: Path, limit: int = 8) -> None:
    """Keep the most recent entries only: every edit of the curated files makes a new one."""
    entries = sorted(cache_dir.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[limit:]:
        if old != keep:
            old.unlink(missing_ok=True)
