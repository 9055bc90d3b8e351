"""Chain the links of consecutive versions into one history per clause.

A lineage is a connected group of clauses across versions: a clause, the clause(s) it became
in the next version, and so on, through splits and merges. It starts where its first clause
appears and ends where its last clause is deleted (or runs to the latest version).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from .model import ClauseTree, Comparison, DocumentHistory, Lineage, LineageStep
from .normalize import matching_key


def lineages(
    trees: Sequence[ClauseTree], comparisons: Sequence[Comparison]
) -> tuple[Lineage, ...]:
    """Group every clause of every version into lineages.

    :param trees: the segmented versions, in order.
    :param comparisons: each consecutive pair of versions compared (``trees[k]`` →
        ``trees[k + 1]``); every clause of both versions is in exactly one change.
    """
    position = {
        clause.id: (k, clause.ordinal)
        for k, tree in enumerate(trees)
        for clause in tree.clauses
    }
    key = _sort_key(position, len(trees))
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb, key=key)] = min(ra, rb, key=key)

    for tree in trees:
        for clause in tree.clauses:
            find(clause.id)
    for comparison in comparisons:
        for change in comparison.changes:
            ids = [c.id for c in change.old] + [c.id for c in change.new]
            for clause_id in ids:
                find(clause_id)
            for other in ids[1:]:
                union(ids[0], other)

    members: dict[str, list[str]] = defaultdict(list)
    for clause_id in parent:
        members[find(clause_id)].append(clause_id)
    steps = _steps_by_root(comparisons, find)
    result = [
        _lineage(root, sorted(ids, key=key), steps.get(root, []))
        for root, ids in members.items()
    ]
    return tuple(sorted(result, key=lambda lin: key(lin.id)))


def _sort_key(position: dict[str, tuple[int, int]], versions: int):
    """Order clause ids by version, then by their place in the version."""

    def key(clause_id: str) -> tuple[int, int, str]:
        return (*position.get(clause_id, (versions, 0)), clause_id)

    return key


def _steps_by_root(
    comparisons: Sequence[Comparison], find
) -> dict[str, list[LineageStep]]:
    steps: dict[str, list[LineageStep]] = defaultdict(list)
    for comparison in comparisons:
        for change in comparison.changes:
            first = (change.old or change.new)[0].id
            steps[find(first)].append(
                LineageStep(
                    from_version=comparison.from_version,
                    to_version=comparison.to_version,
                    type=change.type,
                    old=tuple(c.id for c in change.old),
                    new=tuple(c.id for c in change.new),
                    similarity=change.similarity,
                )
            )
    return steps


def _lineage(root: str, clause_ids: list[str], steps: list[LineageStep]) -> Lineage:
    by_version: dict[str, list[str]] = defaultdict(list)
    for clause_id in clause_ids:
        by_version[clause_id.partition(":")[0]].append(clause_id)
    clauses = tuple((label, tuple(ids)) for label, ids in by_version.items())
    return Lineage(id=root, clauses=clauses, steps=tuple(steps))


def find_lineages(history: DocumentHistory, query: str) -> list[Lineage]:
    """The lineages with a clause whose label or text contains ``query``.

    Matching is on normalised text, so 风险评估 finds 風險評估 and full- or half-width
    punctuation does not matter. Lineages keep the order of ``history.lineages``.
    """
    key = matching_key(query)
    hits = {
        clause.id
        for tree in history.trees
        for clause in tree.clauses
        if key in matching_key(clause.label) or key in matching_key(clause.text)
    }
    return [
        lineage
        for lineage in history.lineages
        if any(cid in hits for _, ids in lineage.clauses for cid in ids)
    ]
