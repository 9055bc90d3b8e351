"""Read what the pages show from a policydiff database, through Datasette's ``Database``.

Each function runs a few queries and returns plain dicts and the dataclasses of
``layout`` and ``charts``; nothing here renders HTML (the redline fragments come ready,
escaped, from the database).
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Sequence

from policydiff.model import CHANGE_TYPES, Change
from policydiff.stats import WHOLE
from policydiff.store import PATH_SEPARATOR, clause_redlines, section_key

from .charts import Band, Cell, Node
from .layout import Link, Side

#: Shown for clauses above every heading (a title, a preamble).
FRONT = "(front matter 卷首)"


def split_path(path: str | None) -> tuple[str, ...]:
    return tuple(path.split(PATH_SEPARATOR)) if path else ()


async def rows(db, sql: str, params: Sequence | dict = ()) -> list[dict]:
    return [dict(row) for row in await db.execute(sql, params)]


async def first(db, sql: str, params: Sequence | dict = ()) -> dict | None:
    found = await rows(db, sql, params)
    return found[0] if found else None


# ---------------------------------------------------------------------------- documents


async def documents(db) -> list[dict]:
    """Every document with its versions and the comparisons of consecutive versions."""
    found = await rows(db, "select * from documents order by id")
    versions = await rows(db, "select * from versions order by document_id, ordinal")
    comparisons = await rows(
        db,
        "select comparisons.*, f.label as from_label, t.label as to_label"
        " from comparisons join versions f on f.id = comparisons.from_version"
        " join versions t on t.id = comparisons.to_version"
        " order by comparisons.document_id, comparisons.ordinal",
    )
    for document in found:
        document["versions"] = [
            v for v in versions if v["document_id"] == document["id"]
        ]
        document["present"] = [
            v for v in document["versions"] if v["status"] == "present"
        ]
        document["comparisons"] = [
            c for c in comparisons if c["document_id"] == document["id"]
        ]
    return found


async def document(db, document_id: str) -> dict | None:
    """One document with its versions, or None."""
    found = await first(db, "select * from documents where id = ?", [document_id])
    if found is None:
        return None
    found["versions"] = await rows(
        db,
        "select * from versions where document_id = ? order by ordinal",
        [document_id],
    )
    found["present"] = [v for v in found["versions"] if v["status"] == "present"]
    return found


async def busiest_lineages(db, document_id: str, limit: int = 5) -> list[dict]:
    """The clause histories with the most changes, for the home page."""
    return await rows(
        db,
        "select * from lineages where document_id = ? and change_count > 0"
        " order by change_count desc, id limit ?",
        [document_id, limit],
    )


# ---------------------------------------------------------------------------- compare


async def stored_links(db, from_version: str, to_version: str) -> list[Link] | None:
    """The changes ``build`` stored between two versions, or None for another pair."""
    comparison = await first(
        db,
        "select id from comparisons where from_version = ? and to_version = ?",
        [from_version, to_version],
    )
    if comparison is None:
        return None
    reviewed = "reviewed" in await db.table_columns("changes")
    changes = await rows(
        db,
        "select id, type, similarity, method, section_changed, lineage_id"
        + (", reviewed, review_id" if reviewed else "")
        + " from changes where comparison_id = ? order by ordinal",
        [comparison["id"]],
    )
    reviews = await reviews_by_id(db, (c.get("review_id") for c in changes))
    sides = await rows(
        db,
        "select change_clauses.change_id, change_clauses.side, change_clauses.diff_html,"
        " clauses.id, clauses.label, clauses.path, clauses.lineage_id"
        " from changes join change_clauses on change_clauses.change_id = changes.id"
        " join clauses on clauses.id = change_clauses.clause_id"
        " where changes.comparison_id = ?"
        " order by change_clauses.change_id, change_clauses.side, change_clauses.ordinal",
        [comparison["id"]],
    )
    by_change: dict[int, dict[str, list[Side]]] = defaultdict(
        lambda: {"old": [], "new": []}
    )
    for row in sides:
        by_change[row["change_id"]][row["side"]].append(
            Side(
                row["id"],
                row["label"],
                split_path(row["path"]),
                row["diff_html"] or "",
                row["lineage_id"],
            )
        )
    return [
        Link(
            change["type"],
            change["similarity"],
            change["method"],
            by_change[change["id"]]["old"],
            by_change[change["id"]]["new"],
            id=change["id"],
            section_changed=(
                None
                if change["section_changed"] is None
                else bool(change["section_changed"])
            ),
            lineage_id=change["lineage_id"],
            reviewed=bool(change.get("reviewed")),
            review=reviews.get(change.get("review_id")),
        )
        for change in changes
    ]


async def clause_order(db, version_id: str) -> list[dict]:
    return await rows(
        db,
        "select id, label, path, lineage_id, text from clauses where version_id = ?"
        " order by ordinal",
        [version_id],
    )


class StaleDatabase(Exception):
    """The database's clauses are not what this policydiff segments from its texts."""


# (path, mtime, from, to) → links; a handful of pages, recomputed only when rebuilt.
_computed: OrderedDict = OrderedDict()
_CACHE_SIZE = 16


async def computed_links(
    db, document_id: str, old: dict, new: dict, old_clauses, new_clauses
) -> list[Link]:
    """Compare two versions the database holds no comparison for, from their texts.

    The texts are segmented, aligned and diffed as ``build`` does, in a worker thread;
    the result is kept for the next request until the database file changes.
    """
    texts = {
        row["version_id"]: row["text"]
        for row in await rows(
            db,
            "select version_id, text from version_texts where version_id in (?, ?)",
            [old["id"], new["id"]],
        )
    }
    if old["id"] not in texts or new["id"] not in texts:
        raise StaleDatabase("the database holds no text for these versions")
    try:
        mtime = os.stat(db.path).st_mtime_ns if db.path else None
    except OSError:
        mtime = None
    key = (db.path, mtime, old["id"], new["id"])
    if key in _computed:
        _computed.move_to_end(key)
        return _computed[key]
    lineage_of = {c["id"]: c["lineage_id"] for c in [*old_clauses, *new_clauses]}
    links = await asyncio.get_running_loop().run_in_executor(
        None,
        _compare_texts,
        document_id,
        (texts[old["id"]], old["label"]),
        (texts[new["id"]], new["label"]),
        lineage_of,
    )
    _computed[key] = links
    while len(_computed) > _CACHE_SIZE:
        _computed.popitem(last=False)
    return links


def _compare_texts(document_id, old, new, lineage_of) -> list[Link]:
    # Imported here: alignment pulls in jieba and OpenCC, which only this page needs.
    from policydiff.compare import compare_texts

    comparison = compare_texts(old[0], new[0], old[1], new[1])
    links = [_link(document_id, change, lineage_of) for change in comparison.changes]
    ids = {side.id for link in links for side in link.old + link.new}
    if ids != set(lineage_of):
        raise StaleDatabase(
            "the clauses segmented from the texts differ from the database's"
        )
    return links


def _link(document_id: str, change: Change, lineage_of: dict) -> Link:
    redlines = clause_redlines(change)

    def sides(side: str, clauses) -> list[Side]:
        return [
            Side(
                f"{document_id}/{c.id}",
                c.label,
                c.path,
                redlines[(side, c.id)],
                lineage_of.get(f"{document_id}/{c.id}"),
            )
            for c in clauses
        ]

    old, new = sides("old", change.old), sides("new", change.new)
    changed = None
    if change.old and change.new:
        changed = section_key(change.old[0].path) != section_key(change.new[0].path)
    return Link(
        change.type,
        change.similarity,
        change.method,
        old,
        new,
        section_changed=changed,
        lineage_id=(old or new)[0].lineage_id,
    )


# ---------------------------------------------------------------------------- history


async def lineage(db, lineage_id: str) -> dict | None:
    return await first(db, "select * from lineages where id = ?", [lineage_id])


async def lineage_of_clause(db, clause_id: str) -> str | None:
    found = await first(db, "select lineage_id from clauses where id = ?", [clause_id])
    return found["lineage_id"] if found else None


async def lineage_clauses(db, lineage_id: str) -> list[dict]:
    return await rows(
        db,
        "select clauses.id, clauses.label, clauses.path, clauses.text,"
        " clauses.version_id from lineage_clauses"
        " join clauses on clauses.id = lineage_clauses.clause_id"
        " join versions on versions.id = clauses.version_id"
        " where lineage_clauses.lineage_id = ?"
        " order by versions.ordinal, clauses.ordinal",
        [lineage_id],
    )


async def lineage_changes(db, lineage_id: str) -> list[dict]:
    """The changes of one lineage, each with its old and new clause ids."""
    reviewed = "reviewed" in await db.table_columns("changes")
    changes = await rows(
        db,
        "select changes.id, changes.type, changes.similarity, changes.method,"
        " changes.from_version, changes.to_version, changes.from_labels,"
        " changes.to_labels, changes.diff_html, changes.section_changed,"
        " changes.from_path, changes.to_path"
        + (", changes.reviewed, changes.review_id" if reviewed else "")
        + " from changes join versions on versions.id = changes.to_version"
        " where changes.lineage_id = ? order by versions.ordinal, changes.ordinal",
        [lineage_id],
    )
    reviews = await reviews_by_id(db, (c.get("review_id") for c in changes))
    for change in changes:
        change["review"] = reviews.get(change.get("review_id"))
    sides = await rows(
        db,
        "select change_clauses.change_id, change_clauses.side, change_clauses.clause_id"
        " from change_clauses join changes on changes.id = change_clauses.change_id"
        " where changes.lineage_id = ? order by change_clauses.ordinal",
        [lineage_id],
    )
    for change in changes:
        for side in ("old", "new"):
            change[side] = [
                s["clause_id"]
                for s in sides
                if s["change_id"] == change["id"] and s["side"] == side
            ]
    return changes


# ---------------------------------------------------------------------------- charts


def group_of(path: tuple[str, ...], level: int) -> str:
    """The section a clause counts in at ``level``: its heading path that deep."""
    return PATH_SEPARATOR.join(path[:level])


def _group_title(group: str) -> str:
    return group.split(PATH_SEPARATOR)[-1] if group else FRONT


def _group_colour(group: str) -> str:
    return section_key(split_path(group)) if group else ""


async def flow(
    db, document: dict, level: int
) -> tuple[list[str], list[list[Node]], list[list[Band]]]:
    """The data of the alluvial chart: versions, their sections, and the bands."""
    present = document["present"]
    clauses = await rows(
        db,
        "select id, version_id, path from clauses where document_id = ?"
        " order by ordinal",
        [document["id"]],
    )
    groups = {c["id"]: group_of(split_path(c["path"]), level) for c in clauses}
    nodes = []
    for version in present:
        counts = Counter(
            groups[c["id"]] for c in clauses if c["version_id"] == version["id"]
        )
        nodes.append(
            [
                Node(group, _group_title(group), count, _group_colour(group))
                for group, count in counts.items()
            ]
        )
    sides = await rows(
        db,
        "select changes.from_version, changes.to_version, change_clauses.change_id,"
        " change_clauses.side, change_clauses.clause_id from changes"
        " join change_clauses on change_clauses.change_id = changes.id"
        " where changes.document_id = ? order by change_clauses.ordinal",
        [document["id"]],
    )
    by_change: dict[int, dict] = defaultdict(lambda: {"old": [], "new": []})
    for side in sides:
        by_change[side["change_id"]]["pair"] = (
            side["from_version"],
            side["to_version"],
        )
        by_change[side["change_id"]][side["side"]].append(groups[side["clause_id"]])
    bands = []
    for old, new in itertools.pairwise(present):
        widths: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for change in by_change.values():
            if change["pair"] != (old["id"], new["id"]):
                continue
            sources = change["old"] or [None]
            targets = change["new"] or [None]
            for source in sources:
                for target in targets:
                    width = widths[(source, target)]
                    width[0] += (1 if change["old"] else 0) / len(targets)
                    width[1] += (1 if change["new"] else 0) / len(sources)
        bands.append(
            [
                (
                    Band(source, target, out if source is not None else into, into)
                    if target is not None
                    else Band(source, None, out, out)
                )
                for (source, target), (out, into) in widths.items()
            ]
        )
    return [v["label"] for v in present], nodes, bands


async def heat(
    db, document: dict, level: int
) -> tuple[list[dict], list[tuple[str, str]], dict[tuple[str, int], Cell]]:
    """The data of the heatmap: the comparisons, the section rows and their cells."""
    comparisons = await rows(
        db,
        "select comparisons.*, f.label as from_label, t.label as to_label"
        " from comparisons join versions f on f.id = comparisons.from_version"
        " join versions t on t.id = comparisons.to_version"
        " where comparisons.document_id = ? order by comparisons.ordinal",
        [document["id"]],
    )
    index = {c["id"]: n for n, c in enumerate(comparisons)}
    changes = await rows(
        db,
        "select changes.comparison_id, changes.type, changes.similarity,"
        " changes.from_path, changes.to_path"
        " from changes join comparisons on comparisons.id = changes.comparison_id"
        " where changes.document_id = ? order by comparisons.ordinal, changes.ordinal",
        [document["id"]],
    )
    titles: dict[str, str] = {}
    newest: dict[str, tuple[int, int]] = {}  # section → (latest pair, place in it)
    types: dict[tuple[str, int], Counter] = defaultdict(Counter)
    distance: dict[tuple[str, int], float] = defaultdict(float)
    groups: dict[tuple[str, int], str] = {}
    for position, change in enumerate(changes):
        n = index[change["comparison_id"]]
        new = change["to_path"] is not None
        group = group_of(
            split_path(change["to_path"] if new else change["from_path"]), level
        )
        key = _group_colour(group) or group
        if key not in newest or n > newest[key][0]:
            newest[key] = (n, position)
            titles[key] = _group_title(group)
        types[(key, n)][change["type"]] += 1
        distance[(key, n)] += 1 - (change["similarity"] or 0)
        if new:
            groups.setdefault((key, n), group)
    keys = sorted(newest, key=lambda k: (-newest[k][0], newest[k][1]))
    cells = {}
    for (key, n), counter in types.items():
        total = sum(counter.values())
        cells[(key, n)] = Cell(
            changed=total - counter.get("unchanged", 0),
            total=total,
            score=distance[(key, n)] / total,
            types={t: counter[t] for t in CHANGE_TYPES if counter.get(t)},
            group=groups.get((key, n)),
        )
    return comparisons, [(key, titles[key]) for key in keys], cells


# ---------------------------------------------------------------------------- measures

#: Tables that ``policydiff build`` writes for measures (since issue 6).
MEASURE_TABLES = frozenset(
    {"measures", "measure_links", "measure_classes", "parameter_changes", "stats"}
)
#: A measure page follows links through at most this many measures.
TIMELINE_LIMIT = 60


async def has_measures(db) -> bool:
    """Tell whether the database holds measures (older builds do not)."""
    return MEASURE_TABLES <= set(await db.table_names())


async def has_reviews(db) -> bool:
    """Tell whether the changes table records reviews (older builds do not)."""
    return "reviews" in await db.table_names()


async def reviews_by_id(db, review_ids) -> dict[str, dict]:
    """The reviews with these ids (who decided, and why)."""
    ids = sorted({i for i in review_ids if i})
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    found = await rows(db, f"select * from reviews where id in ({marks})", ids)
    return {review["id"]: review for review in found}


async def pair_stats(db, document_id: str) -> dict[str, dict]:
    """The whole-document change indices of each pair of versions, by comparison id."""
    found = await rows(
        db,
        "select * from stats where document_id = ? and section = ?",
        [document_id, WHOLE],
    )
    return {row["comparison_id"]: row for row in found}


_BADGE_SQL = """
select measure_links.ordinal as link_ordinal, measure_links.old_clause,
  measure_links.new_clause, measure_links.old_measure, measure_links.new_measure,
  {columns}
from {table} join measure_links on measure_links.id = {table}.link_id
where {where}
order by measure_links.comparison_id, measure_links.ordinal, {table}.rowid
"""


async def class_rows(db, where: str, params: Sequence) -> list[dict]:
    """The classes (but parameters) and the parameter changes of the measure links
    ``where`` selects, in reading order; each row says which it is in ``class``."""
    classes = await rows(
        db,
        _BADGE_SQL.format(
            table="measure_classes",
            columns="measure_classes.link_id, measure_classes.class,"
            " measure_classes.value, measure_classes.rules,"
            " measure_classes.evidence, measure_classes.reviewed",
            where=f"({where}) and measure_classes.class != 'parameters'",
        ),
        params,
    )
    parameters = await rows(
        db,
        _BADGE_SQL.format(
            table="parameter_changes",
            columns="parameter_changes.link_id, 'parameters' as class,"
            " parameter_changes.kind as value, parameter_changes.old,"
            " parameter_changes.new, parameter_changes.unit, parameter_changes.old_text,"
            " parameter_changes.new_text, parameter_changes.reviewed",
            where=where,
        ),
        params,
    )
    return sorted([*classes, *parameters], key=lambda r: r["link_ordinal"])


async def comparison_classes(db, comparison_id: str) -> list[dict]:
    """The classes of every measure link of a pair of versions."""
    return await class_rows(db, "measure_links.comparison_id = ?", [comparison_id])


async def clause_classes(db, clause_ids: Sequence[str]) -> list[dict]:
    """The classes of the measure links that lead into these clauses."""
    if not clause_ids:
        return []
    marks = ", ".join("?" for _ in clause_ids)
    return await class_rows(
        db, f"measure_links.new_clause in ({marks})", list(clause_ids)
    )


async def clause_measures(db, clause_ids: Sequence[str]) -> dict[str, list[dict]]:
    """The measures of each of these clauses, in order."""
    if not clause_ids:
        return {}
    marks = ", ".join("?" for _ in clause_ids)
    found = await rows(
        db,
        "select id, clause_id, ordinal, text from measures"
        f" where clause_id in ({marks}) order by clause_id, ordinal",
        list(clause_ids),
    )
    by_clause: dict[str, list[dict]] = defaultdict(list)
    for measure in found:
        by_clause[measure["clause_id"]].append(measure)
    return by_clause


async def measure(db, measure_id: str) -> dict | None:
    return await first(
        db,
        "select measures.*, versions.label as version, clauses.lineage_id"
        " from measures join versions on versions.id = measures.version_id"
        " join clauses on clauses.id = measures.clause_id where measures.id = ?",
        [measure_id],
    )


async def measure_timeline(db, measure_id: str) -> tuple[list[dict], list[dict], bool]:
    """A measure and every measure it is linked to, version after version, and the links
    between them (added and deleted ones too). True when the timeline was cut short."""
    seen = {measure_id}
    frontier = [measure_id]
    links: dict[str, dict] = {}
    while frontier and len(seen) < TIMELINE_LIMIT:
        marks = ", ".join("?" for _ in frontier)
        found = await rows(
            db,
            "select * from measure_links"
            f" where old_measure in ({marks}) or new_measure in ({marks})",
            frontier + frontier,
        )
        frontier = []
        for link in found:
            links[link["id"]] = link
            for side in ("old_measure", "new_measure"):
                other = link[side]
                if other and other not in seen:
                    seen.add(other)
                    frontier.append(other)
    marks = ", ".join("?" for _ in seen)
    measures = await rows(
        db,
        "select measures.*, versions.label as version, versions.ordinal as version_order,"
        " clauses.lineage_id from measures"
        " join versions on versions.id = measures.version_id"
        " join clauses on clauses.id = measures.clause_id"
        f" where measures.id in ({marks})"
        " order by versions.ordinal, clauses.ordinal, measures.ordinal",
        sorted(seen),
    )
    ordered = sorted(
        links.values(), key=lambda link: (link["to_version"], link["ordinal"])
    )
    return measures, ordered, bool(frontier)
