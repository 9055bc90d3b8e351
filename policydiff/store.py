"""Write document histories to SQLite, atomically, and search their clauses.

The database is rebuilt from scratch on every build: it is written to a temporary file
beside the target and renamed into place, so readers only ever see a complete database.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import sqlite_utils

from policydiff.diff import DELETE, EQUAL, INSERT, diff_texts, ops_to_html
from policydiff.errors import InputError, PolicydiffError
from policydiff.measures import CLASS_COUNTS
from policydiff.model import (
    CHANGE_TYPES,
    Change,
    Clause,
    Comparison,
    DiffOp,
    DocumentHistory,
    Lineage,
)
from policydiff.normalize import (
    layout_free,
    script_variants,
    section_title,
    to_simplified,
)
from policydiff.reviews import Review, Reviews, load_reviews

#: Separator between heading titles in ``clauses.path`` and ``headings.path``.
PATH_SEPARATOR = " › "
#: Separator between clause labels in ``changes.from_labels`` / ``to_labels``.
LABEL_SEPARATOR = "、"
#: FTS5's trigram tokenizer cannot match a term shorter than this.
TRIGRAM = 3

#: Where a version's text came from and how it was imported (see corpus manifests).
PROVENANCE_FIELDS = (
    "url",
    "final_url",
    "retrieved_at",
    "content_type",
    "encoding",
    "original_file",
    "original_sha256",
    "start",
    "end",
)

#: The columns every measure table shares: where its row belongs.
_PAIR_COLUMNS = {
    "document_id": str,
    "comparison_id": str,
    "from_version": str,
    "to_version": str,
}
_PAIR_KEYS = [
    ("document_id", "documents", "id"),
    ("comparison_id", "comparisons", "id"),
    ("from_version", "versions", "id"),
    ("to_version", "versions", "id"),
]

#: The measures (see policydiff.measures and policydiff.rows), after the clause tables.
MEASURE_SCHEMA: dict[str, dict] = {
    "measures": {
        "columns": {
            "id": str,
            "document_id": str,
            "version_id": str,
            "clause_id": str,
            "clause_label": str,
            "ordinal": int,
            "sentence": int,
            "text": str,
            "start": int,
            "end": int,
            "verbs": str,
            "actors": str,
            "scope": str,
        },
        "pk": "id",
        "foreign_keys": [
            ("document_id", "documents", "id"),
            ("version_id", "versions", "id"),
            ("clause_id", "clauses", "id"),
        ],
    },
    "measure_links": {
        "columns": {
            "id": str,
            **_PAIR_COLUMNS,
            "ordinal": int,
            "type": str,
            "old_measure": str,
            "new_measure": str,
            "old_clause": str,
            "new_clause": str,
            "old_text": str,
            "new_text": str,
            "diff_html": str,
            "similarity": float,
            "method": str,
            "strength": str,
            "restriction": str,
            "parameter_changes": int,
            "actors_added": str,
            "actors_removed": str,
            "scope_added": str,
            "scope_removed": str,
            "summary": str,
            "reviewed": int,
            "review_id": str,
        },
        "pk": "id",
        "foreign_keys": [
            *_PAIR_KEYS,
            ("old_measure", "measures", "id"),
            ("new_measure", "measures", "id"),
            ("old_clause", "clauses", "id"),
            ("new_clause", "clauses", "id"),
            ("review_id", "reviews", "id"),
        ],
    },
    "measure_classes": {
        "columns": {
            "id": str,
            "link_id": str,
            **_PAIR_COLUMNS,
            "class": str,
            "value": str,
            "rules": str,
            "evidence": str,
            "reviewed": int,
        },
        "pk": "id",
        "foreign_keys": [("link_id", "measure_links", "id"), *_PAIR_KEYS],
    },
    "parameter_changes": {
        "columns": {
            "id": str,
            "link_id": str,
            **_PAIR_COLUMNS,
            "old_measure": str,
            "new_measure": str,
            "kind": str,
            "old": str,
            "new": str,
            "unit": str,
            "old_text": str,
            "new_text": str,
            "old_qualifier": str,
            "new_qualifier": str,
            "old_unit": str,
            "new_unit": str,
            "reviewed": int,
        },
        "pk": "id",
        "foreign_keys": [
            ("link_id", "measure_links", "id"),
            *_PAIR_KEYS,
            ("old_measure", "measures", "id"),
            ("new_measure", "measures", "id"),
        ],
    },
    "stats": {
        "columns": {
            "comparison_id": str,
            "section": str,
            "ordinal": int,
            "document_id": str,
            "from_version": str,
            "to_version": str,
            "links": int,
            **{name: int for name in CHANGE_TYPES},
            **{f"share_{name}": float for name in CHANGE_TYPES},
            "mean_similarity": float,
            "measures": int,
            "measures_changed": int,
            **{name: int for name in CLASS_COUNTS},
        },
        "pk": ("comparison_id", "section"),
        "foreign_keys": [
            ("comparison_id", "comparisons", "id"),
            ("document_id", "documents", "id"),
            ("from_version", "versions", "id"),
            ("to_version", "versions", "id"),
        ],
    },
}
#: Measure tables sorted by the columns readers look them up by, beyond foreign keys.
MEASURE_INDEXES = (
    ("measure_links", ("comparison_id", "ordinal")),
    ("measure_links", ("strength",)),
    ("measure_links", ("reviewed",)),
    ("measure_classes", ("class", "value")),
    ("parameter_changes", ("kind",)),
    ("changes", ("reviewed",)),
)

SCHEMA: dict[str, dict] = {
    "documents": {
        "columns": {
            "id": str,
            "title": str,
            "issuer": str,
            "description": str,
            "language": str,
            "source": str,
            "version_count": int,
            "present_count": int,
        },
        "pk": "id",
    },
    "versions": {
        "columns": {
            "id": str,
            "document_id": str,
            "label": str,
            "ordinal": int,
            "status": str,
            "date": str,
            "title": str,
            "issuer": str,
            "doc_number": str,
            "source": str,
            "sha256": str,
            "file": str,
            "note": str,
            "clause_count": int,
            **{key: str for key in PROVENANCE_FIELDS},
            "http_status": int,
        },
        "pk": "id",
        "foreign_keys": [("document_id", "documents", "id")],
    },
    "version_texts": {
        "columns": {"version_id": str, "text": str},
        "pk": "version_id",
        "foreign_keys": [("version_id", "versions", "id")],
    },
    "headings": {
        "columns": {
            "id": str,
            "version_id": str,
            "label": str,
            "title": str,
            "level": int,
            "path": str,
            "ordinal": int,
        },
        "pk": "id",
        "foreign_keys": [("version_id", "versions", "id")],
    },
    "lineages": {
        "columns": {
            "id": str,
            "document_id": str,
            "first_version": str,
            "last_version": str,
            "first_label": str,
            "last_label": str,
            "status": str,
            "change_count": int,
        },
        "pk": "id",
        "foreign_keys": [
            ("document_id", "documents", "id"),
            ("first_version", "versions", "id"),
            ("last_version", "versions", "id"),
        ],
    },
    "clauses": {
        "columns": {
            "id": str,
            "document_id": str,
            "version_id": str,
            "label": str,
            "kind": str,
            "section": str,
            "path": str,
            "ordinal": int,
            "number": int,
            "text": str,
            "sentence_count": int,
            "lineage_id": str,
        },
        "pk": "id",
        "foreign_keys": [
            ("document_id", "documents", "id"),
            ("version_id", "versions", "id"),
            ("lineage_id", "lineages", "id"),
        ],
    },
    "comparisons": {
        "columns": {
            "id": str,
            "document_id": str,
            "from_version": str,
            "to_version": str,
            "ordinal": int,
            **{name: int for name in CHANGE_TYPES},
            "changed": int,
            "total": int,
        },
        "pk": "id",
        "foreign_keys": [
            ("document_id", "documents", "id"),
            ("from_version", "versions", "id"),
            ("to_version", "versions", "id"),
        ],
    },
    "reviews": {
        "columns": {
            "id": str,
            "document_id": str,
            "line": int,
            "kind": str,
            "from_version": str,
            "to_version": str,
            "comparison_id": str,
            "old": str,
            "new": str,
            "decision": str,
            "value": str,
            "who": str,
            "why": str,
        },
        "pk": "id",
        "foreign_keys": [
            ("document_id", "documents", "id"),
            ("from_version", "versions", "id"),
            ("to_version", "versions", "id"),
            ("comparison_id", "comparisons", "id"),
        ],
    },
    "changes": {
        "columns": {
            "id": int,
            "document_id": str,
            "from_version": str,
            "to_version": str,
            "type": str,
            "similarity": float,
            "method": str,
            "from_labels": str,
            "to_labels": str,
            "diff_html": str,
            "diff_json": str,
            "old_text": str,
            "new_text": str,
            "comparison_id": str,
            "ordinal": int,
            "lineage_id": str,
            "section": str,
            "from_section": str,
            "to_section": str,
            "from_path": str,
            "to_path": str,
            "section_changed": int,
            "inserted_chars": int,
            "deleted_chars": int,
            "reviewed": int,
            "review_id": str,
        },
        "pk": "id",
        "foreign_keys": [
            ("document_id", "documents", "id"),
            ("from_version", "versions", "id"),
            ("to_version", "versions", "id"),
            ("comparison_id", "comparisons", "id"),
            ("lineage_id", "lineages", "id"),
            ("review_id", "reviews", "id"),
        ],
    },
    "change_clauses": {
        "columns": {
            "change_id": int,
            "clause_id": str,
            "side": str,
            "ordinal": int,
            "diff_html": str,
        },
        "pk": ("change_id", "clause_id", "side"),
        "foreign_keys": [
            ("change_id", "changes", "id"),
            ("clause_id", "clauses", "id"),
        ],
    },
    "lineage_clauses": {
        "columns": {"lineage_id": str, "clause_id": str, "version_id": str},
        "pk": ("lineage_id", "clause_id"),
        "foreign_keys": [
            ("lineage_id", "lineages", "id"),
            ("clause_id", "clauses", "id"),
            ("version_id", "versions", "id"),
        ],
    },
    **MEASURE_SCHEMA,
}

VIEWS: dict[str, str] = {
    "changes_detail": """
select
  changes.id,
  changes.document_id,
  documents.title as document_title,
  from_versions.label as from_label,
  from_versions.date as from_date,
  to_versions.label as to_label,
  to_versions.date as to_date,
  changes.type,
  changes.similarity,
  changes.method,
  changes.section,
  changes.section_changed,
  changes.from_labels,
  changes.to_labels,
  changes.diff_html,
  changes.old_text,
  changes.new_text,
  changes.reviewed
from changes
  join documents on documents.id = changes.document_id
  join versions as from_versions on from_versions.id = changes.from_version
  join versions as to_versions on to_versions.id = changes.to_version
""",
}


def write_database(
    path: str | Path,
    histories: Sequence[DocumentHistory],
    *,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write document histories to a new SQLite database, replacing ``path`` atomically.

    The database is written to a temporary file in the same folder and renamed onto
    ``path`` only when complete; on any error the temporary file is removed and an
    existing database at ``path`` is left untouched.

    :param progress: called with one line of text per step, for a progress display.
    """
    path = Path(path)
    _check_replaceable(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    except OSError as e:
        raise PolicydiffError(
            f"{e.filename or path.parent}: cannot write the database there"
            f" ({e.strerror}); choose another folder"
        ) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _write(tmp, histories, progress or (lambda message: None))
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        for leftover in (tmp, Path(f"{tmp}-journal")):
            leftover.unlink(missing_ok=True)
        raise
    return path


#: The tables that make a file a policydiff database (and so safe to replace).
POLICYDIFF_TABLES = frozenset({"documents", "versions", "clauses", "changes"})


def is_policydiff_database(path: str | Path) -> bool:
    """Whether ``path`` is an SQLite file with policydiff's tables."""
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        try:
            names = {row[0] for row in conn.execute("select name from sqlite_master")}
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return POLICYDIFF_TABLES <= names


def _check_replaceable(path: Path) -> None:
    """Refuse to replace a file that is not a policydiff database: a mistyped DB argument
    must not destroy a text or another database."""
    if path.is_dir():
        raise PolicydiffError(f"{path}: is a folder; give the database's file name")
    if path.exists() and not path.is_file():
        raise PolicydiffError(
            f"{path}: is not a regular file (a device or a pipe); give a file name"
        )
    if path.exists() and path.stat().st_size and not is_policydiff_database(path):
        raise PolicydiffError(
            f"{path}: exists and is not a policydiff database; give a new file name"
            " or remove the file first"
        )


def _file_mode(path: Path) -> int:
    """The old file's permissions, or the usual ones for a new file (mkstemp makes 0600)."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _write(
    path: Path, histories: Sequence[DocumentHistory], progress: Callable[[str], None]
) -> None:
    conn = sqlite3.connect(path)
    try:
        # The rename gives atomicity, so the temporary file needs no journal of its own.
        conn.execute("pragma journal_mode = off")
        conn.execute("pragma synchronous = off")
        db = sqlite_utils.Database(conn)
        _create_tables(db)
        change_ids = itertools.count(1)
        seen: set[str] = set()
        for history in histories:
            if history.document.slug in seen:
                raise ValueError(f"document {history.document.slug} is given twice")
            seen.add(history.document.slug)
            reviews = load_reviews(history.document)
            counts = _write_history(db, history, change_ids, reviews)
            progress(
                f"{history.document.slug}: {counts['versions']} versions, "
                f"{counts['clauses']} clauses, {counts['changes']} changes, "
                f"{counts['lineages']} lineages"
            )
            progress(f"{history.document.slug}: measures (extract, align, classify)")
            counts = _write_measures(db, history, reviews)
            progress(
                f"{history.document.slug}: {counts['measures']} measures, "
                f"{counts['measure_links']} measure links, "
                f"{counts['parameter_changes']} parameter changes"
            )
        db.index_foreign_keys()
        for table, columns in MEASURE_INDEXES:
            db[table].create_index(columns)
        progress("full-text index (trigram) on clauses.text and measures.text")
        db["clauses"].enable_fts(["text"], tokenize="trigram", create_triggers=False)
        db["measures"].enable_fts(["text"], tokenize="trigram", create_triggers=False)
        for name, sql in VIEWS.items():
            db.create_view(name, sql.strip())
        _check_foreign_keys(conn)
        conn.commit()
    finally:
        conn.close()
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _create_tables(db: sqlite_utils.Database) -> None:
    for name, spec in SCHEMA.items():
        db[name].create(
            spec["columns"], pk=spec["pk"], foreign_keys=spec.get("foreign_keys", [])
        )


def _check_foreign_keys(conn: sqlite3.Connection) -> None:
    problems = conn.execute("pragma foreign_key_check").fetchall()
    if problems:
        table, rowid, parent, _ = problems[0]
        raise ValueError(
            f"{len(problems)} rows refer to missing rows, the first in {table} "
            f"(rowid {rowid}) to a missing row of {parent}"
        )


def _write_history(
    db: sqlite_utils.Database,
    history: DocumentHistory,
    change_ids: Iterator[int],
    reviews: Reviews | None = None,
) -> dict[str, int]:
    document = history.document
    slug = document.slug
    trees = {tree.label: tree for tree in history.trees}
    clauses = {clause.id: clause for tree in history.trees for clause in tree.clauses}
    lineage_of = {
        clause_id: f"{slug}/{lineage.id}"
        for lineage in history.lineages
        for _, clause_ids in lineage.clauses
        for clause_id in clause_ids
    }
    db["documents"].insert(
        {
            "id": slug,
            "title": document.title,
            "issuer": document.issuer,
            "description": document.description,
            "language": document.language,
            "source": document.source,
            "version_count": len(document.versions),
            "present_count": len(document.present_versions),
        }
    )
    db["versions"].insert_all(
        {
            "id": f"{slug}/{info.label}",
            "document_id": slug,
            "label": info.label,
            "ordinal": ordinal,
            "status": info.status,
            "date": info.date,
            "title": info.title,
            "issuer": info.issuer,
            "doc_number": info.doc_number,
            "source": info.source,
            "sha256": info.sha256,
            "file": info.file,
            "note": info.note,
            "clause_count": (
                len(trees[info.label].clauses) if info.label in trees else None
            ),
            **{key: getattr(info, key) for key in PROVENANCE_FIELDS},
            "http_status": info.http_status,
        }
        for ordinal, info in enumerate(document.versions, start=1)
    )
    present = document.present_versions
    last_present = present[-1].label if present else None
    # Lineages first: clauses and changes point at them.
    for lineage in history.lineages:
        _write_lineage(db, slug, lineage, clauses, last_present)
    for tree in history.trees:
        version_id = f"{slug}/{tree.label}"
        db["version_texts"].insert({"version_id": version_id, "text": tree.text})
        db["headings"].insert_all(
            {
                "id": f"{version_id}/{_local_id(heading.id, tree.label)}",
                "version_id": version_id,
                "label": heading.label,
                "title": heading.title,
                "level": heading.level,
                "path": PATH_SEPARATOR.join(heading.path),
                "ordinal": ordinal,
            }
            for ordinal, heading in enumerate(tree.headings, start=1)
        )
        db["clauses"].insert_all(
            dict(
                _clause_row(slug, version_id, clause),
                lineage_id=lineage_of.get(clause.id),
            )
            for clause in tree.clauses
        )
    keys = {(c.from_version, c.to_version) for c in history.comparisons}
    db["reviews"].insert_all(
        _review_row(slug, review, keys) for review in (reviews.rows if reviews else ())
    )
    change_count = 0
    for ordinal, comparison in enumerate(history.comparisons, start=1):
        change_count += _write_comparison(
            db, slug, ordinal, comparison, change_ids, lineage_of, reviews
        )
    db["lineage_clauses"].insert_all(
        {
            "lineage_id": lineage_of[clause_id],
            "clause_id": f"{slug}/{clause_id}",
            "version_id": f"{slug}/{label}",
        }
        for lineage in history.lineages
        for label, clause_ids in lineage.clauses
        for clause_id in clause_ids
    )
    return {
        "versions": len(document.versions),
        "clauses": len(clauses),
        "changes": change_count,
        "lineages": len(history.lineages),
    }


def _write_comparison(
    db: sqlite_utils.Database,
    slug: str,
    ordinal: int,
    comparison: Comparison,
    change_ids: Iterator[int],
    lineage_of: dict[str, str],
    reviews: Reviews | None = None,
) -> int:
    from_version = f"{slug}/{comparison.from_version}"
    to_version = f"{slug}/{comparison.to_version}"
    comparison_id = comparison_key(slug, comparison.from_version, comparison.to_version)
    counts = comparison.counts()
    db["comparisons"].insert(
        {
            "id": comparison_id,
            "document_id": slug,
            "from_version": from_version,
            "to_version": to_version,
            "ordinal": ordinal,
            **counts,
            "changed": sum(n for t, n in counts.items() if t != "unchanged"),
            "total": len(comparison.changes),
        }
    )
    for position, change in enumerate(comparison.changes, start=1):
        change_id = next(change_ids)
        first = (change.old or change.new)[0]
        db["changes"].insert(
            dict(
                _change_row(change_id, slug, from_version, to_version, change),
                comparison_id=comparison_id,
                ordinal=position,
                lineage_id=lineage_of.get(first.id),
                review_id=(
                    _review_of_change(slug, comparison, change, reviews)
                    if change.reviewed
                    else None
                ),
            )
        )
        redlines = clause_redlines(change)
        db["change_clauses"].insert_all(
            {
                "change_id": change_id,
                "clause_id": f"{slug}/{clause.id}",
                "side": side,
                "ordinal": n,
                "diff_html": redlines[(side, clause.id)],
            }
            for side, side_clauses in (("old", change.old), ("new", change.new))
            for n, clause in enumerate(side_clauses, start=1)
        )
    return len(comparison.changes)


def comparison_key(document: str, from_label: str, to_label: str) -> str:
    """The id of a comparison in the ``comparisons`` table: ``document/2009..2015``."""
    return f"{document}/{from_label}..{to_label}"


def _local_id(item_id: str, label: str) -> str:
    """Drop a leading ``LABEL:`` from an id, as the version id already carries it."""
    return item_id.removeprefix(f"{label}:")


def _clause_row(slug: str, version_id: str, clause: Clause) -> dict:
    return {
        "id": f"{slug}/{clause.id}",
        "document_id": slug,
        "version_id": version_id,
        "label": clause.label,
        "kind": clause.kind,
        "section": clause.path[0] if clause.path else "",
        "path": PATH_SEPARATOR.join(clause.path),
        "ordinal": clause.ordinal,
        "number": clause.number,
        "text": clause.text,
        "sentence_count": len(clause.sentences),
    }


def _change_row(
    change_id: int, slug: str, from_version: str, to_version: str, change: Change
) -> dict:
    old_path = change.old[0].path if change.old else None
    new_path = change.new[0].path if change.new else None
    return {
        "id": change_id,
        "document_id": slug,
        "from_version": from_version,
        "to_version": to_version,
        "type": change.type,
        "similarity": round(change.similarity, 4),
        "method": change.method,
        "from_labels": LABEL_SEPARATOR.join(c.label for c in change.old),
        "to_labels": LABEL_SEPARATOR.join(c.label for c in change.new),
        "diff_html": ops_to_html(change.diff),
        "diff_json": json.dumps(
            [[op, text] for op, text in change.diff], ensure_ascii=False
        ),
        "old_text": "\n".join(c.text for c in change.old) if change.old else None,
        "new_text": "\n".join(c.text for c in change.new) if change.new else None,
        "section": _outermost(new_path if new_path is not None else old_path),
        "from_section": _outermost(old_path),
        "to_section": _outermost(new_path),
        "from_path": _joined(old_path),
        "to_path": _joined(new_path),
        "section_changed": (
            int(section_key(old_path) != section_key(new_path))
            if old_path is not None and new_path is not None
            else None
        ),
        "inserted_chars": sum(len(text) for op, text in change.diff if op == INSERT),
        "deleted_chars": sum(len(text) for op, text in change.diff if op == DELETE),
        "reviewed": int(change.reviewed),
    }


def _outermost(path: Sequence[str] | None) -> str | None:
    if path is None:
        return None
    return path[0] if path else ""


def _joined(path: Sequence[str] | None) -> str | None:
    return None if path is None else PATH_SEPARATOR.join(path)


def section_key(path: Sequence[str]) -> str:
    """The nearest heading of a clause path, as compared across versions: its numbering
    set aside (a renumbered section is the same section), whitespace and width ignored.
    """
    if not path:
        return ""
    return section_title(path[-1])


def clause_redlines(change: Change) -> dict[tuple[str, str], str]:
    """Cut a change's redline into one HTML fragment per clause and side.

    An old clause shows its kept text and, in ``<del>``, what was deleted from it; a new
    clause its kept text and, in ``<ins>``, what was inserted: the two halves of a
    side-by-side view. Keys are ``("old" | "new", clause id)``; all text is escaped.
    """
    result = {}
    for side, clauses, marked in (
        ("old", change.old, DELETE),
        ("new", change.new, INSERT),
    ):
        if not clauses:
            continue
        ops = [(op, text) for op, text in change.diff if op in (EQUAL, marked)]
        parts = _cut(ops, [c.text for c in clauses])
        for clause, part in zip(clauses, parts):
            if part is None:
                part = [(EQUAL, layout_free(clause.text))]
            result[(side, clause.id)] = ops_to_html(part)
    return result


def _simplified_layout_free(text: str) -> str:
    return to_simplified(layout_free(text))


def _cut(ops: Sequence[DiffOp], texts: Sequence[str]) -> list[list[DiffOp] | None]:
    """Cut one side of a diff into the clauses it joins with newlines.

    The diff reads the layout-free text of the clauses (in Simplified when the two versions
    are in different scripts; from older builds, their raw text); each clause gets the
    pieces inside its span, the newline between two clauses goes to neither. ``None`` for
    every clause when the diff is of some other text.
    """
    joined = "".join(text for _, text in ops)
    for shown in (layout_free, _simplified_layout_free, str):
        pieces = [shown(text) for text in texts]
        if "\n".join(pieces) == joined:
            break
    else:
        return [None] * len(texts)
    spans, start = [], 0
    for piece in pieces:
        spans.append((start, start + len(piece)))
        start += len(piece) + 1
    parts: list[list[DiffOp]] = [[] for _ in texts]
    position, first = 0, 0
    for op, text in ops:
        end = position + len(text)
        while first < len(spans) and spans[first][1] <= position:
            first += 1
        k = first
        while k < len(spans) and spans[k][0] < end:
            lo, hi = max(spans[k][0], position), min(spans[k][1], end)
            if lo < hi:
                parts[k].append((op, text[lo - position : hi - position]))
            k += 1
        position = end
    return parts


def _write_lineage(
    db: sqlite_utils.Database,
    slug: str,
    lineage: Lineage,
    clauses: dict[str, Clause],
    last_present: str | None,
) -> None:
    def labels(clause_ids: Sequence[str]) -> str:
        return LABEL_SEPARATOR.join(
            clauses[i].label if i in clauses else i for i in clause_ids
        )

    db["lineages"].insert(
        {
            "id": f"{slug}/{lineage.id}",
            "document_id": slug,
            "first_version": f"{slug}/{lineage.first_version}",
            "last_version": f"{slug}/{lineage.last_version}",
            "first_label": labels(lineage.clauses[0][1]),
            "last_label": labels(lineage.clauses[-1][1]),
            "status": "current" if lineage.last_version == last_present else "removed",
            "change_count": sum(1 for s in lineage.steps if s.type != "unchanged"),
        }
    )


# ---------------------------------------------------------------------------- reviews


def _review_id(slug: str, review: Review) -> str:
    """A review's id: the document and the line of its reviews.csv."""
    return f"{slug}/reviews.csv:{review.line}"


def _reviewed_ids(slug: str, review: Review) -> tuple[list[str], list[str]]:
    """The clause or measure ids a review names, as the database writes them."""

    def qualified(ids: Sequence[str], label: str) -> list[str]:
        return [f"{slug}/{i if ':' in i else f'{label}:{i}'}" for i in ids]

    return (
        qualified(review.old, review.from_version),
        qualified(review.new, review.to_version),
    )


def _review_row(slug: str, review: Review, compared: set[tuple[str, str]]) -> dict:
    old, new = _reviewed_ids(slug, review)
    pair = (review.from_version, review.to_version)
    return {
        "id": _review_id(slug, review),
        "document_id": slug,
        "line": review.line,
        "kind": review.kind,
        "from_version": f"{slug}/{review.from_version}",
        "to_version": f"{slug}/{review.to_version}",
        "comparison_id": comparison_key(slug, *pair) if pair in compared else None,
        "old": "+".join(old),
        "new": "+".join(new),
        "decision": review.decision,
        "value": review.value,
        "who": review.who,
        "why": review.why,
    }


def _last_review(
    slug: str,
    reviews: Reviews | None,
    kinds: Sequence[str],
    pair: tuple[str, str],
    old: set[str],
    new: set[str],
) -> str | None:
    """The review that decided a link: the last one naming exactly its two sides, else
    the last one naming any of its items (a link a review freed names none of them)."""
    if reviews is None:
        return None
    exact = touching = None
    for review in reviews.rows:
        if review.kind not in kinds or (review.from_version, review.to_version) != pair:
            continue
        olds, news = (set(ids) for ids in _reviewed_ids(slug, review))
        if (olds, news) == (old, new):
            exact = review
        elif olds & old or news & new:
            touching = review
    found = exact or touching
    return _review_id(slug, found) if found else None


def _review_of_change(
    slug: str, comparison: Comparison, change: Change, reviews: Reviews | None
) -> str | None:
    return _last_review(
        slug,
        reviews,
        ("clause",),
        (comparison.from_version, comparison.to_version),
        {f"{slug}/{c.id}" for c in change.old},
        {f"{slug}/{c.id}" for c in change.new},
    )


# ---------------------------------------------------------------------------- measures


def _write_measures(
    db: sqlite_utils.Database, history: DocumentHistory, reviews: Reviews | None
) -> dict[str, int]:
    """Extract, align and classify the measures of a document and write their tables."""
    # Imported here: rows pulls in the measure aligner, which only a build needs.
    from policydiff.rows import measure_rows

    slug = history.document.slug
    tables = measure_rows(history, reviews=reviews)
    version = {v.label: f"{slug}/{v.label}" for v in history.document.versions}

    def placed(row: dict) -> dict:
        """A row of rows.py with the ids the other tables use for its document and
        versions, and the comparison it belongs to."""
        row = dict(row)
        row["document_id"] = row.pop("document")
        if "version" in row:
            row["version_id"] = version[row.pop("version")]
        if "from_version" in row:
            pair = (row["from_version"], row["to_version"])
            row["comparison_id"] = comparison_key(slug, *pair)
            row["from_version"] = version[pair[0]]
            row["to_version"] = version[pair[1]]
        return row

    db["measures"].insert_all(placed(row) for row in tables["measures"])
    # Ordinals count within each pair of versions, as for changes.
    links: dict[tuple, Iterator[int]] = defaultdict(lambda: itertools.count(1))
    sections: dict[tuple, Iterator[int]] = defaultdict(lambda: itertools.count(1))
    db["measure_links"].insert_all(
        dict(
            placed(row),
            ordinal=next(links[row["from_version"], row["to_version"]]),
            diff_html=_measure_redline(row["old_text"], row["new_text"]),
            review_id=_review_of_measure_link(slug, row, reviews),
        )
        for row in tables["measure_links"]
    )
    for name in ("measure_classes", "parameter_changes"):
        db[name].insert_all(placed(row) for row in tables[name])
    db["stats"].insert_all(
        dict(
            placed(row),
            ordinal=next(sections[row["from_version"], row["to_version"]]),
        )
        for row in tables["stats"]
    )
    return {name: len(rows) for name, rows in tables.items()}


def _measure_redline(old: str | None, new: str | None) -> str:
    """A measure link's redline, as ``changes.diff_html``: escaped text only."""
    if old is not None and new is not None:
        return ops_to_html(diff_texts(old, new))
    return ops_to_html([(DELETE, old)] if old is not None else [(INSERT, new or "")])


def _review_of_measure_link(
    slug: str, row: dict, reviews: Reviews | None
) -> str | None:
    if not row["reviewed"]:
        return None
    return _last_review(
        slug,
        reviews,
        ("measure", "class"),
        (row["from_version"], row["to_version"]),
        {row["old_measure"]} - {None},
        {row["new_measure"]} - {None},
    )


# ---------------------------------------------------------------------------- search


def search_clauses(
    db: str | Path | sqlite3.Connection | sqlite_utils.Database,
    query: str,
    *,
    document: str | None = None,
    limit: int | None = None,
) -> list[dict]:
    """Find the clauses whose text contains every whitespace-separated term of ``query``,
    in the script it is written in or the other (开放 finds 開放 in a version published
    in Traditional characters, and the other way round).

    Terms of three or more characters go through the trigram full-text index; shorter
    terms, which a trigram index cannot match, through ``LIKE`` on ``clauses.text``.
    Rows come in document, version and clause order, each with ``like_fallback`` set
    when a short term was matched with ``LIKE``.

    :param db: a database path or an open connection.
    :param document: only the clauses of this document.
    """
    terms = query.split()
    if not terms:
        return []
    long_terms = [t for t in terms if len(t) >= TRIGRAM]
    short_terms = [t for t in terms if len(t) < TRIGRAM]
    where, params = [], []
    if long_terms:
        where.append(
            "clauses.rowid in (select rowid from clauses_fts where clauses_fts match ?)"
        )
        params.append(
            " AND ".join(
                "(" + " OR ".join(map(_fts_phrase, script_variants(t))) + ")"
                for t in long_terms
            )
        )
    for term in short_terms:
        variants = script_variants(term)
        where.append(
            "(" + " or ".join(["clauses.text like ? escape '\\'"] * len(variants)) + ")"
        )
        params.extend(f"%{_like_escape(v)}%" for v in variants)
    if document is not None:
        where.append("clauses.document_id = ?")
        params.append(document)
    sql = f"""
        select clauses.id, clauses.document_id, clauses.version_id, clauses.label,
            clauses.path, clauses.text, clauses.lineage_id
        from clauses join versions on versions.id = clauses.version_id
        where {" and ".join(where)}
        order by clauses.document_id, versions.ordinal, clauses.ordinal
    """
    if limit is not None:
        sql += " limit ?"
        params.append(limit)
    conn, close = _connect(db)
    try:
        cursor = conn.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        return [
            dict(zip(columns, row), like_fallback=bool(short_terms)) for row in cursor
        ]
    finally:
        if close:
            conn.close()


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _connect(
    db: str | Path | sqlite3.Connection | sqlite_utils.Database,
) -> tuple[sqlite3.Connection, bool]:
    if isinstance(db, sqlite_utils.Database):
        return db.conn, False
    if isinstance(db, sqlite3.Connection):
        return db, False
    path = Path(db)
    if not path.exists():
        raise InputError(f"{path}: no such database; run policydiff build first")
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True), True
