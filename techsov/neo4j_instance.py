"""What a running test server is: its credentials and its recorded state.

Kept apart from the launcher so that tests, the benchmark and the CLI can name a server
without importing the machinery that starts one.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import asdict, dataclass
from pathlib import Path

NEO4J_USER = "neo4j"


@dataclass(frozen=True)
class Neo4jCredentials:
    """Where a Bolt server is and how to log in: all a driver or a test needs."""

    uri: str
    user: str
    password: str

    def env_lines(self) -> list[str]:
        """Shell lines exporting these credentials as the ``TECHSOV_NEO4J_*`` settings."""
        values = {
            "TECHSOV_NEO4J_URI": self.uri,
            "TECHSOV_NEO4J_USER": self.user,
            "TECHSOV_NEO4J_PASSWORD": self.password,
        }
        return [f"export {name}={shlex.quote(value)}" for name, value in values.items()]


@dataclass(frozen=True)
class Neo4jInstance:
    """A server started by :class:`Neo4jLauncher`, as recorded in its state file."""

    pid: int
    pgid: int
    port: int
    password: str
    home: Path
    version: str
    started_at: float

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @property
    def credentials(self) -> Neo4jCredentials:
        return Neo4jCredentials(uri=self.uri, user=NEO4J_USER, password=self.password)

    def to_json(self) -> str:
        data = asdict(self)
        data["home"] = str(self.home)
        return json.dumps(data, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Neo4jInstance:
        """Parse a state file; raises ``ValueError`` on anything malformed."""
        try:
            data = json.loads(text)
            return cls(
                pid=int(data["pid"]),
                pgid=int(data["pgid"]),
                port=int(data["port"]),
                password=str(data["password"]),
                home=Path(str(data["home"])),
                version=str(data["version"]),
                started_at=float(data["started_at"]),
            )
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"malformed Neo4j state file: {exc}") from exc
