"""Curated YAML snippets for the validator's tests: a header with a source and three
entities that a test extends by one record, written to a file, and the problems a file
gets."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from ingest.validate import build_graph
from ontology.errors import Problem, ValidationFailed


def problems_of(*paths: Path, texts: Mapping[str, str] | None = None) -> list[Problem]:
    """The problems validating ``paths`` reports (it must fail)."""
    with pytest.raises(ValidationFailed) as info:
        build_graph(list(paths), source_texts=texts)
    return info.value.problems


def write_facts(tmp_path: Path, text: str, name: str = "facts.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


HEADER = """\
sources:
  - id: src
    title: Source
    url: https://example.org/a
    published: 2024-01-02
    kind: article
entities:
  - id: acme
    kind: Firm
    name: Acme
    names: {zh: 阿克米, en: Acme Corporation}
    aliases: [ACME, Acme Inc.]
    wikidata: Q1
    description: A firm.
    stateOwnership: private
    founded: 1999-05-01
  - id: beta
    kind: Firm
    name: Beta
  - id: chips
    kind: Technology
    name: Chips
"""
