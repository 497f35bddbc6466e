"""The committed SDL (``api/schema.graphql``): the GraphQL contract as clients see it.

The file is printed from the schema generated on the shipped ontology, so a change to
the ontology or to the API shows up as a diff in review. A test compares it with the
schema the code builds; regenerate it with ``python -m api.sdl``.
"""

from __future__ import annotations

from pathlib import Path

from api.graphql_schema import schema_for
from ontology.schema import Schema, default_schema

SDL_PATH = Path(__file__).resolve().parent / "schema.graphql"
REGENERATE_COMMAND = "python -m api.sdl"


def render_sdl(schema: Schema | None = None) -> str:
    """The SDL of the GraphQL schema for ``schema`` (the shipped ontology by default)."""
    return str(schema_for(schema or default_schema())).rstrip("\n") + "\n"


def write_sdl(path: Path = SDL_PATH, schema: Schema | None = None) -> Path:
    """Regenerate the committed SDL; returns where it was written."""
    path.write_text(render_sdl(schema), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"wrote {write_sdl()}")
