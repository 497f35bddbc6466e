"""The Neo4j server's classpath: resolved once per version, then read from a cache file.

Two ways to resolve it, same answer (the same 213 jars for 5.26): with Maven when ``mvn`` is
on the PATH (a developer's usual set-up, reusing ``~/.m2``), else with
:mod:`techsov.maven_resolver`, which reads the POMs from Maven Central itself and keeps the
jars in a Maven-layout repository (``~/.m2/repository`` unless configured), so that a
machine with only Python can start the server.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from techsov import maven_resolver

CLASSPATH_FILE = "classpath.txt"
_MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
DEFAULT_MAVEN_REPO = Path.home() / ".m2" / "repository"


class ClasspathError(RuntimeError):
    """The jars could not be resolved or fetched."""


def read_cached(classpath_file: Path) -> list[Path] | None:
    """The cached classpath while every jar in it still exists, else None.

    A pruned repository is thus repaired by the next start instead of failing in the JVM.
    """
    try:
        text = classpath_file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    jars = [Path(entry) for entry in text.split(os.pathsep) if entry]
    if not jars or not all(jar.is_file() for jar in jars):
        return None
    return jars


def resolve_classpath(
    version: str,
    classpath_file: Path,
    *,
    maven_repo: Path | None = None,
    use_maven: bool | None = None,
    log: Callable[[str], None],
) -> list[Path]:
    """Resolve ``org.neo4j:neo4j:version``'s runtime jars and cache their paths.

    ``use_maven`` None means: Maven when ``mvn`` is on the PATH.
    """
    cached = read_cached(classpath_file)
    if cached is not None:
        return cached
    classpath_file.parent.mkdir(parents=True, exist_ok=True)
    partial = classpath_file.with_name(f"{CLASSPATH_FILE}.partial")
    mvn = shutil.which("mvn") if use_maven is not False else None
    if use_maven and mvn is None:
        raise ClasspathError("Maven ('mvn') is not on PATH")
    started = time.monotonic()
    if mvn is not None:
        log(f"Resolving the Neo4j {version} classpath with Maven (first run only)…")
        _with_maven(mvn, version, classpath_file.parent, partial, maven_repo)
    else:
        repo = maven_repo or DEFAULT_MAVEN_REPO
        log(f"Fetching the Neo4j {version} jars from Maven Central into {repo} (first run only)…")
        fetched = _with_python(version, repo, log)
        partial.write_text(os.pathsep.join(str(jar) for jar in fetched), encoding="utf-8")
    # Renamed only once complete: a half-written file must never look like a cache hit.
    partial.replace(classpath_file)
    jars = read_cached(classpath_file)
    if jars is None:
        raise ClasspathError(f"an unusable classpath was written to {classpath_file}")
    log(f"Resolved {len(jars)} jars in {time.monotonic() - started:.1f} s.")
    return jars


def _with_python(version: str, repo: Path, log: Callable[[str], None]) -> list[Path]:
    repository = maven_resolver.Repository(repo)
    reader = maven_resolver.PomReader(repository)
    root = maven_resolver.Dependency("org.neo4j", "neo4j", version)
    try:
        artifacts = maven_resolver.resolve(reader, [root], workers=16)
        log(f"  {len(artifacts)} jars in the dependency tree; downloading the missing ones…")
        step = max(1, len(artifacts) // 4)

        def progress(done: int, total: int) -> None:
            if done % step == 0 or done == total:
                log(f"  {done}/{total} jars")

        return maven_resolver.fetch(repository, artifacts, progress=progress, workers=8)
    except maven_resolver.MavenError as exc:
        raise ClasspathError(
            f"could not fetch org.neo4j:neo4j:{version} from Maven Central: {exc}"
        ) from exc


def _with_maven(
    mvn: str, version: str, workdir: Path, partial: Path, maven_repo: Path | None
) -> None:
    pom = workdir / "pom.xml"
    pom.write_text(
        resources.files("techsov").joinpath("neo4j-pom.xml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    command = [
        mvn,
        "-B",
        "-q",
        "-Dstyle.color=never",
        "-f",
        str(pom),
        f"{_MAVEN_DEPENDENCY_PLUGIN}:build-classpath",
        f"-Dneo4j.version={version}",
        "-DincludeScope=runtime",
        f"-Dmdep.outputFile={partial}",
    ]
    if maven_repo is not None:
        command.append(f"-Dmaven.repo.local={maven_repo}")
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ClasspathError("Maven did not resolve the classpath in 30 min") from exc
    if result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        raise ClasspathError(
            f"Maven failed to resolve org.neo4j:neo4j:{version} (exit {result.returncode}):\n"
            f"{output}"
        )
