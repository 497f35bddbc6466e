"""A validated graph kept between runs, keyed by a digest of everything that made it.

Validating the curated set (the SHACL shapes above all) takes tens of seconds, and
``serve``, ``export`` and ``report`` would each pay it on every start for the same files.
The digest covers the fact files' names (relative to the folders given) and bytes, the
ontology (Turtle and code) and the validation code, so any change to what the graph was
built from misses the cache and validates afresh; a hit is exactly the graph that
validation produced then. A graph is kept with its equal parts shared
(:func:`store.compact.share`), which makes the entry and the graph read back from it a
fraction of the size.

For the embedded store the cache keeps more than the graph: :func:`cached_image` keeps the
store's finished structures (:class:`store.embedded_image.StoreImage`: the facts in id
order, their adjacency and the search index), keyed by the store's code as well, so a
restart publishes them as read instead of building them again.

The cache lives in the user's cache directory (never in the repository), written under a
temporary name and renamed, so a half-written entry is never read. A corrupt or
unreadable entry is treated as a miss.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import MappingProxyType
from typing import Any

import ingest
import ontology
import store
from ontology.model import Graph
from store.compact import share
from store.embedded_image import StoreImage, collector_paused

_FORMAT = b"techsov-graph-cache-2"
_UNREADABLE = (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, TypeError)


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
    found = _read(entry)
    if isinstance(found, Graph):
        return found, True
    graph = share(build())
    _write(cache_dir, entry, graph)
    return graph, False


def cached_image(
    paths: Sequence[Path],
    cache_dir: Path | None,
    build: Callable[[], Graph],
    prepare: Callable[[Graph], StoreImage],
) -> tuple[StoreImage, bool]:
    """The embedded store's image of the graph built from ``paths`` (``prepare`` makes it
    from the graph ``build`` returns), from the cache when it holds one; and whether it
    did. The entry's key covers the store's code too: an image is that code's structures.
    On a miss, a validated graph of the same inputs kept by :func:`cached_graph` is used
    instead of ``build``, so a change of the store's code alone costs no validation."""
    if cache_dir is None:
        return prepare(build()), False
    code = [Path(store.__file__).parent]
    entry = cache_dir / f"{inputs_digest(paths, extra=code)}.image.pickle"
    found = _read(entry)
    if isinstance(found, StoreImage):
        return found, True
    # The validated graph kept by another command (same inputs) spares the validation.
    graph = _read(cache_dir / f"{inputs_digest(paths)}.pickle")
    # Shared again: the graph may have been kept by code that shared fewer of its parts.
    image = prepare(share(graph) if isinstance(graph, Graph) else share(build()))
    _write(cache_dir, entry, image)
    return image, False


def _write(cache_dir: Path, entry: Path, value: object) -> None:
    """Write ``value`` under a temporary name, then rename it to ``entry``."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=cache_dir, prefix=".graph-")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
                pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: _proxy_reduce}
                pickler.dump(value)
            os.replace(partial, entry)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(partial)
        _prune(cache_dir, keep=entry)
    except (OSError, pickle.PicklingError):
        pass  # a read-only or full cache directory only costs speed


def _proxy_reduce(proxy: MappingProxyType[Any, Any]) -> tuple[Any, ...]:
    """Read-only views (the search index holds some) are kept as the dicts they show."""
    return (_proxy, (dict(proxy),))


def _proxy(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


def _read(entry: Path) -> object:
    """Unpickle ``entry`` with the cyclic garbage collector paused (see
    :mod:`store.embedded_image`: half the time of reading a million relations); ``None``
    for an entry that is missing, corrupt or unreadable, which is a miss."""
    try:
        with collector_paused(), open(entry, "rb") as handle:
            return pickle.load(handle)
    except _UNREADABLE:
        return None
    except (ValueError, IndexError, KeyError, UnicodeDecodeError, MemoryError):
        return None  # a truncated or damaged pickle raises any of these


def _prune(cache_dir: Path, keep: Path, limit: int = 8) -> None:
    """Keep the most recent entries only: every edit of the curated files makes a new one."""
    entries = sorted(cache_dir.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[limit:]:
        if old != keep:
            old.unlink(missing_ok=True)
