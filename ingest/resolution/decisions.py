"""The analyst's decisions file: pairs of records that are (``same-as``) or are not
(``not-same-as``) the same real-world entity. Decisions always win over scores.

Records are named by their key in their data set, readable and stable across versions::

    same-as:
      - refs: ["curated:euv-lithography", "eto:N20"]
        why: ETO's EUV lithography tools are the curated EUV lithography technology.
    not-same-as:
      - refs: ["curated:huawei", "eto:P306"]
        why: Hysol Huawei makes encapsulation materials; it is not Huawei.

Keys: ``curated:<id>``; ``eto:<provider or node id>``; ``<list id>:<name as listed>`` for
the US lists (``bis-entity-list:Naura Technology Group Co., Ltd.``) and OpenSanctions
tables (``cn-countermeasures:<Name>``, ``dod-1260h:<Clean Name>``, ``ndaa-5949:<name>``);
``us-lists:<list id>`` and ``opensanctions:<policy id>`` for the lists themselves. A
decision may list more than two refs: all of them are the same (or pairwise distinct).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULT_DECISIONS = Path(__file__).resolve().parent / "decisions.yaml"


@dataclass(frozen=True)
class Decision:
    refs: tuple[str, ...]
    why: str


@dataclass
class Decisions:
    same: list[Decision] = field(default_factory=list)
    apart: list[Decision] = field(default_factory=list)

    def refs(self) -> set[str]:
        return {r for d in (*self.same, *self.apart) for r in d.refs}


class DecisionsError(ValueError):
    """The decisions file is not a mapping of same-as / not-same-as lists of refs."""


def load_decisions(path: Path | None = None) -> Decisions:
    """Read a decisions file (the shipped one by default; a missing file means none)."""
    path = path or DEFAULT_DECISIONS
    if not path.is_file():
        return Decisions()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise DecisionsError(f"{path}: expected keys same-as and not-same-as")
    unknown = set(data) - {"same-as", "not-same-as"}
    if unknown:
        raise DecisionsError(f"{path}: unknown keys {', '.join(sorted(unknown))}")
    out = Decisions()
    for key, target in (("same-as", out.same), ("not-same-as", out.apart)):
        for i, item in enumerate(data.get(key) or [], start=1):
            refs = item.get("refs") if isinstance(item, dict) else None
            if (
                not isinstance(refs, list)
                or len(refs) < 2
                or not all(isinstance(r, str) for r in refs)
            ):
                raise DecisionsError(f"{path}: {key}[{i}] needs refs: a list of two or more keys")
            target.append(Decision(tuple(refs), str(item.get("why") or "")))
    return out
