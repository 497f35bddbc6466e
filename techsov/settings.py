"""All configuration, read once at the composition root and injected from there.

Every setting is an environment variable with the ``TECHSOV_`` prefix (or a line in a
``.env`` file). Nothing below the CLI reads the environment: stores get a driver, the API
gets an :class:`ApiLimits`, so tests can build any combination without touching globals.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Process-wide configuration (environment variables ``TECHSOV_*``)."""

    model_config = SettingsConfigDict(env_prefix="TECHSOV_", env_file=".env", extra="ignore")

    neo4j_uri: str | None = Field(
        default=None,
        description="Bolt URI of the production store; unset means the embedded store.",
    )
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str = "neo4j"
    neo4j_query_timeout_s: float = Field(default=10.0, gt=0)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    data_paths: list[Path] = Field(
        default_factory=list,
        description="Curated fact files or folders; empty means the set shipped in ingest/.",
    )

    max_first: int = Field(default=500, ge=100, description="Cap on any `first` argument.")
    max_depth: int = Field(default=6, ge=4, description="Cap on traversal depths.")
    max_query_depth: int = Field(default=12, ge=2, description="GraphQL nesting limit.")
    max_aliases: int = Field(default=30, ge=1)
    max_tokens: int = Field(default=2000, ge=50)
    max_cost: int | None = Field(
        default=None, ge=1, description="Fields an answer may hold (default 100 x max_first)."
    )
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    cors_origins: list[str] = Field(default_factory=list)

    neo4j_cache_dir: Path = Field(
        default=Path.home() / ".cache" / "techsov" / "neo4j",
        description="Where the test Neo4j server keeps its classpath and throw-away homes.",
    )
    neo4j_version: str = "5.26.30"
    graph_cache_dir: Path = Field(
        default=Path.home() / ".cache" / "techsov" / "graphs",
        description="Where validated graphs are kept between runs, keyed by their inputs.",
    )
    graph_cache: bool = Field(default=True, description="Reuse validated graphs between runs.")
    neo4j_maven_repo: Path | None = Field(
        default=None,
        description="Maven-layout repository of the test server's jars (default ~/.m2/repository).",
    )

    watchlists_path: Path | None = Field(
        default=None,
        description=(
            "YAML file of watchlists (name, url, entities, policies): after each load that "
            "makes a new version, each concerned watchlist's url gets a POST of the changes. "
            "Unset: no webhook calls."
        ),
    )
    webhook_attempts: int = Field(default=3, ge=1, le=10, description="Tries per webhook call.")
    webhook_timeout_s: float = Field(default=5.0, gt=0, description="Time per webhook try.")
    webhook_total_s: float = Field(
        default=30.0, gt=0, description="Time all webhook calls of one load may take."
    )

    @property
    def uses_neo4j(self) -> bool:
        return bool(self.neo4j_uri)
