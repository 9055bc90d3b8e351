"""Lay out a comparison for the side-by-side page: rows in the new version's order.

Each new clause gets a row with the old clause(s) it came from. A split's old clause is
shown once, beside its first part; its other parts point back to it. A deleted clause, and
the place a moved clause left, are shown where they stood in the old version: after the row
of the nearest old clause before them that kept its place. Section headings are rows too,
wherever the new clauses' heading path changes. Pure data in, pure data out.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from policydiff.store import PATH_SEPARATOR

from .text import anchor, section_anchor


@dataclass
class Side:
    """A clause on one side of a change, with its part of the redline (escaped HTML)."""

    id: str
    label: str
    path: tuple[str, ...]
    html: str
    lineage_id: str | None = None

    @property
    def anchor(self) -> str:
        return anchor(self.id)

    @property
    def was_anchor(self) -> str:
        """The fragment id of the place a moved clause left."""
        return "was-" + self.anchor.removeprefix("c-")

    @property
    def section(self) -> str:
        return PATH_SEPARATOR.join(self.path)


@dataclass
class Link:
    """A change: old clause(s) → new clause(s), typed, with a similarity."""

    type: str
    similarity: float
    method: str
    old: list[Side]
    new: list[Side]
    id: int | None = None
    section_changed: bool | None = None
    lineage_id: str | None = None
    #: Decided by a person in the document's reviews.csv; ``review`` is that row.
    reviewed: bool = False
    review: dict | None = None


@dataclass
class Row:
    """One row of the page.

    :param kind: ``section`` (a heading), ``pair`` (a new clause and where it came from),
        ``deleted`` (an old clause that is gone) or ``moved-away`` (where a moved clause
        stood).
    :param old: the old clauses shown on this row (all of a change's, on its first row).
    :param part: for a change with several new clauses, which one this row shows (1-based).
    :param first: the row that shows the change's old side, for a split's later parts.
    :param ghost: for a moved clause's row, the ``moved-away`` row where it stood.
    :param after: for ``deleted`` and ``moved-away`` rows, the old clause they followed
        (None at the start of the version).
    """

    kind: str
    link: Link | None = None
    new: Side | None = None
    old: list[Side] = field(default_factory=list)
    part: int = 0
    first: Row | None = None
    ghost: Row | None = None
    after: Side | None = None
    level: int = 0
    title: str = ""
    anchor: str = ""
    changes: int = 0

    @property
    def type(self) -> str:
        return self.link.type if self.link else ""


def arrange(
    old_order: Sequence[str], new_order: Sequence[str], links: Sequence[Link]
) -> list[Row]:
    """Lay out every clause of both versions in rows, in the new version's order.

    :param old_order: the old version's clause ids, in order.
    :param new_order: the new version's clause ids, in order.
    :param links: every change between them; each clause is in exactly one.
    """
    by_new = {side.id: (link, side) for link in links for side in link.new}
    by_old = {side.id: (link, side) for link in links for side in link.old}
    pairs: list[Row] = []
    first_rows: dict[int, Row] = {}
    for clause_id in new_order:
        link, side = by_new[clause_id]
        first = first_rows.get(id(link))
        row = Row(
            "pair",
            link,
            new=side,
            old=list(link.old) if first is None else [],
            part=link.new.index(side) + 1,
            first=first,
        )
        if first is None:
            first_rows[id(link)] = row
        pairs.append(row)
    row_index = {id(row): n for n, row in enumerate(pairs)}
    attached: dict[int, list[Row]] = {}  # pair index (-1: before all) → rows after it
    last_kept, last_kept_side = -1, None
    for clause_id in old_order:
        link, side = by_old[clause_id]
        if link.type in ("deleted", "moved"):
            kind = "deleted" if link.type == "deleted" else "moved-away"
            row = Row(kind, link, old=[side], after=last_kept_side)
            attached.setdefault(last_kept, []).append(row)
            if link.type == "moved" and id(link) in first_rows:
                first_rows[id(link)].ghost = first_rows[id(link)].ghost or row
        else:
            last_kept = row_index[id(first_rows[id(link)])]
            last_kept_side = side
    rows = list(attached.get(-1, []))
    path: tuple[str, ...] = ()
    for n, row in enumerate(pairs):
        rows.extend(_sections(path, row.new.path))
        path = row.new.path
        rows.append(row)
        rows.extend(attached.get(n, []))
    _count_changes(rows)
    return rows


def _sections(before: tuple[str, ...], after: tuple[str, ...]) -> list[Row]:
    """Heading rows for the levels of ``after`` that differ from ``before``."""
    common = 0
    while common < min(len(before), len(after)) and before[common] == after[common]:
        common += 1
    return [
        Row(
            "section",
            level=level + 1,
            title=after[level],
            anchor=section_anchor(PATH_SEPARATOR.join(after[: level + 1])),
        )
        for level in range(common, len(after))
    ]


def _count_changes(rows: Sequence[Row]) -> None:
    """Count, in each section row, the changed clauses under it."""
    open_sections: list[Row] = []
    for row in rows:
        if row.kind == "section":
            open_sections = [s for s in open_sections if s.level < row.level]
            row.changes = 0
            open_sections.append(row)
        elif row.kind != "moved-away" and row.type != "unchanged":
            for section in open_sections:
                section.changes += 1


def visible(rows: Sequence[Row], types: Collection[str] | None) -> list[Row]:
    """The rows to show when only changes of ``types`` are wanted (all when None).

    A heading stays when something under it stays.
    """
    if not types:
        return list(rows)

    def shown(row: Row) -> bool:
        if row.kind == "moved-away":
            return "moved" in types
        return row.type in types

    kept: list[Row] = []
    pending: list[Row] = []
    for row in rows:
        if row.kind == "section":
            pending = [s for s in pending if s.level < row.level] + [row]
        elif shown(row):
            kept.extend(pending)
            pending = []
            kept.append(row)
    return kept


def outline(rows: Sequence[Row]) -> list[Row]:
    """The section rows, to jump through the page."""
    return [row for row in rows if row.kind == "section"]
