"""``techsov load`` calls the watchlists' webhooks after a load that makes a new version
(a failing receiver is reported and the load stands), and ``techsov changes`` prints the
digest of the history Neo4j keeps, in each format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from techsov.cli import app
from techsov.neo4j_server import Neo4jCredentials
from techsov.settings import Settings
from tests.conftest import wipe_database
from tests.test_webhooks import Receiver

runner = CliRunner()

FACTS = """\
sources:
  - id: trade-press
    title: Trade press
    url: https://example.org/press
defaults:
  confidence: {confidence}
  provenance: [{{source: trade-press, evidence: "Acme supplies Bolt"}}]
entities:
  - {{id: acme, kind: Firm, name: Acme}}
  - {{id: bolt, kind: Firm, name: Bolt}}
relations:
  - {{type: supplies, from: acme, to: bolt}}
"""


@pytest.fixture
def neo4j_env(
    neo4j_server: Neo4jCredentials, neo4j_driver: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commands pointed at an emptied test server."""
    database = Settings().neo4j_database
    wipe_database(neo4j_driver, database)  # type: ignore[arg-type]
    monkeypatch.setenv("TECHSOV_NEO4J_URI", neo4j_server.uri)
    monkeypatch.setenv("TECHSOV_NEO4J_USER", neo4j_server.user)
    monkeypatch.setenv("TECHSOV_NEO4J_PASSWORD", neo4j_server.password)
    monkeypatch.delenv("TECHSOV_WATCHLISTS_PATH", raising=False)


def facts(tmp_path: Path, name: str, confidence: float) -> Path:
    path = tmp_path / name
    path.write_text(FACTS.format(confidence=confidence), encoding="utf-8")
    return path


def test_load_calls_the_webhooks_and_changes_prints_the_digest(
    neo4j_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = runner.invoke(app, ["load", "--no-progress", str(facts(tmp_path, "v1.yaml", 0.8))])
    assert first.exit_code == 0, first.output
    with Receiver([500, 200]) as flaky, Receiver([503]) as down:
        lists = tmp_path / "watchlists.yaml"
        lists.write_text(
            "watchlists:\n"
            f"  - {{name: bolt buyers, url: '{flaky.url}', entities: [bolt]}}\n"
            f"  - {{name: broken, url: '{down.url}', entities: [acme]}}\n",
            encoding="utf-8",
        )
        monkeypatch.setenv("TECHSOV_WATCHLISTS_PATH", str(lists))
        monkeypatch.setenv("TECHSOV_WEBHOOK_TOTAL_S", "20")
        second = runner.invoke(app, ["load", "--no-progress", str(facts(tmp_path, "v2.yaml", 0.6))])
    assert second.exit_code == 0, second.output
    text = " ".join(second.output.split())
    assert "webhook 'bolt buyers': delivered (HTTP 200)" in text
    assert "webhook 'broken': NOT delivered after 3 attempt(s): HTTP 503" in text
    assert len(flaky.bodies) == 2 and len(down.bodies) == 3
    payload = flaky.bodies[-1]
    assert (payload["watchlist"], payload["version"]["number"], payload["since"]) == (
        "bolt buyers",
        2,
        1,
    )
    [bolt] = payload["entities"]
    [change] = bolt["changes"]
    assert (change["change"], change["before"]["confidence"], change["after"]["confidence"]) == (
        "changed",
        0.8,
        0.6,
    )

    as_json = runner.invoke(app, ["changes", "--since", "1", "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    body = json.loads(as_json.stdout)
    assert (body["since"], body["until"], body["counts"]) == (1, 2, {"relation": {"changed": 1}})
    md = runner.invoke(app, ["changes", "--since", "1", "--format", "markdown"])
    assert md.exit_code == 0, md.output
    assert "1 change in version 2: relations 1 changed" in md.stdout
    assert (
        "| 2 | changed | relation | `acme--supplies--bolt` | Acme supplies Bolt (confidence 0.8) "
        "→ Acme supplies Bolt (confidence 0.6) |"
    ) in md.stdout
    table = runner.invoke(app, ["changes", "--since", "0"])
    assert table.exit_code == 0, table.output
    assert "5 changes in versions 1-2" in table.stdout and "acme--supplies--bolt" in table.stdout
    bad = runner.invoke(app, ["changes", "--since", "7"])
    assert bad.exit_code == 2 and "no version 7 (the latest is 2)" in bad.output
