"""The resolver that fetches the test server's jars without Maven, on a tiny local repository.

The repository is a folder of POMs and jars reached through a ``file://`` URL, so these
tests run offline; that the resolver gives the same 213 jars as Maven for Neo4j itself is
shown by starting the server with it (``test_server_starts_without_java_or_maven``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from techsov.java_runtime import find_java, java_major
from techsov.maven_resolver import (
    Artifact,
    Dependency,
    MavenError,
    PomReader,
    Repository,
    fetch,
    interpolate,
    resolve,
)


def _pom(
    root: Path,
    group: str,
    artifact: str,
    version: str,
    body: str = "",
    *,
    jar: bool = True,
    checksum: bool = True,
) -> None:
    folder = root / group.replace(".", "/") / artifact / version
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{artifact}-{version}.pom").write_text(
        f"""<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>{group}</groupId><artifactId>{artifact}</artifactId><version>{version}</version>
  {body}
</project>""",
        encoding="utf-8",
    )
    if jar:
        data = f"{group}:{artifact}:{version}".encode()
        (folder / f"{artifact}-{version}.jar").write_bytes(data)
        if checksum:
            digest = hashlib.sha1(data).hexdigest()
            (folder / f"{artifact}-{version}.jar.sha1").write_text(digest)


def _dep(group: str, artifact: str, version: str = "", extra: str = "") -> str:
    v = f"<version>{version}</version>" if version else ""
    ids = f"<groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
    return f"<dependency>{ids}{v}{extra}</dependency>"


def _deps(*deps: str) -> str:
    return f"<dependencies>{''.join(deps)}</dependencies>"


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    root = tmp_path / "remote"
    root.mkdir()
    return root


def _resolved(remote: Path, local: Path, group: str, artifact: str, version: str) -> list[str]:
    reader = PomReader(Repository(local, remote.as_uri()))
    return [str(a) for a in resolve(reader, [Dependency(group, artifact, version)])]


def test_nearest_declaration_wins_and_first_declaration_breaks_ties(
    remote: Path, tmp_path: Path
) -> None:
    _pom(
        remote,
        "g",
        "app",
        "1",
        _deps(_dep("g", "a", "1"), _dep("g", "b", "1"), _dep("g", "x", "3")),
    )
    _pom(remote, "g", "a", "1", _deps(_dep("g", "x", "1"), _dep("g", "y", "1")))
    _pom(remote, "g", "b", "1", _deps(_dep("g", "y", "2")))
    for version in ("1", "3"):
        _pom(remote, "g", "x", version)
    for version in ("1", "2"):
        _pom(remote, "g", "y", version)
    got = _resolved(remote, tmp_path / "local", "g", "app", "1")
    # x:3 is declared nearer than a's x:1; y:1 (via a) is declared before y:2 (via b).
    assert got == ["g:app:1", "g:a:1", "g:b:1", "g:x:3", "g:y:1"]


def test_scopes_optional_and_exclusions_are_honoured(remote: Path, tmp_path: Path) -> None:
    exclusion = (
        "<exclusions><exclusion><groupId>g</groupId><artifactId>gone</artifactId>"
        "</exclusion></exclusions>"
    )
    _pom(
        remote,
        "g",
        "app",
        "1",
        _deps(
            _dep("g", "lib", "1", exclusion),
            _dep("g", "tested", "1", "<scope>test</scope>"),
            _dep("g", "provided", "1", "<scope>provided</scope>"),
            _dep("g", "rt", "1", "<scope>runtime</scope>"),
        ),
    )
    _pom(
        remote,
        "g",
        "lib",
        "1",
        _deps(
            _dep("g", "gone", "1"),
            _dep("g", "maybe", "1", "<optional>true</optional>"),
            _dep("g", "kept", "1"),
        ),
    )
    for name in ("tested", "provided", "rt", "gone", "maybe", "kept"):
        _pom(remote, "g", name, "1")
    got = _resolved(remote, tmp_path / "local", "g", "app", "1")
    assert got == ["g:app:1", "g:lib:1", "g:rt:1", "g:kept:1"]


def test_parent_properties_management_and_imported_boms_fill_versions(
    remote: Path, tmp_path: Path
) -> None:
    bom_managed = _deps(_dep("g", "from-bom", "${bom.v}"))
    _pom(
        remote,
        "g",
        "bom",
        "7",
        "<packaging>pom</packaging><properties><bom.v>7.1</bom.v></properties>"
        f"<dependencyManagement>{bom_managed}</dependencyManagement>",
        jar=False,
    )
    parent_managed = _deps(
        _dep("g", "lib", "${lib.version}"),
        _dep("g", "bom", "7", "<type>pom</type><scope>import</scope>"),
    )
    _pom(
        remote,
        "g",
        "parent",
        "2",
        "<packaging>pom</packaging><properties><lib.version>4.2</lib.version></properties>"
        f"<dependencyManagement>{parent_managed}</dependencyManagement>",
        jar=False,
    )
    folder = remote / "g" / "child" / "2"
    folder.mkdir(parents=True)
    (folder / "child-2.pom").write_text(
        f"""<project><parent><groupId>g</groupId><artifactId>parent</artifactId><version>2</version></parent>
  <artifactId>child</artifactId>
  {_deps(_dep("g", "lib"), _dep("g", "from-bom"), _dep("g", "sibling", "${project.version}"))}
</project>"""
    )
    (folder / "child-2.jar").write_bytes(b"child")
    _pom(remote, "g", "lib", "4.2")
    _pom(remote, "g", "from-bom", "7.1")
    _pom(remote, "g", "sibling", "2")
    got = _resolved(remote, tmp_path / "local", "g", "child", "2")
    assert got == ["g:child:2", "g:lib:4.2", "g:from-bom:7.1", "g:sibling:2"]


def test_relocated_artifacts_bring_the_new_coordinates_dependencies(
    remote: Path, tmp_path: Path
) -> None:
    _pom(remote, "g", "app", "1", _deps(_dep("old", "thing", "1")))
    _pom(
        remote,
        "old",
        "thing",
        "1",
        "<distributionManagement><relocation><groupId>new</groupId></relocation></distributionManagement>",
        jar=False,
    )
    _pom(remote, "new", "thing", "1", _deps(_dep("g", "dep", "1")))
    _pom(remote, "g", "dep", "1")
    got = _resolved(remote, tmp_path / "local", "g", "app", "1")
    assert "g:dep:1" in got


def test_fetch_downloads_once_into_maven_layout_and_verifies_checksums(
    remote: Path, tmp_path: Path
) -> None:
    _pom(remote, "g", "ok", "1")
    repository = Repository(tmp_path / "local", remote.as_uri())
    (path,) = fetch(repository, [Artifact("g", "ok", "1")])
    assert path == tmp_path / "local" / "g" / "ok" / "1" / "ok-1.jar"
    assert path.read_bytes() == b"g:ok:1"

    _pom(remote, "g", "bad", "1")
    (remote / "g" / "bad" / "1" / "bad-1.jar.sha1").write_text("0" * 40)
    with pytest.raises(MavenError, match="SHA-1"):
        fetch(repository, [Artifact("g", "bad", "1")])
    assert not (tmp_path / "local" / "g" / "bad" / "1" / "bad-1.jar").exists()


def test_missing_artifacts_name_the_url(remote: Path, tmp_path: Path) -> None:
    reader = PomReader(Repository(tmp_path / "local", remote.as_uri(), retries=1))
    with pytest.raises(MavenError, match=r"nope/1/nope-1\.pom"):
        resolve(reader, [Dependency("g", "nope", "1")])


def test_interpolation_is_recursive_and_leaves_unknown_names() -> None:
    props = {"a": "${b}-x", "b": "1.0"}
    assert interpolate("v${a}/${unknown}", props) == "v1.0-x/${unknown}"


def test_java_is_found_from_the_path_or_the_pypi_jdk(tmp_path: Path) -> None:
    java = find_java()
    assert java.major >= 17
    assert java_major(java.executable) == java.major
    assert java_major(tmp_path / "no-such-java") is None
