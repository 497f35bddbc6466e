"""Resolve and fetch a Java library's runtime jars from Maven Central, without Maven.

The test server needs the jars of ``org.neo4j:neo4j`` and everything they depend on. Maven
does that when it is installed; on a machine with only Python this module does the same
with the standard library: it reads POMs over HTTPS (parents, properties, dependency
management, imported BOMs, relocations), walks the dependency graph the way Maven's
default resolver does (nearest declaration wins, first declaration breaks ties, runtime
and compile scopes, optional and excluded dependencies left out below the top), and
downloads each jar once into a local repository with Maven's own layout, verified against
the SHA-1 that Maven Central publishes next to it. Sharing the layout means a later
``mvn`` run (or ``~/.m2``) and this module reuse each other's downloads.

It covers what ordinary published POMs use; it does not evaluate profiles activated by the
JDK, the OS or properties (only ``activeByDefault``), nor version ranges beyond taking the
range's lower bound.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

MAVEN_CENTRAL = "https://repo.maven.apache.org/maven2"

Key = tuple[str, str, str, str]
"""Identity of a dependency for conflicts and management: group, artifact, type, classifier."""

_PROPERTY = re.compile(r"\$\{([^}]+)\}")
# Scope of a transitive dependency, by (scope of the parent edge, declared scope).
_SCOPE_CHAIN = {
    ("compile", "compile"): "compile",
    ("compile", "runtime"): "runtime",
    ("runtime", "compile"): "runtime",
    ("runtime", "runtime"): "runtime",
}
_CLASSPATH_TYPES = {"jar": ("jar", ""), "bundle": ("jar", ""), "maven-plugin": ("jar", "")}


class MavenError(RuntimeError):
    """A POM or jar could not be fetched or made sense of."""


@dataclass(frozen=True)
class Dependency:
    """One ``<dependency>`` element after interpolation (version/scope may still be unset)."""

    group: str
    artifact: str
    version: str | None = None
    scope: str | None = None
    type: str = "jar"
    classifier: str = ""
    optional: bool = False
    exclusions: frozenset[tuple[str, str]] = frozenset()

    @property
    def key(self) -> Key:
        return (self.group, self.artifact, self.type, self.classifier)


@dataclass(frozen=True)
class Artifact:
    """A resolved artifact on the classpath."""

    group: str
    artifact: str
    version: str
    classifier: str = ""
    extension: str = "jar"

    def path(self) -> str:
        """Its path in a Maven repository (Central or local)."""
        name = f"{self.artifact}-{self.version}"
        if self.classifier:
            name += f"-{self.classifier}"
        folder = f"{self.group.replace('.', '/')}/{self.artifact}/{self.version}"
        return f"{folder}/{name}.{self.extension}"

    def __str__(self) -> str:
        suffix = f":{self.classifier}" if self.classifier else ""
        return f"{self.group}:{self.artifact}:{self.version}{suffix}"


@dataclass
class PomModel:
    """A POM with its parents merged in, interpolated, and its BOMs imported."""

    group: str
    artifact: str
    version: str
    properties: dict[str, str] = field(default_factory=dict)
    managed: dict[Key, Dependency] = field(default_factory=dict)
    dependencies: list[Dependency] = field(default_factory=list)
    relocation: tuple[str, str, str] | None = None


class Repository:
    """Maven Central (or a mirror) in front of a local repository in Maven's layout."""

    def __init__(
        self,
        local: Path,
        remote: str = MAVEN_CENTRAL,
        *,
        timeout_s: float = 60.0,
        retries: int = 3,
    ) -> None:
        self.local = local
        self.remote = remote.rstrip("/")
        self.timeout_s = timeout_s
        self.retries = retries

    def get(self, path: str, *, verify: bool = False) -> Path:
        """The local copy of ``path``, downloaded first if missing."""
        target = self.local / path
        if target.is_file():
            return target
        data = self._download(path)
        if verify:
            self._verify(path, data)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written under a temporary name and renamed: a half-written file never looks cached.
        fd, partial = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(partial, target)
        return target

    def _verify(self, path: str, data: bytes) -> None:
        try:
            published = self._download(f"{path}.sha1").decode("ascii", "replace").split()
        except MavenError:
            return  # Central has a checksum for every artifact; a mirror may not
        if published and published[0].lower() != hashlib.sha1(data).hexdigest():
            raise MavenError(f"{self.remote}/{path}: SHA-1 does not match the published one")

    def _download(self, path: str) -> bytes:
        url = f"{self.remote}/{path}"
        last: Exception | None = None
        for attempt in range(self.retries):
            try:
                with urllib.request.urlopen(url, timeout=self.timeout_s) as response:
                    data: bytes = response.read()
                    return data
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    raise MavenError(f"{url}: not found") from exc
                last = exc
            except (urllib.error.URLError, OSError) as exc:
                last = exc
            time.sleep(0.5 * (attempt + 1))
        raise MavenError(f"{url}: {last}")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element | None, name: str) -> ET.Element | None:
    if element is None:
        return None
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _children(element: ET.Element | None, name: str) -> list[ET.Element]:
    return [] if element is None else [c for c in element if _local(c.tag) == name]


def _text(element: ET.Element | None, name: str) -> str | None:
    child = _child(element, name)
    if child is None or child.text is None:
        return None
    return child.text.strip()


def interpolate(value: str, properties: dict[str, str]) -> str:
    """Replace ``${name}`` with its property, repeatedly; unknown names stay as they are."""
    for _ in range(10):
        replaced = _PROPERTY.sub(lambda m: properties.get(m.group(1), m.group(0)), value)
        if replaced == value:
            break
        value = replaced
    return value


def _parse_dependency(element: ET.Element) -> Dependency:
    exclusions = frozenset(
        (_text(e, "groupId") or "*", _text(e, "artifactId") or "*")
        for e in _children(_child(element, "exclusions"), "exclusion")
    )
    return Dependency(
        group=_text(element, "groupId") or "",
        artifact=_text(element, "artifactId") or "",
        version=_text(element, "version"),
        scope=_text(element, "scope"),
        type=_text(element, "type") or "jar",
        classifier=_text(element, "classifier") or "",
        optional=(_text(element, "optional") or "false").lower() == "true",
        exclusions=exclusions,
    )


def _interpolated(dep: Dependency, properties: dict[str, str]) -> Dependency:
    def sub(value: str | None) -> str | None:
        return None if value is None else interpolate(value, properties)

    return replace(
        dep,
        group=interpolate(dep.group, properties),
        artifact=interpolate(dep.artifact, properties),
        version=sub(dep.version),
        scope=sub(dep.scope),
        type=interpolate(dep.type, properties),
        classifier=interpolate(dep.classifier, properties),
    )


def _version(version: str) -> str:
    """A concrete version: a range like ``[1.2,2.0)`` is taken at its lower bound."""
    if version[:1] in "[(":
        lower = version[1:].split(",", 1)[0].strip(" ])")
        if lower:
            return lower
    return version


def _active_sections(root: ET.Element) -> list[ET.Element]:
    """The project and its profiles active by default: where declarations are read."""
    return [root] + [
        p
        for p in _children(_child(root, "profiles"), "profile")
        if (_text(_child(p, "activation"), "activeByDefault") or "").lower() == "true"
    ]


def _add_coordinates(properties: dict[str, str], model: PomModel, parent: PomModel | None) -> None:
    """The built-in ``project.*`` (and older ``pom.*``) properties of the POM's coordinates."""
    for prefix in ("project.", "pom.", ""):
        properties[f"{prefix}groupId"] = model.group
        properties[f"{prefix}artifactId"] = model.artifact
        properties[f"{prefix}version"] = model.version
    if parent is not None:
        properties["project.parent.version"] = parent.version
        properties["project.parent.groupId"] = parent.group


def _relocation(root: ET.Element, model: PomModel) -> tuple[str, str, str] | None:
    """Where a relocated artifact moved, its unset coordinates kept."""
    relocation = _child(_child(root, "distributionManagement"), "relocation")
    if relocation is None:
        return None
    return (
        _text(relocation, "groupId") or model.group,
        _text(relocation, "artifactId") or model.artifact,
        _text(relocation, "version") or model.version,
    )


class PomReader:
    """Builds effective POMs from a repository, each once (thread-safe)."""

    def __init__(self, repository: Repository) -> None:
        self.repository = repository
        self._cache: dict[tuple[str, str, str], PomModel] = {}
        self._lock = threading.Lock()

    def model(self, group: str, artifact: str, version: str) -> PomModel:
        key = (group, artifact, version)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        model = self._build(group, artifact, version, depth=0)
        with self._lock:
            self._cache[key] = model
        return model

    def _raw(self, group: str, artifact: str, version: str) -> ET.Element:
        path = Artifact(group, artifact, version, extension="pom").path()
        try:
            return ET.parse(self.repository.get(path)).getroot()
        except ET.ParseError as exc:
            raise MavenError(f"{path}: unreadable POM ({exc})") from exc

    def _build(self, group: str, artifact: str, version: str, depth: int) -> PomModel:
        if depth > 20:
            raise MavenError(f"{group}:{artifact}:{version}: parent chain too deep")
        root = self._raw(group, artifact, version)
        parent_el = _child(root, "parent")
        parent: PomModel | None = None
        if parent_el is not None:
            parent = self._build(
                _text(parent_el, "groupId") or "",
                _text(parent_el, "artifactId") or "",
                _text(parent_el, "version") or "",
                depth + 1,
            )
        model = PomModel(
            group=_text(root, "groupId") or (parent.group if parent else group),
            artifact=_text(root, "artifactId") or artifact,
            version=_text(root, "version") or (parent.version if parent else version),
        )
        properties = dict(parent.properties) if parent else {}
        managed_raw: list[Dependency] = []
        deps_raw: list[Dependency] = list(parent.dependencies) if parent else []
        for section in _active_sections(root):
            declared_properties = _child(section, "properties")
            for prop in [] if declared_properties is None else list(declared_properties):
                properties[_local(prop.tag)] = (prop.text or "").strip()
            management = _child(_child(section, "dependencyManagement"), "dependencies")
            managed_raw += [_parse_dependency(d) for d in _children(management, "dependency")]
            declared = _child(section, "dependencies")
            deps_raw += [_parse_dependency(d) for d in _children(declared, "dependency")]
        _add_coordinates(properties, model, parent)
        model.properties = properties
        model.managed = self._management(managed_raw, properties, parent)
        model.dependencies = [
            self._managed(_interpolated(d, properties), model.managed) for d in deps_raw
        ]
        model.relocation = _relocation(root, model)
        return model

    def _management(
        self, declared: list[Dependency], properties: dict[str, str], parent: PomModel | None
    ) -> dict[Key, Dependency]:
        """Managed versions: the POM's own entries, then its BOMs', then its parent's."""
        managed: dict[Key, Dependency] = {}
        for dep in (_interpolated(d, properties) for d in declared):
            if dep.scope == "import" and dep.type == "pom" and dep.version:
                bom = self.model(dep.group, dep.artifact, _version(dep.version))
                for key, imported in bom.managed.items():
                    managed.setdefault(key, imported)
            else:
                managed[dep.key] = dep  # the child's entry overrides a BOM's
        if parent is not None:
            for key, inherited in parent.managed.items():
                managed.setdefault(key, inherited)
        return managed

    @staticmethod
    def _managed(dep: Dependency, managed: dict[Key, Dependency]) -> Dependency:
        rule = managed.get(dep.key)
        if rule is None:
            return dep
        return replace(
            dep,
            version=dep.version or rule.version,
            scope=dep.scope or rule.scope,
            exclusions=dep.exclusions | rule.exclusions,
        )


def _excluded(dep: Dependency, exclusions: frozenset[tuple[str, str]]) -> bool:
    return any(g in ("*", dep.group) and a in ("*", dep.artifact) for g, a in exclusions)


@dataclass(frozen=True)
class _Node:
    dep: Dependency
    version: str
    scope: str
    exclusions: frozenset[tuple[str, str]]


def resolve(reader: PomReader, roots: Iterable[Dependency], *, workers: int = 8) -> list[Artifact]:
    """The runtime classpath of ``roots``, in Maven's order (breadth first)."""
    chosen: dict[Key, _Node] = {}
    level: list[_Node] = []
    for dep in roots:
        if not dep.version:
            raise MavenError(f"{dep.group}:{dep.artifact}: a root needs a version")
        level.append(_Node(dep, _version(dep.version), dep.scope or "compile", dep.exclusions))
    order: list[_Node] = []
    depth = 0
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while level:
            winners: list[_Node] = []
            for node in level:
                if node.dep.key not in chosen:
                    chosen[node.dep.key] = node
                    winners.append(node)
            order += winners
            models = list(pool.map(lambda n: _relocated(reader, n), winners))
            next_level: list[_Node] = []
            for node, model in zip(winners, models, strict=True):
                next_level += _children_of(node, model, chosen)
            level = next_level
            depth += 1
    artifacts: list[Artifact] = []
    for node in order:
        kind = _CLASSPATH_TYPES.get(node.dep.type)
        if kind is None and node.dep.type == "test-jar":
            kind = ("jar", "tests")
        if kind is None:
            continue  # a pom-type dependency: its dependencies count, it has no jar
        extension, classifier = kind
        artifacts.append(
            Artifact(
                node.dep.group,
                node.dep.artifact,
                node.version,
                classifier=node.dep.classifier or classifier,
                extension=extension,
            )
        )
    return artifacts


def _relocated(reader: PomReader, node: _Node) -> PomModel:
    model = reader.model(node.dep.group, node.dep.artifact, node.version)
    seen = 0
    while model.relocation is not None and seen < 5:
        model = reader.model(*model.relocation)
        seen += 1
    return model


def _children_of(node: _Node, model: PomModel, chosen: dict[Key, _Node]) -> list[_Node]:
    found: list[_Node] = []
    for dep in model.dependencies:
        scope = _SCOPE_CHAIN.get((node.scope, dep.scope or "compile"))
        if scope is None or dep.optional or _excluded(dep, node.exclusions):
            continue
        if dep.key in chosen:
            continue
        if not dep.version:
            raise MavenError(
                f"{model.group}:{model.artifact}:{model.version}: no version for "
                f"{dep.group}:{dep.artifact}"
            )
        found.append(_Node(dep, _version(dep.version), scope, node.exclusions | dep.exclusions))
    return found


def fetch(
    repository: Repository,
    artifacts: list[Artifact],
    *,
    progress: Callable[[int, int], None] | None = None,
    workers: int = 8,
) -> list[Path]:
    """Download the artifacts (verified) that the local repository lacks; their paths."""
    done = 0
    lock = threading.Lock()

    def one(artifact: Artifact) -> Path:
        nonlocal done
        path = repository.get(artifact.path(), verify=True)
        with lock:
            done += 1
            if progress is not None:
                progress(done, len(artifacts))
        return path

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, artifacts))
