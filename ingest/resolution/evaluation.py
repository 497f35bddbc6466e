"""Precision and recall of entity resolution on the labelled pairs.

The labelled set (``labelled_pairs.yaml``) holds real pairs of records from the shared data
sets: ``same`` pairs are one entity, ``different`` pairs two (``lookalike`` marks the
different pairs a name matcher is most likely to merge). A pair counts as merged when
both records end in one node. Resolution is measured with and without the analyst's
decisions: without them the figures are those of the scores alone, which is what the
thresholds are tuned on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULT_LABELS = Path(__file__).resolve().parent / "labelled_pairs.yaml"


@dataclass(frozen=True)
class LabelledPair:
    a: str
    b: str
    same: bool
    lookalike: bool
    why: str


@dataclass
class Evaluation:
    """Counts over the labelled pairs whose two refs both name a record."""

    true_merges: list[LabelledPair] = field(default_factory=list)
    missed: list[LabelledPair] = field(default_factory=list)
    wrong_merges: list[LabelledPair] = field(default_factory=list)
    kept_apart: list[LabelledPair] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        merged = len(self.true_merges) + len(self.wrong_merges)
        return len(self.true_merges) / merged if merged else 1.0

    @property
    def recall(self) -> float:
        same = len(self.true_merges) + len(self.missed)
        return len(self.true_merges) / same if same else 1.0

    @property
    def wrong_lookalikes(self) -> int:
        return sum(1 for p in self.wrong_merges if p.lookalike)

    def summary(self) -> str:
        same = len(self.true_merges) + len(self.missed)
        different = len(self.wrong_merges) + len(self.kept_apart)
        return (
            f"precision {self.precision:.3f}, recall {self.recall:.3f} on {same} same and "
            f"{different} different pairs; {len(self.wrong_merges)} wrong merges "
            f"({self.wrong_lookalikes} look-alikes), {len(self.missed)} missed"
        )


def load_labels(path: Path | None = None) -> list[LabelledPair]:
    data = yaml.safe_load((path or DEFAULT_LABELS).read_text(encoding="utf-8")) or {}
    out: list[LabelledPair] = []
    for key, same in (("same", True), ("different", False)):
        for item in data.get(key) or []:
            a, b = item["refs"]
            out.append(LabelledPair(a, b, same, bool(item.get("lookalike")), item.get("why", "")))
    return out


def evaluate(final_by_ref: dict[str, str], labels: list[LabelledPair]) -> Evaluation:
    """Compare the node each ref ended in (``final_by_ref``) with the labels."""
    ev = Evaluation()
    for pair in labels:
        missing = [r for r in (pair.a, pair.b) if r not in final_by_ref]
        if missing:
            ev.unknown += missing
            continue
        merged = final_by_ref[pair.a] == final_by_ref[pair.b]
        if pair.same:
            (ev.true_merges if merged else ev.missed).append(pair)
        else:
            (ev.wrong_merges if merged else ev.kept_apart).append(pair)
    return ev
