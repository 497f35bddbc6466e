"""Bad policy rules are refused by validation with file, line and field, all at once."""

from __future__ import annotations

from pathlib import Path

from ingest.validate import collect
from ontology.errors import Problem

BASE = """
sources:
  - {id: src, title: Test source}
defaults:
  provenance: [{source: src}]
  confidence: 1.0
entities:
  - {id: china, kind: Country, name: China}
  - {id: chips, kind: Technology, name: Chips}
  - {id: ctrl, kind: ExportControl, name: A control}
"""


def _problems(tmp_path: Path, text: str) -> list[Problem]:
    path = tmp_path / "rules.yaml"
    path.write_text(BASE + text, encoding="utf-8")
    _, problems = collect([path])
    return problems


def _line_of(tmp_path: Path, needle: str) -> int:
    lines = (tmp_path / "rules.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_a_valid_rule_with_an_amendment_passes(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        """  - {id: r1, kind: PolicyRule, name: v1, ruleDirection: both, ruleAction: enacts,
     inForceFrom: 2022-10-07, ownershipThreshold: 0.5}
  - {id: r2, kind: PolicyRule, name: v2, ruleDirection: both, ruleAction: rescinds,
     inForceFrom: 2023-10-17}
relations:
  - {type: ruleOf, from: r1, to: ctrl}
  - {type: ruleOf, from: r2, to: ctrl}
  - {type: amends, from: r2, to: r1}
  - {type: covers, from: r1, to: chips, includeNarrower: true, includeComponents: false}
  - {type: imposedBy, from: r1, to: china}
""",
    )
    assert problems == []


def test_bad_rules_are_all_reported_with_file_line_and_field(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        """  - {id: r1, kind: PolicyRule, name: dates, ruleDirection: both,
     inForceFrom: 2024-01-01, inForceTo: 2023-01-01}
  - {id: r2, kind: PolicyRule, name: threshold, ruleDirection: both,
     inForceFrom: 2022-01-01, ownershipThreshold: 1.5}
  - {id: r3, kind: PolicyRule, name: cycle a, ruleDirection: both, ruleAction: amends,
     inForceFrom: 2022-01-01}
  - {id: r4, kind: PolicyRule, name: cycle b, ruleDirection: both, ruleAction: amends,
     inForceFrom: 2022-01-01}
  - {id: r5, kind: PolicyRule, name: direction, ruleDirection: sideways, inForceFrom: 2022-01-01}
relations:
  - {type: ruleOf, from: r1, to: ctrl}
  - {type: ruleOf, from: r2, to: ctrl}
  - {type: ruleOf, from: r3, to: ctrl}
  - {type: ruleOf, from: r4, to: ctrl}
  - {type: ruleOf, from: r5, to: ctrl}
  - {type: covers, from: r2, to: quantum-widgets}
  - {type: amends, from: r3, to: r4}
  - {type: amends, from: r4, to: r3}
""",
    )
    found = {(p.line, p.field) for p in problems}
    assert all(p.file.endswith("rules.yaml") for p in problems)
    assert (_line_of(tmp_path, "inForceTo: 2023-01-01"), "inForceFrom") in found or (
        _line_of(tmp_path, "name: dates"),
        "inForceFrom",
    ) in found, problems
    assert any(p.field == "ownershipThreshold" and "between 0 and 1" in p.message for p in problems)
    assert any(p.field == "to" and "quantum-widgets" in p.message for p in problems), problems
    assert any("cycle" in p.message and "amend" in p.message for p in problems), problems
    assert any(p.field == "ruleDirection" for p in problems), problems
    # Every problem points at a real line of the file.
    assert all(p.line > 0 for p in problems), problems


def test_an_amendment_must_name_the_version_it_acts_on(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        """  - {id: r1, kind: PolicyRule, name: orphan, ruleDirection: both, ruleAction: suspends,
     inForceFrom: 2022-01-01}
relations:
  - {type: ruleOf, from: r1, to: ctrl}
""",
    )
    assert [p.line for p in problems] == [_line_of(tmp_path, "name: orphan")], problems
    assert "names the version it acts on" in problems[0].message


def test_a_rule_without_its_policy_is_refused(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        """  - {id: r1, kind: PolicyRule, name: lonely, ruleDirection: both,
     inForceFrom: 2022-01-01}
""",
    )
    assert any("exactly one policy" in p.message for p in problems), problems
