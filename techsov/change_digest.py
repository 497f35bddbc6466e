"""The change digest in three forms: a terminal table, JSON for programs and webhooks,
and Markdown for a mail.

The Markdown is written for a reader who will not open the graph: headline counts, then
per policy who became exposed and who no longer is, each with the facts that caused it and
the sources those facts cite (title, link, excerpt), then every change in a table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rich.table import Table

from ontology.model import Source
from store.change_feed import ChangeDigest, ExposureChange, PolicyExposureChanges, WatchedEntity
from store.history import FactChange, GraphVersion

MAX_EVIDENCE = 200
PLURAL = {"entity": "entities", "relation": "relations", "source": "sources"}


@dataclass(frozen=True)
class Labels:
    """Names of the entities and sources a digest mentions (ids when unknown)."""

    names: Mapping[str, str] = field(default_factory=dict)
    sources: Mapping[str, Source] = field(default_factory=dict)

    def name(self, entity: str) -> str:
        return self.names.get(entity, entity)


def _moment(moment: datetime) -> str:
    return moment.isoformat()


def _readable(moment: datetime) -> str:
    """A load time for people: to the second, in UTC."""
    utc = moment.astimezone(UTC) if moment.tzinfo is not None else moment
    return utc.strftime("%Y-%m-%d %H:%M:%S UTC")


def version_json(v: GraphVersion) -> dict[str, object]:
    return {
        "number": v.number,
        "loadedAt": _moment(v.loaded_at),
        "digest": v.digest,
        "entities": v.entities,
        "relations": v.relations,
        "sources": v.sources,
    }


def change_json(c: FactChange) -> dict[str, object]:
    return {
        "version": c.version,
        "change": c.change,
        "kind": c.kind,
        "id": c.id,
        "before": c.before,
        "after": c.after,
    }


def exposure_change_json(x: ExposureChange) -> dict[str, object]:
    e = x.exposure
    return {
        "policy": x.policy,
        "supplier": x.supplier,
        "shift": x.shift,
        "exposure": {
            "kind": e.basis,
            "depth": e.depth,
            "score": e.score,
            "ruleVersion": e.rule_version,
            "path": [r.id for r in e.path],
        },
        "causes": [change_json(c) for c in x.causes],
    }


def policy_json(p: PolicyExposureChanges) -> dict[str, object]:
    return {
        "policy": p.policy,
        "since": p.since,
        "until": p.until,
        "asOf": p.as_of.isoformat(),
        "exposed": [exposure_change_json(x) for x in p.exposed],
        "unexposed": [exposure_change_json(x) for x in p.unexposed],
    }


def digest_json(d: ChangeDigest) -> dict[str, object]:
    return {
        "since": d.since,
        "until": d.until,
        "versions": [version_json(v) for v in d.versions],
        "counts": d.counts(),
        "changes": [change_json(c) for c in d.changes],
        "exposures": [policy_json(p) for p in d.exposures],
    }


def watched_json(w: WatchedEntity) -> dict[str, object]:
    return {
        "entity": w.entity,
        "changes": [change_json(c) for c in w.changes],
        "exposureChanges": [exposure_change_json(x) for x in w.exposure_changes],
    }


# --- words ---------------------------------------------------------------------------------


def headline(d: ChangeDigest) -> str:
    """``12 changes in versions 4-5: relations 5 added, 2 ended; entities 3 added``."""
    if not d.changes:
        return f"No changes since version {d.since} (the latest is {d.until})."
    span = f"version {d.until}" if d.since + 1 == d.until else f"versions {d.since + 1}-{d.until}"
    parts = [
        f"{PLURAL.get(kind, kind)} "
        + ", ".join(f"{n} {change}" for change, n in sorted(by.items()))
        for kind, by in sorted(d.counts().items())
    ]
    count = f"{len(d.changes)} change" + ("" if len(d.changes) == 1 else "s")
    return f"{count} in {span}: " + "; ".join(parts)


def fact_state(payload: Mapping[str, object] | None, labels: Labels) -> str:
    """One line for a fact as it was (relation: its statement, valid time, confidence)."""
    if payload is None:
        return "-"
    if "type" in payload and "source" in payload and "target" in payload:
        valid = [
            f"{word} {payload[key]}"
            for key, word in (("valid_from", "from"), ("valid_to", "to"))
            if payload.get(key)
        ]
        text = (
            f"{labels.name(str(payload['source']))} {payload['type']} "
            f"{labels.name(str(payload['target']))}"
        )
        extra = [*valid, f"confidence {payload.get('confidence')}"]
        return f"{text} ({', '.join(extra)})"
    if "kind" in payload and "name" in payload:
        return f"{payload['name']} ({payload['kind']})"
    return str(payload.get("title") or payload.get("id") or "")


def describe(c: FactChange, labels: Labels) -> str:
    if c.change in ("added",):
        return fact_state(c.after, labels)
    if c.change == "retracted":
        return fact_state(c.before, labels)
    return f"{fact_state(c.before, labels)} → {fact_state(c.after, labels)}"


def citations(c: FactChange, labels: Labels) -> list[str]:
    """The sources a changed fact cites, as Markdown: title with link, and the excerpt."""
    payload = c.after if c.after is not None else c.before
    out: list[str] = []
    for p in _provenance(payload):
        source = labels.sources.get(str(p.get("source")))
        title = source.title if source is not None and source.title else str(p.get("source"))
        url = source.url if source is not None else None
        label = title.replace("[", "\\[").replace("]", "\\]")
        cited = f"[{label}]({url})" if url else title
        evidence = str(p.get("evidence") or "").strip()
        if len(evidence) > MAX_EVIDENCE:
            evidence = evidence[: MAX_EVIDENCE - 1] + "…"
        out.append(f'{cited}: "{evidence}"' if evidence else cited)
    return out


def _provenance(payload: Mapping[str, object] | None) -> list[Mapping[str, object]]:
    found = (payload or {}).get("provenance")
    if not isinstance(found, list | tuple):
        return []
    return [p for p in found if isinstance(p, Mapping)]


# --- Markdown (a mail) ---------------------------------------------------------------------


def _md(text: str) -> str:
    """Text safe in a Markdown table cell or list item."""
    return text.replace("|", "\\|").replace("\n", " ")


def _exposure_md(x: ExposureChange, labels: Labels) -> list[str]:
    e = x.exposure
    lines = [
        f"- **{_md(labels.name(x.supplier))}** (`{x.supplier}`): {e.basis}, depth {e.depth}, "
        f"score {e.score:.2f}"
    ]
    if not x.causes:
        lines.append("  - none of its own facts or its path's changed: the rule's reach did")
    for c in x.causes:
        lines.append(f"  - {c.change} in version {c.version}: {_md(describe(c, labels))}")
        lines.extend(f"    - source: {_md(s)}" for s in citations(c, labels))
    return lines


def _policy_md(p: PolicyExposureChanges, labels: Labels) -> list[str]:
    lines = [
        "",
        f"## {_md(labels.name(p.policy))} (`{p.policy}`): exposure on {p.as_of.isoformat()}",
        "",
        f"### Newly exposed ({len(p.exposed)})",
        "",
    ]
    for x in p.exposed:
        lines.extend(_exposure_md(x, labels))
    if not p.exposed:
        lines.append("None.")
    lines += ["", f"### No longer exposed ({len(p.unexposed)})", ""]
    for x in p.unexposed:
        lines.extend(_exposure_md(x, labels))
    if not p.unexposed:
        lines.append("None.")
    return lines


def digest_markdown(d: ChangeDigest, labels: Labels) -> str:
    lines = [f"# Changes to the graph since version {d.since}", "", headline(d)]
    if d.versions:
        lines += [""] + [
            f"- version {v.number}, loaded {_readable(v.loaded_at)}: {v.entities} entities, "
            f"{v.relations} relations, {v.sources} sources"
            for v in d.versions
        ]
    for p in d.exposures:
        lines.extend(_policy_md(p, labels))
    if d.changes:
        lines += [
            "",
            "## All changes",
            "",
            "| version | change | kind | id | fact |",
            "|---:|---|---|---|---|",
        ]
        lines += [
            f"| {c.version} | {c.change} | {c.kind} | `{_md(c.id)}` | {_md(describe(c, labels))} |"
            for c in d.changes
        ]
    return "\n".join(lines) + "\n"


# --- terminal ------------------------------------------------------------------------------


def digest_tables(d: ChangeDigest, labels: Labels) -> list[Table]:
    changes = Table(title=headline(d))
    for col in ("version", "change", "kind", "id", "fact"):
        changes.add_column(col, justify="right" if col == "version" else "left")
    for c in d.changes:
        changes.add_row(str(c.version), c.change, c.kind, c.id, describe(c, labels))
    tables = [changes]
    for p in d.exposures:
        t = Table(title=f"{labels.name(p.policy)} ({p.policy}): exposure on {p.as_of}")
        for col in ("shift", "supplier", "kind", "depth", "caused by"):
            t.add_column(col)
        for x in p.all:
            t.add_row(
                "newly exposed" if x.shift == "exposed" else "no longer exposed",
                f"{labels.name(x.supplier)} ({x.supplier})",
                x.exposure.basis,
                str(x.exposure.depth),
                "\n".join(f"{c.change} v{c.version}: {c.id}" for c in x.causes) or "-",
            )
        if not p.all:
            t.add_row("-", "no change", "", "", "")
        tables.append(t)
    return tables


def mentioned(d: ChangeDigest) -> tuple[list[str], list[str]]:
    """(entity ids, source ids) a digest mentions, to look their names up in one batch."""
    entities: set[str] = set()
    sources: set[str] = set()
    facts: list[FactChange] = list(d.changes)
    for p in d.exposures:
        entities.add(p.policy)
        for x in p.all:
            entities.add(x.supplier)
            facts.extend(x.causes)
    for c in facts:
        for payload in (c.before, c.after):
            if payload is None:
                continue
            for key in ("source", "target"):
                if isinstance(payload.get(key), str):
                    entities.add(str(payload[key]))
            sources.update(str(p.get("source")) for p in _provenance(payload))
    return sorted(entities), sorted(sources)


def names_from(changes: Sequence[FactChange]) -> dict[str, str]:
    """Entity names the changes themselves carry (for entities since retracted)."""
    out: dict[str, str] = {}
    for c in changes:
        if c.kind != "entity":
            continue
        for payload in (c.before, c.after):
            if payload is not None and isinstance(payload.get("name"), str):
                out[c.id] = str(payload["name"])
    return out
