"""Display colours by class family (``ts:family``), shared by every view of the graph.

The Bloom perspective, the Neo4j Browser style and the web explorer colour a node by its
class's family, so an analyst who moves between them sees one map. The colours are Bloom's
own automatic cycle, handed out in family-name order as Bloom itself assigns them; a family
added to the ontology gets the next colour without an edit here.
"""

from __future__ import annotations

from ontology.schema import Schema

PALETTE = (
    "#FFE081", "#C990C0", "#F79767", "#57C7E3", "#F16667", "#D9C8AE", "#8DCC93",
    "#ECB5C9", "#4C8EDA", "#FFC454", "#DA7194", "#569480", "#959AA1", "#D9D9D9",
)  # fmt: skip
"""Bloom's automatic colour cycle, as in every 2.21.0 export."""


def families(schema: Schema) -> list[str]:
    """The class families of ``schema``, in the order colours are handed out."""
    return sorted({c.family for c in schema.classes.values()})


def family_colors(schema: Schema) -> dict[str, str]:
    """One palette colour per ``ts:family``, handed out in family-name order."""
    return {f: PALETTE[i % len(PALETTE)] for i, f in enumerate(families(schema))}
