"""Change indices for a pair of versions, for the whole document and for each section.

Shares of clause links by type (unchanged, modified, moved, split, merged, added,
deleted), the mean similarity of the linked pairs, and from the measures: how many were
strengthened or weakened, loosened or tightened, and how many parameters changed.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict

from .lexicon import Lexicon
from .measures import CLASS_COUNTS, MeasureComparison, compare_measures
from .model import CHANGE_TYPES, Change, Comparison, DocumentHistory

WHOLE = "(whole document)"


def _section(change: Change, previous: str) -> str:
    """The new version's top-level heading of a change, without spaces; a deleted clause
    counts in the section of the clause before it."""
    if not change.new:
        return previous
    clause = change.new[0]
    return re.sub(r"[\s\u3000]+", "", clause.path[0]) if clause.path else "(no section)"


def change_indices(comparison: Comparison, measures: MeasureComparison) -> list[dict]:
    """One row for the whole document, then one per top-level section (as the new version
    has it; a deleted clause counts in its old section)."""
    groups: dict[str, list[Change]] = defaultdict(list)
    section_of: dict[str, str] = {}
    section = "(no section)"
    for change in comparison.changes:
        section = _section(change, section)
        groups[section].append(change)
        for clause in change.old + change.new:
            section_of[clause.id] = section
    rows = [_row(comparison, WHOLE, list(comparison.changes), measures.links)]
    for section, changes in groups.items():
        links = [
            link
            for link in measures.links
            if section_of.get((link.new or link.old).clause) == section
        ]
        rows.append(_row(comparison, section, changes, links))
    return rows


def _row(comparison: Comparison, section: str, changes: list[Change], links) -> dict:
    counts = {t: 0 for t in CHANGE_TYPES}
    for change in changes:
        counts[change.type] += 1
    total = len(changes)
    linked = [c.similarity for c in changes if c.old and c.new]
    classes = dict.fromkeys(CLASS_COUNTS, 0)
    for link in links:
        if link.classes.strength != "same":
            classes[link.classes.strength] += 1
        if link.classes.restriction:
            classes[link.classes.restriction] += 1
        classes["parameter_changes"] += len(link.classes.parameters)
        classes["actors_changed"] += bool(
            link.classes.actors_added or link.classes.actors_removed
        )
        classes["scope_changed"] += bool(
            link.classes.scope_added or link.classes.scope_removed
        )
    row = {
        "document": comparison.document,
        "from_version": comparison.from_version,
        "to_version": comparison.to_version,
        "section": section,
        "links": total,
        **counts,
    }
    for kind in CHANGE_TYPES:
        row[f"share_{kind}"] = round(counts[kind] / total, 4) if total else 0.0
    row["mean_similarity"] = round(sum(linked) / len(linked), 4) if linked else None
    row["measures"] = len(links)
    row["measures_changed"] = sum(
        1 for link in links if link.type != "unchanged" or link.classes.changed
    )
    row.update(classes)
    return row


def document_stats(
    history: DocumentHistory,
    lexicon: Lexicon | None = None,
    reviews=None,
    measures: tuple[MeasureComparison, ...] | None = None,
) -> list[dict]:
    """The change indices of every consecutive pair of versions of a document."""
    if measures is None:
        measures = tuple(
            compare_measures(c, lexicon, reviews) for c in history.comparisons
        )
    rows = []
    for comparison, measured in zip(history.comparisons, measures):
        rows += change_indices(comparison, measured)
    return rows


def render_stats_text(rows: list[dict]) -> str:
    """The indices as a readable table, one block per version pair."""
    lines = []
    for row in rows:
        if row["section"] == WHOLE:
            if lines:
                lines.append("")
            lines.append(
                f"{row['document']} {row['from_version']} → {row['to_version']}"
            )
        shares = ", ".join(
            f"{kind} {row[f'share_{kind}']:.0%}" for kind in CHANGE_TYPES if row[kind]
        )
        similarity = (
            f"{row['mean_similarity']:.2f}"
            if row["mean_similarity"] is not None
            else "-"
        )
        measures = (
            f"measures {row['measures']}: {row['strengthened']} strengthened,"
            f" {row['weakened']} weakened, {row['loosened']} loosened,"
            f" {row['tightened']} tightened, {row['parameter_changes']} parameter changes"
        )
        indent = "  " if row["section"] == WHOLE else "    "
        lines.append(
            f"{indent}{row['section']}: {row['links']} links ({shares}); mean similarity"
            f" {similarity}; {measures}"
        )
    return "\n".join(lines) + "\n"


def render_stats_json(rows: list[dict]) -> str:
    return json.dumps({"stats": rows}, ensure_ascii=False, indent=2)
